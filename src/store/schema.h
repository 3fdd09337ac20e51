#pragma once
// Versioned schema migrations, one list of statements per version and
// dialect. Applied at start (and after a reconnect) inside the store thread.
#include <string>
#include <vector>

#include "store/db_url.h"

namespace soci {
class session;
}

namespace lobbyd::store {

// The tables whose changes lobbyd watches; each has a row in `revision`
// bumped by triggers on insert, update and delete. Those of schema 1, then
// the one schema 4 added.
inline const std::vector<std::string> kWatchedTables = {"settings", "lobbies", "bans",
                                                        "admin_commands"};
inline const std::vector<std::string> kWatchedTablesV4 = {"game_modules"};

struct Migration {
  int version;
  std::vector<std::string> statements;
};

std::vector<Migration> migrations(Dialect d);
int latest_schema_version();

// Brings the schema to the latest version. Returns the version found before.
// Throws soci::soci_error (or std::runtime_error) on failure.
int migrate(soci::session& sql, Dialect d);

// Identifier quoting: `key` is reserved in MySQL.
inline const char* key_column(Dialect) { return "`key`"; }

}  // namespace lobbyd::store
