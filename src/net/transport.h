#pragma once
// A byte stream layered over a connection's TCP socket (TLS, WebSocket).
// Plain TCP connections have none and keep the reactor-style hot path of
// connection.cpp; a Connection with a transport uses these async operations
// instead: at most one handshake, one read and one write in flight, all on
// the owning worker's thread.
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "net/shared_buffer.h"

namespace lobbyd::net {

// What a transport is, for the per-kind counters and the error text (never
// decided by comparing names).
enum class TransportKind : std::uint8_t { kTls, kWebSocket, kMemory };

class StreamTransport {
 public:
  using Done = std::function<void(const boost::system::error_code&)>;
  // data: IRC input as it would arrive over TCP (a WebSocket message gets
  // its CRLF back); valid until the next call.
  using ReadDone = std::function<void(const boost::system::error_code&, std::string_view data)>;
  // bytes: wire-independent bytes of `bufs` written (all of them on success).
  using WriteDone = std::function<void(const boost::system::error_code&, std::size_t bytes)>;

  virtual ~StreamTransport() = default;
  virtual std::string_view name() const noexcept = 0;  // "tls", "ws"
  virtual TransportKind kind() const noexcept = 0;
  virtual void async_handshake(Done done) = 0;
  virtual void async_read(ReadDone done) = 0;
  // bufs hold whole IRC lines (CRLF-terminated); kept alive until done.
  virtual void async_write(std::vector<SharedBuf> bufs, WriteDone done) = 0;
  // Polite close (TLS close_notify, WebSocket close frame), bounded in time;
  // the TCP socket is closed by the caller after `done`.
  virtual void async_close(std::function<void()> done) = 0;
  // True if a pending read must finish (be cancelled) before async_close.
  virtual bool close_needs_idle_read() const noexcept = 0;
  // Why the last read failed, in words for the QUIT others see ("WebSocket
  // message too big"), or nullptr for a plain read error.
  virtual const char* read_failure() const noexcept { return nullptr; }
};

// Builds a transport over the connection's socket (which it must not move).
using TransportMaker = std::function<std::unique_ptr<StreamTransport>(boost::asio::ip::tcp::socket&)>;

}  // namespace lobbyd::net
