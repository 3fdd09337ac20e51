// net::Connection's one state machine (connection.h, "Life"), driven
// through both engines: the stream engine over a scripted transport whose
// handshake, writes and close the test completes by hand, and the reactor
// TCP engine over a real loopback pair. The worker is stepped from the test
// thread (Worker::poll_here), so every step is deterministic and the loop
// assertions hold.
#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "net/connection.h"
#include "net/transport.h"
#include "net/worker.h"

namespace lobbyd::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using State = Connection::State;

// A connection that records what the state machine hands its owner.
class Probe final : public Connection {
 public:
  using Connection::Connection;
  std::string input;                // whole lines consumed
  std::vector<std::string> closed;  // on_closed() reasons, in order
  int recvq_exceeded = 0;

 protected:
  std::size_t on_input(std::string_view data) override {
    std::size_t end = data.rfind('\n');
    if (end == std::string_view::npos) return 0;
    input.append(data.substr(0, end + 1));
    return end + 1;
  }
  void on_closed(std::string_view reason) override { closed.emplace_back(reason); }
  void on_sendq_exceeded() override { close("SendQ exceeded", false); }
  void on_recvq_exceeded() override {
    ++recvq_exceeded;
    close("RecvQ exceeded", false);
  }
};

// A transport whose operations wait until the test completes them.
struct Script {
  StreamTransport::Done handshake;
  StreamTransport::ReadDone read;
  StreamTransport::WriteDone write;
  std::string written;  // bytes handed to async_write so far
  bool polite_close = false;
  bool needs_idle_read = false;
};

class ScriptedTransport final : public StreamTransport {
 public:
  explicit ScriptedTransport(Script& s) : s_(s) {}
  std::string_view name() const noexcept override { return "ws"; }
  TransportKind kind() const noexcept override { return TransportKind::kWebSocket; }
  void async_handshake(Done done) override { s_.handshake = std::move(done); }
  void async_read(ReadDone done) override { s_.read = std::move(done); }
  void async_write(std::vector<SharedBuf> bufs, WriteDone done) override {
    for (const SharedBuf& b : bufs) s_.written += *b;
    s_.write = std::move(done);
  }
  void async_close(std::function<void()> done) override {
    s_.polite_close = true;
    done();
  }
  bool close_needs_idle_read() const noexcept override { return s_.needs_idle_read; }

 private:
  Script& s_;
};

class ConnectionStateTest : public testing::Test {
 protected:
  // Runs f as a handler of the worker's loop, then everything it made ready.
  void in_loop(const std::function<void()>& f) {
    w_.post(f);
    settle();
  }
  void settle() {
    for (int i = 0; i < 100 && w_.poll_here() > 0; ++i) {
    }
  }

  std::shared_ptr<Probe> scripted() {
    auto c = std::make_shared<Probe>(w_, tcp::socket(w_.io()), "192.0.2.1");
    c->use_transport([this](tcp::socket&) { return std::make_unique<ScriptedTransport>(s_); });
    return c;
  }
  std::shared_ptr<Probe> open_scripted() {
    auto c = scripted();
    in_loop([&] { c->start(); });
    in_loop([&] { std::exchange(s_.handshake, {})(error_code{}); });
    EXPECT_EQ(c->state(), State::kOpen);
    return c;
  }
  void complete_write(const error_code& ec = {}) {
    ASSERT_TRUE(s_.write) << "no write in flight";
    in_loop([&] { std::exchange(s_.write, {})(ec, ec ? 0 : s_.written.size()); });
  }

  Worker w_{0};
  Script s_;
};

