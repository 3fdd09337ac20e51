// The WebSocket transport over a real loopback TCP pair, the client side
// spoken by hand: the bytes on the wire are the reference framing, batches
// of lines go out as one write, pings answered during long writes never
// split a data frame, and a write cancelled by a close fails cleanly.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/field.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "net/ws_lines.h"
#include "net/ws_transport.h"

namespace lobbyd::net {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;
using boost::system::error_code;

struct Frame {
  unsigned opcode;
  std::string payload;
};

// Complete server frames (unmasked) at the front of `in`, consumed.
std::vector<Frame> parse_frames(std::string& in) {
  std::vector<Frame> out;
  std::size_t pos = 0;
  for (;;) {
    if (in.size() - pos < 2) break;
    auto b = [&](std::size_t i) { return static_cast<unsigned char>(in[pos + i]); };
    std::uint64_t len = b(1) & 0x7f;
    std::size_t head = 2;
    if (len == 126) {
      if (in.size() - pos < 4) break;
      len = (b(2) << 8) | b(3);
      head = 4;
    } else if (len == 127) {
      if (in.size() - pos < 10) break;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | b(2 + i);
      head = 10;
    }
    if (in.size() - pos < head + len) break;
    out.push_back({b(0) & 0x0fu, in.substr(pos + head, len)});
    EXPECT_EQ(b(0) & 0xf0, 0x80) << "FIN set, no reserved bits";
    EXPECT_EQ(b(1) & 0x80, 0) << "server frames are unmasked";
    pos += head + len;
  }
  in.erase(0, pos);
  return out;
}

std::string masked_ping(std::string_view payload) {
  std::string f;
  f += static_cast<char>(0x89);
  f += static_cast<char>(0x80 | payload.size());
  const char mask[4] = {1, 2, 3, 4};
  f.append(mask, 4);
  for (std::size_t i = 0; i < payload.size(); ++i) f += static_cast<char>(payload[i] ^ mask[i % 4]);
  return f;
}

class WsTransportTest : public testing::Test {
 protected:
  void SetUp() override {
    tcp::acceptor acc(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    client_.connect(acc.local_endpoint());
    acc.accept(server_);
    server_.set_option(tcp::no_delay(true));  // as Connection sets it
    client_.set_option(tcp::no_delay(true));
    auto req = std::make_shared<HttpRequest>(http::verb::get, "/ws", 11);
    req->set(http::field::host, "localhost");
    req->set(http::field::upgrade, "websocket");
    req->set(http::field::connection, "Upgrade");
    req->set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
    req->set(http::field::sec_websocket_version, "13");
    req->set(http::field::sec_websocket_protocol, std::string(kIrcSubprotocol));
    ws_ = ws_transport(req, 1 << 20)(server_);
    std::optional<error_code> hs;
    ws_->async_handshake([&](const error_code& ec) { hs = ec; });
    pump([&] { return hs.has_value(); });
    ASSERT_FALSE(*hs) << hs->message();
    std::size_t n = asio::read_until(client_, asio::dynamic_buffer(wire_), "\r\n\r\n");
    ASSERT_NE(wire_.find("101"), std::string::npos);
    wire_.erase(0, n);
    client_.non_blocking(true);
  }

  // Runs the loop and drains the client socket until `done` or 10 s.
  template <class Pred>
  bool pump(Pred done, bool read = true) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.restart();
      io_.run_for(std::chrono::milliseconds(1));
      if (!read || !client_.non_blocking()) continue;
      char buf[65536];
      error_code ec;
      std::size_t n = client_.read_some(asio::buffer(buf), ec);
      if (!ec) wire_.append(buf, n);
    }
    return true;
  }

  static std::vector<SharedBuf> lines(std::size_t bufs, std::size_t per_buf, std::size_t len) {
    std::vector<SharedBuf> out;
    for (std::size_t b = 0; b < bufs; ++b) {
      std::string s;
      for (std::size_t i = 0; i < per_buf; ++i) {
        std::string line = ":n!u@h PRIVMSG #lobby :" + std::to_string(b) + "." + std::to_string(i) + " ";
        line.resize(len - 2, 'x');
        s += line + "\r\n";
      }
      out.push_back(make_shared_buf(std::move(s)));
    }
    return out;
  }

  static std::string reference(const std::vector<SharedBuf>& bufs) {
    std::string joined, wire, frame;
    for (const auto& b : bufs) joined += *b;
    std::size_t pos = 0;
    while (ws_next_frame(joined, pos, frame)) {
      ws_append_text_header(wire, frame.size());
      wire += frame;
    }
    return wire;
  }

