#pragma once
// Per-game Elo ratings of accounts. The book lives in memory (read from the
// `ratings` table at start) so that a finished game and TOP never wait for
// the database; every change goes back as a store::RatingRow (the port).
// Thread-safe: tables finish on any worker.
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "games/game.h"
#include "store/rows.h"

namespace lobbyd::core {

class RatingBook {
 public:
  static constexpr int kInitial = 1500;
  static constexpr int kFactor = 32;  // K: the most one game can move a 2-player rating

  struct Entry {
    std::string account;
    int rating = kInitial;
    int games = 0, wins = 0, losses = 0, draws = 0;
  };

  // Start-up: the rows of the `ratings` table. Until load() ran (the
  // database was away at start) games are unrated, so that a stale book
  // never overwrites the database's figures.
  void load(const std::vector<store::RatingRow>& rows);
  void mark_loaded();
  bool loaded() const;

  // A finished game. accounts[i]: seat i's account ("" = guest). Seats with
  // an account are rated against each other pairwise (a win scores 1, a
  // loss 0, a draw or two losers 0.5). Returns each seat's rating change
  // (nullopt: unrated) and appends each rated account's new row to `saved`
  // (absolute figures, for store::Port::save_rating).
  std::vector<std::optional<int>> apply(std::string_view game, const std::vector<std::string>& accounts,
                                        const games::Result& result, std::vector<store::RatingRow>& saved);

  // The best n of a game, by rating (ties: more games, then name).
  std::vector<Entry> top(std::string_view game, std::size_t n) const;
  std::optional<Entry> find(std::string_view game, std::string_view account) const;

 private:
  mutable std::mutex mu_;
  bool loaded_ = false;
  std::map<std::string, std::map<std::string, Entry>, std::less<>> by_game_;  // game -> account -> entry
};

// Expected score of a against b.
double elo_expected(int a, int b);

}  // namespace lobbyd::core
