// Tests for lobbyd::proto::LineBuilder and utf8_prefix(): layout, numerics,
// the 512-byte limit (510 + CRLF, tags not counted), UTF-8-safe truncation.
#include "proto/format.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "proto/message.h"
#include "proto/numerics.h"

namespace lobbyd::proto {
namespace {

// True if s is well-formed UTF-8 (no truncated or stray sequences).
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xE  ? 3
                    : (c >> 3) == 0x1E ? 4
                                       : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

TEST(LineBuilder, BasicLayout) {
  std::string out;
  LineBuilder(out)
      .source("nick!user@host")
      .command("PRIVMSG")
      .param("#lobby")
      .trailing("hello world")
      .finish();
  EXPECT_EQ(out, ":nick!user@host PRIVMSG #lobby :hello world\r\n");
}

TEST(LineBuilder, OptionalPartsOmittedWhenEmpty) {
  std::string out;
  LineBuilder(out).tags("").source("").command("PING").param("x").finish();
  EXPECT_EQ(out, "PING x\r\n");
}

TEST(LineBuilder, Tags) {
  std::string out;
  LineBuilder(out)
      .tags("time=2024-01-01T00:00:00Z;+a")
      .source("srv")
      .command("NOTICE")
      .param("*")
      .trailing("hi")
      .finish();
  EXPECT_EQ(out, "@time=2024-01-01T00:00:00Z;+a :srv NOTICE * :hi\r\n");
}

TEST(LineBuilder, EmptyMiddleParamBecomesStar) {
  std::string out;
  LineBuilder(out).command("NOTICE").param("").trailing("x").finish();
  EXPECT_EQ(out, "NOTICE * :x\r\n");
}

TEST(LineBuilder, EmptyTrailingKeepsColon) {
  std::string out;
  LineBuilder(out).command("PRIVMSG").param("#a").trailing("").finish();
  EXPECT_EQ(out, "PRIVMSG #a :\r\n");
}

TEST(LineBuilder, NumericsAreZeroPadded) {
  struct {
    int code;
    const char* text;
  } cases[] = {
      {0, "000"},  {num::RPL_WELCOME, "001"},  {num::RPL_ISUPPORT, "005"},      {42, "042"},
      {99, "099"}, {num::RPL_NAMREPLY, "353"}, {num::ERR_NICKNAMEINUSE, "433"}, {999, "999"}};
  for (auto& c : cases) {
    std::string out;
    LineBuilder(out).source("srv").numeric(c.code).param("nick").finish();
    EXPECT_EQ(out, std::string(":srv ") + c.text + " nick\r\n") << c.code;
  }
}

TEST(LineBuilder, IntegerParams) {
  std::string out;
  LineBuilder(out)
      .command("X")
      .param(std::uint64_t{0})
      .param(std::uint64_t{1234567})
      .param(std::numeric_limits<std::uint64_t>::max())
      .finish();
  EXPECT_EQ(out, "X 0 1234567 18446744073709551615\r\n");
}

TEST(LineBuilder, ReusesAndClearsTheString) {
  std::string out = "garbage that must go";
  LineBuilder(out).command("PING").finish();
  EXPECT_EQ(out, "PING\r\n");
  LineBuilder(out).command("PONG").trailing("x").finish();
  EXPECT_EQ(out, "PONG :x\r\n");
}

TEST(LineBuilder, FinishReturnsTheString) {
  std::string out;
  std::string& r = LineBuilder(out).command("PING").finish();
  EXPECT_EQ(&r, &out);
}

// "PRIVMSG #lobby :" followed by text, as built by LineBuilder.
std::string privmsg(std::string_view text, std::string_view tags = "") {
  std::string out;
  LineBuilder(out).tags(tags).command("PRIVMSG").param("#lobby").trailing(text).finish();
  return out;
}
constexpr std::size_t kHead = std::string_view("PRIVMSG #lobby :").size();

TEST(LineBuilderLimit, Exactly510IsUntouched) {
  std::string text(510 - kHead, 'x');
  std::string out = privmsg(text);
  EXPECT_EQ(out.size(), 512u);
  EXPECT_EQ(out, "PRIVMSG #lobby :" + text + "\r\n");
}

TEST(LineBuilderLimit, OneOverIsCut) {
  std::string text(511 - kHead, 'x');
  std::string out = privmsg(text);
  ASSERT_EQ(out.size(), 512u);
  EXPECT_EQ(out, "PRIVMSG #lobby :" + text.substr(0, text.size() - 1) + "\r\n");
}

TEST(LineBuilderLimit, LongTrailingIsCutTo510PlusCrlf) {
  std::string out = privmsg(std::string(5000, 'y'));
  ASSERT_EQ(out.size(), 512u);
  EXPECT_EQ(out.substr(510), "\r\n");
  EXPECT_EQ(out.find('\r'), 510u);
  MessageView m;
  ASSERT_EQ(parse(std::string_view(out).substr(0, 510), m), ParseError::kOk);
  EXPECT_EQ(m.params[1].size(), 510 - kHead);
}

TEST(LineBuilderLimit, Utf8SequenceIsNotSplit) {
  // Put the 510-byte cut at every offset inside 2-, 3- and 4-byte characters.
  for (std::string_view ch : {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x8E\xB2"}) {
    for (std::size_t pad = 0; pad < ch.size(); ++pad) {
      std::string text(pad, 'a');
      while (text.size() < 700) text += ch;
      std::string out = privmsg(text);
      ASSERT_LE(out.size(), 512u);
      ASSERT_GE(out.size(), 512u - (ch.size() - 1)) << "cut more than one character";
      ASSERT_EQ(out.substr(out.size() - 2), "\r\n");
      EXPECT_TRUE(valid_utf8(out)) << "char size " << ch.size() << " pad " << pad;
      // What is left is a prefix of the original text.
      std::string_view body = std::string_view(out).substr(kHead, out.size() - 2 - kHead);
      EXPECT_EQ(body, std::string_view(text).substr(0, body.size()));
    }
  }
}

TEST(LineBuilderLimit, TagsDoNotCount) {
  std::string tags = "+game/state=" + std::string(2000, 's');
  std::string out = privmsg(std::string(5000, 'y'), tags);
  ASSERT_EQ(out.size(), 1 + tags.size() + 1 + 510 + 2);
  EXPECT_EQ(out.substr(0, tags.size() + 2), "@" + tags + " ");
  EXPECT_EQ(out.substr(out.size() - 2), "\r\n");
  std::string exact = privmsg(std::string(510 - kHead, 'z'), tags);
  EXPECT_EQ(exact.size(), tags.size() + 2 + 512);
  EXPECT_EQ(exact.substr(exact.size() - 3), "z\r\n");
}

TEST(LineBuilderLimit, RoundTripsThroughParse) {
  std::string out;
  LineBuilder(out)
      .tags("a=1")
      .source("srv")
      .numeric(num::RPL_NAMREPLY)
      .param("nick")
      .param("=")
      .param("#lobby")
      .trailing("@alice bob carol")
      .finish();
  ASSERT_EQ(out.substr(out.size() - 2), "\r\n");
  MessageView m;
  ASSERT_EQ(parse(std::string_view(out).substr(0, out.size() - 2), m), ParseError::kOk);
  EXPECT_EQ(m.tags, "a=1");
  EXPECT_EQ(m.source, "srv");
  EXPECT_EQ(m.command, "353");
  ASSERT_EQ(m.param_count, 4);
  EXPECT_EQ(m.params[3], "@alice bob carol");
  EXPECT_TRUE(m.has_trailing);
}

TEST(Utf8Prefix, Basics) {
  EXPECT_EQ(utf8_prefix("hello", 10), "hello");
  EXPECT_EQ(utf8_prefix("hello", 5), "hello");
  EXPECT_EQ(utf8_prefix("hello", 3), "hel");
  EXPECT_EQ(utf8_prefix("hello", 0), "");
  EXPECT_EQ(utf8_prefix("", 0), "");
}

TEST(Utf8Prefix, NeverSplitsASequence) {
  const std::string_view s =
      "a\xC3\xA9"
      "b\xE2\x82\xAC"
      "c\xF0\x9F\x8E\xB2";
  // byte offsets: a=0, é=1..2, b=3, €=4..6, c=7, 🎲=8..11
  const std::size_t expect[] = {0, 1, 1, 3, 4, 4, 4, 7, 8, 8, 8, 8, 12};
  for (std::size_t n = 0; n <= s.size(); ++n) {
    std::string_view p = utf8_prefix(s, n);
    EXPECT_EQ(p.size(), expect[n]) << "n=" << n;
    EXPECT_EQ(p.data(), s.data());
    EXPECT_TRUE(valid_utf8(p)) << "n=" << n;
  }
  EXPECT_EQ(utf8_prefix("\xC3\xA9", 1), "");
}

// On invalid UTF-8 (e.g. Latin-1 bytes 0x80-0xBF, which look like continuation
// bytes) utf8_prefix steps back at most three bytes, so such a message is cut
// near the limit, not to nothing.
TEST(Utf8Prefix, StepsBackAtMostThreeBytesOnInvalidInput) {
  std::string out = privmsg(std::string(600, '\xB0'));  // Latin-1 degree signs
  EXPECT_GE(out.size(), 512u - 3u) << ::testing::PrintToString(out.substr(0, 20));
}

// split_trailing: the lines it makes, each parsed back; the parts joined
// must give the text again, byte for byte.
struct Split {
  std::vector<std::string> lines;
  std::string joined;
};

Split split_and_join(std::string_view text, std::size_t max_line) {
  std::string out = split_trailing(":srv GAME &3 STATE", ":srv GAME &3 MORE", text, max_line);
  Split r;
  std::size_t pos = 0;
  while (pos < out.size()) {
    std::size_t eol = out.find("\r\n", pos);
    EXPECT_NE(eol, std::string::npos);
    if (eol == std::string::npos) break;
    r.lines.push_back(out.substr(pos, eol + 2 - pos));
    pos = eol + 2;
  }
  for (std::size_t i = 0; i < r.lines.size(); ++i) {
    MessageView m;
    std::string_view line = r.lines[i];
    line.remove_suffix(2);
    EXPECT_EQ(parse(line, m, 8192), ParseError::kOk) << r.lines[i];
    EXPECT_EQ(m.param(0), "&3");
    EXPECT_EQ(m.param(1), i + 1 == r.lines.size() ? "STATE" : "MORE");
    EXPECT_EQ(m.param_count, 3u);
    r.joined += m.param(2);
  }
  return r;
}

TEST(SplitTrailing, FitsInOneLine) {
  Split s = split_and_join("{\"a\":1}", 512);
  ASSERT_EQ(s.lines.size(), 1u);
  EXPECT_EQ(s.lines[0], ":srv GAME &3 STATE :{\"a\":1}\r\n");
  // exactly 512 bytes with CRLF: still one line
  std::string text(512 - std::string_view(":srv GAME &3 STATE :\r\n").size(), 'x');
  s = split_and_join(text, 512);
  ASSERT_EQ(s.lines.size(), 1u);
  EXPECT_EQ(s.lines[0].size(), 512u);
  s = split_and_join(text + "y", 512);
  EXPECT_EQ(s.lines.size(), 2u);
  EXPECT_EQ(s.joined, text + "y");
}

TEST(SplitTrailing, LongTextInPartsUnderTheLimit) {
  std::string text;
  for (int i = 0; text.size() < 5000; ++i) text += "{\"card\":\"" + std::to_string(i) + "H\"} ";
  for (std::size_t max : {64u, 100u, 512u, 1000u}) {
    Split s = split_and_join(text, max);
    EXPECT_EQ(s.joined, text) << max;
    EXPECT_GE(s.lines.size(), text.size() / max) << max;
    for (const auto& l : s.lines) EXPECT_LE(l.size(), max) << l;
  }
}

TEST(SplitTrailing, NeverSplitsUtf8AndEmptyText) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x8E\xB2";
  Split s = split_and_join(text, 100);
  EXPECT_EQ(s.joined, text);
  for (const auto& l : s.lines) {
    EXPECT_LE(l.size(), 100u);
    EXPECT_TRUE(valid_utf8(l)) << l;
  }
  s = split_and_join("", 512);
  ASSERT_EQ(s.lines.size(), 1u);
  EXPECT_EQ(s.lines[0], ":srv GAME &3 STATE :\r\n");
}

TEST(SplitTrailing, AbsurdLimitStillSendsEverything) {
  std::string text(200, 'z');
  Split s = split_and_join(text, 10);  // no room even for the head
  EXPECT_EQ(s.joined, text);
  EXPECT_LE(s.lines.size(), 200u / 16 + 1);
}

}  // namespace
}  // namespace lobbyd::proto
