#include "load/games.h"

#include <algorithm>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace lobbyd::load {

std::optional<std::size_t> game_index(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kGameNames.size(); ++i)
    if (kGameNames[i] == name) return i;
  return std::nullopt;
}

std::string parse_game_list(std::string_view spec, std::uint32_t seats, std::vector<std::size_t>& out) {
  out.clear();
  if (seats < 2 || seats > 4) return fmt::format("--seats {}: must be 2..4", seats);
  if (spec == "mix") {
    for (std::size_t i = 0; i < kCompiledInGames; ++i)
      if (seats == 2 || kGameNames[i] == "crazyeights") out.push_back(i);
    return {};
  }
  while (true) {
    std::size_t comma = spec.find(',');
    std::string_view name = spec.substr(0, comma);
    auto idx = game_index(name);
    if (!idx)
      return fmt::format("--game '{}': unknown game (known: tictactoe, connect4, reversi, crazyeights, "
                         "tictactoe_lua, connect4_lua, mix, or a comma-separated list)",
                         name);
    if (seats != 2 && kGameNames[*idx] != "crazyeights")
      return fmt::format("--seats {}: {} is a two-player game (only crazyeights seats 3 or 4)", seats,
                         name);
    if (std::find(out.begin(), out.end(), *idx) == out.end()) out.push_back(*idx);
    if (comma == std::string_view::npos) break;
    spec.remove_prefix(comma + 1);
  }
  return {};
}

std::string table_new_args(std::size_t game, std::uint32_t seats) {
  std::string s(kGameNames.at(game));
  // crazyeights defaults to two seats; the two-player games take no seats= option.
  if (seats != 2) s += fmt::format(" seats={}", seats);
  return s;
}

namespace {
int seat_or_none(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return -1;
  if (!it->is_number_integer()) throw std::runtime_error(fmt::format("'{}' is not a seat number", key));
  return it->get<int>();
}
}  // namespace

std::string parse_view(std::string_view text, GameView& out) {
  out = GameView{};
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return "view is not a JSON object";
  try {
    if (!j.contains("you") || !j.contains("to_move")) return "view lacks 'you' or 'to_move'";
    out.you = seat_or_none(j, "you");
    out.to_move = seat_or_none(j, "to_move");
    if (auto it = j.find("ply"); it != j.end() && it->is_number_unsigned()) out.ply = it->get<std::uint64_t>();
    if (auto it = j.find("result"); it != j.end() && it->is_object())
      out.over = it->value("over", false);
    if (auto it = j.find("legal"); it != j.end()) {
      if (!it->is_array()) return "'legal' is not an array";
      for (const auto& m : *it) {
        if (!m.is_string()) return "'legal' holds a non-string";
        out.legal.push_back(m.get<std::string>());
      }
    }
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

std::optional<std::string> choose_move(const GameView& v, std::mt19937_64& rng,
                                       const std::vector<std::string>& refused) {
  std::vector<const std::string*> open;
  open.reserve(v.legal.size());
  for (const auto& m : v.legal)
    if (std::find(refused.begin(), refused.end(), m) == refused.end()) open.push_back(&m);
  if (open.empty()) return std::nullopt;
  std::uniform_int_distribution<std::size_t> pick(0, open.size() - 1);
  return *open[pick(rng)];
}

std::uint64_t GameCounts::started() const noexcept {
  std::uint64_t n = 0;
  for (const auto& g : by_game) n += g.started.load();
  return n;
}
std::uint64_t GameCounts::finished() const noexcept {
  std::uint64_t n = 0;
  for (const auto& g : by_game) n += g.finished.load();
  return n;
}
std::uint64_t GameCounts::moves() const noexcept {
  std::uint64_t n = 0;
  for (const auto& g : by_game) n += g.moves.load();
  return n;
}

bool GameCounts::claim(std::uint64_t limit) noexcept {
  if (limit == 0) {
    claimed.fetch_add(1);
    return true;
  }
  std::uint64_t cur = claimed.load();
  while (cur < limit)
    if (claimed.compare_exchange_weak(cur, cur + 1)) return true;
  return false;
}

std::string judge_results(const ResultsCheck& c) {
  if (!c.enabled) return {};
  if (!c.error.empty()) return "game_results check: " + c.error;
  if (c.after < c.before)
    return fmt::format("game_results: this run's rows went down from {} to {}", c.before, c.after);
  if (c.found() != c.expected)
    return fmt::format("game_results: expected {} new rows for this run's games, found {} (after {:.1f} s)",
                       c.expected, c.found(), c.waited_s);
  return {};
}

std::string players_like_pattern(std::string_view prefix) {
  std::string p = "%\"";
  for (char ch : prefix) {
    if (ch == '%' || ch == '_' || ch == '!') p += '!';
    p += ch;
  }
  return p + "%";
}

}  // namespace lobbyd::load
