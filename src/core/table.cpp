#include "core/table.h"
#include "core/unix_time.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include "base/json_text.h"
#include "core/server.h"
#include "core/session.h"
#include "core/commands.h"
#include "core/ratings.h"
#include "net/loop_thread.h"
#include "proto/casemap.h"
#include "proto/format.h"

namespace lobbyd::core {

namespace {

// 53 bits, so that JavaScript clients read the seed exactly from the JSON.
// From libsodium's CSPRNG: the seed determines every shuffle, and seeds are
// published when games end, so they must not be predictable from earlier
// ones (a Mersenne Twister would be after a few hundred games).
std::uint64_t random_seed() {
  std::uint64_t v = 0;
  randombytes_buf(&v, sizeof v);
  return v & ((std::uint64_t(1) << 53) - 1);
}

std::string fail(games::Code code, std::string_view reason) {
  return std::string(games::code_name(code)) + " " + std::string(reason);
}

}  // namespace

Table::Table(Server& server, std::uint64_t id, std::string lobby, const games::Game& game,
             games::TableSetup setup, std::uint64_t creator_id, LobbyPtr channel,
             net::Worker& timer_worker)
    : server_(server),
      id_(id),
      name_("&" + std::to_string(id)),
      lobby_(std::move(lobby)),
      game_(game),
      creator_id_(creator_id),
      channel_(std::move(channel)),
      timer_worker_(timer_worker),
      timer_(timer_worker.io()),
      grace_timer_(timer_worker.io()),
      setup_(std::move(setup)) {
  seats_.resize(static_cast<std::size_t>(setup_.seats));
}

void Table::attach() {
  channel_->set_observer([w = weak_from_this()](const net::SharedBuf& line) {
    if (auto t = w.lock()) t->record_missed(line);
  });
}

Table::Summary Table::summary() const {
  std::lock_guard lock(mu_);
  int held = static_cast<int>(std::count_if(seats_.begin(), seats_.end(), [](const Seat& x) { return x.held; }));
  return Summary{seated_locked(), static_cast<int>(seats_.size()), held, phase_};
}

int Table::seat_of_locked(const Session* s) const {
  for (std::size_t i = 0; i < seats_.size(); ++i)
    if (seats_[i].session.get() == s) return static_cast<int>(i);
  return -1;
}

int Table::seated_locked() const {
  return static_cast<int>(std::count_if(seats_.begin(), seats_.end(),
                                        [](const Seat& x) { return x.session != nullptr || x.held; }));
}

bool Table::any_held_locked() const {
  return std::any_of(seats_.begin(), seats_.end(), [](const Seat& x) { return x.held; });
}

std::string Table::game_json_line(std::string_view verb, const std::string& json) const {
  // Views grow with the game (a crazy-eights hand, legal moves, later a Lua
  // module's state): one over the line limit goes out in MORE parts instead
  // of being cut. The limit is the one clients are held to (max_line_bytes).
  auto settings = server_.settings_holder().get();
  std::string head = ":" + settings->server_name + " GAME " + name_ + " ";
  std::size_t verb_at = head.size();
  head.append(verb);
  std::string head_more = head.substr(0, verb_at) + "MORE";
  return proto::split_trailing(head, head_more, json, settings->max_line_bytes);
}

std::string Table::server_line(std::string_view rest) const {
  // rest: "VERB params... :trailing", built by the caller without CRLF.
  std::string l = ":" + server_.settings_holder().get()->server_name + " ";
  l.append(rest);
  if (l.size() > 510) {  // never expected: views are a few hundred bytes
    spdlog::warn("table {}: line of {} bytes cut to 510", name_, l.size());
    l.resize(510);
  }
  l += "\r\n";
  return l;
}

void Table::to_channel(const std::string& line) const {
  channel_->broadcast(net::make_shared_buf(std::string(line)), nullptr);
}

std::string Table::sit(const SessionPtr& s, const std::string& nick) {
  std::lock_guard lock(mu_);
  if (closed_) return "NO_SUCH_TABLE the table is closed";
  if (seat_of_locked(s.get()) >= 0) return "ALREADY_SEATED you are seated already";
  auto free = std::find_if(seats_.begin(), seats_.end(),
                           [](const Seat& x) { return x.session == nullptr && !x.held; });
  if (free == seats_.end())
    return "TABLE_FULL all " + std::to_string(seats_.size()) + " seats are taken";
  if (phase_ == Phase::kPlaying) return "GAME_STARTED the game is running";
  *free = Seat{s, nick, phase_ == Phase::kOver, s->account()};
  int seat = static_cast<int>(free - seats_.begin());
  to_channel(server_line("TABLE SEATED " + name_ + " " + nick + " " + std::to_string(seat)));
  if (seated_locked() == static_cast<int>(seats_.size())) {
    bool all_asked = std::all_of(seats_.begin(), seats_.end(), [](const Seat& x) { return x.rematch; });
    if (phase_ == Phase::kWaiting || all_asked) start_locked();
  }
  return {};
}

std::string Table::stand(const Session* s) {
  std::lock_guard lock(mu_);
  int seat = seat_of_locked(s);
  if (seat < 0) return "NOT_SEATED you are not seated at " + name_;
  if (phase_ == Phase::kPlaying) return "GAME_STARTED the game is running (TABLE RESIGN to give up)";
  std::string nick = seats_[seat].nick;
  seats_[seat] = Seat{};
  to_channel(server_line("TABLE STOOD " + name_ + " " + nick));
  return {};
}

std::string Table::start(const Session* s) {
  std::lock_guard lock(mu_);
  if (s->id() != creator_id_) return "NOT_CREATOR only the table's creator can start it";
  if (phase_ != Phase::kWaiting) return "GAME_STARTED the game has started already";
  int seated = seated_locked();
  if (seated < game_.min_seats())
    return "NOT_ENOUGH_PLAYERS " + std::string(game_.name()) + " needs at least " +
           std::to_string(game_.min_seats()) + " players";
  if (auto err = games::check_setup(game_, setup_.options, seated)) return fail(err->code, err->reason);
  std::erase_if(seats_, [](const Seat& x) { return x.session == nullptr && !x.held; });
  setup_.seats = seated;
  start_locked();
  return {};
}

void Table::start_locked() {
  std::uint64_t seed = random_seed();
  auto initial = game_.initial(seed, setup_.options, static_cast<int>(seats_.size()));
  if (!initial) {  // cannot happen: setups are checked at creation and start
    spdlog::error("table {}: cannot start {}: {}", name_, game_.name(), initial.error().reason);
    return;
  }
  seed_ = seed;
  state_ = std::move(initial.value());
  moves_.clear();
  phase_ = Phase::kPlaying;
  started_at_ = unix_now();
  ++round_;
  games::Json players = games::Json::array();
  for (Seat& x : seats_) {
    x.rematch = false;
    players.push_back(x.nick);
  }
  // No seed here: it determines the deck, so it would show every hand. It
  // is published in OVER, where it lets anyone replay and check the game.
  games::Json start{{"game", game_.name()},
                    {"seats", seats_.size()},
                    {"players", players},
                    {"options", games::to_string(setup_.options)},
                    {"round", round_}};
  to_channel(game_json_line("START", base::json_text(start)));
  write_table_row_locked();
  send_states_locked();
  send_turn_locked();
}

void Table::write_table_row_locked() {
  store::Port* db = server_.store();
  if (!db) return;
  games::Json players = games::Json::array();
  for (const Seat& x : seats_) players.push_back({{"nick", x.nick}, {"account", x.account}});
  db->save_round(store::TableRound{id_, lobby_, std::string(game_.name()), games::to_string(setup_.options),
                                   static_cast<int>(seats_.size()), seed_, round_, base::json_text(players),
                                   started_at_});
}

void Table::send_states_locked() {
  if (!state_) return;
  for (std::size_t i = 0; i < seats_.size(); ++i) {
    if (!seats_[i].session) continue;
    auto line = game_json_line("STATE", base::json_text(state_->view(static_cast<int>(i))));
    seats_[i].session->send_any(net::make_shared_buf(std::move(line)));
  }
  std::vector<SessionPtr> spectators;
  for (auto& m : channel_->view().members)
    if (seat_of_locked(m.session.get()) < 0) spectators.push_back(m.session);
  if (!spectators.empty())
    deliver(net::make_shared_buf(
                game_json_line("STATE", base::json_text(state_->view(games::kSpectator)))),
            spectators);
}

void Table::send_turn_locked() {
  int seat = state_ ? state_->to_move() : games::kNoSeat;
  if (seat < 0) return;
  std::uint32_t timeout_s = server_.settings_holder().get()->turn_timeout_s;
  deadline_ms_ = unix_now_ms() + std::int64_t(timeout_s) * 1000;
  to_channel(server_line("GAME " + name_ + " TURN " + seats_[seat].nick + " " +
                         std::to_string(deadline_ms_)));
  arm_timer_locked();
}

void Table::arm_timer_locked() {
  std::uint64_t gen = ++timer_gen_;
  auto when = std::chrono::steady_clock::now() +
              std::chrono::milliseconds(deadline_ms_ - unix_now_ms());
  timer_worker_.post([self = shared_from_this(), gen, when] {
    LOBBYD_ASSERT_IN_LOOP(self->timer_worker_);
    self->timer_.expires_at(when);
    self->timer_.async_wait([self, gen](const boost::system::error_code& ec) {
      if (!ec) self->on_timer(gen);
    });
  });
}

void Table::on_timer(std::uint64_t gen) {
  LOBBYD_ASSERT_IN_LOOP(timer_worker_);
  net::Worker::BusyScope busy(timer_worker_);
  {
    std::lock_guard lock(mu_);
    if (closed_ || phase_ != Phase::kPlaying || gen != timer_gen_ || !state_) return;
    int seat = state_->to_move();
    if (seat < 0) return;
    auto r = state_->forfeit(seat, games::Forfeit::kTimeout);
    if (!r) return;
    to_channel(server_line("GAME " + name_ + " TIMEOUT " + seats_[seat].nick));
    write_move_locked(seat, r.value());
    after_move_locked();
  }
  remove_if_done();  // the game may have ended with nobody at the table
  timer_worker_.flush_now();
}

void Table::after_move_locked() {
  if (state_->result().over) {
    finish_locked();
    return;
  }
  send_states_locked();
  send_turn_locked();
}

void Table::finish_locked() {
  phase_ = Phase::kOver;
  ++timer_gen_;  // a pending timer finds its generation gone
  server_.tables().count_finished();
  send_states_locked();
  games::Result res = state_->result();
  games::Json out = games::to_json(res);
  games::Json players = games::Json::array();
  for (const Seat& x : seats_) players.push_back(x.nick);
  out["winner"] = res.winner >= 0 ? games::Json(seats_[res.winner].nick) : games::Json(nullptr);
  out["winner_seat"] = res.winner >= 0 ? games::Json(res.winner) : games::Json(nullptr);
  out["players"] = players;
  out["ply"] = state_->ply();
  out["seed"] = seed_;  // now that nothing is hidden any more: the game can be replayed
  std::vector<std::string> accounts;
  for (const Seat& x : seats_) accounts.push_back(x.account);
  std::vector<store::RatingRow> rating_rows;
  auto changes = server_.ratings().apply(game_.name(), accounts, res, rating_rows);
  games::Json rating_change = games::Json::array(), rating = games::Json::array();
  bool rated = false;
  for (std::size_t i = 0; i < seats_.size(); ++i) {
    if (changes[i]) {
      rated = true;
      rating_change.push_back(*changes[i]);
      auto e = server_.ratings().find(game_.name(), accounts[i]);
      rating.push_back(e ? games::Json(e->rating) : games::Json(nullptr));
    } else {
      rating_change.push_back(nullptr);
      rating.push_back(nullptr);
    }
  }
  out["rated"] = rated;
  out["rating_change"] = rating_change;
  out["rating"] = rating;
  to_channel(game_json_line("OVER", base::json_text(out)));
  if (store::Port* db = server_.store()) {
    const std::int64_t now = unix_now();
    for (auto& r : rating_rows) db->save_rating(std::move(r), now);
    games::Json moves = games::Json::array();
    for (const auto& m : moves_) moves.push_back(games::Json::array({m.seat, m.text}));
    games::Json outcome = out;
    outcome["seed"] = seed_;
    outcome["options"] = games::to_string(setup_.options);
    outcome["round"] = round_;
    db->save_result(store::GameResultRow{id_, std::string(game_.name()), lobby_, base::json_text(players),
                                         base::json_text(outcome), base::json_text(moves), started_at_, now});
  }
  // Players who left cannot ask for a rematch: their seats become free.
  for (Seat& x : seats_)
    if (!x.session) x = Seat{};
  ++grace_gen_;
  std::lock_guard lock(missed_mu_);
  missed_.clear();
  any_missed_ = false;
}

void Table::write_move_locked(int seat, const std::string& text, bool durable) {
  moves_.push_back(games::LoggedMove{seat, text});
  store::Port* db = server_.store();
  if (!db) return;
  std::function<void(bool)> on_done;
  if (durable)
    on_done = [w = weak_from_this()](bool committed) {  // on the store thread
      if (auto t = w.lock()) t->timer_worker_.post([t, committed] { t->move_committed(committed); });
    };
  db->save_move(store::MoveRow{id_, round_, static_cast<std::int64_t>(moves_.size()), seat, seats_[seat].nick,
                               text, unix_now()},
                std::move(on_done));
}

void Table::played_locked(int seat, const std::string& logged) {
  bool durable = server_.store() && server_.settings_holder().get()->durable_moves;
  write_move_locked(seat, logged, durable);
  if (!durable) return after_move_locked();
  // Nobody learns of the move before the database has it: a kill -9 now
  // loses only moves that were never acknowledged. The mover's clock stops
  // here; the next player's starts with the announcement.
  ++commits_pending_;
  ++timer_gen_;
}

void Table::move_committed(bool committed) {
  net::Worker::BusyScope busy(timer_worker_);
  {
    std::lock_guard lock(mu_);
    if (!committed)
      spdlog::warn("table {}: a move's row was not written (see the database errors); announced anyway",
                   name_);
    // Commits arrive in order: once none is pending, every move in the
    // state is in the database, and one announcement covers them all.
    if (--commits_pending_ > 0 || closed_ || phase_ != Phase::kPlaying) return;
    after_move_locked();
  }
  remove_if_done();
  timer_worker_.flush_now();
}

std::string Table::move(const Session* s, const std::string& nick, std::string_view text) {
  std::lock_guard lock(mu_);
  if (closed_) return "NO_SUCH_TABLE the table is closed";
  int seat = seat_of_locked(s);
  if (seat < 0) return fail(games::Code::kNotSeated, "you are not seated at " + name_);
  if (phase_ == Phase::kWaiting) return "NOT_STARTED the game has not started";
  seats_[seat].nick = nick;
  auto r = state_->play(seat, text);
  if (!r) return fail(r.error().code, r.error().reason);
  played_locked(seat, r.value());
  return {};
}

std::string Table::resign(const Session* s) {
  std::lock_guard lock(mu_);
  int seat = seat_of_locked(s);
  if (seat < 0) return fail(games::Code::kNotSeated, "you are not seated at " + name_);
  if (phase_ == Phase::kWaiting) return "NOT_STARTED the game has not started";
  auto r = state_->forfeit(seat, games::Forfeit::kResign);
  if (!r) return fail(r.error().code, r.error().reason);
  played_locked(seat, r.value());
  return {};
}

std::string Table::rematch(const Session* s, const std::string& nick) {
  std::lock_guard lock(mu_);
  int seat = seat_of_locked(s);
  if (seat < 0) return fail(games::Code::kNotSeated, "you are not seated at " + name_);
  if (phase_ != Phase::kOver) return "GAME_NOT_OVER the game is not over";
  seats_[seat].nick = nick;
  if (seats_[seat].rematch) return {};
  seats_[seat].rematch = true;
  to_channel(server_line("GAME " + name_ + " REMATCH " + nick));
  if (std::all_of(seats_.begin(), seats_.end(),
                  [](const Seat& x) { return x.session != nullptr && x.rematch; }))
    start_locked();
  return {};
}

bool Table::left(const Session* s, std::size_t members_left, bool disconnected) {
  std::lock_guard lock(mu_);
  int seat = seat_of_locked(s);
  if (seat >= 0) {
    Seat& x = seats_[seat];
    const std::uint32_t grace = server_.settings_holder().get()->resume_grace_s;
    if (phase_ == Phase::kPlaying && disconnected && server_.shutting_down()) {
      // A restart restores the table: nobody forfeits for our shutdown.
      x.session = nullptr;
      x.held = true;
      x.held_until_ms = unix_now_ms() + std::int64_t(grace) * 1000;
    } else if (phase_ == Phase::kPlaying && disconnected && !x.account.empty() && grace > 0) {
      hold_locked(seat);
    } else if (phase_ == Phase::kPlaying) {
      x.session = nullptr;  // no more views for it
      auto r = state_->forfeit(seat, games::Forfeit::kResign);
      if (r) {
        write_move_locked(seat, r.value());
        if (members_left > 0) after_move_locked();
        else if (state_->result().over) finish_locked();
      }
    } else {
      std::string nick = x.nick;
      x = Seat{};
      if (members_left > 0) to_channel(server_line("TABLE STOOD " + name_ + " " + nick));
    }
  }
  if (members_left == 0 && !(phase_ == Phase::kPlaying && any_held_locked())) {
    closed_ = true;
    ++timer_gen_;
    ++grace_gen_;
    return false;
  }
  return true;
}

void Table::hold_locked(int seat) {
  Seat& x = seats_[seat];
  const std::uint32_t grace = server_.settings_holder().get()->resume_grace_s;
  x.session = nullptr;
  x.held = true;
  x.held_until_ms = unix_now_ms() + std::int64_t(grace) * 1000;
  {
    // Recording starts before anyone can hear of the AWAY and answer it.
    std::lock_guard lock(missed_mu_);
    missed_[seat] = Missed{};
    any_missed_ = true;
  }
  to_channel(server_line("TABLE AWAY " + name_ + " " + x.nick + " " + std::to_string(x.held_until_ms)));
  arm_grace_locked();
}

void Table::arm_grace_locked() {
  std::int64_t first = 0;
  for (const Seat& x : seats_)
    if (x.held && (first == 0 || x.held_until_ms < first)) first = x.held_until_ms;
  std::uint64_t gen = ++grace_gen_;
  if (first == 0) return;
  auto when = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max<std::int64_t>(0, first - unix_now_ms()));
  timer_worker_.post([self = shared_from_this(), gen, when] {
    LOBBYD_ASSERT_IN_LOOP(self->timer_worker_);
    self->grace_timer_.expires_at(when);
    self->grace_timer_.async_wait([self, gen](const boost::system::error_code& ec) {
      if (!ec) self->on_grace(gen);
    });
  });
}

