#include "core/table.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <random>
#include <spdlog/spdlog.h>

#include "core/server.h"
#include "core/session.h"

namespace lobbyd::core {

namespace {

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t unix_s() { return unix_ms() / 1000; }

// 53 bits, so that JavaScript clients read the seed exactly from the JSON.
std::uint64_t random_seed() {
  std::random_device rd;
  std::uint64_t v = (std::uint64_t(rd()) << 32) ^ rd();
  v ^= std::uint64_t(std::chrono::steady_clock::now().time_since_epoch().count()) * 0x9E3779B97F4A7C15ull;
  return v & ((std::uint64_t(1) << 53) - 1);
}

std::string fail(games::Code code, std::string_view reason) {
  return std::string(games::code_name(code)) + " " + std::string(reason);
}

}  // namespace

Table::Table(Server& server, std::uint64_t id, std::string lobby, const games::Game& game,
             games::TableSetup setup, const Session* creator, LobbyPtr channel,
             net::Worker& timer_worker)
    : server_(server),
      id_(id),
      name_("&" + std::to_string(id)),
      lobby_(std::move(lobby)),
      game_(game),
      creator_(creator),
      channel_(std::move(channel)),
      timer_worker_(timer_worker),
      timer_(timer_worker.io()),
      setup_(std::move(setup)) {
  seats_.resize(static_cast<std::size_t>(setup_.seats));
}

Table::Summary Table::summary() const {
  std::lock_guard lock(mu_);
  return Summary{seated_locked(), static_cast<int>(seats_.size()), phase_};
}

int Table::seat_of_locked(const Session* s) const {
  for (std::size_t i = 0; i < seats_.size(); ++i)
    if (seats_[i].session.get() == s) return static_cast<int>(i);
  return -1;
}

int Table::seated_locked() const {
  return static_cast<int>(
      std::count_if(seats_.begin(), seats_.end(), [](const Seat& x) { return x.session != nullptr; }));
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
                           [](const Seat& x) { return x.session == nullptr; });
  if (free == seats_.end())
    return "TABLE_FULL all " + std::to_string(seats_.size()) + " seats are taken";
  if (phase_ == Phase::kPlaying) return "GAME_STARTED the game is running";
  *free = Seat{s, nick, phase_ == Phase::kOver};
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
  if (s != creator_) return "NOT_CREATOR only the table's creator can start it";
  if (phase_ != Phase::kWaiting) return "GAME_STARTED the game has started already";
  int seated = seated_locked();
  if (seated < game_.min_seats())
    return "NOT_ENOUGH_PLAYERS " + std::string(game_.name()) + " needs at least " +
           std::to_string(game_.min_seats()) + " players";
  if (auto err = games::check_setup(game_, setup_.options, seated)) return fail(err->code, err->reason);
  std::erase_if(seats_, [](const Seat& x) { return x.session == nullptr; });
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
  started_at_ = unix_s();
  ++round_;
  games::Json players = games::Json::array();
  for (Seat& x : seats_) {
    x.rematch = false;
    players.push_back(x.nick);
  }
  games::Json start{{"game", game_.name()},
                    {"seats", seats_.size()},
                    {"players", players},
                    {"seed", seed_},
                    {"options", games::to_string(setup_.options)},
                    {"round", round_}};
  to_channel(server_line("GAME " + name_ + " START :" + start.dump()));
  send_states_locked();
  send_turn_locked();
}

void Table::send_states_locked() {
  if (!state_) return;
  for (std::size_t i = 0; i < seats_.size(); ++i) {
    if (!seats_[i].session) continue;
    auto line = server_line("GAME " + name_ + " STATE :" + state_->view(static_cast<int>(i)).dump());
    seats_[i].session->send_any(net::make_shared_buf(std::move(line)));
  }
  std::vector<SessionPtr> spectators;
  for (auto& m : channel_->view().members)
    if (seat_of_locked(m.session.get()) < 0) spectators.push_back(m.session);
  if (!spectators.empty())
    deliver(net::make_shared_buf(
                server_line("GAME " + name_ + " STATE :" + state_->view(games::kSpectator).dump())),
            spectators);
}

void Table::send_turn_locked() {
  int seat = state_ ? state_->to_move() : games::kNoSeat;
  if (seat < 0) return;
  std::uint32_t timeout_s = server_.settings_holder().get()->turn_timeout_s;
  deadline_ms_ = unix_ms() + std::int64_t(timeout_s) * 1000;
  to_channel(server_line("GAME " + name_ + " TURN " + seats_[seat].nick + " " +
                         std::to_string(deadline_ms_)));
  arm_timer_locked();
}

void Table::arm_timer_locked() {
  std::uint64_t gen = ++timer_gen_;
  auto when = std::chrono::steady_clock::now() +
              std::chrono::milliseconds(deadline_ms_ - unix_ms());
  timer_worker_.post([self = shared_from_this(), gen, when] {
    self->timer_.expires_at(when);
    self->timer_.async_wait([self, gen](const boost::system::error_code& ec) {
      if (!ec) self->on_timer(gen);
    });
  });
}

