// Tests for lobbyd::proto::parse(): a table of valid and hostile lines, then
// the exact length limits (512 without tags, 8191 for tags).
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "proto/message.h"

namespace lobbyd::proto {

// Found by argument-dependent lookup: failure messages show "input line too long"
// instead of a byte value.
static void PrintTo(ParseError e, std::ostream* os) { *os << to_string(e); }

namespace {

using namespace std::string_literals;

struct Case {
  const char* name;  // test name suffix (letters, digits, '_')
  std::string line;
  ParseError error;
  // Expected fields, checked only when error == kOk.
  std::string tags{};
  std::string source{};
  std::string command{};
  std::vector<std::string> params{};
  bool has_trailing = false;
};

// "CMD p1 p2 ... pN" (N params, no trailing).
std::string numbered_params(int n) {
  std::string s;
  for (int i = 1; i <= n; ++i) s += " p" + std::to_string(i);
  return s;
}
std::vector<std::string> numbered(int n) {
  std::vector<std::string> v;
  for (int i = 1; i <= n; ++i) v.push_back("p" + std::to_string(i));
  return v;
}
std::vector<std::string> numbered_then(int n, std::string last) {
  auto v = numbered(n);
  v.push_back(std::move(last));
  return v;
}

const std::vector<Case>& cases() {
  // clang-format off
  static const std::vector<Case> kCases = {
      // ---- valid lines -------------------------------------------------------
      {"CommandOnly", "PING", ParseError::kOk, "", "", "PING", {}},
      {"LowercaseCommand", "privmsg #a hi", ParseError::kOk, "", "", "privmsg", {"#a", "hi"}},
      {"MiddleParams", "USER guest 0 * realname", ParseError::kOk, "", "", "USER",
       {"guest", "0", "*", "realname"}},
      {"Trailing", "PRIVMSG #lobby :hello world", ParseError::kOk, "", "", "PRIVMSG",
       {"#lobby", "hello world"}, true},
      {"EmptyTrailing", "PRIVMSG #lobby :", ParseError::kOk, "", "", "PRIVMSG", {"#lobby", ""},
       true},
      {"TrailingOnly", "QUIT :", ParseError::kOk, "", "", "QUIT", {""}, true},
      {"TrailingStartingWithColon", "PRIVMSG #a ::-)", ParseError::kOk, "", "", "PRIVMSG",
       {"#a", ":-)"}, true},
      {"TrailingKeepsSpaces", "PRIVMSG #a :  two  spaces  ", ParseError::kOk, "", "", "PRIVMSG",
       {"#a", "  two  spaces  "}, true},
      {"ColonInsideMiddleParam", "JOIN a:b c:", ParseError::kOk, "", "", "JOIN", {"a:b", "c:"}},
      {"Source", ":nick!user@host PRIVMSG #a :hi", ParseError::kOk, "", "nick!user@host",
       "PRIVMSG", {"#a", "hi"}, true},
      {"ServerSource", ":irc.example.net NOTICE * :Looking up", ParseError::kOk, "",
       "irc.example.net", "NOTICE", {"*", "Looking up"}, true},
      {"Tags", "@time=2024-01-01T00:00:00.000Z;+draft/reply=abc :n!u@h PRIVMSG #a :x",
       ParseError::kOk, "time=2024-01-01T00:00:00.000Z;+draft/reply=abc", "n!u@h", "PRIVMSG",
       {"#a", "x"}, true},
      {"TagsWithoutSource", "@a=b;c PRIVMSG #a b", ParseError::kOk, "a=b;c", "", "PRIVMSG",
       {"#a", "b"}},
      {"EmptyTags", "@ PING x", ParseError::kOk, "", "", "PING", {"x"}},
      {"EscapedTagValueKeptRaw", "@k=a\\sb\\:c PING", ParseError::kOk, "k=a\\sb\\:c", "", "PING",
       {}},
      {"NumericCommand", ":srv 001 nick :Welcome to lobbyd", ParseError::kOk, "", "srv", "001",
       {"nick", "Welcome to lobbyd"}, true},
      {"NumericZero", "000 x", ParseError::kOk, "", "", "000", {"x"}},
      {"Numeric999", "999", ParseError::kOk, "", "", "999", {}},
      {"MultipleSpacesEverywhere", "@a=1   :src   PRIVMSG    #a     b   :c  d", ParseError::kOk,
       "a=1", "src", "PRIVMSG", {"#a", "b", "c  d"}, true},
      {"LeadingSpaces", "   PING x", ParseError::kOk, "", "", "PING", {"x"}},
      {"TrailingSpacesAfterMiddle", "MODE #a +o nick   ", ParseError::kOk, "", "", "MODE",
       {"#a", "+o", "nick"}},
      {"TabIsNotASeparator", "PRIVMSG #a\tb c", ParseError::kOk, "", "", "PRIVMSG",
       {"#a\tb", "c"}},
      {"Utf8Trailing", "PRIVMSG #a :h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x8E\xB2", ParseError::kOk,
       "", "", "PRIVMSG", {"#a", "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x8E\xB2"}, true},
      {"Command32Letters", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef", ParseError::kOk, "", "",
       "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef", {}},
      // 14 middle parameters, then the 15th takes the rest of the line.
      {"FourteenParams", "CMD" + numbered_params(14), ParseError::kOk, "", "", "CMD",
       numbered(14)},
      {"FifteenParams", "CMD" + numbered_params(15), ParseError::kOk, "", "", "CMD",
       numbered(15)},
      {"FifteenthTakesRest", "CMD" + numbered_params(14) + " p15 p16  p17 ", ParseError::kOk, "",
       "", "CMD", numbered_then(14, "p15 p16  p17 ")},
      {"FifteenthAfterExtraSpaces", "CMD" + numbered_params(14) + "    x y", ParseError::kOk, "",
       "", "CMD", numbered_then(14, "x y")},
      {"FifteenthWithColon", "CMD" + numbered_params(14) + " :x y", ParseError::kOk, "", "",
       "CMD", numbered_then(14, "x y"), true},
      {"FifteenthKeepsSecondColon", "CMD" + numbered_params(14) + " a :b", ParseError::kOk, "",
       "", "CMD", numbered_then(14, "a :b")},
      {"TrailingAsFourteenth", "CMD" + numbered_params(13) + " :x y", ParseError::kOk, "", "",
       "CMD", numbered_then(13, "x y"), true},
      {"ManyParamsWithSourceAndTags", "@t :s CMD" + numbered_params(20), ParseError::kOk, "t",
       "s", "CMD", numbered_then(14, "p15 p16 p17 p18 p19 p20")},
      // Current behaviour, documented rather than endorsed: a bare ':' gives an
      // empty source (RFC 2812 has no empty prefix; the server ignores the
      // client's source anyway).
      {"EmptySource", ": PING", ParseError::kOk, "", "", "PING", {}},
      {"TagsGluedToSourceIsOneWord", "@a=b:src PING", ParseError::kOk, "a=b:src", "", "PING", {}},

      // ---- ignored / malformed ---------------------------------------------
      {"Empty", "", ParseError::kEmpty},
      {"OnlySpaces", "     ", ParseError::kEmpty},
      {"TagsOnly", "@a=b", ParseError::kNoCommand},
      {"TagsThenSpaces", "@a=b    ", ParseError::kNoCommand},
      {"AtOnly", "@", ParseError::kNoCommand},
      {"SourceOnly", ":nick!u@h", ParseError::kNoCommand},
      {"SourceThenSpaces", ":nick   ", ParseError::kNoCommand},
      {"ColonOnly", ":", ParseError::kNoCommand},
      {"TagsAndSourceOnly", "@a :src ", ParseError::kNoCommand},
      {"TwoDigitCommand", "12", ParseError::kBadCommand},
      {"TwoDigitCommandWithParams", "12 a b", ParseError::kBadCommand},
      {"FourDigitCommand", "1234 x", ParseError::kBadCommand},
      {"LetterDigitCommand", "A1", ParseError::kBadCommand},
      {"DigitsThenLetter", "12A", ParseError::kBadCommand},
      {"DashInCommand", "PRIV-MSG #a b", ParseError::kBadCommand},
      {"ColonGluedToCommand", "PRIVMSG:#a", ParseError::kBadCommand},
      {"NonAsciiCommand", "PR\xC3\x8DVMSG #a", ParseError::kBadCommand},
      {"Command33Letters", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg", ParseError::kBadCommand},
      {"BadCommandAfterSource", ":src 12 x", ParseError::kBadCommand},
      {"BadCommandAfterTags", "@a=b A1", ParseError::kBadCommand},
      {"NulInTrailing", "PRIVMSG #a :a\0b"s, ParseError::kBadCharacter},
      {"NulInCommand", "PR\0VMSG"s, ParseError::kBadCharacter},
      {"NulInTags", "@a=\0 PING"s, ParseError::kBadCharacter},
      {"NulAtEnd", "PING\0"s, ParseError::kBadCharacter},
      {"NulOnly", "\0"s, ParseError::kBadCharacter},
      {"CrInside", "PRIVMSG #a :a\rb", ParseError::kBadCharacter},
      {"CrAtEnd", "PING\r", ParseError::kBadCharacter},
      {"LfInside", "PRIVMSG #a :a\nQUIT", ParseError::kBadCharacter},
      {"CrLfInside", "PRIVMSG #a :a\r\nQUIT :x", ParseError::kBadCharacter},
      {"CrInSource", ":a\rb PING", ParseError::kBadCharacter},
  };
  // clang-format on
  return kCases;
}

// Keeps gtest from hex-dumping the whole struct in failure messages.
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name << ": " << ::testing::PrintToString(c.line);
}

class ParseTable : public ::testing::TestWithParam<Case> {};

TEST_P(ParseTable, Parses) {
  const Case& c = GetParam();
  MessageView m;
  ASSERT_EQ(parse(c.line, m), c.error) << "line: " << ::testing::PrintToString(c.line);
  if (c.error != ParseError::kOk) return;
  EXPECT_EQ(m.tags, c.tags);
  EXPECT_EQ(m.source, c.source);
  EXPECT_EQ(m.command, c.command);
  ASSERT_EQ(m.param_count, c.params.size());
  for (std::size_t i = 0; i < c.params.size(); ++i) {
    EXPECT_EQ(m.params[i], c.params[i]) << "param " << i;
    EXPECT_EQ(m.param(i), c.params[i]) << "param " << i;
  }
  EXPECT_EQ(m.param(c.params.size()), "");
  volatile std::size_t beyond =
      kMaxParams + 5;  // volatile: avoids a gcc -Warray-bounds false positive
  EXPECT_EQ(m.param(beyond), "");
  EXPECT_EQ(m.has_trailing, c.has_trailing);

  // Every view points into the caller's buffer (no copies).
  const char* begin = c.line.data();
  const char* end = begin + c.line.size();
  auto inside = [&](std::string_view v) {
    return v.empty() || (v.data() >= begin && v.data() + v.size() <= end);
  };
  EXPECT_TRUE(inside(m.tags));
  EXPECT_TRUE(inside(m.source));
  EXPECT_TRUE(inside(m.command));
  for (std::size_t i = 0; i < m.param_count; ++i) EXPECT_TRUE(inside(m.params[i])) << i;
}

INSTANTIATE_TEST_SUITE_P(Lines, ParseTable, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.name);
                         });

