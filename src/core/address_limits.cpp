#include "core/address_limits.h"

#include <algorithm>
#include <charconv>
#include <spdlog/spdlog.h>

namespace lobbyd::core {

namespace ip = boost::asio::ip;

namespace {

// v4-mapped IPv6 (::ffff:a.b.c.d, a dual-stack listener) counts as IPv4.
ip::address normal(const ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  return a;
}

bool prefix_equal(const ip::address& a, const ip::address& net, unsigned prefix) {
  if (a.is_v4() != net.is_v4()) return false;
  auto cmp = [prefix](const auto& x, const auto& y) {
    unsigned full = prefix / 8, rest = prefix % 8;
    if (!std::equal(x.begin(), x.begin() + full, y.begin())) return false;
    if (rest == 0) return true;
    auto mask = static_cast<unsigned char>(0xFF << (8 - rest));
    return (x[full] & mask) == (y[full] & mask);
  };
  if (a.is_v4()) return cmp(a.to_v4().to_bytes(), net.to_v4().to_bytes());
  return cmp(a.to_v6().to_bytes(), net.to_v6().to_bytes());
}

}  // namespace

std::string AddressLimits::key(const ip::address& addr) {
  ip::address a = normal(addr);
  if (a.is_v4()) return a.to_string();
  auto b = a.to_v6().to_bytes();
  std::fill(b.begin() + 8, b.end(), 0);
  return ip::address_v6(b).to_string() + "/64";
}

std::vector<AddressLimits::Cidr> AddressLimits::parse_exempt(std::string_view list,
                                                             std::vector<std::string>* bad) {
  std::vector<Cidr> out;
  std::size_t i = 0;
  while (i < list.size()) {
    auto end = list.find_first_of(" ,\t", i);
    if (end == std::string_view::npos) end = list.size();
    std::string_view item = list.substr(i, end - i);
    i = end + 1;
    if (item.empty()) continue;
    std::string_view addr = item, len;
    if (auto slash = item.find('/'); slash != std::string_view::npos) {
      addr = item.substr(0, slash);
      len = item.substr(slash + 1);
    }
    boost::system::error_code ec;
    ip::address a = ip::make_address(std::string(addr), ec);
    unsigned max = !ec && a.is_v4() ? 32 : 128, prefix = max;
    if (!ec && !len.empty()) {
      auto [p, e] = std::from_chars(len.data(), len.data() + len.size(), prefix);
      if (e != std::errc() || p != len.data() + len.size() || prefix > max) ec = make_error_code(boost::system::errc::invalid_argument);
    }
    if (ec) {
      if (bad) bad->emplace_back(item);
      continue;
    }
    out.push_back(Cidr{normal(a), a.is_v6() && a.to_v6().is_v4_mapped() && prefix >= 96 ? prefix - 96 : prefix});
  }
  return out;
}

bool AddressLimits::matches(const std::vector<Cidr>& list, const ip::address& addr) {
  ip::address a = normal(addr);
  return std::any_of(list.begin(), list.end(),
                     [&](const Cidr& c) { return prefix_equal(a, c.net, c.prefix); });
}

AddressLimits::Verdict AddressLimits::admit(const ip::address& a, const AddressLimitSettings& s,
                                            Clock::time_point now) {
  std::string k = key(a);
  std::lock_guard lock(mu_);
  if (s.exempt != exempt_text_) {
    exempt_text_ = std::string(s.exempt);
    std::vector<std::string> bad;
    exempt_ = parse_exempt(exempt_text_, &bad);
    for (const auto& b : bad) spdlog::warn("connection_limit_exempt: '{}' is not an address or CIDR; ignored", b);
  }
  bool exempt = matches(exempt_, a);
  auto it = entries_.find(k);
  if (it == entries_.end()) {
    if (entries_.size() >= kMaxTracked) prune_locked(now);
    // Still full: a storm from that many addresses at once. Exempt ones
    // pass uncounted; the others wait until entries expire.
    if (entries_.size() >= kMaxTracked) return exempt ? Verdict::kExempt : Verdict::kTooFast;
    it = entries_.emplace(std::move(k), Entry{}).first;
    it->second.tokens = s.connect_burst;
    it->second.at = now;
  }
  Entry& e = it->second;
  if (!exempt) {
    if (s.max_per_address != 0 && e.open >= s.max_per_address) return Verdict::kTooMany;
    if (s.max_unregistered != 0 && e.unregistered >= s.max_unregistered) return Verdict::kTooManyUnregistered;
    if (s.connect_rate > 0) {
      double elapsed = std::chrono::duration<double>(now - e.at).count();
      e.tokens = std::min<double>(s.connect_burst, e.tokens + elapsed * s.connect_rate);
      e.at = now;
      e.rate = s.connect_rate;
      e.burst = s.connect_burst;
      if (e.tokens < 1.0) return Verdict::kTooFast;
      e.tokens -= 1.0;
    }
  }
  ++e.open;
  ++e.unregistered;
  return exempt ? Verdict::kExempt : Verdict::kOk;
}

void AddressLimits::registered(const std::string& k) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(k);
  if (it != entries_.end() && it->second.unregistered > 0) --it->second.unregistered;
}

void AddressLimits::release(const std::string& k, bool was_registered) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(k);
  if (it == entries_.end()) return;
  Entry& e = it->second;
  if (e.open > 0) --e.open;
  if (!was_registered && e.unregistered > 0) --e.unregistered;
}

void AddressLimits::tick(Clock::time_point now) {
  std::lock_guard lock(mu_);
  prune_locked(now);
}

void AddressLimits::prune_locked(Clock::time_point now) {
  std::erase_if(entries_, [now](const auto& kv) {
    const Entry& e = kv.second;
    if (e.open != 0) return false;
    double elapsed = std::chrono::duration<double>(now - e.at).count();
    return e.rate <= 0 || e.tokens + elapsed * e.rate >= e.burst;  // nothing left to remember
  });
}

std::size_t AddressLimits::tracked() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace lobbyd::core
