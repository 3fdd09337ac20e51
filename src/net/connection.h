#pragma once
// A TCP connection owned by one worker. It moves bytes and knows no protocol:
// a subclass (core::Session) receives the input and decides what it means.
//
// Input:  socket -> inbuf_ (a small per-connection buffer; a read that fills
//         it goes on into the worker's scratch buffer) -> on_input() consumes
//         whole lines; an incomplete tail (or lines held back by the flood
//         throttle) is kept in pending_, bounded by the recvq limit.
// Output: send() appends shared immutable buffers to a byte-counted queue;
//         the queue is written at the end of the loop turn with one gather
//         write (non-blocking; only what the kernel refuses waits for
//         writability). Past the sendq limit the connection is cut at a safe
//         point, never from inside send().
//
//   outq_:  [ buf0 (front_off_ bytes already written) ][ buf1 ][ buf2 ] + tail_
//   tail_:  replies for this connection alone, batched into one buffer.
//
// Life: one state machine for every kind of connection (state() below):
//
//   kNew --start()--> kOpen                      (plain TCP)
//   kNew --start()--> kHandshaking --ok--> kOpen  (TLS, WebSocket)
//   kHandshaking / kOpen --close()--> kClosing    (on_closed() runs here, once;
//                                                  queued output is written
//                                                  for at most the linger)
//   kClosing --queue empty or linger over--> kShutdown
//   kNew / kHandshaking / kOpen --close() without flush, handshake cut,
//                                 I/O error--> kShutdown (via kClosing)
//   kShutdown --operations in flight ended--> kClosed (socket closing)
//
// How bytes move is the engine's (net/engine.h, a stateless strategy chosen
// once, before start()): the reactor TCP engine reads with async_read_some
// into inbuf_ and writes with write_some (the hot path; not async_wait +
// read_some into the shared scratch buffer: Asio re-arms every wait with an
// epoll_ctl system call, while a read op just waits on the edge-triggered
// registration), and the stream engine drives a StreamTransport's async
// handshake/read/write (TLS, WebSocket, the in-memory pipe of tests). Both
// record what they have in flight in in_flight_, so close() and the worker
// see one state machine whatever the engine; limits, throttle, close and
// linger behave the same. The TCP socket stays here either way (peer
// address, final close).
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>

#include "net/loop_thread.h"
#include "net/send_queue.h"
#include "net/shared_buffer.h"
#include "net/transport.h"
#include "net/worker.h"

namespace lobbyd::net {

class Engine;  // net/engine.h

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // remote_ip: the peer's address as text (the listener has it from accept).
  Connection(Worker& w, boost::asio::ip::tcp::socket socket, std::string remote_ip);
  virtual ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Worker& worker() const noexcept { return worker_; }
  const std::string& remote_ip() const noexcept { return remote_ip_; }
  // See "Life" above.
  enum class State : std::uint8_t { kNew, kHandshaking, kOpen, kClosing, kShutdown, kClosed };
  State state() const noexcept { return state_; }
  static std::string_view state_name(State s) noexcept;
  // Not closing yet: the session may still act (before and during the
  // handshake too: its registration timeout runs from the accept).
  bool open() const noexcept { return state_ <= State::kOpen; }

  // Before start(): carry the stream over a transport built on our socket
  // (the stream engine); without one the connection is plain TCP.
  void use_transport(const TransportMaker& make);
  std::string_view transport_name() const noexcept;  // "tcp", "tls", "ws"

  // "Loop thread": the owning worker's thread only, checked by
  // LOBBYD_ASSERT_IN_LOOP (net/loop_thread.h) in Debug and sanitizer builds.
  //
  // Loop thread: attach to the worker and start reading.
  void start();

  // Loop thread: queue output. Cheap; never closes or blocks.
  void send(const SharedBuf& buf);
  void send_copy(std::string_view bytes);  // a reply for this connection only
  // Any thread: routes through the owning worker when called elsewhere.
  void send_any(const SharedBuf& buf);

  std::size_t queued_bytes() const noexcept { return out_bytes_ + tail_.size(); }
  // Every byte ever queued to this connection (reply cost: core/commands.cpp).
  std::uint64_t bytes_appended() const noexcept { return appended_; }
  void set_limits(std::size_t sendq_bytes, std::size_t recvq_bytes) noexcept {
    LOBBYD_ASSERT_IN_LOOP(worker_);
    sendq_limit_ = sendq_bytes;
    recvq_limit_ = recvq_bytes;
  }

