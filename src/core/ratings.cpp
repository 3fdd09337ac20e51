#include "core/ratings.h"

#include <algorithm>
#include <cmath>
#include <soci/soci.h>

#include "core/unix_time.h"

namespace lobbyd::core {

double elo_expected(int a, int b) { return 1.0 / (1.0 + std::pow(10.0, (b - a) / 400.0)); }

void RatingBook::load(std::vector<Entry> rows, std::vector<std::string> games) {
  std::lock_guard lock(mu_);
  for (std::size_t i = 0; i < rows.size() && i < games.size(); ++i)
    by_game_[games[i]][rows[i].account] = rows[i];
  loaded_ = true;
}

void RatingBook::mark_loaded() {
  std::lock_guard lock(mu_);
  loaded_ = true;
}

bool RatingBook::loaded() const {
  std::lock_guard lock(mu_);
  return loaded_;
}

void RatingBook::read(soci::session& sql, RatingBook& into) {
  std::vector<Entry> rows;
  std::vector<std::string> games;
  std::string account, game;
  int rating = 0, n = 0, w = 0, l = 0, d = 0;
  soci::statement st = (sql.prepare << "SELECT account, game, rating, games, wins, losses, draws FROM ratings",
                        soci::into(account), soci::into(game), soci::into(rating), soci::into(n),
                        soci::into(w), soci::into(l), soci::into(d));
  st.execute();
  while (st.fetch()) {
    rows.push_back(Entry{account, rating, n, w, l, d});
    games.push_back(game);
  }
  into.load(std::move(rows), std::move(games));
}

std::vector<std::optional<int>> RatingBook::apply(std::string_view game,
                                                  const std::vector<std::string>& accounts,
                                                  const games::Result& result,
                                                  std::vector<store::WriteOp>& writes) {
  const std::size_t n = accounts.size();
  std::vector<std::optional<int>> change(n);
  std::vector<std::size_t> rated;
  for (std::size_t i = 0; i < n; ++i) {
    if (accounts[i].empty()) continue;
    // The same account in two seats (possible only by sitting twice before
    // logging in elsewhere) would rate a player against itself.
    bool dup = std::any_of(rated.begin(), rated.end(), [&](std::size_t j) { return accounts[j] == accounts[i]; });
    if (!dup) rated.push_back(i);
  }
  std::lock_guard lock(mu_);
  if (!loaded_ || rated.size() < 2 || !result.over) return change;
  auto& book = by_game_[std::string(game)];
  std::vector<Entry*> e;
  for (std::size_t i : rated) {
    Entry& x = book[accounts[i]];
    x.account = accounts[i];
    e.push_back(&x);
  }
  auto score = [&](std::size_t i) -> double {  // of a rated seat vs another, by outcome
    if (result.draw || result.winner < 0) return 0.5;
    return static_cast<int>(i) == result.winner ? 1.0 : 0.0;
  };
  std::vector<double> delta(rated.size(), 0.0);
  const double k = double(kFactor) / double(rated.size() - 1);
  for (std::size_t a = 0; a < rated.size(); ++a)
    for (std::size_t b = 0; b < rated.size(); ++b) {
      if (a == b) continue;
      double sa = score(rated[a]), sb = score(rated[b]);
      double actual = sa == sb ? 0.5 : (sa > sb ? 1.0 : 0.0);
      delta[a] += k * (actual - elo_expected(e[a]->rating, e[b]->rating));
    }
  const std::int64_t now = unix_now();
  for (std::size_t a = 0; a < rated.size(); ++a) {
    Entry& x = *e[a];
    int d = static_cast<int>(std::lround(delta[a]));
    x.rating += d;
    ++x.games;
    if (result.draw || result.winner < 0) ++x.draws;
    else if (static_cast<int>(rated[a]) == result.winner) ++x.wins;
    else ++x.losses;
    change[rated[a]] = d;
    // Absolute values, so a replayed or reordered write cannot drift.
    writes.push_back(store::WriteOp{"ratings " + x.account,
                                    "DELETE FROM ratings WHERE account = :account AND game = :game",
                                    {{"account", x.account}, {"game", std::string(game)}}});
    writes.push_back(store::WriteOp{
        "ratings " + x.account,
        "INSERT INTO ratings (account, game, rating, games, wins, losses, draws, updated_at) "
        "VALUES (:account, :game, :rating, :games, :wins, :losses, :draws, :t)",
        {{"account", x.account},
         {"game", std::string(game)},
         {"rating", std::int64_t(x.rating)},
         {"games", std::int64_t(x.games)},
         {"wins", std::int64_t(x.wins)},
         {"losses", std::int64_t(x.losses)},
         {"draws", std::int64_t(x.draws)},
         {"t", now}}});
  }
  return change;
}

std::vector<RatingBook::Entry> RatingBook::top(std::string_view game, std::size_t n) const {
  std::vector<Entry> out;
  std::lock_guard lock(mu_);
  auto it = by_game_.find(game);
  if (it == by_game_.end()) return out;
  for (auto& [name, e] : it->second) out.push_back(e);
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) {
    if (a.rating != b.rating) return a.rating > b.rating;
    if (a.games != b.games) return a.games > b.games;
    return a.account < b.account;
  });
  if (out.size() > n) out.resize(n);
  return out;
}

std::optional<RatingBook::Entry> RatingBook::find(std::string_view game, std::string_view account) const {
  std::lock_guard lock(mu_);
  auto it = by_game_.find(game);
  if (it == by_game_.end()) return std::nullopt;
  auto jt = it->second.find(std::string(account));
  if (jt == it->second.end()) return std::nullopt;
  return jt->second;
}

}  // namespace lobbyd::core
