#pragma once
// Bans from the database: nick!user@host glob masks (* and ?, ASCII
// case-insensitive) and IP or CIDR masks. Immutable once built; the server
// swaps in a new list when the `bans` table changes.
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lobbyd::core {

struct Ban {
  std::int64_t id = 0;
  std::string mask;     // as written by the operator
  std::string reason;
  std::optional<std::int64_t> expires_at;  // unix seconds
  // Parsed form: either a glob over "nick!user@host" or an address prefix.
  std::string glob;     // case-folded
  bool is_cidr = false;
  boost::asio::ip::address net;
  unsigned prefix = 0;
};

class BanList {
 public:
  // Returns "" if the mask is usable, else why not.
  static std::string parse(std::string_view mask, Ban& out);

  void add(Ban b) { bans_.push_back(std::move(b)); }
  bool empty() const noexcept { return bans_.empty(); }

  // The first unexpired ban matching an address alone (IP/CIDR bans and
  // globs whose nick and user parts are "*").
  const Ban* match_ip(std::string_view ip, std::int64_t now) const;
  // The first unexpired ban matching a registered client.
  const Ban* match(std::string_view nick, std::string_view user, std::string_view ip,
                   std::int64_t now) const;

 private:
  std::vector<Ban> bans_;
};

using BanListPtr = std::shared_ptr<const BanList>;

// Glob match with '*' and '?', ASCII case-insensitive (pattern pre-folded).
bool glob_match(std::string_view folded_pattern, std::string_view text) noexcept;

}  // namespace lobbyd::core
