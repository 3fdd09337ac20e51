// Tests for lobbyd::proto::LineFramer: LF and CRLF endings, partial input,
// exact length boundaries, and overlong lines (reported once as kTooLong, then
// skipped up to their LF while the following lines are still delivered).
#include "proto/line_framer.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace lobbyd::proto {
namespace {

using Result = LineFramer::Result;

struct Event {
  bool too_long = false;
  std::string line;  // empty for too_long
  bool operator==(const Event&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Event& e) {
  return e.too_long ? os << "<TooLong>" : os << ::testing::PrintToString(e.line);
}
Event L(std::string s) { return Event{false, std::move(s)}; }
const Event T{true, ""};

// Feeds data the way a connection does: append what was read, take lines
// until kNeedMore, drop what the framer says was consumed.
class Driver {
 public:
  explicit Driver(std::size_t max) : framer_(max) {}

  void feed(std::string_view chunk) {
    buffer_.append(chunk);
    for (int guard = 0; guard < 100000; ++guard) {
      std::string_view line;
      std::size_t consumed = 0;
      Result r = framer_.next(buffer_, line, consumed);
      EXPECT_LE(consumed, buffer_.size());
      if (consumed > buffer_.size()) consumed = buffer_.size();
      if (r == Result::kLine) {
        EXPECT_GT(consumed, line.size()) << "a line's LF must be consumed with it";
        EXPECT_EQ(line.find('\n'), std::string_view::npos);
        events_.push_back(L(std::string(line)));
      } else if (r == Result::kTooLong) {
        events_.push_back(T);
      }
      buffer_.erase(0, consumed);
      if (r == Result::kNeedMore) return;
    }
    ADD_FAILURE() << "framer does not make progress";
  }
  void feed_in_chunks(std::string_view data, std::size_t chunk) {
    for (std::size_t i = 0; i < data.size(); i += chunk) feed(data.substr(i, chunk));
  }

  const std::vector<Event>& events() const { return events_; }
  const std::string& buffered() const { return buffer_; }
  LineFramer& framer() { return framer_; }