TEST(Parse, ResetsOutputOnEveryCall) {
  MessageView m;
  ASSERT_EQ(parse("@t=1 :src PRIVMSG #a :hello", m), ParseError::kOk);
  ASSERT_EQ(parse("PING", m), ParseError::kOk);
  EXPECT_EQ(m.tags, "");
  EXPECT_EQ(m.source, "");
  EXPECT_EQ(m.param_count, 0);
  EXPECT_FALSE(m.has_trailing);
  EXPECT_EQ(m.params[0], "");
  EXPECT_EQ(m.params[1], "");
  // A failed parse leaves no parameters behind either.
  ASSERT_EQ(parse("PRIVMSG #a :x", m), ParseError::kOk);
  EXPECT_EQ(parse("12 a b", m), ParseError::kBadCommand);
  EXPECT_EQ(m.param_count, 0);
}

TEST(Parse, ErrorStrings) {
  for (auto e :
       {ParseError::kOk, ParseError::kEmpty, ParseError::kNoCommand, ParseError::kBadCommand,
        ParseError::kBadCharacter, ParseError::kTagsTooLong, ParseError::kTooLong}) {
    EXPECT_FALSE(to_string(e).empty());
    EXPECT_NE(to_string(e), "unknown");
  }
  EXPECT_EQ(to_string(static_cast<ParseError>(200)), "unknown");
}

