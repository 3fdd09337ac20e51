// The stream engine (net/engine.h): a connection carried by a
// StreamTransport (TLS, WebSocket, the in-memory pipe). At most one
// handshake, one read and one write in flight; every completion re-checks
// the connection's state, which may have moved on meanwhile.
#include <boost/asio/error.hpp>
#include <utility>
#include <vector>

#include "net/connection.h"
#include "net/engine.h"
#include "prof/profiler.h"

namespace lobbyd::net {

namespace asio = boost::asio;
using boost::system::error_code;
using State = Connection::State;

namespace {
constexpr std::size_t kMaxGather = 64;  // buffers per write call
constexpr std::size_t kMaxWriteBytesPerTurn = 256 << 10;
}  // namespace

class StreamEngine final : public Engine {
 public:
  constexpr StreamEngine() = default;

  void start(Connection& c) const override {
    c.state_ = State::kHandshaking;
    c.begin_op(Connection::kOpHandshake);
    c.transport_->async_handshake([this, self = c.shared_from_this()](const error_code& ec) {
      Worker::BusyScope busy(self->worker_);
      self->end_op(Connection::kOpHandshake);
      on_handshake(*self, ec);
    });
  }

  void read_next(Connection& c) const override {
    if (c.in_flight(Connection::kOpRead) || c.state_ != State::kOpen) return;
    c.begin_op(Connection::kOpRead);
    c.transport_->async_read(
        [this, self = c.shared_from_this()](const error_code& ec, std::string_view data) {
          Worker::BusyScope busy(self->worker_);
          self->end_op(Connection::kOpRead);
          on_read(*self, ec, data);
        });
  }

  void flush(Connection& c) const override {
    if (c.in_flight(Connection::kOpWrite)) return;  // its completion flushes again
    // Before the handshake is done the queue waits (its completion flushes);
    // kClosing is only entered from kOpen with output to write.
    if (c.state_ != State::kOpen && c.state_ != State::kClosing) return;
    if (c.outq_.empty()) {
      if (c.state_ == State::kClosing) c.finish_close();
      return;
    }
    // The buffers leave outq_ (discard_output() must not free them under the
    // write) but stay counted in out_bytes_ until written.
    std::vector<SharedBuf> bufs;
    std::size_t bytes = 0;
    while (!c.outq_.empty() && bufs.size() < kMaxGather && bytes < kMaxWriteBytesPerTurn) {
      bytes += c.outq_.front()->size();
      bufs.push_back(std::move(c.outq_.front()));
      c.outq_.pop_front();
    }
    c.begin_op(Connection::kOpWrite);
    c.transport_->async_write(std::move(bufs), [self = c.shared_from_this(), bytes](
                                                   const error_code& ec, std::size_t n) {
      Worker::BusyScope busy(self->worker_);
      self->end_op(Connection::kOpWrite);
      if (self->state_ >= State::kShutdown) return self->settle();
      if (ec) return self->fail("Write error");
      self->out_bytes_ -= bytes;
      self->worker_.counters().bytes_out.add(n);
      self->flush();
    });
  }

  // A write or a handshake in flight cannot end politely: cancel it, and
  // close without a goodbye. A pending read is cancelled only where the
  // transport's close must wait for it.
  void stop(Connection& c) const override {
    error_code ec;
    if (c.in_flight(Connection::kOpWrite | Connection::kOpHandshake)) {
      c.aborted_ = true;
      c.socket_.cancel(ec);
    } else if (c.in_flight(Connection::kOpRead) && c.transport_->close_needs_idle_read()) {
      c.socket_.cancel(ec);
    }
  }

  bool may_close(const Connection& c) const override {
    if (c.in_flight(Connection::kOpWrite | Connection::kOpHandshake)) return false;
    return !(c.in_flight(Connection::kOpRead) && c.transport_->close_needs_idle_read());
  }

  void close(Connection& c) const override {
    // A handshake that never ended (closed before or during it) is aborted_.
    if (c.aborted_) return c.close_socket();
    c.transport_->async_close([self = c.shared_from_this()] { self->close_socket(); });
  }

 private:
  void on_handshake(Connection& c, const error_code& ec) const {
    if (c.state_ != State::kHandshaking) return c.settle();
    if (ec) {
      return c.fail(c.transport_->kind() == TransportKind::kTls ? "TLS handshake failed"
                                                                : "WebSocket handshake failed");
    }
    c.state_ = State::kOpen;
    read_next(c);
    if (c.queued_bytes() > 0) c.flush();
  }

  void on_read(Connection& c, const error_code& ec, std::string_view data) const {
    if (c.state_ != State::kOpen) return c.settle();
    LOBBYD_ZONE("net.read");
    if (ec) {
      const char* why = c.transport_->read_failure();
      return c.fail(ec == asio::error::eof ? "Connection closed" : why ? why : "Read error");
    }
    c.worker_.counters().bytes_in.add(data.size());
    c.feed(data);
    read_next(c);
  }
};

namespace {
constinit const StreamEngine kStreamEngine{};
}  // namespace

const Engine& stream_engine() noexcept { return kStreamEngine; }

}  // namespace lobbyd::net
