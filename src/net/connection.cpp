#include "net/connection.h"

#include <stdexcept>

#include "net/engine.h"
#include "net/loop_thread.h"

namespace lobbyd::net {

namespace asio = boost::asio;
using boost::system::error_code;

Connection::Connection(Worker& w, asio::ip::tcp::socket socket, std::string remote_ip)
    : worker_(w), socket_(std::move(socket)), remote_ip_(std::move(remote_ip)), engine_(&tcp_engine()) {
  error_code ec;
  socket_.non_blocking(true, ec);
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

Connection::~Connection() = default;

std::string_view Connection::state_name(State s) noexcept {
  switch (s) {
    case State::kNew: return "new";
    case State::kHandshaking: return "handshaking";
    case State::kOpen: return "open";
    case State::kClosing: return "closing";
    case State::kShutdown: return "shutdown";
    case State::kClosed: return "closed";
  }
  return "?";
}

void Connection::use_transport(const TransportMaker& make) {
  // The engine is chosen once: a started connection has I/O in flight.
  if (state_ != State::kNew) throw std::logic_error("Connection::use_transport() after start()");
  transport_ = make(socket_);
  engine_ = &stream_engine();
}

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
  if (state_ != State::kNew) return;
  worker_.attach(shared_from_this());
  if (Counter* c = transport_counter()) c->add();
  engine_->start(*this);
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

void Connection::append_tail() {
  if (tail_.empty()) return;
  out_bytes_ += tail_.size();
  outq_.push_back(make_shared_buf(std::move(tail_)));
  tail_.clear();
}

void Connection::send(const SharedBuf& buf) {
  LOBBYD_ASSERT_IN_LOOP(worker_);
  if (state_ >= State::kShutdown) return;
  append_tail();
  out_bytes_ += buf->size();
  appended_ += buf->size();
  outq_.push_back(buf);
  worker_.counters().msgs_out.add();
  after_append();
}

void Connection::send_copy(std::string_view bytes) {
  LOBBYD_ASSERT_IN_LOOP(worker_);
  if (state_ >= State::kShutdown) return;
  tail_.append(bytes);
  appended_ += bytes.size();
  worker_.counters().msgs_out.add();
  after_append();
}

void Connection::after_append() {
  // Over the bound, the worker decides at the end of the turn, after trying
  // to write: only what the kernel refused counts against the sendq, so a
  // reader that keeps up survives a burst larger than its sendq.
  if (queued_bytes() > sendq_limit_ && open() && !cut_scheduled_) {
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
  if (!open()) return false;
  flush();
  return open() && queued_bytes() > sendq_limit_;
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
  flush_scheduled_ = false;
  if (state_ >= State::kShutdown) return;
  append_tail();
  engine_->flush(*this);
}

void Connection::close(std::string_view reason, bool flush_output,
                       std::chrono::milliseconds linger) {
  LOBBYD_ASSERT_IN_LOOP(worker_);
  if (!open()) return;
  // Before or mid-handshake nothing queued can reach the peer, and a peer
  // that stalls the handshake (a TLS ClientHello cut short) would hold the
  // slot for the whole linger: close at once.
  const State from = state_;
  state_ = State::kClosing;
  input_paused_ = true;
  on_closed(reason);
  if (flush_output && from == State::kOpen && (!outq_.empty() || !tail_.empty())) {
    close_deadline_ = Clock::now() + linger;
    flush();
  } else {
    finish_close(from);
  }
}

void Connection::fail(std::string_view reason) {
  aborted_ = true;
  if (open()) close(reason, false);
  else finish_close(state_);
}

void Connection::finish_close(State from) {
  LOBBYD_ASSERT_IN_LOOP(worker_);
  if (state_ >= State::kShutdown) return;
  const bool attached = from != State::kNew;  // start() attaches
  if (from < State::kOpen) aborted_ = true;   // no goodbye without a handshake
  state_ = State::kShutdown;
  outq_.clear();
  tail_.clear();
  out_bytes_ = 0;
  front_off_ = 0;
  std::string().swap(pending_);
  if (attached)
    if (Counter* c = transport_counter()) c->sub();
  engine_->stop(*this);
  settle();
  if (attached) worker_.detach(*this);  // last: it may drop the list's reference
}

void Connection::settle() {
  if (state_ != State::kShutdown || !engine_->may_close(*this)) return;
  state_ = State::kClosed;
  engine_->close(*this);
}

void Connection::close_socket() {
  error_code ec;
  socket_.shutdown(asio::socket_base::shutdown_both, ec);
  socket_.close(ec);
}

void Connection::tick(Clock::time_point now) {
  LOBBYD_ASSERT_IN_LOOP(worker_);
  if (state_ == State::kClosing) {
    if (now >= close_deadline_) finish_close();
    return;
  }
  if (open()) on_tick(now);
}

}  // namespace lobbyd::net