// ---- length limits -----------------------------------------------------------

// A PRIVMSG whose whole text (without CRLF) is exactly n bytes long.
std::string privmsg_of_size(std::size_t n) {
  std::string s = "PRIVMSG #lobby :";
  EXPECT_GE(n, s.size());
  s.append(n - s.size(), 'x');
  return s;
}

// "@" + tags + " " is exactly n bytes.
std::string tag_prefix_of_size(std::size_t n) {
  std::string s = "@key=";
  s.append(n - s.size() - 1, 'v');
  s += ' ';
  EXPECT_EQ(s.size(), n);
  return s;
}

TEST(ParseLimits, NoTagsExactly512WithCrlf) {
  MessageView m;
  std::string ok = privmsg_of_size(510);  // 510 + CRLF = 512
  ASSERT_EQ(parse(ok, m), ParseError::kOk);
  EXPECT_EQ(m.params[1].size(), 510 - std::string_view("PRIVMSG #lobby :").size());
  EXPECT_EQ(parse(privmsg_of_size(511), m), ParseError::kTooLong);
  EXPECT_EQ(parse(privmsg_of_size(509), m), ParseError::kOk);
  EXPECT_EQ(parse(privmsg_of_size(8000), m), ParseError::kTooLong);
}

TEST(ParseLimits, LimitAppliesToCommandOnlyLines) {
  MessageView m;
  std::string cmd510(510, 'A');  // too long as a command, but the length check comes first
  EXPECT_EQ(parse(cmd510, m), ParseError::kBadCommand);
  EXPECT_EQ(parse(std::string(511, 'A'), m), ParseError::kTooLong);
}

