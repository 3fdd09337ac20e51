// Registration (core/registration.h): the per-connection rules of CAP,
// SASL, PASS, the one login check at a time, the failure limit and OPER,
// without a server.
#include "core/registration.h"

#include <gtest/gtest.h>

#include <string>

namespace lobbyd::core {
namespace {

TEST(Registration, OneCheckAtATime) {
  Registration r;
  EXPECT_FALSE(r.checking());
  EXPECT_TRUE(r.begin_check());
  EXPECT_TRUE(r.checking());
  EXPECT_FALSE(r.begin_check()) << "a second login while one is being checked";
  r.end_check();
  EXPECT_TRUE(r.begin_check());
}

TEST(Registration, ThirdFailureUsesUpTheTries) {
  Registration r;
  EXPECT_FALSE(r.count_failure());
  EXPECT_FALSE(r.count_failure());
  EXPECT_TRUE(r.count_failure());
  static_assert(Registration::kMaxFailures == 3);
}

TEST(Registration, SaslPayloadInChunks) {
  Registration r;
  std::string payload = "untouched";
  EXPECT_FALSE(r.sasl_active());
  r.sasl_start();
  EXPECT_TRUE(r.sasl_active());
  const std::string full(Registration::kSaslChunk, 'A');
  EXPECT_EQ(r.sasl_add(full, payload), Registration::SaslStep::kMore);
  EXPECT_EQ(payload, "untouched");
  EXPECT_EQ(r.sasl_add("BBB", payload), Registration::SaslStep::kComplete);
  EXPECT_EQ(payload, full + "BBB");
  EXPECT_FALSE(r.sasl_active());
}

TEST(Registration, SaslPlusEndsAPayloadOfWholeChunks) {
  Registration r;
  std::string payload;
  r.sasl_start();
  const std::string full(Registration::kSaslChunk, 'x');
  EXPECT_EQ(r.sasl_add(full, payload), Registration::SaslStep::kMore);
  EXPECT_EQ(r.sasl_add("+", payload), Registration::SaslStep::kComplete);
  EXPECT_EQ(payload, full);
}

TEST(Registration, SaslTooLongEndsTheExchange) {
  Registration r;
  std::string payload;
  r.sasl_start();
  EXPECT_EQ(r.sasl_add(std::string(Registration::kSaslChunk + 1, 'x'), payload),
            Registration::SaslStep::kTooLong);
  EXPECT_FALSE(r.sasl_active());
  r.sasl_start();
  const std::string full(Registration::kSaslChunk, 'y');
  for (std::size_t sent = 0; sent + full.size() <= Registration::kSaslMaxBytes; sent += full.size())
    ASSERT_EQ(r.sasl_add(full, payload), Registration::SaslStep::kMore);
  EXPECT_EQ(r.sasl_add(full, payload), Registration::SaslStep::kTooLong) << "past kSaslMaxBytes in all";
  EXPECT_TRUE(payload.empty());
  r.sasl_start();  // a fresh exchange starts from nothing
  EXPECT_EQ(r.sasl_add("QQ==", payload), Registration::SaslStep::kComplete);
  EXPECT_EQ(payload, "QQ==");
}

TEST(Registration, SaslAbortDropsWhatCame) {
  Registration r;
  std::string payload;
  r.sasl_start();
  EXPECT_EQ(r.sasl_add(std::string(Registration::kSaslChunk, 'z'), payload), Registration::SaslStep::kMore);
  r.sasl_abort();
  EXPECT_FALSE(r.sasl_active());
  r.sasl_start();
  EXPECT_EQ(r.sasl_add("+", payload), Registration::SaslStep::kComplete);
  EXPECT_TRUE(payload.empty());
}

TEST(Registration, PassIsTakenOnce) {
  Registration r;
  EXPECT_FALSE(r.has_pass());
  r.set_pass("alice:secret");
  EXPECT_TRUE(r.has_pass());
  EXPECT_EQ(r.take_pass(), "alice:secret");
  EXPECT_FALSE(r.has_pass());
  EXPECT_EQ(r.take_pass(), "");
}

TEST(Registration, OperCheckThenGrantOrRefuse) {
  Registration r;
  EXPECT_FALSE(r.oper());
  EXPECT_TRUE(r.begin_oper_check());
  EXPECT_FALSE(r.begin_oper_check()) << "one OPER check at a time";
  r.end_oper_check(false);
  EXPECT_FALSE(r.oper());
  EXPECT_TRUE(r.begin_oper_check());
  r.end_oper_check(true);
  EXPECT_TRUE(r.oper());
  EXPECT_FALSE(r.begin_oper_check()) << "an operator needs no second check";
}

TEST(Registration, CapNegotiation) {
  Registration r;
  EXPECT_FALSE(r.negotiating());
  r.begin_negotiation();
  EXPECT_TRUE(r.negotiating());
  r.set_cap_302();
  r.set_sasl_acknowledged(true);
  r.end_negotiation();
  EXPECT_FALSE(r.negotiating());
  EXPECT_TRUE(r.cap_302());
  EXPECT_TRUE(r.sasl_acknowledged());
}

}  // namespace
}  // namespace lobbyd::core
