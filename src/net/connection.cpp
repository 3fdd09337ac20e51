#include "net/connection.h"

#include <array>
#include <span>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>

#include "net/loop_thread.h"
#include "prof/profiler.h"

namespace lobbyd::net {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
constexpr std::size_t kMaxGather = 64;              // buffers per write call
constexpr std::size_t kMaxReadsPerTurn = 4;         // fairness between connections
constexpr std::size_t kMaxWriteBytesPerTurn = 256 << 10;
}  // namespace

Connection::Connection(Worker& w, asio::ip::tcp::socket socket, std::string remote_ip)
    : worker_(w), socket_(std::move(socket)), remote_ip_(std::move(remote_ip)) {
  error_code ec;
  socket_.non_blocking(true, ec);
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

Connection::~Connection() = default;

void Connection::use_transport(const TransportMaker& make) { transport_ = make(socket_); }

std::string_view Connection::transport_name() const noexcept {
  return transport_ ? transport_->name() : std::string_view("tcp");
}

Counter* Connection::transport_counter() noexcept {
  if (!transport_) return nullptr;
  // The memory transport (in-process drivers) counts as a browser's.
  return transport_->kind() == TransportKind::kTls ? &worker_.counters().tls_connections
                                                   : &worker_.counters().ws_connections;
}

void Connection::start() {
  LOBBYD_ASSERT_IN_LOOP(worker_);
  worker_.attach(shared_from_this());
  attached_ = true;
  if (transport_) {
    transport_counter()->add();
    handshaking_ = true;
    transport_->async_handshake([self = shared_from_this()](const error_code& ec) {
      Worker::BusyScope busy(self->worker_);
      self->stream_on_handshake(ec);
    });
    return;
  }
  read_next();
}

void Connection::read_next() {
  if (transport_) return stream_read_next();
  if (reading_ || state_ != State::kOpen) return;
  reading_ = true;
  socket_.async_read_some(asio::buffer(inbuf_),
                          [self = shared_from_this()](const error_code& ec, std::size_t n) {
                            Worker::BusyScope busy(self->worker_);
                            self->reading_ = false;
                            self->on_read(ec, n);
                          });
}

void Connection::on_read(const error_code& ec, std::size_t n) {
  if (state_ != State::kOpen) return;
  LOBBYD_ZONE("net.read");
  if (ec) {
    close(ec == asio::error::eof ? "Connection closed" : "Read error", false);
    return;
  }
  worker_.counters().bytes_in.add(n);
  feed(std::string_view(inbuf_.data(), n));
  // A full inbuf_ means more may be waiting: go on into the scratch buffer.
  if (n == inbuf_.size()) read_more();
  read_next();
}

void Connection::read_more() {
  char* buf = worker_.scratch();
  for (std::size_t i = 1; i < kMaxReadsPerTurn && state_ == State::kOpen; ++i) {
    error_code rec;
    std::size_t n = socket_.read_some(asio::buffer(buf, Worker::kScratchBytes), rec);
    if (rec == asio::error::would_block || rec == asio::error::try_again) break;
    if (rec) {
      close(rec == asio::error::eof ? "Connection closed" : "Read error", false);
      return;
    }
    worker_.counters().bytes_in.add(n);
    feed(std::string_view(buf, n));
    if (n < Worker::kScratchBytes) break;  // drained the socket for now
  }
}

void Connection::feed(std::string_view fresh) {
  if (pending_.empty() && !input_paused_) {
    // Common case: whole lines straight from the scratch buffer, no copy.
    std::size_t used = on_input(fresh);
    if (state_ != State::kOpen) return;
    if (used < fresh.size()) pending_.append(fresh.substr(used));
  } else {
    pending_.append(fresh);
    if (!input_paused_) {
      std::size_t used = on_input(pending_);
      if (state_ != State::kOpen) return;
      pending_.erase(0, used);
    }
  }
  if (pending_.size() > recvq_limit_) on_recvq_exceeded();
  if (pending_.empty() && pending_.capacity() > 0) std::string().swap(pending_);
}

void Connection::resume_input() {
  LOBBYD_ASSERT_IN_LOOP(worker_);
  input_paused_ = false;
  if (state_ != State::kOpen || pending_.empty()) return;
  std::size_t used = on_input(pending_);
  if (state_ != State::kOpen) return;
  pending_.erase(0, used);
  if (pending_.empty()) std::string().swap(pending_);
}

void Connection::send(const SharedBuf& buf) {
  LOBBYD_ASSERT_IN_LOOP(worker_);
  if (state_ == State::kClosed) return;
  if (!tail_.empty()) {
    out_bytes_ += tail_.size();
    outq_.push_back(make_shared_buf(std::move(tail_)));
    tail_.clear();
  }
  out_bytes_ += buf->size();
  appended_ += buf->size();
  outq_.push_back(buf);
  worker_.counters().msgs_out.add();
  after_append();
}

void Connection::send_copy(std::string_view bytes) {
  LOBBYD_ASSERT_IN_LOOP(worker_);
  if (state_ == State::kClosed) return;
  tail_.append(bytes);
  appended_ += bytes.size();
  worker_.counters().msgs_out.add();
  after_append();
}

void Connection::after_append() {
  // Over the bound, the worker decides at the end of the turn, after trying
  // to write: only what the kernel refused counts against the sendq, so a
  // reader that keeps up survives a burst larger than its sendq.
  if (queued_bytes() > sendq_limit_ && state_ == State::kOpen && !cut_scheduled_) {
    cut_scheduled_ = true;
    worker_.schedule_cut(*this);
  }
  if (!flush_scheduled_) {
    flush_scheduled_ = true;
    worker_.schedule_flush(*this);
  }
}

bool Connection::over_sendq_after_flush() {
  LOBBYD_ASSERT_IN_LOOP(worker_);
  cut_scheduled_ = false;
  if (state_ != State::kOpen) return false;
  flush();
  return state_ == State::kOpen && queued_bytes() > sendq_limit_;
}

void Connection::send_any(const SharedBuf& buf) {
  if (worker_.is_current()) {
    send(buf);
  } else {
    std::vector<ConnectionPtr> one{shared_from_this()};
    worker_.deliver(buf, std::move(one));
  }
}

void Connection::discard_output() noexcept {
  LOBBYD_ASSERT_IN_LOOP(worker_);
  // Keep a partly written buffer so the peer never sees half a line followed
  // by another line.
  while (outq_.size() > (front_off_ > 0 ? 1u : 0u)) {
    out_bytes_ -= outq_.back()->size();
    outq_.pop_back();
  }
  tail_.clear();
  cut_scheduled_ = false;
}

void Connection::flush() {
  LOBBYD_ASSERT_IN_LOOP(worker_);
  LOBBYD_ZONE("net.write");
  flush_scheduled_ = false;
  if (state_ == State::kClosed) return;
  if (!tail_.empty()) {
    out_bytes_ += tail_.size();
    outq_.push_back(make_shared_buf(std::move(tail_)));
    tail_.clear();
  }
  if (transport_) return stream_flush();
  if (waiting_writable_) return;  // the pending wait will flush
  std::size_t written_this_turn = 0;
  while (!outq_.empty()) {
    std::array<asio::const_buffer, kMaxGather> bufs;
    std::size_t n = 0;
    for (auto it = outq_.begin(); it != outq_.end() && n < kMaxGather; ++it, ++n) {
      const std::string& s = **it;
      std::size_t off = (n == 0) ? front_off_ : 0;
      bufs[n] = asio::buffer(s.data() + off, s.size() - off);
    }
    error_code ec;
    std::size_t wrote =
        socket_.write_some(std::span<const asio::const_buffer>(bufs.data(), n), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      wait_writable();
      return;
    }
    if (ec) {
      discard_output();
      outq_.clear();
      out_bytes_ = 0;
      front_off_ = 0;
      if (state_ == State::kOpen) close("Write error", false);
      else finish_close();
      return;
    }
    worker_.counters().bytes_out.add(wrote);
    out_bytes_ -= wrote;
    written_this_turn += wrote;
    while (wrote > 0) {
      std::size_t left = outq_.front()->size() - front_off_;
      if (wrote >= left) {
        wrote -= left;
        front_off_ = 0;
        outq_.pop_front();
      } else {
        front_off_ += wrote;
        wrote = 0;
      }
    }
    if (!outq_.empty() && written_this_turn >= kMaxWriteBytesPerTurn &&
        queued_bytes() <= sendq_limit_) {
      wait_writable();  // let other connections have the loop
      return;
    }
  }
  if (state_ == State::kClosing) finish_close();
}

void Connection::wait_writable() {
  waiting_writable_ = true;
  socket_.async_wait(asio::socket_base::wait_write,
                     [self = shared_from_this()](const error_code& ec) {
                       Worker::BusyScope busy(self->worker_);
                       self->waiting_writable_ = false;
                       if (ec) {
                         if (self->state_ != State::kClosed) {
                           if (self->state_ == State::kOpen) self->close("Write error", false);
                           else self->finish_close();
                         }
                         return;
                       }
                       self->flush();
                     });
}

void Connection::close(std::string_view reason, bool flush_output,
                       std::chrono::milliseconds linger) {
  LOBBYD_ASSERT_IN_LOOP(worker_);
  if (state_ != State::kOpen) return;
  state_ = State::kClosing;
  input_paused_ = true;
  on_closed(reason);
  // Mid-handshake nothing queued can reach the peer, and a peer that stalls
  // the handshake (a TLS ClientHello cut short) would hold the slot for the
  // whole linger: close at once.
  if (flush_output && !handshaking_ && (!outq_.empty() || !tail_.empty())) {
    close_deadline_ = Clock::now() + linger;
    flush();
  } else {
    finish_close();
  }
}

void Connection::finish_close() {
  LOBBYD_ASSERT_IN_LOOP(worker_);
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  outq_.clear();
  tail_.clear();
  out_bytes_ = 0;
  std::string().swap(pending_);
  if (transport_) {
    if (attached_) transport_counter()->sub();
    // In-flight operations end first (a stuck write or a handshake is
    // cancelled; it cannot end politely), then the transport closes.
    stream_closing_ = true;
    error_code ec;
    if (writing_ || handshaking_) {
      stream_failed_ = true;
      socket_.cancel(ec);
    } else if (reading_ && transport_->close_needs_idle_read()) {
      socket_.cancel(ec);
    }
    maybe_close_stream();
  } else {
    close_socket();
  }
  if (attached_) {
    attached_ = false;
    worker_.detach(*this);
  }
}

void Connection::close_socket() {
  error_code ec;
  socket_.shutdown(asio::socket_base::shutdown_both, ec);
  socket_.close(ec);
}

// --- Stream transports (TLS, WebSocket): async operations, one of each kind
// in flight. Every completion re-checks the state: the connection may have
// closed meanwhile.

void Connection::stream_on_handshake(const error_code& ec) {
  handshaking_ = false;
  if (state_ != State::kOpen) return maybe_close_stream();
  if (ec) {
    return stream_fail(transport_->kind() == TransportKind::kTls ? "TLS handshake failed"
                                                                 : "WebSocket handshake failed");
  }
  stream_ready_ = true;
  stream_read_next();
  if (queued_bytes() > 0) stream_flush();
}

void Connection::stream_fail(const char* reason) {
  stream_failed_ = true;
  if (state_ == State::kOpen) close(reason, false);
  else finish_close();
}

void Connection::stream_read_next() {
  if (reading_ || state_ != State::kOpen || !stream_ready_) return;
  reading_ = true;
  transport_->async_read([self = shared_from_this()](const error_code& ec, std::string_view data) {
    Worker::BusyScope busy(self->worker_);
    self->reading_ = false;
    if (self->state_ != State::kOpen) return self->maybe_close_stream();
    LOBBYD_ZONE("net.read");
    if (ec) {
      const char* why = self->transport_->read_failure();
      return self->stream_fail(ec == asio::error::eof ? "Connection closed" : why ? why : "Read error");
    }
    self->worker_.counters().bytes_in.add(data.size());
    self->feed(data);
    self->stream_read_next();
  });
}

void Connection::stream_flush() {
  if (state_ == State::kClosed || writing_) return;
  if (!stream_ready_) {
    if (state_ == State::kClosing && !handshaking_) finish_close();
    return;  // the handshake's completion flushes
  }
  if (outq_.empty()) {
    if (state_ == State::kClosing) finish_close();
    return;
  }
  // The buffers leave outq_ (discard_output() must not free them under the
  // write) but stay counted in out_bytes_ until written.
  std::vector<SharedBuf> bufs;
  std::size_t bytes = 0;
  while (!outq_.empty() && bufs.size() < kMaxGather && bytes < kMaxWriteBytesPerTurn) {
    bytes += outq_.front()->size();
    bufs.push_back(std::move(outq_.front()));
    outq_.pop_front();
  }
  writing_ = true;
  transport_->async_write(std::move(bufs), [self = shared_from_this(), bytes](
                                               const error_code& ec, std::size_t n) {
    Worker::BusyScope busy(self->worker_);
    self->writing_ = false;
    if (self->state_ == State::kClosed) return self->maybe_close_stream();
    if (ec) return self->stream_fail("Write error");
    self->out_bytes_ -= bytes;
    self->worker_.counters().bytes_out.add(n);
    self->stream_flush();
  });
}

void Connection::maybe_close_stream() {
  if (!stream_closing_ || handshaking_ || writing_ ||
      (reading_ && transport_->close_needs_idle_read()))
    return;
  stream_closing_ = false;
  if (stream_ready_ && !stream_failed_) {
    transport_->async_close([self = shared_from_this()] { self->close_socket(); });
  } else {
    close_socket();
  }
}

void Connection::tick(Clock::time_point now) {
  LOBBYD_ASSERT_IN_LOOP(worker_);
  if (state_ == State::kClosing) {
    if (now >= close_deadline_) finish_close();
    return;
  }
  if (state_ == State::kOpen) on_tick(now);
}

}  // namespace lobbyd::net
