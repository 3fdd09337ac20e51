// base/utf8: strict RFC 3629 validation and repair with U+FFFD.
#include "base/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace lobbyd::base {
namespace {

const std::string kFFFD = "\xEF\xBF\xBD";

TEST(Utf8, AcceptsValidText) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain ascii #lobby"));
  EXPECT_TRUE(valid_utf8("\xC3\xA4"));              // ä
  EXPECT_TRUE(valid_utf8("\xE2\x82\xAC"));          // €
  EXPECT_TRUE(valid_utf8("\xF0\x9F\x8E\xB2"));      // 🎲
  EXPECT_TRUE(valid_utf8("\xF4\x8F\xBF\xBF"));      // U+10FFFF
  EXPECT_TRUE(valid_utf8(std::string("a\0b", 3)));  // NUL is valid UTF-8
}

TEST(Utf8, RefusesInvalidSequences) {
  EXPECT_FALSE(valid_utf8("\xFF\xFE"));
  EXPECT_FALSE(valid_utf8("\x80"));              // lone continuation
  EXPECT_FALSE(valid_utf8("\xC3"));              // truncated
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(valid_utf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(valid_utf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(valid_utf8("ok\xE2\x82"));        // truncated at the end
}

TEST(Utf8, RepairReplacesEachBadByteAndKeepsValidOnes) {
  EXPECT_EQ(to_utf8("abc"), "abc");
  EXPECT_EQ(to_utf8("\xFF\xFE"), kFFFD + kFFFD);
  EXPECT_EQ(to_utf8("a\xC3\xA4\xFF" "b"), "a\xC3\xA4" + kFFFD + "b");
  EXPECT_EQ(to_utf8("\xE2\x82"), kFFFD + kFFFD);
  std::string out = "x";
  append_utf8(out, "\xED\xA0\x80!");
  EXPECT_EQ(out, "x" + kFFFD + kFFFD + kFFFD + "!");
}

TEST(Utf8, RepairAlwaysYieldsValidUtf8) {
  // Every 1- and 2-byte string, and a walk over 3-byte ones.
  for (int a = 0; a < 256; ++a) {
    std::string s1(1, static_cast<char>(a));
    ASSERT_TRUE(valid_utf8(to_utf8(s1))) << a;
    ASSERT_EQ(valid_utf8(s1), to_utf8(s1) == s1) << a;
    for (int b = 0; b < 256; ++b) {
      std::string s2 = s1 + static_cast<char>(b);
      ASSERT_TRUE(valid_utf8(to_utf8(s2))) << a << "," << b;
      ASSERT_EQ(valid_utf8(s2), to_utf8(s2) == s2) << a << "," << b;
      std::string s3 = s2 + static_cast<char>((a * 7 + b) & 0xFF);
      ASSERT_TRUE(valid_utf8(to_utf8(s3)));
      ASSERT_EQ(valid_utf8(s3), to_utf8(s3) == s3);
    }
  }
}

}  // namespace
}  // namespace lobbyd::base
