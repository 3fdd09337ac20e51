// A chat line to a lobby whose members share the sender's worker costs no
// heap allocation per recipient: the line is serialised once into a shared
// buffer, each member's connection queues a reference to it and writes it
// with its next gather write. Real sessions over real loopback sockets (the
// plain-TCP engine, which every non-TLS, non-browser client uses), driven
// in process by the session harness on one worker; this binary counts every
// operator new (tests/support/counting_new.h).
//
// The figure is a slope, not a total: the same 60 lines are sent to a lobby
// of kSmall and of kLarge members, and what the larger lobby costs more,
// divided by the extra deliveries, must be 0. What a line costs once (its
// parse, its one buffer) is the same in both runs and cancels out.
#include <gtest/gtest.h>

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <string>
#include <vector>

#include "counting_new.h"
#include "session_harness.h"

namespace lobbyd::core {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr std::size_t kSmall = 10, kLarge = 110, kLines = 60, kWarmup = 40;

std::shared_ptr<Settings> settings() {
  auto s = std::make_shared<Settings>();
  s->server_name = "alloc.test";
  s->lobbies = {{"#lobby", "Welcome", 1000}};
  s->flood_rate = 1e6;  // the sender's lines are not held back by its throttle
  s->flood_burst = 1000000;
  return s;
}

// Clients on loopback sockets; their side is read without allocating (a
// fixed buffer, non-blocking reads), so every allocation counted is the
// server's.
class ChatRoom {
 public:
  explicit ChatRoom(std::size_t members) : h_(settings(), false, 1), acceptor_(client_io_) {
    acceptor_.open(tcp::v4());
    acceptor_.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    acceptor_.listen();
    for (std::size_t i = 0; i < members; ++i) {
      auto& c = clients_.emplace_back(client_io_);
      c.connect(acceptor_.local_endpoint());
      c.non_blocking(true);
      // Without it a member's second line in a row waits for the server's
      // delayed ACK (Nagle): the sender hears nothing back from a PRIVMSG.
      c.set_option(tcp::no_delay(true));
      tcp::endpoint peer;
      h_.accept_socket(acceptor_.accept(h_.worker(0).io(), peer), peer);
      send(i, "NICK m" + std::to_string(i) + "\r\nUSER u 0 * :member\r\nJOIN #lobby\r\n");
    }
    drain();
  }

  void send(std::size_t i, const std::string& line) {
    asio::write(clients_.at(i), asio::buffer(line));
    EXPECT_TRUE(h_.settle());
  }
  // Reads what every client was sent; returns the bytes.
  std::size_t drain() {
    std::size_t total = 0;
    for (auto& c : clients_) {
      boost::system::error_code ec;
      while (std::size_t n = c.read_some(asio::buffer(buf_), ec)) { total += n; }
    }
    return total;
  }
  // Allocations made while `lines` chat lines from member 0 are handled and
  // delivered (the clients' own reads and writes are not counted: they
  // allocate nothing, or happen outside the counted span).
  std::size_t allocations_for(std::size_t lines) {
    std::size_t counted = 0;
    const std::string line = "PRIVMSG #lobby :a line for everyone, serialised once\r\n";
    for (std::size_t i = 0; i < lines; ++i) {
      asio::write(clients_.at(0), asio::buffer(line));
      std::size_t before = test::allocations();
      EXPECT_TRUE(h_.settle());
      counted += test::allocations() - before;
      delivered_ += drain();
    }
    return counted;
  }
  std::size_t delivered() const noexcept { return delivered_; }

 private:
  SessionHarness h_;
  asio::io_context client_io_;
  tcp::acceptor acceptor_;
  std::vector<tcp::socket> clients_;
  std::array<char, 65536> buf_{};
  std::size_t delivered_ = 0;
};

TEST(BroadcastAllocations, NonePerRecipientOnTheSendersWorker) {
  ChatRoom small(kSmall), large(kLarge);
  small.allocations_for(kWarmup);  // queues, buffers and caches reach their working size
  large.allocations_for(kWarmup);
  std::size_t a_small = small.allocations_for(kLines);
  std::size_t a_large = large.allocations_for(kLines);
  const std::size_t line_bytes = sizeof(":m0!u@127.0.0.1 PRIVMSG #lobby :a line for everyone, serialised once\r\n") - 1;
  // Every other member got every line (the sender gets no echo).
  ASSERT_EQ(large.delivered(), (kWarmup + kLines) * (kLarge - 1) * line_bytes);
  ASSERT_EQ(small.delivered(), (kWarmup + kLines) * (kSmall - 1) * line_bytes);
  const double extra_deliveries = double(kLines) * double(kLarge - kSmall);
  const double per_recipient = (double(a_large) - double(a_small)) / extra_deliveries;
  RecordProperty("allocations_small", static_cast<int>(a_small));
  RecordProperty("allocations_large", static_cast<int>(a_large));
  EXPECT_LE(a_large, a_small) << "per recipient: " << per_recipient << " allocations (" << a_small
                              << " for " << kSmall << " members, " << a_large << " for " << kLarge
                              << ", " << kLines << " lines)";
}

}  // namespace
}  // namespace lobbyd::core