void Table::on_grace(std::uint64_t gen) {
  LOBBYD_ASSERT_IN_LOOP(timer_worker_);
  net::Worker::BusyScope busy(timer_worker_);
  {
    std::lock_guard lock(mu_);
    if (closed_ || gen != grace_gen_ || phase_ != Phase::kPlaying || !state_) return;
    const std::int64_t now = unix_now_ms() + 5;  // a timer may fire a hair early
    for (std::size_t i = 0; i < seats_.size() && phase_ == Phase::kPlaying; ++i) {
      Seat& x = seats_[i];
      if (!x.held || x.held_until_ms > now) continue;
      x.held = false;
      {
        std::lock_guard ml(missed_mu_);
        missed_.erase(static_cast<int>(i));
        any_missed_ = !missed_.empty();
      }
      to_channel(server_line("TABLE GONE " + name_ + " " + x.nick));
      auto r = state_->forfeit(static_cast<int>(i), games::Forfeit::kTimeout);
      if (r) {
        write_move_locked(static_cast<int>(i), r.value());
        after_move_locked();
      }
    }
    if (phase_ == Phase::kPlaying) arm_grace_locked();
  }
  remove_if_done();
  timer_worker_.flush_now();
}

void Table::remove_if_done() {
  {
    std::lock_guard lock(mu_);
    if (channel_->member_count() > 0 || (phase_ == Phase::kPlaying && any_held_locked())) return;
    closed_ = true;
    ++timer_gen_;
    ++grace_gen_;
  }
  server_.tables().erase(id_);
  server_.lobbies().remove_if_empty(channel_);
}

