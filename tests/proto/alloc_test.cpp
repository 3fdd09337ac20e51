// Asserts that the hot paths of the protocol layer never touch the heap:
// parse() and LineFramer::next() over 100k lines, and LineBuilder once its
// output string has grown. This binary links tests/support/counting_new.cpp,
// which replaces the global operator new with a counting one.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "proto/format.h"
#include "proto/line_framer.h"
#include "proto/message.h"
#include "counting_new.h"


namespace lobbyd::proto {
namespace {

constexpr std::size_t kLines = 100'000;

// A mix of typical and hostile lines; every kind of parse result appears.
const std::vector<std::string>& sample_lines() {
  static const std::vector<std::string> lines = [] {
    std::vector<std::string> v = {
        "PRIVMSG #lobby :hello there, anyone up for a game?",
        "@time=2024-05-01T12:00:00.000Z;msgid=abc;+game/seq=42 :alice!a@host PRIVMSG #g1 :move e4",
        ":irc.example.net 005 nick CHANTYPES=# CASEMAPPING=ascii NICKLEN=30 LINELEN=512 :are "
        "supported",
        "CMD p1 p2 p3 p4 p5 p6 p7 p8 p9 p10 p11 p12 p13 p14 p15 p16 p17",
        "PING :12345",
        "JOIN #lobby",
        "",
        "   ",
        "@only=tags",
        "12 bad",
        "PRIVMSG #a :" + std::string(600, 'x'),      // too long
        "@" + std::string(9000, 't') + " PING",      // tags too long
        std::string("PRIVMSG #a :nul\0inside", 22),  // bad character
    };
    return v;
  }();
  return lines;
}

class AllocationCounter {
 public:
  AllocationCounter() : start_(test::allocations()) {}
  std::size_t count() const { return test::allocations() - start_; }

 private:
  std::size_t start_;
};

TEST(Allocations, CounterWorks) {
  AllocationCounter c;
  auto* v = new std::vector<int>(1000, 7);  // cannot be elided: the pointer escapes below
  ::testing::Test::RecordProperty("sink", static_cast<int>((*v)[999]));
  delete v;
  EXPECT_GE(c.count(), 2u);
}

TEST(Allocations, ParseAllocatesNothing) {
  const auto& lines = sample_lines();
  std::size_t ok = 0, params = 0;
  MessageView m;
  AllocationCounter c;
  for (std::size_t i = 0; i < kLines; ++i) {
    if (parse(lines[i % lines.size()], m) == ParseError::kOk) {
      ++ok;
      params += m.param_count;
    }
  }
  std::size_t allocations = c.count();
  EXPECT_EQ(allocations, 0u);
  EXPECT_GT(ok, kLines / 3);  // the loop really parsed something
  EXPECT_GT(params, ok);
}

TEST(Allocations, LineFramerNextAllocatesNothing) {
  // 100k lines (LF and CRLF endings, one overlong line in every 13) arrive in
  // 128-byte reads; each is framed with a 612-byte limit and then parsed.
  constexpr std::size_t kMax = 512 + 100;
  std::string stream;
  std::size_t expected_too_long = 0;
  const auto& lines = sample_lines();
  for (std::size_t i = 0; i < kLines; ++i) {
    const std::string& l = lines[i % lines.size()];
    stream.append(l).append(i % 2 ? "\r\n" : "\n");
    if (l.size() > kMax) ++expected_too_long;
  }
  std::string buffer;
  buffer.reserve(64 * 1024);  // reads are appended into reserved space
  LineFramer framer(kMax);
  std::size_t delivered = 0, too_long = 0, parsed = 0;
  MessageView m;
  AllocationCounter c;
  for (std::size_t off = 0; off < stream.size(); off += 128) {
    buffer.append(std::string_view(stream).substr(off, 128));
    std::size_t pos = 0;
    while (true) {
      std::string_view line;
      std::size_t consumed = 0;
      auto r = framer.next(std::string_view(buffer).substr(pos), line, consumed);
      pos += consumed;
      if (r == LineFramer::Result::kNeedMore) break;
      if (r == LineFramer::Result::kTooLong) {
        ++too_long;
      } else {
        ++delivered;
        if (parse(line, m) == ParseError::kOk) ++parsed;
      }
    }
    buffer.erase(0, pos);
  }
  std::size_t allocations = c.count();
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(delivered + too_long, kLines);
  EXPECT_EQ(too_long, expected_too_long);  // the 9006-byte tagged line
  EXPECT_GT(parsed, kLines / 3);
}

TEST(Allocations, LineBuilderReusingItsStringAllocatesNothing) {
  std::string out;
  out.reserve(1024);
  const std::string text(700, 'x');  // long enough to be truncated
  std::size_t total = 0;
  AllocationCounter c;
  for (std::size_t i = 0; i < kLines; ++i) {
    LineBuilder b(out);
    b.tags(i % 2 ? "time=2024-05-01T12:00:00.000Z" : "")
        .source("alice!a@host")
        .command("PRIVMSG")
        .param("#lobby")
        .param(static_cast<std::uint64_t>(i))
        .trailing(std::string_view(text).substr(0, i % 700));
    total += b.finish().size();
  }
  std::size_t allocations = c.count();
  EXPECT_EQ(allocations, 0u);
  EXPECT_GT(total, kLines * 30);
}

}  // namespace
}  // namespace lobbyd::proto