 private:
  LineFramer framer_;
  std::string buffer_;
  std::vector<Event> events_;
};

std::vector<Event> frame(std::size_t max, std::string_view data, std::size_t chunk = 0) {
  Driver d(max);
  if (chunk == 0)
    d.feed(data);
  else
    d.feed_in_chunks(data, chunk);
  return d.events();
}

TEST(LineFramer, LfAndCrlfEndings) {
  EXPECT_EQ(frame(512, "PING a\r\nPING b\nPING c\r\n"),
            (std::vector<Event>{L("PING a"), L("PING b"), L("PING c")}));
}

TEST(LineFramer, EmptyLines) {
  EXPECT_EQ(frame(512, "\r\n\n\r\nX\n"), (std::vector<Event>{L(""), L(""), L(""), L("X")}));
}

TEST(LineFramer, OnlyOneCrIsStripped) {
  EXPECT_EQ(frame(512, "a\r\r\n"), std::vector<Event>{L("a\r")});
  // A bare CR is not a line ending; it stays in the line (parse() rejects it).
  EXPECT_EQ(frame(512, "a\rb\n"), std::vector<Event>{L("a\rb")});
  EXPECT_TRUE(frame(512, "a\rb\r").empty());
}

TEST(LineFramer, DirectApiPartialLine) {
  LineFramer f(512);
  std::string_view line;
  std::size_t consumed = 99;
  EXPECT_EQ(f.next("", line, consumed), Result::kNeedMore);
  EXPECT_EQ(consumed, 0u);
  EXPECT_EQ(f.next("PRIVMSG #a :hel", line, consumed), Result::kNeedMore);
  EXPECT_EQ(consumed, 0u);
  EXPECT_EQ(f.next("PRIVMSG #a :hello\r", line, consumed), Result::kNeedMore);
  EXPECT_EQ(consumed, 0u);
  std::string_view data = "PRIVMSG #a :hello\r\nPING";
  ASSERT_EQ(f.next(data, line, consumed), Result::kLine);
  EXPECT_EQ(line, "PRIVMSG #a :hello");
  EXPECT_EQ(consumed, 19u);
  EXPECT_EQ(line.data(), data.data());  // a view into the caller's buffer
  data.remove_prefix(consumed);
  EXPECT_EQ(f.next(data, line, consumed), Result::kNeedMore);
  EXPECT_EQ(consumed, 0u);
}

TEST(LineFramer, ByteByByte) {
  Driver d(512);
  std::string_view text = "PRIVMSG #a :hi\r\nJOIN #b\n";
  for (std::size_t i = 0; i < text.size(); ++i) {
    d.feed(text.substr(i, 1));
    std::size_t expected = i < 15 ? 0 : i < 23 ? 1 : 2;
    ASSERT_EQ(d.events().size(), expected) << "after byte " << i;
  }
  EXPECT_EQ(d.events(), (std::vector<Event>{L("PRIVMSG #a :hi"), L("JOIN #b")}));
  EXPECT_TRUE(d.buffered().empty());
}

TEST(LineFramer, ExactBoundaryLf) {
  // max 10: a 10-byte line is accepted, 11 bytes is too long.
  EXPECT_EQ(frame(10, "0123456789\n"), std::vector<Event>{L("0123456789")});
  EXPECT_EQ(frame(10, "0123456789A\n"), std::vector<Event>{T});
}

TEST(LineFramer, ExactBoundaryCrlf) {
  // The CR does not count: 10 bytes + CRLF is accepted.
  EXPECT_EQ(frame(10, "0123456789\r\n"), std::vector<Event>{L("0123456789")});
  // Split exactly between CR and LF: the framer must wait, not report too long.
  EXPECT_EQ(frame(10, "0123456789\r\n", 11), std::vector<Event>{L("0123456789")});
  LineFramer f(10);
  std::string_view line;
  std::size_t consumed;
  EXPECT_EQ(f.next("0123456789\r", line, consumed), Result::kNeedMore);
  EXPECT_EQ(consumed, 0u);
  EXPECT_EQ(f.next("0123456789A", line, consumed), Result::kNeedMore);  // LF may still come
  EXPECT_EQ(f.next("0123456789AB", line, consumed), Result::kTooLong);
  EXPECT_EQ(consumed, 12u);
}

TEST(LineFramer, OverlongByOneWithLfThenNextLine) {
  // max+1 bytes then LF fits the search window: reported once, next line kept.
  LineFramer f(10);
  std::string_view data = "0123456789A\nnext\n";
  std::string_view line;
  std::size_t consumed;
  ASSERT_EQ(f.next(data, line, consumed), Result::kTooLong);
  EXPECT_EQ(consumed, 12u);
  data.remove_prefix(consumed);
  ASSERT_EQ(f.next(data, line, consumed), Result::kLine);
  EXPECT_EQ(line, "next");
  EXPECT_EQ(consumed, 5u);
}

TEST(LineFramer, OverlongLineArrivingSlowlyIsReportedOnceAndSkipped) {
  Driver d(10);
  d.feed("AAAAAAAA");
  EXPECT_TRUE(d.events().empty());
  d.feed("AAAAAAAA");  // 16 bytes without LF: too long
  EXPECT_EQ(d.events(), std::vector<Event>{T});
  EXPECT_TRUE(d.buffered().empty()) << "skipped bytes are consumed";
  d.feed("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(d.events(), std::vector<Event>{T}) << "reported only once";
  EXPECT_TRUE(d.buffered().empty());
  d.feed("AAA\r\nPING\r\nPO");
  EXPECT_EQ(d.events(), (std::vector<Event>{T, L("PING")}));
  EXPECT_EQ(d.buffered(), "PO");
  d.feed("NG\n");
  EXPECT_EQ(d.events(), (std::vector<Event>{T, L("PING"), L("PONG")}));
}

TEST(LineFramer, DiscardEndsAtLfDirectApi) {
  LineFramer f(4);
  std::string_view line;
  std::size_t consumed;
  ASSERT_EQ(f.next("xxxxxxxxxx", line, consumed), Result::kTooLong);
  EXPECT_EQ(consumed, 10u);
  ASSERT_EQ(f.next("yyy", line, consumed), Result::kNeedMore);
  EXPECT_EQ(consumed, 3u);
  std::string_view data = "zz\nab\r\n";
  ASSERT_EQ(f.next(data, line, consumed), Result::kLine);
  EXPECT_EQ(line, "ab");
  EXPECT_EQ(line.data(), data.data() + 3);
  EXPECT_EQ(consumed, 7u);
  // Discard ends exactly at the end of the data: the LF is consumed, no line yet.
  ASSERT_EQ(f.next("xxxxxxxxxx", line, consumed), Result::kTooLong);
  ASSERT_EQ(f.next("zz\n", line, consumed), Result::kNeedMore);
  EXPECT_EQ(consumed, 3u);
  ASSERT_EQ(f.next("ok\n", line, consumed), Result::kLine);
  EXPECT_EQ(line, "ok");
}

TEST(LineFramer, SetMaxBytes) {
  Driver d(4);
  d.feed("12345\n");
  d.framer().set_max_bytes(5);
  d.feed("12345\n");
  EXPECT_EQ(d.events(), (std::vector<Event>{T, L("12345")}));
}

TEST(LineFramer, RealisticLimitWithTags) {
  // The server's framer limit: 8191 for tags plus 510 for the rest.
  constexpr std::size_t kMax = 8191 + 510;
  std::string ok(kMax, 'a');
  std::string over(kMax + 1, 'b');
  EXPECT_EQ(frame(kMax, ok + "\r\n" + "PING\r\n", 1000), (std::vector<Event>{L(ok), L("PING")}));
  EXPECT_EQ(frame(kMax, over + "\n" + "PING\r\n", 1000), (std::vector<Event>{T, L("PING")}));
}

// ---------------------------------------------------------------------------
// Regression: an overlong line that arrives with its LF and more bytes after
// it must cost only itself — neither the lines after it in the same read nor
// the client's next line.
// ---------------------------------------------------------------------------

TEST(LineFramer, OverlongLineFollowedByLinesInSameRead) {  
  EXPECT_EQ(frame(10, std::string(20, 'A') + "\nPING a\nPING b\r\n"),
            (std::vector<Event>{T, L("PING a"), L("PING b")}));
  LineFramer f(10);
  std::string_view data = "AAAAAAAAAAAAAAAAAAAA\r\nnext\r\n";
  std::string_view line;
  std::size_t consumed;
  ASSERT_EQ(f.next(data, line, consumed), Result::kTooLong);
  EXPECT_EQ(consumed, 22u) << "only the overlong line and its CRLF may be consumed";
}

TEST(LineFramer, CompleteOverlongLineDoesNotEatTheNextRead) {  
  // max+1 bytes and CRLF: the LF lies just outside the search window.
  Driver d(10);
  d.feed("0123456789A\r\n");
  EXPECT_EQ(d.events(), std::vector<Event>{T});
  d.feed("PING\r\n");
  EXPECT_EQ(d.events(), (std::vector<Event>{T, L("PING")}));
  // Same with a longer line.
  Driver d2(512);
  d2.feed("PRIVMSG #a :" + std::string(600, 'x') + "\r\n");
  d2.feed("PING :still here\r\n");
  EXPECT_EQ(d2.events(), (std::vector<Event>{T, L("PING :still here")}));
}

TEST(LineFramer, ResultDoesNotDependOnReadSizes) {  
  const std::string stream = "PING a\r\n" + std::string(25, 'X') + "\r\n" + "PING b\n" +
                             "0123456789A\n" + "0123456789\r\n" + std::string(11, 'Y') + "\r\n" +
                             "PING c\n";
  const std::vector<Event> expected = {L("PING a"),     T, L("PING b"), T,
                                       L("0123456789"), T, L("PING c")};
  std::string failing;  // one failure listing every bad read size, not 60 failures
  for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk)
    if (frame(10, stream, chunk) != expected) failing += " " + std::to_string(chunk);
  EXPECT_EQ(failing, "") << "read sizes with a wrong result; e.g. for a single read: "
                         << ::testing::PrintToString(frame(10, stream));
}

}  // namespace
}  // namespace lobbyd::proto