TEST_F(ConnectionStateTest, StreamEngineWalksEveryStateInOrder) {
  auto c = scripted();
  EXPECT_EQ(c->state(), State::kNew);
  EXPECT_TRUE(c->open());
  EXPECT_EQ(c->transport_name(), "ws");

  in_loop([&] {
    c->start();
    c->send_copy("early\r\n");  // queued while the handshake runs
  });
  EXPECT_EQ(c->state(), State::kHandshaking);
  EXPECT_TRUE(c->open()) << "a session acts during the handshake (registration timer)";
  EXPECT_EQ(w_.connection_count(), 1u);
  EXPECT_EQ(w_.counters().ws_connections.get(), 1u);
  EXPECT_TRUE(s_.written.empty()) << "nothing reaches the peer before the handshake";

  in_loop([&] { std::exchange(s_.handshake, {})(error_code{}); });
  EXPECT_EQ(c->state(), State::kOpen);
  EXPECT_EQ(s_.written, "early\r\n") << "the handshake's completion flushes what waited";
  ASSERT_TRUE(s_.read) << "kOpen keeps a read in flight";
  complete_write();

  in_loop([&] { std::exchange(s_.read, {})(error_code{}, "PING a\r\nPART"); });
  EXPECT_EQ(c->input, "PING a\r\n") << "whole lines only; the tail waits";
  in_loop([&] { std::exchange(s_.read, {})(error_code{}, "IAL\r\n"); });
  EXPECT_EQ(c->input, "PING a\r\nPARTIAL\r\n");

  in_loop([&] {
    c->send_copy("bye\r\n");
    c->close("Quit: done");
  });
  EXPECT_EQ(c->state(), State::kClosing) << "queued output is written in the linger";
  EXPECT_FALSE(c->open());
  EXPECT_EQ(c->closed, std::vector<std::string>{"Quit: done"});
  EXPECT_EQ(s_.written, "early\r\nbye\r\n");

  in_loop([&] { c->close("again"); });  // on_closed() runs once
  EXPECT_EQ(c->closed.size(), 1u);

  complete_write();  // the queue is empty: the linger ends
  EXPECT_EQ(c->state(), State::kClosed);
  EXPECT_TRUE(s_.polite_close) << "an open connection ends with the transport's goodbye";
  EXPECT_EQ(w_.connection_count(), 0u);
  EXPECT_EQ(w_.counters().ws_connections.get(), 0u);
}

TEST_F(ConnectionStateTest, CloseDuringHandshakeSkipsFlushAndGoodbye) {
  auto c = scripted();
  in_loop([&] {
    c->start();
    c->send_copy("never sent\r\n");
    c->close("Registration timeout");
  });
  // The handshake is still in flight: the socket cannot close under it.
  EXPECT_EQ(c->state(), State::kShutdown);
  EXPECT_EQ(c->closed, std::vector<std::string>{"Registration timeout"});
  EXPECT_EQ(w_.connection_count(), 0u);
  ASSERT_TRUE(s_.handshake);
  in_loop([&] { std::exchange(s_.handshake, {})(asio::error::operation_aborted); });
  EXPECT_EQ(c->state(), State::kClosed);
  EXPECT_TRUE(s_.written.empty()) << "no flush without a handshake";
  EXPECT_FALSE(s_.polite_close) << "no goodbye without a handshake";
  EXPECT_FALSE(s_.read) << "no read was ever started";
}

TEST_F(ConnectionStateTest, FailedHandshakeClosesWithTheTransportsReason) {
  auto c = scripted();
  in_loop([&] { c->start(); });
  in_loop([&] { std::exchange(s_.handshake, {})(asio::error::connection_reset); });
  EXPECT_EQ(c->state(), State::kClosed);
  EXPECT_EQ(c->closed, std::vector<std::string>{"WebSocket handshake failed"});
  EXPECT_FALSE(s_.polite_close);
}

TEST_F(ConnectionStateTest, ReadEndOfFileIsConnectionClosed) {
  auto c = open_scripted();
  in_loop([&] { std::exchange(s_.read, {})(asio::error::eof, {}); });
  EXPECT_EQ(c->state(), State::kClosed);
  EXPECT_EQ(c->closed, std::vector<std::string>{"Connection closed"});
}

TEST_F(ConnectionStateTest, LingerDeadlineCutsAStalledWrite) {
  auto c = open_scripted();
  in_loop([&] {
    c->send_copy("to a peer that stopped reading\r\n");
    c->close("Killed", true, std::chrono::milliseconds(100));
  });
  EXPECT_EQ(c->state(), State::kClosing);
  ASSERT_TRUE(s_.write);
  in_loop([&] { c->tick(Clock::now() + std::chrono::seconds(1)); });
  // The write is still in flight: cancelled, and the socket waits for it.
  EXPECT_EQ(c->state(), State::kShutdown);
  complete_write(asio::error::operation_aborted);
  EXPECT_EQ(c->state(), State::kClosed);
  EXPECT_FALSE(s_.polite_close) << "a cut write ends without a goodbye";
}

