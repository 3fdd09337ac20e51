#include "games/crazy_eights.h"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "games/random.h"
#include "games/text.h"

namespace lobbyd::games {
namespace {

// A card is 0..51: suit * 13 + rank, suits C D H S, ranks 2..9 T J Q K A.
using Card = std::uint8_t;
constexpr std::string_view kRanks = "23456789TJQKA";
constexpr std::string_view kSuits = "CDHS";
constexpr int kEight = 6;  // rank index of the 8

int suit_of(Card c) { return c / 13; }
int rank_of(Card c) { return c % 13; }

std::string card_name(Card c) { return std::string{kRanks[rank_of(c)], kSuits[suit_of(c)]}; }

int parse_suit(std::string_view s) {
  if (s.size() != 1) return -1;
  const std::size_t i = kSuits.find(static_cast<char>(s[0] & ~0x20));  // upper case
  return i == std::string_view::npos ? -1 : static_cast<int>(i);
}

// "8H", "th", "10S"; -1 when not a card.
int parse_card(std::string_view s) {
  std::size_t rank;
  if (s.size() == 3 && s[0] == '1' && s[1] == '0') {
    rank = kRanks.find('T');
  } else if (s.size() == 2) {
    rank = kRanks.find(static_cast<char>(s[0] >= 'a' && s[0] <= 'z' ? s[0] - 32 : s[0]));
  } else {
    return -1;
  }
  const int suit = parse_suit(s.substr(s.size() - 1));
  if (rank == std::string_view::npos || suit < 0) return -1;
  return suit * 13 + static_cast<int>(rank);
}

int points(Card c) {
  const int r = rank_of(c);
  if (r == kEight) return 50;
  if (r == 12) return 1;  // ace
  if (r >= 8) return 10;  // T J Q K
  return r + 2;
}

Json cards_json(const std::vector<Card>& cards) {
  Json a = Json::array();
  for (Card c : cards) a.push_back(card_name(c));
  return a;
}

class CrazyEightsState final : public State {
 public:
  CrazyEightsState(const Game& game, std::uint64_t seed, int seats, int hand_size)
      : State(game, seats), rng_(seed), hands_(seats), out_(seats, false) {
    for (int c = 0; c < 52; ++c) stock_.push_back(static_cast<Card>(c));
    rng_.shuffle(stock_);  // the back of stock_ is the top of the draw pile
    for (int round = 0; round < hand_size; ++round) {
      for (int s = 0; s < seats; ++s) {
        hands_[s].push_back(stock_.back());
        stock_.pop_back();
      }
    }
    for (auto& hand : hands_) std::sort(hand.begin(), hand.end());
    discard_.push_back(stock_.back());
    stock_.pop_back();
    suit_ = suit_of(discard_.back());
  }

  std::unique_ptr<State> clone() const override {
    return std::make_unique<CrazyEightsState>(*this);
  }

  int to_move() const override { return over_ ? kNoSeat : turn_; }

  std::vector<std::string> legal_moves() const override {
    std::vector<std::string> moves;
    if (over_) return moves;
    bool playable = false;
    for (Card c : hands_[turn_]) {
      if (!matches(c)) continue;
      playable = true;
      if (rank_of(c) == kEight) {
        for (char s : kSuits) moves.push_back("play " + card_name(c) + " " + s);
      } else {
        moves.push_back("play " + card_name(c));
      }
    }
    if (!drawn_ && can_draw()) moves.push_back("draw");
    if (!playable && (drawn_ || !can_draw())) moves.push_back("pass");
    return moves;
  }

  Result result() const override {
    Result r;
    r.over = over_;
    r.scores.assign(seats(), 0);
    if (!over_) return r;
    r.winner = winner_;
    r.draw = winner_ == kNoSeat;
    r.reason = reason_;
    if (winner_ != kNoSeat) {
      for (int s = 0; s < seats(); ++s) {
        if (s != winner_) r.scores[winner_] += hand_points(s);
      }
    }
    return r;
  }

  Json view(int seat) const override {
    Json j = common_view(seat);
    const bool seated = seat >= 0 && seat < seats();
    if (seated) j["hand"] = cards_json(hands_[seat]);
    Json counts = Json::array();
    for (const auto& hand : hands_) counts.push_back(hand.size());
    j["hand_counts"] = counts;
    j["top"] = card_name(discard_.back());
    j["suit"] = std::string(1, kSuits[suit_]);
    j["draw_pile"] = stock_.size();
    j["discard_pile"] = discard_.size();
    j["drawn"] = drawn_ && !over_;
    j["out"] = out_;
    // Legal moves reveal the hand, so only the seat to move gets them.
    if (seated && seat == to_move()) j["legal"] = legal_moves();
    return j;
  }

  Json snapshot() const override {
    Json j = view(kSpectator);
    Json hands = Json::array();
    for (const auto& hand : hands_) hands.push_back(cards_json(hand));
    j["hands"] = hands;
    j["stock"] = cards_json(stock_);
    j["discards"] = cards_json(discard_);
    j["rng"] = rng_.state();
    return j;
  }

 protected:
  Expected<std::string> apply_move(int seat, std::string_view text) override {
    const std::vector<std::string_view> w = split_words(text);
    if (w.size() == 1 && iequals(w[0], "draw")) return draw(seat);
    if (w.size() == 1 && iequals(w[0], "pass")) return pass(seat);
    if ((w.size() == 2 || w.size() == 3) && iequals(w[0], "play")) {
      const int card = parse_card(w[1]);
      if (card < 0) {
        return Error{Code::kBadSyntax, "expected a card like 8H or TS, got " + quoted(w[1])};
      }
      int named = -1;
      if (w.size() == 3) {
        named = parse_suit(w[2]);
        if (named < 0) {
          return Error{Code::kBadSyntax, "expected a suit C, D, H or S, got " + quoted(w[2])};
        }
        if (rank_of(static_cast<Card>(card)) != kEight) {
          return Error{Code::kBadSyntax, "only an 8 names a suit"};
        }
      }
      return play_card(seat, static_cast<Card>(card), named);
    }
    return Error{Code::kBadSyntax,
                 "expected 'play <card> [suit]', 'draw' or 'pass', got " + quoted(text)};
  }

