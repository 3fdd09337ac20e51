#include "store/db_url.h"

#include <charconv>
#include <fmt/format.h>

namespace lobbyd::store {

namespace {

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      unsigned v = 0;
      auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (ec == std::errc() && p == s.data() + i + 3) {
        out += static_cast<char>(v);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// SOCI connection-string value: quoted so spaces and '=' survive.
std::string quote(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

std::string parse_db_url(std::string_view url, DbUrl& out) {
  if (url.rfind("sqlite:", 0) == 0) {
    std::string_view path = url.substr(7);
    if (path.rfind("//", 0) == 0) path.remove_prefix(2);  // sqlite://path also accepted
    if (path.empty()) return "sqlite: needs a file path (sqlite:lobbyd.db)";
    out.dialect = Dialect::kSqlite;
    out.backend = "sqlite3";
    // A connection string without '=' is taken whole as the file name, so
    // paths with spaces work; the busy timeout is set with a PRAGMA.
    out.connect = std::string(path);
    out.redacted = std::string(url);
    return {};
  }
  std::string_view rest;
  if (url.rfind("mysql://", 0) == 0)
    rest = url.substr(8);
  else if (url.rfind("mariadb://", 0) == 0)
    rest = url.substr(10);
  else
    return fmt::format("unsupported database URL '{}' (use sqlite:PATH or mysql://user:pass@host:port/db)",
                       url);
  auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash + 1 >= rest.size())
    return "mysql URL needs a database name: mysql://user:pass@host:port/dbname";
  std::string_view authority = rest.substr(0, slash), db = rest.substr(slash + 1);
  std::string_view userinfo, hostport = authority;
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    userinfo = authority.substr(0, at);
    hostport = authority.substr(at + 1);
  }
  std::string user, password;
  if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
    user = percent_decode(userinfo.substr(0, colon));
    password = percent_decode(userinfo.substr(colon + 1));
  } else {
    user = percent_decode(userinfo);
  }
  std::string host(hostport);
  unsigned port = 3306;
  if (auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
    host = std::string(hostport.substr(0, colon));
    auto ps = hostport.substr(colon + 1);
    auto [p, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), port);
    if (ec != std::errc() || p != ps.data() + ps.size() || port == 0 || port > 65535)
      return fmt::format("bad port in database URL: '{}'", ps);
  }
  if (host.empty()) host = "127.0.0.1";
  out.dialect = Dialect::kMysql;
  out.backend = "mysql";
  out.connect = fmt::format(
      "db={} host={} port={} connect_timeout=3 read_timeout=5 write_timeout=5 charset=utf8mb4",
      quote(percent_decode(db)), quote(host), port);
  if (!user.empty()) out.connect += " user=" + quote(user);
  if (!password.empty()) out.connect += " password=" + quote(password);
  out.redacted = fmt::format("mysql://{}{}@{}:{}/{}", user, password.empty() ? "" : ":***", host,
                             port, db);
  return {};
}

}  // namespace lobbyd::store
