#include "load/results_db.h"

#include <soci/soci.h>

#include "load/games.h"
#include "store/db_url.h"

namespace lobbyd::load {

struct ResultsDb::Impl {
  soci::session sql;
};

ResultsDb::ResultsDb() = default;
ResultsDb::~ResultsDb() = default;

std::string ResultsDb::open(const std::string& url) {
  store::DbUrl u;
  if (std::string err = store::parse_db_url(url, u); !err.empty()) return err;
  redacted_ = u.redacted;
  try {
    impl_ = std::make_unique<Impl>();
    impl_->sql.open(u.backend, u.connect);
    // lobbyd writes while we read: wait on its lock rather than fail.
    if (u.dialect == store::Dialect::kSqlite) impl_->sql << "PRAGMA busy_timeout=5000";
  } catch (const std::exception& e) {
    impl_.reset();
    return "cannot open " + redacted_ + ": " + e.what();
  }
  return {};
}

std::string ResultsDb::count(const std::string& nick_prefix, std::uint64_t& all, std::uint64_t& ours) {
  if (!impl_) return "database not open";
  try {
    long long a = 0, o = 0;
    impl_->sql << "SELECT COUNT(*) FROM game_results", soci::into(a);
    std::string pattern = players_like_pattern(nick_prefix);
    impl_->sql << "SELECT COUNT(*) FROM game_results WHERE players LIKE :p ESCAPE '!'", soci::use(pattern),
        soci::into(o);
    all = static_cast<std::uint64_t>(a);
    ours = static_cast<std::uint64_t>(o);
  } catch (const std::exception& e) {
    return "reading game_results in " + redacted_ + ": " + e.what();
  }
  return {};
}

}  // namespace lobbyd::load
