#pragma once
// Accepts TCP connections on one endpoint and spreads them round-robin over
// the workers. The accepted socket is created on its target worker's
// io_context, and the connection object is made on that worker's thread.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <vector>

#include "net/worker.h"

namespace lobbyd::net {

class Listener {
 public:
  // Runs on the target worker's thread; takes ownership of the socket. The
  // peer's address comes from accept() itself (no getpeername per client).
  using Factory = std::function<void(Worker&, boost::asio::ip::tcp::socket,
                                     const boost::asio::ip::tcp::endpoint& peer)>;

  // Throws boost::system::system_error if the endpoint cannot be bound
  // (start-up only).
  Listener(Worker& home, std::vector<Worker*> workers, const boost::asio::ip::tcp::endpoint& ep,
           Factory factory);

  boost::asio::ip::tcp::endpoint local_endpoint() const;
  void start();  // any thread
  void stop();   // any thread; the acceptor closes on its home worker

 private:
  void accept_next();

  Worker& home_;
  std::vector<Worker*> workers_;
  Factory factory_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::ip::tcp::endpoint peer_;  // filled by the one accept in flight
  std::size_t next_ = 0;
};

// Parses "host:port", "[v6]:port" or ":port". Returns false on bad input.
bool parse_endpoint(std::string_view text, boost::asio::ip::tcp::endpoint& out);

}  // namespace lobbyd::net