TEST_F(ConnectionStateTest, IdleReadIsCancelledWhereTheTransportNeedsIt) {
  s_.needs_idle_read = true;  // as TLS: close_notify waits for the read to end
  auto c = open_scripted();
  ASSERT_TRUE(s_.read);
  in_loop([&] { c->close("Quit", false); });
  EXPECT_EQ(c->state(), State::kShutdown);
  in_loop([&] { std::exchange(s_.read, {})(asio::error::operation_aborted, {}); });
  EXPECT_EQ(c->state(), State::kClosed);
  EXPECT_TRUE(s_.polite_close);
}

TEST_F(ConnectionStateTest, OverRecvqWithoutALineEnd) {
  auto c = open_scripted();
  in_loop([&] {
    c->set_limits(1 << 20, 16);
    std::exchange(s_.read, {})(error_code{}, std::string(17, 'x'));
  });
  EXPECT_EQ(c->recvq_exceeded, 1);
  EXPECT_EQ(c->state(), State::kClosed);
}

TEST_F(ConnectionStateTest, EngineIsChosenBeforeStartOnly) {
  auto c = scripted();
  in_loop([&] { c->start(); });
  EXPECT_THROW(c->use_transport([this](tcp::socket&) { return std::make_unique<ScriptedTransport>(s_); }),
               std::logic_error);
  in_loop([&] { c->close("done", false); });
}

TEST_F(ConnectionStateTest, CloseBeforeStartNeverTouchesTheWorker) {
  auto c = scripted();
  in_loop([&] { c->close("Server full", false); });
  EXPECT_EQ(c->state(), State::kClosed);
  EXPECT_EQ(c->closed, std::vector<std::string>{"Server full"});
  EXPECT_EQ(w_.connection_count(), 0u);
  EXPECT_EQ(w_.counters().connections.get(), 0u);
  EXPECT_EQ(w_.counters().ws_connections.get(), 0u);
  EXPECT_FALSE(s_.polite_close);
}

// The reactor TCP engine: no handshake state, real sockets.
class TcpConnectionStateTest : public ConnectionStateTest {
 protected:
  void SetUp() override {
    tcp::acceptor acc(w_.io(), tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    peer_.connect(acc.local_endpoint());
    tcp::socket server(w_.io());
    acc.accept(server);
    c_ = std::make_shared<Probe>(w_, std::move(server), "127.0.0.1");
  }
  // Polls the loop until pred() or about two seconds have passed.
  template <class Pred>
  bool poll_until(Pred pred) {
    for (int i = 0; i < 2000 && !pred(); ++i) {
      w_.poll_here();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return pred();
  }
  std::string read_to_eof() {
    std::string got;
    error_code ec;
    asio::read(peer_, asio::dynamic_buffer(got), ec);
    EXPECT_EQ(ec, asio::error::eof);
    return got;
  }

  tcp::socket peer_{w_.io()};
  std::shared_ptr<Probe> c_;
};

TEST_F(TcpConnectionStateTest, OpensAtOnceAndLingersToWriteTheQueue) {
  EXPECT_EQ(c_->transport_name(), "tcp");
  in_loop([&] { c_->start(); });
  EXPECT_EQ(c_->state(), State::kOpen) << "plain TCP has no handshake";
  asio::write(peer_, asio::buffer(std::string_view("NICK a\r\nUSER")));
  ASSERT_TRUE(poll_until([&] { return !c_->input.empty(); }));
  EXPECT_EQ(c_->input, "NICK a\r\n");

  in_loop([&] {
    c_->send_copy(":srv 001 a :Welcome\r\n");
    c_->close("Quit");
  });
  // The kernel takes the line at once: the linger ends in the same turn.
  EXPECT_EQ(c_->state(), State::kClosed);
  EXPECT_EQ(c_->closed, std::vector<std::string>{"Quit"});
  EXPECT_EQ(read_to_eof(), ":srv 001 a :Welcome\r\n");
  EXPECT_EQ(w_.connection_count(), 0u);
}

TEST_F(TcpConnectionStateTest, PeerHangUpIsConnectionClosed) {
  in_loop([&] { c_->start(); });
  peer_.close();
  ASSERT_TRUE(poll_until([&] { return c_->state() == State::kClosed; }));
  EXPECT_EQ(c_->closed, std::vector<std::string>{"Connection closed"});
}

TEST_F(TcpConnectionStateTest, CloseWithoutFlushDropsTheQueue) {
  in_loop([&] {
    c_->start();
    c_->send_copy("dropped\r\n");
    c_->close("Killed", false);
  });
  EXPECT_EQ(c_->state(), State::kClosed);
  EXPECT_EQ(read_to_eof(), "");
}

}  // namespace
}  // namespace lobbyd::net
