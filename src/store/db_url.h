#pragma once
// Database URLs accepted by --db:
//   sqlite:PATH                                  (default sqlite:lobbyd.db)
//   mysql://user:password@host:port/dbname       (MariaDB or MySQL; also mariadb://)
#include <string>
#include <string_view>

namespace lobbyd::store {

enum class Dialect { kSqlite, kMysql };

struct DbUrl {
  Dialect dialect = Dialect::kSqlite;
  std::string backend;   // SOCI backend name: "sqlite3", "mysql"
  std::string connect;   // SOCI connection string
  std::string redacted;  // for logs: the URL without its password
};

// Returns an empty string on success, else why the URL is not understood.
std::string parse_db_url(std::string_view url, DbUrl& out);

}  // namespace lobbyd::store
