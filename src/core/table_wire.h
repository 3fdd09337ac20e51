#pragma once
// The wire text of a table (docs/protocol.md, "Game tables"): every line a
// table sends, from the flow's events and state. Short lines are built with
// proto::LineBuilder; JSON goes through proto::split_trailing, in MORE parts
// when it is longer than a line, so that it is never cut. Nothing here
// sends, locks or decides.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/table_flow.h"

namespace lobbyd::core::table_wire {

// Where the lines come from and how long they may be.
struct Wire {
  std::string_view server_name;
  std::string_view table;  // "&<id>"
  std::size_t max_line;    // max_line_bytes, for JSON split in MORE parts
};

// ":<server> TABLE <verb> <table> <args...>\r\n" (SEATED, STOOD, AWAY, GONE, BACK, RESUMED).
std::string table_line(const Wire& w, std::string_view verb, std::initializer_list<std::string_view> args);
// ":<server> GAME <table> <verb> <args...>\r\n" (TURN, TIMEOUT, REMATCH).
std::string game_line(const Wire& w, std::string_view verb, std::initializer_list<std::string_view> args);
// "GAME <table> <verb> :<json>", in MORE parts when it is too long for a line.
std::string game_json_line(const Wire& w, std::string_view verb, const std::string& json);

// GAME START of the flow's round (`resumed`: the burst of a resumed player).
std::string start_line(const Wire& w, const TableFlow& flow, bool resumed);
// GAME STATE: what `seat` sees (games::kSpectator: the public view).
std::string state_line(const Wire& w, const games::State& state, int seat);
// GAME TURN <nick> <deadline_ms>.
std::string turn_line(const Wire& w, std::string_view nick, std::int64_t deadline_ms);

// The JSON of GAME OVER (also the game_results outcome, with seed, options
// and round added): the result, players, seed and each seat's rating change.
struct Rated {
  std::vector<std::optional<int>> change;  // per seat; nullopt: unrated
  std::vector<std::optional<int>> rating;  // per seat, after the change
};
games::Json over_json(const TableFlow& flow, const ev::Over& over, const Rated& rated);

}  // namespace lobbyd::core::table_wire