TEST(ParseLimits, CustomMaxLine) {
  MessageView m;
  EXPECT_EQ(parse(privmsg_of_size(98), m, 100), ParseError::kOk);
  EXPECT_EQ(parse(privmsg_of_size(99), m, 100), ParseError::kTooLong);
  EXPECT_EQ(parse(privmsg_of_size(1022), m, 1024), ParseError::kOk);
  EXPECT_EQ(parse(privmsg_of_size(1023), m, 1024), ParseError::kTooLong);
  EXPECT_EQ(parse("PING", m, 6), ParseError::kOk);
  EXPECT_EQ(parse("PING", m, 5), ParseError::kTooLong);
  EXPECT_EQ(parse("PING", m, 0), ParseError::kTooLong);
}

TEST(ParseLimits, TagsDoNotCountTowards512) {
  MessageView m;
  std::string line = tag_prefix_of_size(1000) + privmsg_of_size(510);
  ASSERT_EQ(parse(line, m), ParseError::kOk);
  EXPECT_EQ(m.tags.size(), 1000u - 2u);
  EXPECT_EQ(m.command, "PRIVMSG");
  EXPECT_EQ(parse(tag_prefix_of_size(1000) + privmsg_of_size(511), m), ParseError::kTooLong);
}

TEST(ParseLimits, TagsExactly8191) {
  MessageView m;
  // '@', the tags and the space together may be 8191 bytes.
  std::string line = tag_prefix_of_size(8191) + "PING";
  ASSERT_EQ(parse(line, m), ParseError::kOk);
  EXPECT_EQ(m.tags.size(), 8189u);
  EXPECT_EQ(parse(tag_prefix_of_size(8192) + "PING", m), ParseError::kTagsTooLong);
  EXPECT_EQ(parse(tag_prefix_of_size(8190) + "PING", m), ParseError::kOk);
}

TEST(ParseLimits, LongestAcceptedLineWithTags) {
  MessageView m;
  std::string line = tag_prefix_of_size(8191) + privmsg_of_size(510);
  EXPECT_EQ(line.size(), 8191u + 510u);
  ASSERT_EQ(parse(line, m), ParseError::kOk);
  EXPECT_EQ(parse(tag_prefix_of_size(8191) + privmsg_of_size(511), m), ParseError::kTooLong);
  EXPECT_EQ(parse(tag_prefix_of_size(8192) + privmsg_of_size(510), m), ParseError::kTagsTooLong);
}

TEST(ParseLimits, OverlongTagsWithoutCommandReportTagsTooLong) {
  MessageView m;
  std::string tags_only = "@" + std::string(9000, 'k');
  EXPECT_EQ(parse(tags_only, m), ParseError::kTagsTooLong);
  // 8190 bytes of '@'+tags, no space and no command: counts the missing space too.
  EXPECT_EQ(parse("@" + std::string(8189, 'k'), m), ParseError::kNoCommand);
  EXPECT_EQ(parse("@" + std::string(8190, 'k'), m), ParseError::kTagsTooLong);
}

TEST(ParseLimits, ForbiddenCharacterBeatsLength) {
  MessageView m;
  std::string line = privmsg_of_size(9000);
  line[8000] = '\0';
  EXPECT_EQ(parse(line, m), ParseError::kBadCharacter);
}

TEST(ParseLimits, FifteenParamsAtTheLimit) {
  MessageView m;
  std::string line = "CMD" + numbered_params(14) + " ";
  line.append(510 - line.size(), 'z');
  ASSERT_EQ(line.size(), 510u);
  ASSERT_EQ(parse(line, m), ParseError::kOk);
  ASSERT_EQ(m.param_count, kMaxParams);
  EXPECT_EQ(m.params[14].size(), 510 - ("CMD" + numbered_params(14) + " ").size());
  line += 'z';
  EXPECT_EQ(parse(line, m), ParseError::kTooLong);
}

}  // namespace
}  // namespace lobbyd::proto