void Table::record_missed(const net::SharedBuf& line) {
  if (!any_missed_.load(std::memory_order_relaxed)) return;
  constexpr std::size_t kMaxLines = 500, kMaxBytes = 256 * 1024;
  std::lock_guard lock(missed_mu_);
  for (auto& [seat, m] : missed_) {
    m.lines.push_back(line);
    m.bytes += line->size();
    while (m.lines.size() > kMaxLines || m.bytes > kMaxBytes) {
      m.bytes -= m.lines.front()->size();
      m.lines.pop_front();
      ++m.dropped;
    }
  }
}

bool Table::holds_seat_for(const std::string& account) const {
  std::lock_guard lock(mu_);
  return std::any_of(seats_.begin(), seats_.end(),
                     [&](const Seat& x) { return x.held && x.account == account; });
}

bool Table::resume(const SessionPtr& s) {
  int seat = -1;
  {
    std::lock_guard lock(mu_);
    if (closed_ || phase_ != Phase::kPlaying) return false;
    // One seat per connection: a player seated here already (as a guest,
    // say, who now logs in to an account that holds another seat) does not
    // take a second one; that seat stays held until its grace runs out.
    // (Found by fuzz_session: the second seat kept a dangling session.)
    if (seat_of_locked(s.get()) >= 0) return false;
    for (std::size_t i = 0; i < seats_.size(); ++i)
      if (seats_[i].held && seats_[i].account == s->account()) seat = static_cast<int>(i);
    if (seat < 0) return false;
    Seat& x = seats_[seat];
    x.session = s;  // seated again before the JOIN: catch_up() leaves it alone
    x.held = false;
    x.nick = s->nick();
    arm_grace_locked();
  }
  cmd::join_channel(*s, name_);
  Missed missed;
  {
    std::lock_guard ml(missed_mu_);
    auto it = missed_.find(seat);
    if (it != missed_.end()) {
      missed = std::move(it->second);
      missed_.erase(it);
    }
    any_missed_ = !missed_.empty();
  }
  // Recorded until after the JOIN so that nothing falls between; its own
  // JOIN line is no news to it.
  const std::string own_join = ":" + s->prefix() + " JOIN " + name_ + "\r\n";
  std::erase_if(missed.lines, [&](const net::SharedBuf& l) { return *l == own_join; });
  std::lock_guard lock(mu_);
  if (seats_[seat].session != s || !state_) return true;  // lost again meanwhile
  // The player's own burst: RESUMED, what it missed, then the present.
  s->send_any(net::make_shared_buf(server_line("TABLE RESUMED " + name_ + " " + std::to_string(seat) + " " +
                                               std::to_string(missed.lines.size()) + " " +
                                               std::to_string(missed.dropped))));
  for (const auto& l : missed.lines) s->send_any(l);
  games::Json players = games::Json::array();
  for (const Seat& x : seats_) players.push_back(x.nick);
  games::Json start{{"game", game_.name()}, {"seats", seats_.size()}, {"players", players},
                    {"options", games::to_string(setup_.options)}, {"round", round_}, {"resumed", true}};
  s->send_any(net::make_shared_buf(game_json_line("START", base::json_text(start))));
  s->send_any(net::make_shared_buf(game_json_line("STATE", base::json_text(state_->view(seat)))));
  if (state_->to_move() >= 0)
    s->send_any(net::make_shared_buf(server_line("GAME " + name_ + " TURN " + seats_[state_->to_move()].nick +
                                                 " " + std::to_string(deadline_ms_))));
  to_channel(server_line("TABLE BACK " + name_ + " " + s->nick() + " " + std::to_string(seat)));
  return true;
}

