#include "games/connect_four.h"

#include <array>
#include <nlohmann/json.hpp>

#include "games/text.h"

namespace lobbyd::games {
namespace {

constexpr int kCols = 7;
constexpr int kRows = 6;

class ConnectFourState final : public State {
 public:
  explicit ConnectFourState(const Game& game) : State(game, 2) {
    for (auto& col : cells_) col.fill(kNoSeat);
  }

  std::unique_ptr<State> clone() const override {
    return std::make_unique<ConnectFourState>(*this);
  }

  int to_move() const override { return over_ ? kNoSeat : turn_; }

  std::vector<std::string> legal_moves() const override {
    std::vector<std::string> moves;
    if (over_) return moves;
    for (int c = 0; c < kCols; ++c) {
      if (heights_[c] < kRows) moves.push_back(std::to_string(c + 1));
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
    for (int r = kRows - 1; r >= 0; --r) {  // top row first
      char row[kCols];
      for (int c = 0; c < kCols; ++c) {
        const int v = cells_[c][r];
        row[c] = v == kNoSeat ? '.' : static_cast<char>('0' + v);
      }
      w.value(std::string_view(row, kCols));
    }
    w.end_array();
    w.begin_array("legal");
    if (!over_) {
      for (int c = 0; c < kCols; ++c) {
        if (heights_[c] < kRows) w.value(std::string_view(&"1234567"[c], 1));
      }
    }
    w.end_array();
    w.end_object();
    return w.release();
  }

  Json snapshot() const override { return view(kSpectator); }

 protected:
  Expected<std::string> apply_move(int seat, std::string_view text) override {
    if (text.size() != 1 || text[0] < '1' || text[0] > '7') {
      return Error{Code::kBadSyntax, "expected a column 1-7, got " + quoted(text)};
    }
    const int col = text[0] - '1';
    if (heights_[col] == kRows) {
      return Error{Code::kIllegalMove, "column " + std::string(text) + " is full"};
    }
    const int row = heights_[col]++;
    cells_[col][row] = seat;
    ++discs_;
    if (four_through(col, row, seat)) {
      finish(seat, "line");
    } else if (discs_ == kCols * kRows) {
      finish(kNoSeat, "board_full");
    }
    turn_ = 1 - seat;
    return std::string(text);
  }

  Expected<std::string> apply_forfeit(int seat, Forfeit why) override {
    const char* text = why == Forfeit::kTimeout ? "timeout" : "resign";
    finish(1 - seat, text);
    return std::string(text);
  }

 private:
  int at(int col, int row) const {
    if (col < 0 || col >= kCols || row < 0 || row >= kRows) return kNoSeat;
    return cells_[col][row];
  }

  // Four or more of `seat` in a line through the disc just dropped.
  bool four_through(int col, int row, int seat) const {
    constexpr int kDirs[4][2] = {{1, 0}, {0, 1}, {1, 1}, {1, -1}};
    for (const auto& d : kDirs) {
      int n = 1;
      for (int k = 1; at(col + d[0] * k, row + d[1] * k) == seat; ++k) ++n;
      for (int k = 1; at(col - d[0] * k, row - d[1] * k) == seat; ++k) ++n;
      if (n >= 4) return true;
    }
    return false;
  }

  void finish(int winner, const char* reason) {
    over_ = true;
    winner_ = winner;
    reason_ = reason;
  }

  std::array<std::array<int, kRows>, kCols> cells_{};  // [column][row], row 0 at the bottom
  std::array<int, kCols> heights_{};
  int discs_ = 0;
  int turn_ = 0;
  bool over_ = false;
  int winner_ = kNoSeat;
  std::string reason_;
};

class ConnectFour final : public Game {
 public:
  std::string_view name() const override { return "connect4"; }
  std::span<const std::string_view> aliases() const override { return kAliases; }
  int min_seats() const override { return 2; }
  int max_seats() const override { return 2; }

 protected:
  Expected<std::unique_ptr<State>> make_initial(std::uint64_t, const Options&, int) const override {
    return {std::make_unique<ConnectFourState>(*this)};
  }

 private:
  static constexpr std::string_view kAliases[] = {"connectfour", "connect_four"};
};

}  // namespace

const Game& connect_four() {
  static const ConnectFour game;
  return game;
}

}  // namespace lobbyd::games
