#pragma once
// How a connection's bytes move: the strategy behind net::Connection, one
// per kind of connection. Engines are stateless (one instance each, shared
// by every connection): what is in flight is recorded in the connection
// (Connection::in_flight_), and the connection's life is its one state
// (Connection::State), so close(), the linger and the worker's turn-end
// lists work the same whichever engine runs underneath.
//
//   tcp_engine()     reactor TCP: async_read_some into the connection's
//                    small buffer, then non-blocking reads into the worker's
//                    scratch; writes are non-blocking gather write_some,
//                    with a wait for writability only for what the kernel
//                    refused (net/tcp_engine.cpp). The hot path.
//   stream_engine()  a StreamTransport (TLS, WebSocket, the in-memory pipe):
//                    one async handshake, read and write in flight at a time
//                    (net/stream_engine.cpp).
//
// Everything here runs on the connection's loop thread. Internal to net
// (included by connection.cpp and the two engines only).

namespace lobbyd::net {

class Connection;

class Engine {
 public:
  // kNew -> kOpen (reading) or kHandshaking.
  virtual void start(Connection& c) const = 0;
  // Keeps one read in flight while the connection is kOpen.
  virtual void read_next(Connection& c) const = 0;
  // Writes what the queue holds, as far as it goes now; in kClosing, an
  // empty queue ends the linger (Connection::finish_close()).
  virtual void flush(Connection& c) const = 0;
  // Entering kShutdown: cancel what must not be waited for.
  virtual void stop(Connection& c) const = 0;
  // In kShutdown: may the socket close now (nothing in flight that it must
  // wait for)? Then close() closes it (politely unless the connection
  // failed).
  virtual bool may_close(const Connection& c) const = 0;
  virtual void close(Connection& c) const = 0;

 protected:
  ~Engine() = default;
};

const Engine& tcp_engine() noexcept;
const Engine& stream_engine() noexcept;

}  // namespace lobbyd::net