std::string Table::restore(const Saved& saved) {
  std::lock_guard lock(mu_);
  if (saved.players.size() != seats_.size()) return "seat count does not match the players";
  auto initial = game_.initial(saved.seed, setup_.options, static_cast<int>(seats_.size()));
  if (!initial) return initial.error().reason;
  state_ = std::move(initial.value());
  for (const auto& m : saved.moves) {
    auto r = state_->apply_logged(m.seat, m.text);
    if (!r) return "move " + std::to_string(moves_.size() + 1) + " (" + m.text + "): " + r.error().reason;
    moves_.push_back(m);
  }
  seed_ = saved.seed;
  round_ = saved.round;
  started_at_ = saved.started_at;
  phase_ = Phase::kPlaying;
  const std::uint32_t grace = std::max<std::uint32_t>(server_.settings_holder().get()->resume_grace_s, 1);
  for (std::size_t i = 0; i < seats_.size(); ++i) {
    Seat& x = seats_[i];
    x.nick = saved.players[i].first;
    x.account = saved.players[i].second;
    x.held = true;
    x.held_until_ms = unix_now_ms() + std::int64_t(grace) * 1000;
    if (x.account.empty()) continue;
    std::lock_guard ml(missed_mu_);
    missed_[static_cast<int>(i)] = Missed{};
    any_missed_ = true;
  }
  if (state_->result().over) {  // the result was not written before the restart
    finish_locked();
    return {};
  }
  // Guests cannot prove who they are: their seats are forfeited now.
  for (std::size_t i = 0; i < seats_.size() && !state_->result().over; ++i) {
    if (!seats_[i].account.empty()) continue;
    seats_[i].held = false;
    auto r = state_->forfeit(static_cast<int>(i), games::Forfeit::kTimeout);
    if (r) write_move_locked(static_cast<int>(i), r.value());
  }
  if (state_->result().over) {
    finish_locked();
    return {};
  }
  send_turn_locked();
  arm_grace_locked();
  return {};
}