  // Loop thread. Starts closing: on_closed() runs exactly once, then queued
  // output is written for at most `linger` before the socket closes.
  void close(std::string_view reason, bool flush = true,
             std::chrono::milliseconds linger = std::chrono::seconds(2));
  // Drops queued output that has not started to go out (sendq cut).
  void discard_output() noexcept;

  // Flood throttle: while paused, input is buffered (up to recvq) but not
  // handed to on_input().
  // Also used to hold a client's next lines while its own command waits
  // for a side thread, so that replies keep the order of the commands.
  void pause_input() noexcept {
    LOBBYD_ASSERT_IN_LOOP(worker_);
    input_paused_ = true;
  }
  void resume_input();
  bool input_paused() const noexcept { return input_paused_; }

  // Called by the worker (loop thread).
  void flush();
  // Writes what the kernel takes now; true if the queue is still over sendq
  // (the peer does not keep up: cut it).
  bool over_sendq_after_flush();
  void tick(Clock::time_point now);

 protected:
  // All unconsumed input; returns how many bytes were consumed.
  virtual std::size_t on_input(std::string_view data) = 0;
  virtual void on_closed(std::string_view reason) = 0;
  virtual void on_tick(Clock::time_point now) {}
  virtual void on_sendq_exceeded() = 0;
  virtual void on_recvq_exceeded() = 0;

 private:
  friend class Worker;
  friend class TcpEngine;
  friend class StreamEngine;

  // Operations in flight (bits of in_flight_), orthogonal to the state: a
  // read may be pending in any state until it completes or is cancelled.
  // kWrite is a write op (stream) or a wait for writability (TCP).
  static constexpr std::uint8_t kOpRead = 1, kOpWrite = 2, kOpHandshake = 4;
  bool in_flight(std::uint8_t op) const noexcept { return (in_flight_ & op) != 0; }
  void begin_op(std::uint8_t op) noexcept { in_flight_ |= op; }
  void end_op(std::uint8_t op) noexcept { in_flight_ &= static_cast<std::uint8_t>(~op); }

  void after_append();
  void append_tail();  // tail_ joins the queue as one buffer
  void feed(std::string_view fresh);
  // An I/O error or a cut handshake: no polite ending, no flush.
  void fail(std::string_view reason);
  // -> kShutdown, then kClosed once nothing is in flight. from: the state
  // the close began in (kClosing: after the linger, so attached and open).
  void finish_close(State from = State::kClosing);
  void settle();        // kShutdown: closes the socket once the engine allows it
  void close_socket();
  Counter* transport_counter() noexcept;

  Worker& worker_;
  boost::asio::ip::tcp::socket socket_;
  std::string remote_ip_;
  std::list<ConnectionPtr>::iterator self_it_;

  std::string pending_;   // unconsumed input
  // Reads land here first. Small, as every connection has one: a command or
  // a chat line fits; more goes on into the worker's scratch buffer. (512
  // cost 530 B of RSS per idle connection; 256 about half that.)
  static constexpr std::size_t kInBytes = 256;
  std::array<char, kInBytes> inbuf_;
  SendQueue outq_;  // net/send_queue.h: keeps its storage across flushes
  std::string tail_;
  std::size_t out_bytes_ = 0;   // bytes in outq_ not yet written
  std::uint64_t appended_ = 0;  // bytes queued since the start
  std::size_t front_off_ = 0;   // bytes of outq_.front() already written
  std::size_t sendq_limit_ = 1 << 20;
  std::size_t recvq_limit_ = 16 << 10;
  Clock::time_point close_deadline_{};

  const Engine* engine_;                  // net/engine.h; never null
  std::unique_ptr<StreamTransport> transport_;  // the stream engine's; null for TCP
  State state_ = State::kNew;
  std::uint8_t in_flight_ = 0;  // kOp* bits
  bool aborted_ = false;        // fail(): the transport closes without a goodbye
  // Facts that are not the connection's life: the throttle (set for good by
  // close()), and membership in the worker's turn-end lists (which check
  // these before acting).
  bool input_paused_ = false;
  bool flush_scheduled_ = false;
  bool cut_scheduled_ = false;
};

}  // namespace lobbyd::net
