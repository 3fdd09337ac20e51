#include "store/schema.h"

#include <fmt/format.h>
#include <soci/soci.h>
#include <spdlog/spdlog.h>

namespace lobbyd::store {

namespace {

std::vector<std::string> triggers(Dialect d, const std::vector<std::string>& tables) {
  std::vector<std::string> out;
  for (const std::string& t : tables) {
    for (auto [suffix, event] : {std::pair{"ai", "INSERT"}, {"au", "UPDATE"}, {"ad", "DELETE"}}) {
      std::string bump = fmt::format("UPDATE revision SET rev = rev + 1 WHERE name = '{}'", t);
      if (d == Dialect::kSqlite)
        out.push_back(fmt::format("CREATE TRIGGER {}_{} AFTER {} ON {} BEGIN {}; END", t, suffix,
                                  event, t, bump));
      else
        out.push_back(fmt::format("CREATE TRIGGER {}_{} AFTER {} ON {} FOR EACH ROW {}", t, suffix,
                                  event, t, bump));
    }
  }
  return out;
}

}  // namespace

std::vector<Migration> migrations(Dialect d) {
  const bool sqlite = d == Dialect::kSqlite;
  const std::string id = sqlite ? "id INTEGER PRIMARY KEY AUTOINCREMENT"
                                : "id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY";
  const std::string now = sqlite ? "(CAST(strftime('%s','now') AS INTEGER))" : "(UNIX_TIMESTAMP())";
  const std::string engine = sqlite ? "" : " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";

  Migration v1{1, {}};
  auto& s = v1.statements;
  s.push_back("CREATE TABLE revision (name VARCHAR(32) NOT NULL PRIMARY KEY, rev BIGINT NOT NULL DEFAULT 0)" + engine);
  for (const std::string& t : kWatchedTables)
    s.push_back(fmt::format("INSERT INTO revision (name, rev) VALUES ('{}', 0)", t));
  s.push_back("CREATE TABLE settings (`key` VARCHAR(64) NOT NULL PRIMARY KEY, value TEXT NOT NULL)" + engine);
  s.push_back(fmt::format(
      "CREATE TABLE lobbies ({}, name VARCHAR(64) NOT NULL UNIQUE, topic VARCHAR(400) NOT NULL DEFAULT '', "
      "capacity INTEGER NOT NULL DEFAULT 500, active INTEGER NOT NULL DEFAULT 1, "
      "games VARCHAR(255) NOT NULL DEFAULT '', created_at BIGINT NOT NULL DEFAULT {}){}",
      id, now, engine));
  s.push_back(fmt::format(
      "CREATE TABLE bans ({}, mask VARCHAR(255) NOT NULL, reason VARCHAR(400) NOT NULL DEFAULT '', "
      "expires_at BIGINT NULL, created_at BIGINT NOT NULL DEFAULT {}){}",
      id, now, engine));
  s.push_back(fmt::format(
      "CREATE TABLE admin_commands ({}, verb VARCHAR(32) NOT NULL, args VARCHAR(1000) NOT NULL DEFAULT '', "
      "created_at BIGINT NOT NULL DEFAULT {}, applied_at BIGINT NULL, result VARCHAR(1000) NULL){}",
      id, now, engine));
  s.push_back("CREATE INDEX admin_commands_pending ON admin_commands (applied_at)");
  s.push_back(fmt::format(
      "CREATE TABLE config_errors ({}, source VARCHAR(32) NOT NULL, ref VARCHAR(255) NOT NULL, "
      "message VARCHAR(1000) NOT NULL, created_at BIGINT NOT NULL DEFAULT {}){}",
      id, now, engine));
  for (auto& t : triggers(d, kWatchedTables)) s.push_back(t);

  // Game tables: every accepted move, and every finished game.
  const std::string big_text = sqlite ? "TEXT" : "MEDIUMTEXT";
  Migration v2{2, {}};
  auto& g = v2.statements;
  g.push_back(fmt::format(
      "CREATE TABLE table_moves ({}, table_id BIGINT NOT NULL, ply INTEGER NOT NULL, "
      "seat INTEGER NOT NULL, nick VARCHAR(64) NOT NULL, move VARCHAR(255) NOT NULL, "
      "created_at BIGINT NOT NULL DEFAULT {}){}",
      id, now, engine));
  g.push_back("CREATE INDEX table_moves_table ON table_moves (table_id)");
  g.push_back(fmt::format(
      "CREATE TABLE game_results ({}, table_id BIGINT NOT NULL, game VARCHAR(32) NOT NULL, "
      "lobby VARCHAR(64) NOT NULL, players TEXT NOT NULL, outcome TEXT NOT NULL, moves {} NOT NULL, "
      "started_at BIGINT NOT NULL, ended_at BIGINT NOT NULL){}",
      id, big_text, engine));
  g.push_back("CREATE INDEX game_results_table ON game_results (table_id)");

  // Accounts, ratings, and the tables a restart must restore.
  Migration v3{3, {}};
  auto& a = v3.statements;
  a.push_back(fmt::format(
      "CREATE TABLE accounts ({}, name VARCHAR(64) NOT NULL UNIQUE, display VARCHAR(64) NOT NULL, "
      "password_hash VARCHAR(255) NOT NULL, role VARCHAR(16) NOT NULL DEFAULT 'player', "
      "disabled INTEGER NOT NULL DEFAULT 0, created_at BIGINT NOT NULL DEFAULT {}, "
      "last_login_at BIGINT NULL){}",
      id, now, engine));
  a.push_back(fmt::format(
      "CREATE TABLE ratings (account VARCHAR(64) NOT NULL, game VARCHAR(32) NOT NULL, "
      "rating INTEGER NOT NULL, games INTEGER NOT NULL DEFAULT 0, wins INTEGER NOT NULL DEFAULT 0, "
      "losses INTEGER NOT NULL DEFAULT 0, draws INTEGER NOT NULL DEFAULT 0, "
      "updated_at BIGINT NOT NULL DEFAULT {}, PRIMARY KEY (account, game)){}",
      now, engine));
  a.push_back(fmt::format(
      "CREATE TABLE game_tables (id BIGINT NOT NULL PRIMARY KEY, lobby VARCHAR(64) NOT NULL, "
      "game VARCHAR(32) NOT NULL, options VARCHAR(255) NOT NULL DEFAULT '', seats INTEGER NOT NULL, "
      "seed BIGINT NOT NULL, round INTEGER NOT NULL, players TEXT NOT NULL, "
      "state VARCHAR(16) NOT NULL, started_at BIGINT NOT NULL, ended_at BIGINT NULL){}",
      engine));
  a.push_back("CREATE INDEX game_tables_state ON game_tables (state)");
  a.push_back("ALTER TABLE table_moves ADD COLUMN round INTEGER NOT NULL DEFAULT 1");

  // Game modules (docs/modules.md): one row per version of a Lua game; a
  // table stores the version it plays, so a restart restores it with that
  // version's code.
  Migration v4{4, {}};
  auto& m = v4.statements;
  m.push_back(fmt::format(
      "CREATE TABLE game_modules ({}, name VARCHAR(32) NOT NULL, version INTEGER NOT NULL, "
      "source {} NOT NULL, active INTEGER NOT NULL DEFAULT 1, error VARCHAR(2000) NULL, "
      "created_at BIGINT NOT NULL DEFAULT {}, UNIQUE (name, version)){}",
      id, big_text, now, engine));
  for (const std::string& t : kWatchedTablesV4)
    m.push_back(fmt::format("INSERT INTO revision (name, rev) VALUES ('{}', 0)", t));
  for (auto& t : triggers(d, kWatchedTablesV4)) m.push_back(t);
  m.push_back("ALTER TABLE game_tables ADD COLUMN game_version INTEGER NOT NULL DEFAULT 0");
  m.push_back("ALTER TABLE game_results ADD COLUMN game_version INTEGER NOT NULL DEFAULT 0");
  return {v1, v2, v3, v4};
}

int latest_schema_version() { return 4; }

int migrate(soci::session& sql, Dialect d) {
  sql << "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)";
  int version = 0;
  soci::indicator ind = soci::i_null;
  sql << "SELECT MAX(version) FROM schema_version", soci::into(version, ind);
  if (ind == soci::i_null) version = 0;
  int before = version;
  for (const Migration& m : migrations(d)) {
    if (m.version <= version) continue;
    spdlog::info("database: applying schema migration {}", m.version);
    // SQLite runs DDL in a transaction; MySQL commits each DDL statement,
    // so a failure there leaves a partial version that the error names.
    soci::transaction tx(sql);
    for (const std::string& stmt : m.statements) {
      try {
        sql << stmt;
      } catch (const soci::soci_error& e) {
        throw std::runtime_error(fmt::format("migration {} failed at \"{}\": {}", m.version,
                                             stmt.substr(0, 80), e.what()));
      }
    }
    sql << "INSERT INTO schema_version (version) VALUES (:v)", soci::use(m.version);
    tx.commit();
    version = m.version;
  }
  return before;
}

}  // namespace lobbyd::store