void Table::catch_up(const SessionPtr& s) {
  std::lock_guard lock(mu_);
  if (!state_ || seat_of_locked(s.get()) >= 0) return;
  s->send_any(net::make_shared_buf(
      game_json_line("STATE", base::json_text(state_->view(games::kSpectator)))));
  if (phase_ == Phase::kPlaying && state_->to_move() >= 0)
    s->send_any(net::make_shared_buf(server_line("GAME " + name_ + " TURN " +
                                                 seats_[state_->to_move()].nick + " " +
                                                 std::to_string(deadline_ms_))));
}

void Table::close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  ++timer_gen_;
  ++grace_gen_;
  timer_worker_.post([self = shared_from_this()] {
    LOBBYD_ASSERT_IN_LOOP(self->timer_worker_);
    self->timer_.cancel();
    self->grace_timer_.cancel();
  });
}

// --- TableRegistry ---

void TableRegistry::insert(TablePtr t) {
  std::lock_guard lock(mu_);
  map_[t->id()] = std::move(t);
}

TablePtr TableRegistry::find(std::string_view name) const {
  if (name.size() < 2 || name[0] != '&') return nullptr;
  std::uint64_t id = 0;
  auto [p, ec] = std::from_chars(name.data() + 1, name.data() + name.size(), id);
  if (ec != std::errc() || p != name.data() + name.size()) return nullptr;
  std::lock_guard lock(mu_);
  auto it = map_.find(id);
  return it == map_.end() ? nullptr : it->second;
}

