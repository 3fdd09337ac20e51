// The reactor TCP engine (net/engine.h): the hot path of plain connections.
#include <array>
#include <span>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>

#include "net/connection.h"
#include "net/engine.h"
#include "prof/profiler.h"

namespace lobbyd::net {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
constexpr std::size_t kMaxGather = 64;              // buffers per write call
constexpr std::size_t kMaxReadsPerTurn = 4;         // fairness between connections
constexpr std::size_t kMaxWriteBytesPerTurn = 256 << 10;

bool would_block(const error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}
const char* read_error(const error_code& ec) {
  return ec == asio::error::eof ? "Connection closed" : "Read error";
}
}  // namespace

class TcpEngine final : public Engine {
 public:
  constexpr TcpEngine() = default;
  void start(Connection& c) const override {
    c.state_ = Connection::State::kOpen;
    read_next(c);
    if (c.queued_bytes() > 0) c.flush();
  }

  void read_next(Connection& c) const override {
    if (c.in_flight(Connection::kOpRead) || c.state_ != Connection::State::kOpen) return;
    c.begin_op(Connection::kOpRead);
    c.socket_.async_read_some(asio::buffer(c.inbuf_),
                              [this, self = c.shared_from_this()](const error_code& ec, std::size_t n) {
                                Worker::BusyScope busy(self->worker_);
                                self->end_op(Connection::kOpRead);
                                on_read(*self, ec, n);
                              });
  }

  void flush(Connection& c) const override {
    LOBBYD_ZONE("net.write");
    if (c.in_flight(Connection::kOpWrite)) return;  // the pending wait will flush
    std::size_t written_this_turn = 0;
    while (!c.outq_.empty()) {
      std::array<asio::const_buffer, kMaxGather> bufs;
      std::size_t n = 0;
      for (auto it = c.outq_.begin(); it != c.outq_.end() && n < kMaxGather; ++it, ++n) {
        const std::string& s = **it;
        std::size_t off = (n == 0) ? c.front_off_ : 0;
        bufs[n] = asio::buffer(s.data() + off, s.size() - off);
      }
      error_code ec;
      std::size_t wrote =
          c.socket_.write_some(std::span<const asio::const_buffer>(bufs.data(), n), ec);
      if (would_block(ec)) return wait_writable(c);
      if (ec) return c.fail("Write error");
      c.worker_.counters().bytes_out.add(wrote);
      c.out_bytes_ -= wrote;
      written_this_turn += wrote;
      while (wrote > 0) {
        std::size_t left = c.outq_.front()->size() - c.front_off_;
        if (wrote >= left) {
          wrote -= left;
          c.front_off_ = 0;
          c.outq_.pop_front();
        } else {
          c.front_off_ += wrote;
          wrote = 0;
        }
      }
      if (!c.outq_.empty() && written_this_turn >= kMaxWriteBytesPerTurn &&
          c.queued_bytes() <= c.sendq_limit_) {
        return wait_writable(c);  // let other connections have the loop
      }
    }
    if (c.state_ == Connection::State::kClosing) c.finish_close();
  }

  // Closing the socket cancels a pending read or wait; their completions
  // find the connection past kOpen and do nothing.
  void stop(Connection&) const override {}
  bool may_close(const Connection&) const override { return true; }
  void close(Connection& c) const override { c.close_socket(); }

 private:
  void on_read(Connection& c, const error_code& ec, std::size_t n) const {
    if (c.state_ != Connection::State::kOpen) return;
    LOBBYD_ZONE("net.read");
    if (ec) return c.fail(read_error(ec));
    c.worker_.counters().bytes_in.add(n);
    c.feed(std::string_view(c.inbuf_.data(), n));
    // A full inbuf_ means more may be waiting: go on into the scratch buffer.
    if (n == c.inbuf_.size()) read_more(c);
    read_next(c);
  }

  // After a full inbuf_: non-blocking reads into the worker's scratch buffer.
  static void read_more(Connection& c) {
    char* buf = c.worker_.scratch();
    for (std::size_t i = 1; i < kMaxReadsPerTurn && c.state_ == Connection::State::kOpen; ++i) {
      error_code ec;
      std::size_t n = c.socket_.read_some(asio::buffer(buf, Worker::kScratchBytes), ec);
      if (would_block(ec)) break;
      if (ec) return c.fail(read_error(ec));
      c.worker_.counters().bytes_in.add(n);
      c.feed(std::string_view(buf, n));
      if (n < Worker::kScratchBytes) break;  // drained the socket for now
    }
  }

  static void wait_writable(Connection& c) {
    c.begin_op(Connection::kOpWrite);
    c.socket_.async_wait(asio::socket_base::wait_write,
                         [self = c.shared_from_this()](const error_code& ec) {
                           Worker::BusyScope busy(self->worker_);
                           self->end_op(Connection::kOpWrite);
                           if (self->state_ >= Connection::State::kShutdown) return;
                           if (ec) return self->fail("Write error");
                           self->flush();
                         });
  }
};

namespace {
constinit const TcpEngine kTcpEngine{};
}  // namespace

const Engine& tcp_engine() noexcept { return kTcpEngine; }

}  // namespace lobbyd::net
