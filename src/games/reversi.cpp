#include "games/reversi.h"

#include <array>
#include <nlohmann/json.hpp>

#include "games/text.h"

namespace lobbyd::games {
namespace {

constexpr int kSize = 8;
constexpr int kDirs[8][2] = {{-1, -1}, {0, -1}, {1, -1}, {-1, 0}, {1, 0}, {-1, 1}, {0, 1}, {1, 1}};

std::string square_name(int sq) {
  return std::string{static_cast<char>('a' + sq % kSize), static_cast<char>('1' + sq / kSize)};
}

class ReversiState final : public State {
 public:
  explicit ReversiState(const Game& game) : State(game, 2) {
    cells_.fill(kNoSeat);
    cells_[3 * kSize + 3] = 1;  // d4 white
    cells_[4 * kSize + 4] = 1;  // e5 white
    cells_[4 * kSize + 3] = 0;  // d5 black
    cells_[3 * kSize + 4] = 0;  // e4 black
  }

  std::unique_ptr<State> clone() const override { return std::make_unique<ReversiState>(*this); }

  int to_move() const override { return over_ ? kNoSeat : turn_; }

  std::vector<std::string> legal_moves() const override {
    std::vector<std::string> moves;
    if (over_) return moves;
    for (int sq = 0; sq < kSize * kSize; ++sq) {
      if (flips(sq, turn_) > 0) moves.push_back(square_name(sq));
    }
    return moves;
  }

  Result result() const override {
    Result r;
    r.over = over_;
    r.scores = {count(0), count(1)};
    if (!over_) return r;
    r.reason = reason_;
    if (forfeited_ != kNoSeat) {
      r.winner = 1 - forfeited_;
    } else if (r.scores[0] != r.scores[1]) {
      r.winner = r.scores[0] > r.scores[1] ? 0 : 1;
    }
    r.draw = r.winner == kNoSeat;
    return r;
  }

  Json view(int seat) const override {
    Json j = common_view(seat);
    Json rows = Json::array();
    for (int r = 0; r < kSize; ++r) {
      std::string row;
      for (int c = 0; c < kSize; ++c) {
        const int v = cells_[r * kSize + c];
        row += v == kNoSeat ? '.' : static_cast<char>('0' + v);
      }
      rows.push_back(row);
    }
    j["board"] = rows;
    j["discs"] = {count(0), count(1)};
    j["legal"] = legal_moves();
    j["passed"] = passed_ == kNoSeat ? Json(nullptr) : Json(passed_);
    return j;
  }

  Json snapshot() const override { return view(kSpectator); }

 protected:
  Expected<std::string> apply_move(int seat, std::string_view text) override {
    if (iequals(text, "pass")) {
      return Error{Code::kIllegalMove, "passing is automatic; you have a legal move"};
    }
    if (text.size() != 2) {
      return Error{Code::kBadSyntax, "expected a square a1..h8, got " + quoted(text)};
    }
    const char col = ascii_lower(text[0]);
    const char row = text[1];
    if (col < 'a' || col > 'h' || row < '1' || row > '8') {
      return Error{Code::kBadSyntax, "expected a square a1..h8, got " + quoted(text)};
    }
    const int sq = (row - '1') * kSize + (col - 'a');
    const std::string name = square_name(sq);
    if (cells_[sq] != kNoSeat) return Error{Code::kIllegalMove, name + " is taken"};
    if (flips(sq, seat) == 0) {
      return Error{Code::kIllegalMove, name + " flips no disc"};
    }
    place(sq, seat);
    advance(seat);
    return name;
  }

  Expected<std::string> apply_forfeit(int seat, Forfeit why) override {
    const char* text = why == Forfeit::kTimeout ? "timeout" : "resign";
    over_ = true;
    forfeited_ = seat;
    reason_ = text;
    return std::string(text);
  }

 private:
  int count(int seat) const {
    int n = 0;
    for (int v : cells_) n += v == seat;
    return n;
  }

  // The opponent discs a disc of `seat` on `sq` would take in direction
  // d: how many lie between sq and the next disc of `seat` (0: none).
  int run(int sq, int seat, const int (&d)[2]) const {
    int x = sq % kSize + d[0], y = sq / kSize + d[1], n = 0;
    auto inside = [&] { return x >= 0 && x < kSize && y >= 0 && y < kSize; };
    while (inside() && cells_[y * kSize + x] == 1 - seat) {
      x += d[0];
      y += d[1];
      ++n;
    }
    return n > 0 && inside() && cells_[y * kSize + x] == seat ? n : 0;
  }

  // Opponent discs that a disc of `seat` on `sq` would flip.
  int flips(int sq, int seat) const {
    if (cells_[sq] != kNoSeat) return 0;
    int total = 0;
    for (const auto& d : kDirs) total += run(sq, seat, d);
    return total;
  }

  void place(int sq, int seat) {
    const int x0 = sq % kSize, y0 = sq / kSize;
    for (const auto& d : kDirs) {
      const int n = run(sq, seat, d);
      for (int k = 1; k <= n; ++k) cells_[(y0 + d[1] * k) * kSize + x0 + d[0] * k] = seat;
    }
    cells_[sq] = seat;
  }

  bool has_move(int seat) const {
    for (int sq = 0; sq < kSize * kSize; ++sq) {
      if (flips(sq, seat) > 0) return true;
    }
    return false;
  }

  // After `seat` moved: the other seat moves, or passes automatically, or
  // the game ends.
  void advance(int seat) {
    passed_ = kNoSeat;
    if (has_move(1 - seat)) {
      turn_ = 1 - seat;
    } else if (has_move(seat)) {
      turn_ = seat;
      passed_ = 1 - seat;
    } else {
      over_ = true;
      reason_ = count(kNoSeat) == 0 ? "board_full" : "no_moves";
    }
  }

  std::array<int, kSize * kSize> cells_{};  // row-major, a1 = 0, h1 = 7, a8 = 56
  int turn_ = 0;
  int passed_ = kNoSeat;  // the seat skipped after the last move
  bool over_ = false;
  int forfeited_ = kNoSeat;
  std::string reason_;
};

class Reversi final : public Game {
 public:
  std::string_view name() const override { return "reversi"; }
  std::span<const std::string_view> aliases() const override { return kAliases; }
  int min_seats() const override { return 2; }
  int max_seats() const override { return 2; }

 protected:
  Expected<std::unique_ptr<State>> make_initial(std::uint64_t, const Options&, int) const override {
    return {std::make_unique<ReversiState>(*this)};
  }

 private:
  static constexpr std::string_view kAliases[] = {"othello"};
};

}  // namespace

const Game& reversi() {
  static const Reversi game;
  return game;
}

}  // namespace lobbyd::games