  asio::io_context io_;
  tcp::socket server_{io_}, client_{io_};
  std::unique_ptr<StreamTransport> ws_;
  std::string wire_;  // what the client received after the 101
};

TEST_F(WsTransportTest, BatchIsTheReferenceBytesOnTheWire) {
  auto bufs = lines(3, 4, 60);
  bufs.push_back(make_shared_buf("PRIVMSG x :caf\xe9\r\n"));  // repaired to U+FFFD
  bufs.push_back(make_shared_buf(std::string(300, 'L') + "\r\n"));  // 16-bit length
  const std::string want = reference(bufs);
  std::size_t sum = 0;
  for (const auto& b : bufs) sum += b->size();
  std::optional<std::pair<error_code, std::size_t>> done;
  ws_->async_write(bufs, [&](const error_code& ec, std::size_t n) { done.emplace(ec, n); });
  ASSERT_TRUE(pump([&] { return done && wire_.size() >= want.size(); }));
  EXPECT_FALSE(done->first);
  EXPECT_EQ(done->second, sum);  // wire-independent bytes, as over TCP
  EXPECT_EQ(wire_, want);
}

TEST_F(WsTransportTest, PingsDuringLongWritesNeverSplitAFrame) {
  // A small send buffer: each batch takes many partial writes, while the
  // client's pings make Beast write pongs through the same socket. (Not a
  // small receive buffer too: below one MSS the window reopens only by
  // zero-window probes, seconds apart.)
  server_.set_option(asio::socket_base::send_buffer_size(4096));
  std::function<void(const error_code&, std::string_view)> on_read = [&](const error_code& ec,
                                                                       std::string_view) {
    if (!ec) ws_->async_read(on_read);
  };
  ws_->async_read(on_read);  // Beast answers pings inside its read

  std::vector<std::vector<SharedBuf>> batches;
  std::vector<std::string> want;
  for (int i = 0; i < 6; ++i) {
    batches.push_back(lines(8, 100, 90));
    std::string ref = reference(batches.back());
    for (auto& f : parse_frames(ref)) want.push_back(f.payload);
  }
  std::size_t next = 0, written = 0;
  std::function<void(const error_code&, std::size_t)> write_next = [&](const error_code& ec, std::size_t) {
    ASSERT_FALSE(ec) << ec.message();
    if (next > 0) ++written;
    if (next < batches.size()) ws_->async_write(batches[next++], write_next);
  };
  write_next({}, 0);

  std::vector<std::string> got;
  std::size_t pongs = 0, pings = 0, first_pong_at = 0;
  ASSERT_TRUE(pump([&] {
    for (auto& f : parse_frames(wire_)) {
      if (f.opcode == 0x1) got.push_back(std::move(f.payload));
      else if (f.opcode == 0xA) first_pong_at = ++pongs == 1 ? got.size() : first_pong_at;
      else ADD_FAILURE() << "opcode " << f.opcode;
    }
    // A ping every 1,000 lines received, while the batches are going out.
    if (pings < 5 && got.size() >= (pings + 1) * 500) {
      error_code ec;
      asio::write(client_, asio::buffer(masked_ping("p" + std::to_string(pings))), ec);
      ++pings;
    }
    return got.size() == want.size() && pongs == pings && written == batches.size();
  })) << got.size() << "/" << want.size() << " lines, " << pongs << "/" << pings << " pongs, "
      << written << " batches; left " << wire_.size() << ": " << testing::PrintToString(wire_.substr(0, 120));
  EXPECT_EQ(got, want);
  EXPECT_EQ(pongs, 5u);
  EXPECT_LT(first_pong_at, want.size()) << "pongs go out between batches, not after them all";
}

TEST_F(WsTransportTest, WriteCancelledByACloseFailsAndSoDoesTheNext) {
  server_.set_option(asio::socket_base::send_buffer_size(4096));
  client_.set_option(asio::socket_base::receive_buffer_size(4096));
  std::optional<error_code> first, second;
  ws_->async_write(lines(16, 200, 100), [&](const error_code& ec, std::size_t) { first = ec; });
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  pump([&] { return std::chrono::steady_clock::now() > until; }, false);  // not reading: the write stalls
  EXPECT_FALSE(first.has_value());
  error_code ec;
  server_.cancel(ec);  // what Connection::finish_close() does to a write in flight
  ASSERT_TRUE(pump([&] { return first.has_value(); }, false));
  EXPECT_TRUE(*first);
  ws_->async_write(lines(1, 1, 20), [&](const error_code& e, std::size_t) { second = e; });
  ASSERT_TRUE(pump([&] { return second.has_value(); }, false));
  EXPECT_TRUE(*second);
}

}  // namespace
}  // namespace lobbyd::net
