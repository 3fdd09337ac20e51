// WsFrameBuilder against its reference, ws_next_frame() over the joined
// buffers with Beast's header: the same bytes on the wire, and the payloads
// taken from the buffers themselves, not copied.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/ws_lines.h"

namespace lobbyd::net {
namespace {

// What the transport wrote before: the buffers joined, one frame per line.
std::string reference(const std::vector<std::string>& bufs) {
  std::string out, wire, frame;
  for (const auto& b : bufs) out += b;
  std::size_t pos = 0;
  while (ws_next_frame(out, pos, frame)) {
    ws_append_text_header(wire, frame.size());
    wire += frame;
  }
  return wire;
}

std::string built(WsFrameBuilder& fb, const std::vector<std::string>& bufs) {
  fb.clear();
  for (const auto& b : bufs) fb.add(b);
  fb.finish();
  std::string wire;
  for (const auto& p : fb.pieces()) wire.append(p.data, p.size);
  return wire;
}

bool inside(const char* p, const std::string& s) {
  return p >= s.data() && p < s.data() + s.size();
}

TEST(WsFrames, HeaderAsBeastWritesIt) {
  std::string h;
  ws_append_text_header(h, 5);
  EXPECT_EQ(h, std::string("\x81\x05", 2));
  h.clear();
  ws_append_text_header(h, 126);
  EXPECT_EQ(h, std::string("\x81\x7e\x00\x7e", 4));
  h.clear();
  ws_append_text_header(h, 65536);
  EXPECT_EQ(h, std::string("\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10));
}

TEST(WsFrames, ManyLinesOneGatherNoCopy) {
  std::vector<std::string> bufs = {":a!a@h PRIVMSG #lobby :hi\r\n:b PING :x\r\n", ":c NOTICE n :y\r\n"};
  WsFrameBuilder fb;
  EXPECT_EQ(built(fb, bufs), reference(bufs));
  EXPECT_EQ(fb.frames(), 3u);
  EXPECT_EQ(fb.payload_copied(), 0u);
  const auto& pieces = fb.pieces();
  ASSERT_EQ(pieces.size(), 6u);  // header, payload per line
  EXPECT_TRUE(inside(pieces[1].data, bufs[0]));
  EXPECT_TRUE(inside(pieces[3].data, bufs[0]));
  EXPECT_TRUE(inside(pieces[5].data, bufs[1]));
  EXPECT_EQ(std::string(pieces[5].data, pieces[5].size), ":c NOTICE n :y");
}

TEST(WsFrames, EdgeCasesMatchTheReference) {
  const std::vector<std::vector<std::string>> cases = {
      {},
      {""},
      {"\r\n"},
      {"\n\n\r\n"},
      {"a\r\r\n"},
      {"a\rb\n"},
      {"no line end"},
      {"tail\r"},
      {"split ", "over ", "three\r\n"},
      {"cr then\r", "\nlf\r\n"},
      {"PRIVMSG x :caf\xe9\r\n"},                    // Latin-1: repaired
      {"PRIVMSG x :caf\xc3", "\xa9 split\r\n"},      // valid only joined
      {"bad \xff", " joined\r\nok\r\n"},
      {std::string(200, 'x') + "\r\n", std::string(70000, 'y') + "\r\n"},
      {"a\r\n", "", "b\r\n"},
  };
  WsFrameBuilder fb;
  for (const auto& c : cases) EXPECT_EQ(built(fb, c), reference(c)) << testing::PrintToString(c);
}

TEST(WsFrames, OnlyInvalidLinesAreCopied) {
  WsFrameBuilder fb;
  std::vector<std::string> bufs = {"ok\r\nbad \xe9\r\n"};
  EXPECT_EQ(built(fb, bufs), reference(bufs));
  EXPECT_EQ(fb.payload_copied(), std::string("bad \xef\xbf\xbd").size());
}

TEST(WsFrames, ClearKeepsNothingOfTheLastBatch) {
  WsFrameBuilder fb;
  EXPECT_EQ(built(fb, {"open"}), reference({"open"}));
  EXPECT_EQ(built(fb, {"next\r\n"}), reference({"next\r\n"}));
  EXPECT_EQ(fb.frames(), 1u);
}

}  // namespace
}  // namespace lobbyd::net