void TableRegistry::erase(std::uint64_t id) {
  std::lock_guard lock(mu_);
  map_.erase(id);
}

std::vector<TablePtr> TableRegistry::in_lobby(std::string_view lobby) const {
  std::vector<TablePtr> out;
  std::lock_guard lock(mu_);
  for (auto& [id, t] : map_) {
    if (proto::iequals(t->lobby(), lobby)) out.push_back(t);
  }
  return out;
}

std::vector<TablePtr> TableRegistry::all() const {
  std::vector<TablePtr> out;
  std::lock_guard lock(mu_);
  for (auto& [id, t] : map_) out.push_back(t);
  return out;
}

void table_channel_left(Server& server, const Session* s, const LobbyPtr& channel, bool disconnected) {
  TablePtr t = server.tables().find(channel->name());
  if (!t || t->channel() != channel) return;
  if (t->left(s, channel->member_count(), disconnected)) return;
  t->close();
  server.tables().erase(t->id());
  // Table channels are not removed when empty by the lobby code (a held
  // seat needs its channel): the table removes it.
  server.lobbies().remove_if_empty(channel);
}

void table_channel_joined(Server& server, const SessionPtr& s, const LobbyPtr& channel) {
  TablePtr t = server.tables().find(channel->name());
  if (t && t->channel() == channel) t->catch_up(s);
}

void resume_tables(Server& server, const SessionPtr& s) {
  if (s->account().empty()) return;
  for (const TablePtr& t : server.tables().all())
    if (t->holds_seat_for(s->account())) t->resume(s);
}

}  // namespace lobbyd::core
