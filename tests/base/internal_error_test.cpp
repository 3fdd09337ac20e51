// base/internal_error: the counters, guarded(), and the fault-injection hook.
#include "base/internal_error.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace lobbyd::base {
namespace {

TEST(InternalError, GuardedCatchesAndCounts) {
  auto before = internal_errors(Where::kTask);
  EXPECT_TRUE(guarded(Where::kTask, [] {}));
  EXPECT_FALSE(guarded(Where::kTask, [] { throw std::runtime_error("boom"); }));
  EXPECT_FALSE(guarded(Where::kTask, [] { throw 42; }));  // not a std::exception
  EXPECT_EQ(internal_errors(Where::kTask), before + 2);
}

TEST(InternalError, NamesRoundTrip) {
  for (unsigned i = 0; i < static_cast<unsigned>(Where::kCount); ++i) {
    auto w = static_cast<Where>(i);
    EXPECT_EQ(parse_where(where_name(w)), w);
  }
  EXPECT_EQ(parse_where("nonsense"), Where::kCount);
}

TEST(InternalError, FaultPointThrowsOnceWhenArmed) {
  EXPECT_NO_THROW(fault_point(Where::kHttp));
  EXPECT_FALSE(fault_injection_enabled());
  EXPECT_FALSE(arm_fault(Where::kHttp));  // off unless enabled
  EXPECT_NO_THROW(fault_point(Where::kHttp));
  enable_fault_injection();
  EXPECT_TRUE(arm_fault(Where::kHttp));
  EXPECT_THROW(fault_point(Where::kHttp), std::runtime_error);
  EXPECT_NO_THROW(fault_point(Where::kHttp));  // disarmed by the throw
  EXPECT_NO_THROW(fault_point(Where::kStore));
}

}  // namespace
}  // namespace lobbyd::base