  Expected<std::string> apply_forfeit(int seat, Forfeit why) override {
    if (out_[seat]) return Error{Code::kIllegalMove, "seat " + std::to_string(seat) + " is out"};
    const char* text = why == Forfeit::kTimeout ? "timeout" : "resign";
    out_[seat] = true;
    // The hand goes under the draw pile: the 52 cards stay in play.
    stock_.insert(stock_.begin(), hands_[seat].begin(), hands_[seat].end());
    hands_[seat].clear();
    int active = 0, last = kNoSeat;
    for (int s = 0; s < seats(); ++s) {
      if (!out_[s]) {
        ++active;
        last = s;
      }
    }
    if (active == 1) {
      finish(last, text);
    } else if (seat == turn_) {
      end_turn();
    }
    return std::string(text);
  }

 private:
  bool matches(Card c) const {
    return rank_of(c) == kEight || suit_of(c) == suit_ || rank_of(c) == rank_of(discard_.back());
  }

  bool can_draw() const { return !stock_.empty() || discard_.size() > 1; }

  bool has_playable(int seat) const {
    return std::any_of(hands_[seat].begin(), hands_[seat].end(),
                       [this](Card c) { return matches(c); });
  }

  int hand_points(int seat) const {
    int n = 0;
    for (Card c : hands_[seat]) n += points(c);
    return n;
  }

  Expected<std::string> draw(int seat) {
    if (drawn_) return Error{Code::kIllegalMove, "you drew already this turn: play or pass"};
    if (!can_draw()) return Error{Code::kIllegalMove, "nothing left to draw: play or pass"};
    if (stock_.empty()) {
      // Reshuffle: every discard but the top one becomes the new draw pile.
      stock_.assign(discard_.begin(), discard_.end() - 1);
      discard_.erase(discard_.begin(), discard_.end() - 1);
      rng_.shuffle(stock_);
    }
    auto& hand = hands_[seat];
    hand.insert(std::upper_bound(hand.begin(), hand.end(), stock_.back()), stock_.back());
    stock_.pop_back();
    drawn_ = true;
    return std::string("draw");
  }

  Expected<std::string> pass(int seat) {
    if (has_playable(seat)) return Error{Code::kIllegalMove, "you have a playable card"};
    if (!drawn_ && can_draw()) return Error{Code::kIllegalMove, "draw first"};
    end_turn();
    return std::string("pass");
  }

  Expected<std::string> play_card(int seat, Card card, int named) {
    auto& hand = hands_[seat];
    auto it = std::find(hand.begin(), hand.end(), card);
    if (it == hand.end()) {
      return Error{Code::kIllegalMove, "you do not hold " + card_name(card)};
    }
    if (!matches(card)) {
      return Error{Code::kIllegalMove, card_name(card) + " does not match " +
                                           card_name(discard_.back()) + " (suit " +
                                           std::string(1, kSuits[suit_]) + ")"};
    }
    hand.erase(it);
    discard_.push_back(card);
    const bool eight = rank_of(card) == kEight;
    suit_ = eight && named >= 0 ? named : suit_of(card);
    std::string text = "play " + card_name(card);
    if (eight) text += std::string(" ") + kSuits[suit_];
    if (hand.empty()) {
      finish(seat, "hand_empty");
    } else {
      end_turn();
    }
    return text;
  }

  void end_turn() {
    drawn_ = false;
    do {
      turn_ = (turn_ + 1) % seats();
    } while (out_[turn_]);
  }

  void finish(int winner, const char* reason) {
    over_ = true;
    winner_ = winner;
    reason_ = reason;
  }

  Rng rng_;
  std::vector<std::vector<Card>> hands_;  // each sorted
  std::vector<Card> stock_;               // draw pile, back() is the top
  std::vector<Card> discard_;             // back() is the top, never empty
  std::vector<bool> out_;                 // forfeited seats
  int suit_ = 0;                          // the current suit (an 8 may have named it)
  int turn_ = 0;
  bool drawn_ = false;  // the seat to move has drawn this turn
  bool over_ = false;
  int winner_ = kNoSeat;
  std::string reason_;
};

class CrazyEights final : public Game {
 public:
  std::string_view name() const override { return "crazyeights"; }
  std::span<const std::string_view> aliases() const override { return kAliases; }
  int min_seats() const override { return 2; }
  int max_seats() const override { return 4; }
  std::span<const OptionSpec> option_specs() const override { return kOptions; }

 protected:
  Expected<std::unique_ptr<State>> make_initial(std::uint64_t seed, const Options& options,
                                                int seats) const override {
    const int hand = option_int(options, "hand", seats == 2 ? 7 : 5);
    return {std::make_unique<CrazyEightsState>(*this, seed, seats, hand)};
  }

 private:
  static constexpr std::string_view kAliases[] = {"crazy8", "crazy8s", "eights"};
  static constexpr OptionSpec kOptions[] = {
      {"hand", 1, 10, "cards dealt to each player (default: 7 with 2 seats, else 5)"},
  };
};

}  // namespace

const Game& crazy_eights() {
  static const CrazyEights game;
  return game;
}

}  // namespace lobbyd::games
