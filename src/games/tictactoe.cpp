#include "games/tictactoe.h"

#include <array>
#include <nlohmann/json.hpp>

#include "games/text.h"

namespace lobbyd::games {
namespace {

// clang-format off
constexpr std::array<std::array<int, 3>, 8> kLines = {{
    {0, 1, 2}, {3, 4, 5}, {6, 7, 8},  // rows
    {0, 3, 6}, {1, 4, 7}, {2, 5, 8},  // columns
    {0, 4, 8}, {2, 4, 6},             // diagonals
}};
// clang-format on

class TicTacToeState final : public State {
 public:
  explicit TicTacToeState(const Game& game) : State(game, 2) { cells_.fill(kNoSeat); }

  std::unique_ptr<State> clone() const override { return std::make_unique<TicTacToeState>(*this); }

  int to_move() const override { return over_ ? kNoSeat : turn_; }

  std::vector<std::string> legal_moves() const override {
    std::vector<std::string> moves;
    if (over_) return moves;
    for (int i = 0; i < 9; ++i) {
      if (cells_[i] == kNoSeat) moves.push_back(std::to_string(i));
    }
    return moves;
  }

  Result result() const override { return win_or_draw(over_, winner_, reason_); }

  Json view(int seat) const override { return view_from_text(seat); }

  std::string view_text(int seat) const override {
    base::JsonWriter w;
    w.begin_object();
    write_common_view(seat, w);
    w.begin_array("board");
    for (int r = 0; r < 3; ++r) {
      char row[3];
      for (int c = 0; c < 3; ++c) {
        const int v = cells_[r * 3 + c];
        row[c] = v == kNoSeat ? '.' : static_cast<char>('0' + v);
      }
      w.value(std::string_view(row, 3));
    }
    w.end_array();
    w.begin_array("legal");
    if (!over_) {
      for (int i = 0; i < 9; ++i) {
        if (cells_[i] == kNoSeat) w.value(std::string_view(&"012345678"[i], 1));
      }
    }
    w.end_array();
    if (line_[0] >= 0) {
      w.begin_array("line");
      for (int c : line_) w.field({}, c);
      w.end_array();
    }
    w.end_object();
    return w.release();
  }

  Json snapshot() const override { return view(kSpectator); }

 protected:
  Expected<std::string> apply_move(int seat, std::string_view text) override {
    const int cell = parse_cell(text);
    if (cell < 0) {
      return Error{Code::kBadSyntax, "expected a cell 0-8 or a1..c3, got " + quoted(text)};
    }
    if (cells_[cell] != kNoSeat) {
      return Error{Code::kIllegalMove, "cell " + std::to_string(cell) + " is taken"};
    }
    cells_[cell] = seat;
    for (const auto& line : kLines) {
      if (cells_[line[0]] == seat && cells_[line[1]] == seat && cells_[line[2]] == seat) {
        finish(seat, "line");
        line_ = line;
        return std::to_string(cell);
      }
    }
    bool full = true;
    for (int v : cells_) full = full && v != kNoSeat;
    if (full) finish(kNoSeat, "board_full");
    turn_ = 1 - seat;
    return std::to_string(cell);
  }

  Expected<std::string> apply_forfeit(int seat, Forfeit why) override {
    const char* text = why == Forfeit::kTimeout ? "timeout" : "resign";
    finish(1 - seat, text);
    return std::string(text);
  }

 private:
  // 0-8, or a1..c3; -1 when neither.
  static int parse_cell(std::string_view t) {
    if (t.size() == 1 && t[0] >= '0' && t[0] <= '8') return t[0] - '0';
    if (t.size() == 2) {
      const char col = ascii_lower(t[0]);
      const char row = t[1];
      if (col >= 'a' && col <= 'c' && row >= '1' && row <= '3') {
        return (row - '1') * 3 + (col - 'a');
      }
    }
    return -1;
  }

  void finish(int winner, const char* reason) {
    over_ = true;
    winner_ = winner;
    reason_ = reason;
  }

  std::array<int, 9> cells_{};
  int turn_ = 0;
  bool over_ = false;
  int winner_ = kNoSeat;
  std::string reason_;
  std::array<int, 3> line_ = {-1, -1, -1};  // the winning line, when there is one
};

class TicTacToe final : public Game {
 public:
  std::string_view name() const override { return "tictactoe"; }
  std::span<const std::string_view> aliases() const override { return kAliases; }
  int min_seats() const override { return 2; }
  int max_seats() const override { return 2; }

 protected:
  Expected<std::unique_ptr<State>> make_initial(std::uint64_t, const Options&, int) const override {
    return {std::make_unique<TicTacToeState>(*this)};
  }

 private:
  static constexpr std::string_view kAliases[] = {"ttt"};
};

}  // namespace

const Game& tictactoe() {
  static const TicTacToe game;
  return game;
}

}  // namespace lobbyd::games
