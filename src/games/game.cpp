#include "games/game.h"

#include "base/json_text.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "games/text.h"

namespace lobbyd::games {

std::string_view code_name(Code code) noexcept {
  switch (code) {
    case Code::kBadSyntax:
      return "BAD_SYNTAX";
    case Code::kIllegalMove:
      return "ILLEGAL_MOVE";
    case Code::kNotYourTurn:
      return "NOT_YOUR_TURN";
    case Code::kGameOver:
      return "GAME_OVER";
    case Code::kNotSeated:
      return "NOT_SEATED";
    case Code::kUnknownGame:
      return "UNKNOWN_GAME";
    case Code::kBadOption:
      return "BAD_OPTION";
    case Code::kBadLog:
      return "BAD_LOG";
    case Code::kModuleError:
      return "MODULE_ERROR";
  }
  return "UNKNOWN";
}

Result win_or_draw(bool over, int winner, const std::string& reason) {
  Result r;
  r.over = over;
  r.scores = {0, 0};
  if (!over) return r;
  r.winner = winner;
  r.draw = winner == kNoSeat;
  r.reason = reason;
  if (winner != kNoSeat) r.scores[winner] = 1;
  return r;
}

Json to_json(const Result& result) {
  Json j = {{"over", result.over}, {"scores", result.scores}};
  if (result.over) {
    j["winner"] = result.winner == kNoSeat ? Json(nullptr) : Json(result.winner);
    j["draw"] = result.draw;
    j["reason"] = result.reason;
  }
  return j;
}

namespace {

// A decimal integer, optional leading '-', nothing else.
std::optional<int> parse_int(std::string_view s) noexcept {
  int v = 0;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
  return v;
}

std::string known_keys(const Game& game) {
  std::string keys = "seats";
  for (const OptionSpec& spec : game.option_specs()) {
    keys += ", ";
    keys += spec.key;
  }
  return keys;
}

std::string seats_rule(const Game& game) {
  if (game.min_seats() == game.max_seats()) return "must be " + std::to_string(game.min_seats());
  return "must be " + std::to_string(game.min_seats()) + ".." + std::to_string(game.max_seats());
}

const OptionSpec* find_spec(const Game& game, std::string_view key) {
  for (const OptionSpec& spec : game.option_specs()) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

Error bad_option(std::string reason) { return Error{Code::kBadOption, std::move(reason)}; }

}  // namespace

std::optional<Error> check_setup(const Game& game, const Options& options, int seats) {
  const std::string name(game.name());
  if (seats < game.min_seats() || seats > game.max_seats()) {
    return bad_option("seats " + seats_rule(game) + " for " + name);
  }
  for (const auto& [key, value] : options) {
    const OptionSpec* spec = find_spec(game, key);
    if (spec == nullptr) {
      return bad_option("unknown option '" + key + "' for " + name +
                        " (known: " + known_keys(game) + ")");
    }
    std::optional<int> v = parse_int(value);
    if (!v || *v < spec->min || *v > spec->max || std::to_string(*v) != value) {
      return bad_option(key + " must be an integer " + std::to_string(spec->min) + ".." +
                        std::to_string(spec->max) + " for " + name + ", got '" + value + "'");
    }
  }
  return std::nullopt;
}

Expected<TableSetup> parse_setup(const Game& game, std::span<const std::string_view> args) {
  TableSetup setup{game.default_seats(), {}};
  bool seats_seen = false;
  for (std::string_view arg : args) {
    const std::size_t eq = arg.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return bad_option("expected key=value, got '" + std::string(arg) + "'");
    }
    std::string key(arg.substr(0, eq));
    for (char& c : key) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    const std::string_view value = arg.substr(eq + 1);
    if (key == "seats") {
      if (seats_seen) return bad_option("option 'seats' given twice");
      seats_seen = true;
      std::optional<int> n = parse_int(value);
      if (!n) {
        return bad_option("seats " + seats_rule(game) + " for " + std::string(game.name()) +
                          ", got '" + std::string(value) + "'");
      }
      setup.seats = *n;
      continue;
    }
    if (find_spec(game, key) == nullptr) {
      return bad_option("unknown option '" + key + "' for " + std::string(game.name()) +
                        " (known: " + known_keys(game) + ")");
    }
    if (setup.options.count(key) != 0) return bad_option("option '" + key + "' given twice");
    // Canonical decimal form, so that "hand=05" and "hand=5" log the same.
    std::optional<int> n = parse_int(value);
    setup.options.emplace(key, n ? std::to_string(*n) : std::string(value));
  }
  if (std::optional<Error> e = check_setup(game, setup.options, setup.seats)) return *e;
  return setup;
}

std::string to_string(const Options& options) {
  std::string out;
  for (const auto& [key, value] : options) {
    if (!out.empty()) out += ' ';
    out += key;
    out += '=';
    out += value;
  }
  return out;
}

int option_int(const Options& options, std::string_view key, int fallback) {
  auto it = options.find(key);
  if (it == options.end()) return fallback;
  return parse_int(it->second).value_or(fallback);
}

Expected<std::unique_ptr<State>> Game::initial(std::uint64_t seed, const Options& options,
                                               int seats) const {
  if (std::optional<Error> e = check_setup(*this, options, seats)) return *e;
  return make_initial(seed, options, seats);
}

Expected<std::string> State::play(int seat, std::string_view text) {
  text = trim(text);
  if (seat < 0 || seat >= seats_) {
    return Error{Code::kNotSeated, "seat " + std::to_string(seat) + " does not play this game"};
  }
  if (result().over) return Error{Code::kGameOver, "the game is over"};
  if (iequals(text, "resign")) return forfeit(seat, Forfeit::kResign);
  if (seat != to_move()) {
    return Error{Code::kNotYourTurn, "it is seat " + std::to_string(to_move()) + "'s turn"};
  }
  Expected<std::string> applied = apply_move(seat, text);
  if (applied) {
    ++ply_;
    last_ = LoggedMove{seat, applied.value()};
  }
  return applied;
}

Expected<std::string> State::forfeit(int seat, Forfeit why) {
  if (seat < 0 || seat >= seats_) {
    return Error{Code::kNotSeated, "seat " + std::to_string(seat) + " does not play this game"};
  }
  if (result().over) return Error{Code::kGameOver, "the game is over"};
  Expected<std::string> applied = apply_forfeit(seat, why);
  if (applied) {
    ++ply_;
    last_ = LoggedMove{seat, applied.value()};
  }
  return applied;
}

Expected<std::string> State::apply_logged(int seat, std::string_view text) {
  if (text == "timeout") return forfeit(seat, Forfeit::kTimeout);
  return play(seat, text);
}

Json State::common_view(int seat) const {
  const int mover = to_move();
  Json j = {
      {"game", std::string(game_->name())},
      {"seats", seats_},
      {"you", seat >= 0 && seat < seats_ ? Json(seat) : Json(nullptr)},
      {"to_move", mover == kNoSeat ? Json(nullptr) : Json(mover)},
      {"ply", ply_},
      {"result", to_json(result())},
  };
  j["last"] =
      last_.seat == kNoSeat ? Json(nullptr) : Json{{"seat", last_.seat}, {"move", last_.text}};
  return j;
}

void State::write_common_view(int seat, base::JsonWriter& w) const {
  // common_view(), in its (sorted) key order.
  const int mover = to_move();
  w.field("game", game_->name());
  if (last_.seat == kNoSeat) {
    w.null_field("last");
  } else {
    w.begin_object("last").field("move", last_.text).field("seat", last_.seat).end_object();
  }
  w.field("ply", ply_);
  const Result r = result();
  w.begin_object("result");
  if (r.over) {
    w.field("draw", r.draw).field("over", true).field("reason", r.reason);
  } else {
    w.field("over", false);
  }
  w.begin_array("scores");
  for (int s : r.scores) w.field({}, s);
  w.end_array();
  if (r.over) {
    if (r.winner == kNoSeat) w.null_field("winner");
    else w.field("winner", r.winner);
  }
  w.end_object();
  w.field("seats", seats_);
  if (mover == kNoSeat) w.null_field("to_move");
  else w.field("to_move", mover);
  if (seat >= 0 && seat < seats_) w.field("you", seat);
  else w.null_field("you");
}

std::string State::view_text(int seat) const { return base::json_text(view(seat)); }

Json State::view_from_text(int seat) const {
  // Our own writer's output: it parses, or the game has a bug worth seeing.
  Json j = Json::parse(view_text(seat), nullptr, false);
  return j.is_discarded() ? Json{{"error", "view_text is not JSON"}} : j;
}

Expected<std::unique_ptr<State>> replay(const Game& game, std::uint64_t seed,
                                        const Options& options, int seats,
                                        std::span<const LoggedMove> moves) {
  Expected<std::unique_ptr<State>> state = game.initial(seed, options, seats);
  if (!state) return state;
  for (std::size_t i = 0; i < moves.size(); ++i) {
    Expected<std::string> applied = state.value()->apply_logged(moves[i].seat, moves[i].text);
    if (!applied) {
      return Error{Code::kBadLog, "move " + std::to_string(i) + " (seat " +
                                      std::to_string(moves[i].seat) + " '" + moves[i].text +
                                      "'): " + std::string(code_name(applied.error().code)) + " " +
                                      applied.error().reason};
    }
  }
  return state;
}

std::string Game::label() const {
  std::string out(name());
  if (int v = version(); v != 0) out += "@" + std::to_string(v);
  return out;
}

}  // namespace lobbyd::games
