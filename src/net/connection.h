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
// Transports: a plain TCP connection reads with async_read_some into inbuf_
// and writes with write_some (the hot path). Not async_wait + read_some into
// the shared scratch buffer: Asio re-arms every wait with an epoll_ctl system
// call, while a read op just waits on the edge-triggered registration, and
// its completion's recv is the one that would follow the wait anyway. A
// connection given a StreamTransport (TLS, WebSocket) uses its async
// handshake/read/write instead; limits, throttle, close and linger behave the
// same. The TCP socket stays here either way (peer address,
// final close).
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "net/loop_thread.h"
#include "net/send_queue.h"
#include "net/shared_buffer.h"
#include "net/transport.h"
#include "net/worker.h"

namespace lobbyd::net {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // remote_ip: the peer's address as text (the listener has it from accept).
  Connection(Worker& w, boost::asio::ip::tcp::socket socket, std::string remote_ip);
  virtual ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Worker& worker() const noexcept { return worker_; }
  const std::string& remote_ip() const noexcept { return remote_ip_; }
  bool open() const noexcept { return state_ == State::kOpen; }

  // Before start(): carry the stream over a transport built on our socket.
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
  enum class State : std::uint8_t { kOpen, kClosing, kClosed };

  void after_append();
  void read_next();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void read_more();  // after a full inbuf_: non-blocking reads into the scratch buffer
  void feed(std::string_view fresh);
  void wait_writable();
  void finish_close();
  // Stream transports (see top).
  void stream_on_handshake(const boost::system::error_code& ec);
  void stream_read_next();
  void stream_flush();
  void stream_fail(const char* reason);
  void maybe_close_stream();
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

  // The connection's life is state_ (open -> closing: flushing for at most
  // the linger -> closed). Beside it are only facts about work in flight,
  // which are orthogonal to the state (a read may be pending in any of them):
  //   both engines: attached_ (in the worker's list), reading_ (a read op
  //     pending), input_paused_ (throttle; set for good by close()),
  //     flush_scheduled_ / cut_scheduled_ (queued in the worker's turn-end
  //     lists, which check them before acting);
  //   reactor TCP:  waiting_writable_ (an async_wait for writability);
  //   stream:       handshaking_ -> stream_ready_ (the handshake's outcome),
  //     writing_ (an async write pending), stream_failed_ (an I/O error: no
  //     polite close), stream_closing_ (closed; the transport's close waits
  //     for the pending operations to end).
  State state_ = State::kOpen;
  bool attached_ = false;
  bool reading_ = false;
  bool waiting_writable_ = false;
  bool input_paused_ = false;
  bool flush_scheduled_ = false;
  bool cut_scheduled_ = false;

  std::unique_ptr<StreamTransport> transport_;  // null: plain TCP
  bool handshaking_ = false;
  bool stream_ready_ = false;
  bool writing_ = false;
  bool stream_failed_ = false;
  bool stream_closing_ = false;
};

}  // namespace lobbyd::net
