#pragma once
// Per-address admission (issue 13: one host could hold every slot of the
// server with connections that never register). For each client address -
// an IPv4 address, or the /64 of an IPv6 one (one subscriber's network) -
// it counts open connections, those not yet registered, and a token bucket
// of new connections per second. Addresses on the exemption list (a load
// balancer, a WebSocket proxy, the test harness) pass without limits.
//
// Thread-safe (one mutex; taken once per accept, registration and close).
// The table is bounded: entries with no connection and a full bucket are
// pruned on tick(); past kMaxTracked addresses (a storm from that many at
// once) a new address is refused as too fast until entries expire.
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lobbyd::core {

struct AddressLimitSettings {
  std::uint32_t max_per_address = 0;      // all connections (0: no limit)
  std::uint32_t max_unregistered = 0;     // not yet registered (0: no limit)
  double connect_rate = 0;                // new connections per second, sustained (0: no limit)
  std::uint32_t connect_burst = 1;        // new connections at once
  std::string_view exempt;                // "127.0.0.0/8 ::1 10.1.2.3" (spaces or commas)
};

class AddressLimits {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Verdict { kOk, kExempt, kTooMany, kTooManyUnregistered, kTooFast };
  static constexpr std::size_t kMaxTracked = 200000;

  // The key of an address: "192.0.2.1", or "2001:db8:1:2::/64".
  static std::string key(const boost::asio::ip::address& a);

  // Admits (and counts) or refuses a new connection from `a`.
  Verdict admit(const boost::asio::ip::address& a, const AddressLimitSettings& s, Clock::time_point now);
  // The connection admitted for `key` completed registration.
  void registered(const std::string& key);
  // The connection admitted for `key` closed.
  void release(const std::string& key, bool was_registered);
  // Drops idle entries (no connection, bucket full again). Any thread.
  void tick(Clock::time_point now);

  std::size_t tracked() const;
  // Parses an exemption list; bad entries are returned in `bad`.
  struct Cidr {
    boost::asio::ip::address net;
    unsigned prefix;
  };
  static std::vector<Cidr> parse_exempt(std::string_view list, std::vector<std::string>* bad = nullptr);
  static bool matches(const std::vector<Cidr>& list, const boost::asio::ip::address& a);

 private:
  struct Entry {
    std::uint32_t open = 0, unregistered = 0;
    double tokens = 0;
    Clock::time_point at{};
    double rate = 0, burst = 0;  // of the last admit, for pruning
  };
  void prune_locked(Clock::time_point now);

  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::string exempt_text_;  // the list exempt_ was parsed from
  std::vector<Cidr> exempt_;
};

}  // namespace lobbyd::core