void Table::on_timer(std::uint64_t gen) {
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
  to_channel(server_line("GAME " + name_ + " OVER :" + out.dump()));
  if (server_.db_write) {
    games::Json moves = games::Json::array();
    for (const auto& m : moves_) moves.push_back(games::Json::array({m.seat, m.text}));
    games::Json outcome = out;
    outcome["seed"] = seed_;
    outcome["options"] = games::to_string(setup_.options);
    outcome["round"] = round_;
    server_.db_write(store::WriteOp{
        "game_results " + name_,
        "INSERT INTO game_results (table_id, game, lobby, players, outcome, moves, started_at, ended_at) "
        "VALUES (:table_id, :game, :lobby, :players, :outcome, :moves, :started_at, :ended_at)",
        {{"table_id", std::int64_t(id_)},
         {"game", std::string(game_.name())},
         {"lobby", lobby_},
         {"players", players.dump()},
         {"outcome", outcome.dump()},
         {"moves", moves.dump()},
         {"started_at", started_at_},
         {"ended_at", unix_s()}}});
  }
  // Players who left cannot ask for a rematch: their seats become free.
  for (Seat& x : seats_)
    if (!x.session) x = Seat{};
}

void Table::write_move_locked(int seat, const std::string& text) {
  moves_.push_back(games::LoggedMove{seat, text});
  if (!server_.db_write) return;
  server_.db_write(store::WriteOp{
      "table_moves " + name_,
      "INSERT INTO table_moves (table_id, ply, seat, nick, move, created_at) "
      "VALUES (:table_id, :ply, :seat, :nick, :move, :created_at)",
      {{"table_id", std::int64_t(id_)},
       {"ply", std::int64_t(moves_.size())},
       {"seat", std::int64_t(seat)},
       {"nick", seats_[seat].nick},
       {"move", text},
       {"created_at", unix_s()}}});
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
  write_move_locked(seat, r.value());
  after_move_locked();
  return {};
}

std::string Table::resign(const Session* s) {
  std::lock_guard lock(mu_);
  int seat = seat_of_locked(s);
  if (seat < 0) return fail(games::Code::kNotSeated, "you are not seated at " + name_);
  if (phase_ == Phase::kWaiting) return "NOT_STARTED the game has not started";
  auto r = state_->forfeit(seat, games::Forfeit::kResign);
  if (!r) return fail(r.error().code, r.error().reason);
  write_move_locked(seat, r.value());
  after_move_locked();
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

void Table::left(const Session* s, std::size_t members_left) {
  std::lock_guard lock(mu_);
  int seat = seat_of_locked(s);
  if (seat >= 0) {
    if (phase_ == Phase::kPlaying) {
      seats_[seat].session = nullptr;  // no more views for it
      auto r = state_->forfeit(seat, games::Forfeit::kResign);
      if (r) {
        write_move_locked(seat, r.value());
        if (members_left > 0) after_move_locked();
        else if (state_->result().over) finish_locked();
      }
    } else {
      std::string nick = seats_[seat].nick;
      seats_[seat] = Seat{};
      if (members_left > 0) to_channel(server_line("TABLE STOOD " + name_ + " " + nick));
    }
  }
  if (members_left == 0) {
    closed_ = true;
    ++timer_gen_;
  }
}

void Table::catch_up(const SessionPtr& s) {
  std::lock_guard lock(mu_);
  if (!state_ || seat_of_locked(s.get()) >= 0) return;
  s->send_any(net::make_shared_buf(
      server_line("GAME " + name_ + " STATE :" + state_->view(games::kSpectator).dump())));
  if (phase_ == Phase::kPlaying && state_->to_move() >= 0)
    s->send_any(net::make_shared_buf(server_line("GAME " + name_ + " TURN " +
                                                 seats_[state_->to_move()].nick + " " +
                                                 std::to_string(deadline_ms_))));
}

void Table::close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  ++timer_gen_;
  timer_worker_.post([self = shared_from_this()] { self->timer_.cancel(); });
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
    const std::string& l = t->lobby();
    if (l.size() == lobby.size() &&
        std::equal(l.begin(), l.end(), lobby.begin(), [](char a, char b) {
          auto f = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; };
          return f(a) == f(b);
        }))
      out.push_back(t);
  }
  return out;
}

std::vector<TablePtr> TableRegistry::all() const {
  std::vector<TablePtr> out;
  std::lock_guard lock(mu_);
  for (auto& [id, t] : map_) out.push_back(t);
  return out;
}

void table_channel_left(Server& server, const Session* s, const LobbyPtr& channel) {
  TablePtr t = server.tables().find(channel->name());
  if (!t || t->channel() != channel) return;
  std::size_t left = channel->member_count();
  t->left(s, left);
  if (left == 0) {
    t->close();
    server.tables().erase(t->id());
  }
}

void table_channel_joined(Server& server, const SessionPtr& s, const LobbyPtr& channel) {
  TablePtr t = server.tables().find(channel->name());
  if (t && t->channel() == channel) t->catch_up(s);
}

}  // namespace lobbyd::core
