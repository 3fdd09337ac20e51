#pragma once
// Rows as the store reads and writes them: the operator's tables (settings,
// lobbies, bans, admin commands) and lobbyd's own (accounts, ratings, game
// tables, moves, results). Plain values, no database types: the store
// thread builds them and hands them over; nobody shares them mutably.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lobbyd::store {

struct SettingRow {
  std::string key, value;
};

struct LobbyRow {
  std::string name, topic, games;
  std::int64_t capacity = 0;
  bool active = true;
};

struct BanRow {
  std::int64_t id = 0;
  std::string mask, reason;
  std::optional<std::int64_t> expires_at;  // unix seconds; none = permanent
};

struct CommandRow {
  std::int64_t id = 0;
  std::string verb, args;
};

// A game module's version (game_modules, docs/modules.md): one Lua source.
struct ModuleRow {
  std::int64_t id = 0;
  std::string name;
  std::int64_t version = 0;
  std::string source;
  bool active = true;
  std::optional<std::string> error;  // what lobbyd last wrote there; none: loaded fine
};

// Rows lobbyd itself reads and writes (src/store/*_sql.cpp has their SQL).

struct Account {
  std::string name;           // folded (proto::fold): the key
  std::string password_hash;  // argon2id, libsodium's string form
  std::string role;           // "player", "operator" ("" reads as "player")
  bool disabled = false;
};

// A player's rating in one game, absolute (a replayed write cannot drift).
struct RatingRow {
  std::string account, game;
  int rating = 0, games = 0, wins = 0, losses = 0, draws = 0;
};

// A game table's running round: what a restart restores (game_tables).
struct TableRound {
  std::uint64_t id = 0;
  std::string lobby, game, options;
  int seats = 0;
  std::uint64_t seed = 0;
  int round = 0;
  std::string players;  // JSON: [{"nick":..,"account":..}, ...] by seat
  std::int64_t started_at = 0;
  int game_version = 0;  // a game module's version; 0: a compiled-in game
};

// One accepted move of a round (table_moves).
struct MoveRow {
  std::uint64_t table_id = 0;
  int round = 0;
  std::int64_t ply = 0;  // 1-based position in the round's log
  int seat = 0;
  std::string nick, move;
  std::int64_t created_at = 0;
};

// A finished round (game_results), with its whole move log.
struct GameResultRow {
  std::uint64_t table_id = 0;
  std::string game, lobby;
  std::string players, outcome, moves;  // JSON texts
  std::int64_t started_at = 0, ended_at = 0;
  int game_version = 0;  // as in TableRound
};

// An unfinished round as the database logged it, with its moves in order.
struct SavedTable {
  TableRound round;
  struct Move {
    int seat = 0;
    std::string text;
  };
  std::vector<Move> moves;
};

// What lobbyd reads once at start-up, before it serves anyone.
struct StartState {
  std::vector<RatingRow> ratings;
  std::vector<SavedTable> open_tables;     // state 'playing', by id
  std::uint64_t highest_table_id = 0;       // over game_tables, table_moves, game_results
};

}  // namespace lobbyd::store
