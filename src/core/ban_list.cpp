#include "core/ban_list.h"

#include <charconv>

#include "proto/casemap.h"

namespace lobbyd::core {

namespace asio = boost::asio;

bool glob_match(std::string_view p, std::string_view t) noexcept {
  std::size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == proto::fold_char(t[ti]))) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

namespace {

bool in_prefix(const asio::ip::address& a, const asio::ip::address& net, unsigned prefix) {
  if (a.is_v4() != net.is_v4()) {
    // An IPv4 client may appear as a v4-mapped IPv6 address.
    if (a.is_v6() && a.to_v6().is_v4_mapped() && net.is_v4())
      return in_prefix(asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()), net, prefix);
    return false;
  }
  auto bytes = [](const asio::ip::address& x) {
    std::array<unsigned char, 16> b{};
    if (x.is_v4()) {
      auto v = x.to_v4().to_bytes();
      std::copy(v.begin(), v.end(), b.begin());
    } else {
      b = x.to_v6().to_bytes();
    }
    return b;
  };
  auto ab = bytes(a), nb = bytes(net);
  for (unsigned bit = 0; bit < prefix; ++bit) {
    unsigned byte = bit / 8, shift = 7 - bit % 8;
    if (((ab[byte] >> shift) & 1) != ((nb[byte] >> shift) & 1)) return false;
  }
  return true;
}

bool expired(const Ban& b, std::int64_t now) { return b.expires_at && *b.expires_at <= now; }

}  // namespace

std::string BanList::parse(std::string_view mask, Ban& out) {
  out.mask = std::string(mask);
  if (mask.empty()) return "empty mask";
  if (mask.find_first_of(" ,\r\n") != std::string_view::npos) return "mask contains a space or comma";
  // IP or CIDR?
  std::string_view addr = mask, bits;
  if (auto slash = mask.find('/'); slash != std::string_view::npos) {
    addr = mask.substr(0, slash);
    bits = mask.substr(slash + 1);
  }
  boost::system::error_code ec;
  auto a = asio::ip::make_address(std::string(addr), ec);
  if (!ec) {
    unsigned max = a.is_v4() ? 32 : 128, prefix = max;
    if (!bits.empty()) {
      auto [p, e] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
      if (e != std::errc() || p != bits.data() + bits.size() || prefix > max)
        return "bad CIDR prefix length";
    }
    out.is_cidr = true;
    out.net = a;
    out.prefix = prefix;
    return {};
  }
  if (!bits.empty() && mask.find('@') == std::string_view::npos) return "bad IP address in CIDR mask";
  // nick!user@host glob; a bare word is a nick.
  std::string m(mask);
  if (m.find('!') == std::string::npos && m.find('@') == std::string::npos) m += "!*@*";
  else if (m.find('!') == std::string::npos) m = "*!" + m;
  else if (m.find('@') == std::string::npos) m += "@*";
  out.glob = proto::fold(m);
  return {};
}

const Ban* BanList::match_ip(std::string_view ip, std::int64_t now) const {
  boost::system::error_code ec;
  auto a = asio::ip::make_address(std::string(ip), ec);
  for (const Ban& b : bans_) {
    if (expired(b, now)) continue;
    if (b.is_cidr) {
      if (!ec && in_prefix(a, b.net, b.prefix)) return &b;
    } else if (b.glob.rfind("*!*@", 0) == 0 && glob_match(std::string_view(b.glob).substr(4), ip)) {
      return &b;
    }
  }
  return nullptr;
}

const Ban* BanList::match(std::string_view nick, std::string_view user, std::string_view ip,
                          std::int64_t now) const {
  std::string full = std::string(nick) + "!" + std::string(user) + "@" + std::string(ip);
  boost::system::error_code ec;
  auto a = asio::ip::make_address(std::string(ip), ec);
  for (const Ban& b : bans_) {
    if (expired(b, now)) continue;
    if (b.is_cidr ? (!ec && in_prefix(a, b.net, b.prefix)) : glob_match(b.glob, full)) return &b;
  }
  return nullptr;
}

}  // namespace lobbyd::core
