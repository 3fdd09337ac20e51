#include "core/table_flow.h"

#include <algorithm>
#include <spdlog/spdlog.h>

namespace lobbyd::core {

namespace {

TableError refuse(TableCode code, std::string reason) { return TableError{code, {}, std::move(reason)}; }
TableError refuse(const games::Error& e) { return TableError{TableCode::kGame, e.code, e.reason}; }

}  // namespace

std::string_view TableError::code_name() const noexcept {
  switch (code) {
    case TableCode::kNoSuchTable: return "NO_SUCH_TABLE";
    case TableCode::kAlreadySeated: return "ALREADY_SEATED";
    case TableCode::kTableFull: return "TABLE_FULL";
    case TableCode::kGameStarted: return "GAME_STARTED";
    case TableCode::kNotCreator: return "NOT_CREATOR";
    case TableCode::kNotEnoughPlayers: return "NOT_ENOUGH_PLAYERS";
    case TableCode::kNotStarted: return "NOT_STARTED";
    case TableCode::kGameNotOver: return "GAME_NOT_OVER";
    case TableCode::kGame: return games::code_name(game_code);
  }
  return "INTERNAL";
}

TableFlow::TableFlow(std::string name, const games::Game& game, games::TableSetup setup, MemberId creator)
    : name_(std::move(name)), game_(game), setup_(std::move(setup)), creator_(creator) {
  seats_.resize(static_cast<std::size_t>(setup_.seats));
}

int TableFlow::seat_of(MemberId m) const noexcept {
  if (m == kNoMember) return -1;
  for (std::size_t i = 0; i < seats_.size(); ++i)
    if (seats_[i].member == m) return static_cast<int>(i);
  return -1;
}

int TableFlow::seated() const noexcept {
  return static_cast<int>(
      std::count_if(seats_.begin(), seats_.end(), [](const Seat& x) { return x.member != kNoMember || x.held; }));
}

int TableFlow::held() const noexcept {
  return static_cast<int>(std::count_if(seats_.begin(), seats_.end(), [](const Seat& x) { return x.held; }));
}

bool TableFlow::holds_seat_for(const std::string& account) const noexcept {
  return std::any_of(seats_.begin(), seats_.end(), [&](const Seat& x) { return x.held && x.account == account; });
}

TableError TableFlow::not_seated() const {
  return refuse(games::Error{games::Code::kNotSeated, "you are not seated at " + name_});
}

Refusal TableFlow::sit(MemberId m, const std::string& nick, const std::string& account, const Env& env,
                       Events& out) {
  if (closed_) return refuse(TableCode::kNoSuchTable, "the table is closed");
  if (seat_of(m) >= 0) return refuse(TableCode::kAlreadySeated, "you are seated already");
  auto free = std::find_if(seats_.begin(), seats_.end(),
                           [](const Seat& x) { return x.member == kNoMember && !x.held; });
  if (free == seats_.end())
    return refuse(TableCode::kTableFull, "all " + std::to_string(seats_.size()) + " seats are taken");
  if (phase_ == Phase::kPlaying) return refuse(TableCode::kGameStarted, "the game is running");
  *free = Seat{m, nick, phase_ == Phase::kOver, account};
  out.push_back(ev::Seated{static_cast<int>(free - seats_.begin()), nick});
  if (seated() == static_cast<int>(seats_.size())) {
    bool all_asked = std::all_of(seats_.begin(), seats_.end(), [](const Seat& x) { return x.rematch; });
    if (phase_ == Phase::kWaiting || all_asked) start_round(env, out);
  }
  return std::nullopt;
}

Refusal TableFlow::stand(MemberId m, Events& out) {
  int seat = seat_of(m);
  if (seat < 0) return not_seated();
  if (phase_ == Phase::kPlaying)
    return refuse(TableCode::kGameStarted, "the game is running (TABLE RESIGN to give up)");
  std::string nick = std::move(seats_[seat].nick);
  seats_[seat] = Seat{};
  out.push_back(ev::Stood{std::move(nick)});
  return std::nullopt;
}

Refusal TableFlow::start(MemberId m, const Env& env, Events& out) {
  if (m != creator_) return refuse(TableCode::kNotCreator, "only the table's creator can start it");
  if (phase_ != Phase::kWaiting) return refuse(TableCode::kGameStarted, "the game has started already");
  int n = seated();
  if (n < game_.min_seats())
    return refuse(TableCode::kNotEnoughPlayers, std::string(game_.name()) + " needs at least " +
                                                    std::to_string(game_.min_seats()) + " players");
  if (auto err = games::check_setup(game_, setup_.options, n)) return refuse(*err);
  std::erase_if(seats_, [](const Seat& x) { return x.member == kNoMember && !x.held; });
  setup_.seats = n;
  start_round(env, out);
  return std::nullopt;
}

void TableFlow::start_round(const Env& env, Events& out) {
  auto initial = game_.initial(env.seed, setup_.options, static_cast<int>(seats_.size()));
  if (!initial) {  // cannot happen: setups are checked at creation and start
    spdlog::error("table {}: cannot start {}: {}", name_, game_.name(), initial.error().reason);
    return;
  }
  seed_ = env.seed;
  state_ = std::move(initial.value());
  moves_.clear();
  phase_ = Phase::kPlaying;
  started_at_ = env.now_ms / 1000;
  ++round_;
  for (Seat& x : seats_) x.rematch = false;
  out.push_back(ev::Started{});
  out.push_back(ev::PersistRound{});
  out.push_back(ev::States{});
  turn(env, out);
}

void TableFlow::turn(const Env& env, Events& out) {
  int seat = state_ ? state_->to_move() : games::kNoSeat;
  if (seat < 0) return;
  deadline_ms_ = env.now_ms + std::int64_t(env.turn_timeout_s) * 1000;
  out.push_back(ev::Turn{seat, deadline_ms_});
}

void TableFlow::after_move(const Env& env, Events& out) {
  if (state_->result().over) return finish(out);
  out.push_back(ev::States{});
  turn(env, out);
}

void TableFlow::finish(Events& out) {
  phase_ = Phase::kOver;
  out.push_back(ev::CancelTurn{});
  out.push_back(ev::States{});
  ev::Over over{state_->result(), {}, {}};
  for (const Seat& x : seats_) {
    over.nicks.push_back(x.nick);
    over.accounts.push_back(x.account);
  }
  out.push_back(std::move(over));
  // Players who left cannot ask for a rematch: their seats become free.
  for (Seat& x : seats_)
    if (x.member == kNoMember) x = Seat{};
  out.push_back(ev::ArmGrace{0});
  out.push_back(ev::ClearMissed{});
}

void TableFlow::log_move(int seat, const std::string& text, bool durable, Events& out) {
  moves_.push_back(games::LoggedMove{seat, text});
  out.push_back(ev::PersistMove{seat, static_cast<int>(moves_.size()), seats_[seat].nick, text, durable});
}

void TableFlow::played(int seat, const std::string& logged, const Env& env, Events& out) {
  log_move(seat, logged, env.durable_moves, out);
  if (!env.durable_moves) return after_move(env, out);
  // Nobody learns of the move before the database has it: a kill -9 now
  // loses only moves that were never acknowledged. The mover's clock stops
  // here; the next player's starts with the announcement.
  ++commits_pending_;
  out.push_back(ev::CancelTurn{});
}

void TableFlow::move_committed(const Env& env, Events& out) {
  // Commits arrive in order: once none is pending, every move in the state
  // is in the database, and one announcement covers them all.
  if (--commits_pending_ > 0 || closed_ || phase_ != Phase::kPlaying) return;
  after_move(env, out);
}

Refusal TableFlow::move(MemberId m, const std::string& nick, std::string_view text, const Env& env,
                        Events& out) {
  if (closed_) return refuse(TableCode::kNoSuchTable, "the table is closed");
  int seat = seat_of(m);
  if (seat < 0) return not_seated();
  if (phase_ == Phase::kWaiting) return refuse(TableCode::kNotStarted, "the game has not started");
  seats_[seat].nick = nick;
  auto r = state_->play(seat, text);
  if (!r) {
    module_broke(out);
    return refuse(r.error());
  }
  played(seat, r.value(), env, out);
  return std::nullopt;
}

void TableFlow::module_broke(Events& out) {
  // A game module that failed (MODULE_ERROR) leaves a state that is over,
  // reason module_error: nobody can move any more, so the game ends now
  // and everybody is told (OVER), instead of at the next move.
  if (phase_ == Phase::kPlaying && state_ && state_->result().over) finish(out);
}

Refusal TableFlow::resign(MemberId m, const Env& env, Events& out) {
  int seat = seat_of(m);
  if (seat < 0) return not_seated();
  if (phase_ == Phase::kWaiting) return refuse(TableCode::kNotStarted, "the game has not started");
  auto r = state_->forfeit(seat, games::Forfeit::kResign);
  if (!r) {
    module_broke(out);
    return refuse(r.error());
  }
  played(seat, r.value(), env, out);
  return std::nullopt;
}

Refusal TableFlow::rematch(MemberId m, const std::string& nick, const Env& env, Events& out) {
  int seat = seat_of(m);
  if (seat < 0) return not_seated();
  if (phase_ != Phase::kOver) return refuse(TableCode::kGameNotOver, "the game is not over");
  seats_[seat].nick = nick;
  if (seats_[seat].rematch) return std::nullopt;
  seats_[seat].rematch = true;
  out.push_back(ev::Rematch{nick});
  if (std::all_of(seats_.begin(), seats_.end(),
                  [](const Seat& x) { return x.member != kNoMember && x.rematch; }))
    start_round(env, out);
  return std::nullopt;
}

void TableFlow::hold(int seat, const Env& env, std::uint32_t grace_s) {
  Seat& x = seats_[seat];
  x.member = kNoMember;
  x.held = true;
  x.held_until_ms = env.now_ms + std::int64_t(grace_s) * 1000;
}

bool TableFlow::left(MemberId m, std::size_t members_left, bool disconnected, const Env& env, Events& out) {
  int seat = seat_of(m);
  if (seat >= 0) {
    Seat& x = seats_[seat];
    const bool playing = phase_ == Phase::kPlaying;
    if (playing && disconnected && env.shutting_down) {
      hold(seat, env, env.resume_grace_s);  // a restart restores the table: nobody forfeits for our shutdown
    } else if (playing && disconnected && !x.account.empty() && env.resume_grace_s > 0) {
      // Recording starts before anyone can hear of the AWAY and answer it.
      out.push_back(ev::RecordMissed{seat});
      hold(seat, env, env.resume_grace_s);
      out.push_back(ev::Away{seat, x.nick, x.held_until_ms});
      arm_grace(out);
    } else if (playing) {
      x.member = kNoMember;  // no more views for it
      auto r = state_->forfeit(seat, games::Forfeit::kResign);
      if (r) {
        log_move(seat, r.value(), false, out);
        if (members_left > 0) after_move(env, out);
        else if (state_->result().over) finish(out);
      } else {
        module_broke(out);
      }
    } else {
      std::string nick = std::move(x.nick);
      x = Seat{};
      if (members_left > 0) out.push_back(ev::Stood{std::move(nick)});
    }
  }
  return !close_if_done(members_left, out);
}

bool TableFlow::close_if_done(std::size_t members, Events& out) {
  if (members > 0 || (phase_ == Phase::kPlaying && any_held())) return false;
  close(out);
  return true;
}

void TableFlow::close(Events& out) {
  closed_ = true;
  out.push_back(ev::Closed{});
}

void TableFlow::arm_grace(Events& out) const {
  std::int64_t first = 0;
  for (const Seat& x : seats_)
    if (x.held && (first == 0 || x.held_until_ms < first)) first = x.held_until_ms;
  out.push_back(ev::ArmGrace{first});
}

int TableFlow::resume(MemberId m, const std::string& nick, const std::string& account, Events& out) {
  if (closed_ || phase_ != Phase::kPlaying) return -1;
  // One seat per connection: a player seated here already (as a guest,
  // say, who now logs in to an account that holds another seat) does not
  // take a second one; that seat stays held until its grace runs out.
  // (Found by fuzz_session: the second seat kept a dangling session.)
  if (seat_of(m) >= 0) return -1;
  int seat = -1;
  for (std::size_t i = 0; i < seats_.size(); ++i)
    if (seats_[i].held && seats_[i].account == account) seat = static_cast<int>(i);
  if (seat < 0) return -1;
  Seat& x = seats_[seat];
  x.member = m;
  x.held = false;
  x.nick = nick;
  arm_grace(out);
  return seat;
}

void TableFlow::turn_timed_out(const Env& env, Events& out) {
  if (closed_ || phase_ != Phase::kPlaying || !state_) return;
  int seat = state_->to_move();
  if (seat < 0) return;
  auto r = state_->forfeit(seat, games::Forfeit::kTimeout);
  if (!r) return module_broke(out);
  out.push_back(ev::TimedOut{seats_[seat].nick});
  log_move(seat, r.value(), false, out);
  after_move(env, out);
}

void TableFlow::grace_expired(const Env& env, Events& out) {
  if (closed_ || phase_ != Phase::kPlaying || !state_) return;
  const std::int64_t now = env.now_ms + 5;  // a timer may fire a hair early
  for (std::size_t i = 0; i < seats_.size() && phase_ == Phase::kPlaying; ++i) {
    Seat& x = seats_[i];
    if (!x.held || x.held_until_ms > now) continue;
    x.held = false;
    out.push_back(ev::DropMissed{static_cast<int>(i)});
    out.push_back(ev::Gone{static_cast<int>(i), x.nick});
    auto r = state_->forfeit(static_cast<int>(i), games::Forfeit::kTimeout);
    if (r) {
      log_move(static_cast<int>(i), r.value(), false, out);
      after_move(env, out);
    } else {
      module_broke(out);
    }
  }
  if (phase_ == Phase::kPlaying) arm_grace(out);
}

std::string TableFlow::restore(const Saved& saved, const Env& env, Events& out) {
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
  const std::uint32_t grace = std::max<std::uint32_t>(env.resume_grace_s, 1);
  for (std::size_t i = 0; i < seats_.size(); ++i) {
    seats_[i].nick = saved.players[i].first;
    seats_[i].account = saved.players[i].second;
    hold(static_cast<int>(i), env, grace);
    if (!seats_[i].account.empty()) out.push_back(ev::RecordMissed{static_cast<int>(i)});
  }
  if (state_->result().over) {  // the result was not written before the restart
    finish(out);
    return {};
  }
  // Guests cannot prove who they are: their seats are forfeited now.
  for (std::size_t i = 0; i < seats_.size() && !state_->result().over; ++i) {
    if (!seats_[i].account.empty()) continue;
    seats_[i].held = false;
    auto r = state_->forfeit(static_cast<int>(i), games::Forfeit::kTimeout);
    if (r) log_move(static_cast<int>(i), r.value(), false, out);
  }
  if (state_->result().over) {
    finish(out);
    return {};
  }
  turn(env, out);
  arm_grace(out);
  return {};
}

}  // namespace lobbyd::core
