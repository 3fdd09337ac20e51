#include "core/ratings.h"

#include <algorithm>
#include <cmath>


namespace lobbyd::core {

double elo_expected(int a, int b) { return 1.0 / (1.0 + std::pow(10.0, (b - a) / 400.0)); }

void RatingBook::load(const std::vector<store::RatingRow>& rows) {
  std::lock_guard lock(mu_);
  for (const auto& r : rows) by_game_[r.game][r.account] = Entry{r.account, r.rating, r.games, r.wins, r.losses, r.draws};
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

std::vector<std::optional<int>> RatingBook::apply(std::string_view game,
                                                  const std::vector<std::string>& accounts,
                                                  const games::Result& result,
                                                  std::vector<store::RatingRow>& saved) {
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
  for (std::size_t a = 0; a < rated.size(); ++a) {
    Entry& x = *e[a];
    int d = static_cast<int>(std::lround(delta[a]));
    x.rating += d;
    ++x.games;
    if (result.draw || result.winner < 0) ++x.draws;
    else if (static_cast<int>(rated[a]) == result.winner) ++x.wins;
    else ++x.losses;
    change[rated[a]] = d;
    saved.push_back(store::RatingRow{x.account, std::string(game), x.rating, x.games, x.wins, x.losses, x.draws});
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
