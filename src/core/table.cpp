#include "core/table.h"
#include "core/unix_time.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include "base/json_text.h"
#include "core/commands.h"
#include "core/server.h"
#include "core/session.h"
#include "core/table_wire.h"
#include "modules/lua_game.h"
#include "net/loop_thread.h"
#include "proto/casemap.h"

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

std::chrono::steady_clock::time_point steady_at(std::int64_t unix_ms, std::int64_t now_ms) {
  return std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max<std::int64_t>(0, unix_ms - now_ms));
}

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

Table::Table(Server& server, std::uint64_t id, std::string lobby, games::GamePtr game,
             games::TableSetup setup, std::uint64_t creator_id, LobbyPtr channel,
             net::Worker& timer_worker)
    : server_(server),
      id_(id),
      name_("&" + std::to_string(id)),
      lobby_(std::move(lobby)),
      game_keep_(std::move(game)),
      game_(*game_keep_),
      channel_(std::move(channel)),
      timer_worker_(timer_worker),
      turn_timer_(timer_worker),
      grace_timer_(timer_worker),
      // Session::id() of the creator (TABLE START). Not its address: a
      // session created after the creator quit may be allocated there.
      flow_(name_, game_, std::move(setup), creator_id),
      rows_(server, id, lobby_) {}

void Table::module_failed() {
  // Logged, counted and recorded with the module's version (config_errors,
  // source game_modules), where the operator looks for a module's faults.
  server_.tables().count_module_failure();
  std::string why = "the module failed";
  if (const auto* lua = dynamic_cast<const modules::LuaState*>(flow_.state()); lua && lua->module_error())
    why = *lua->module_error();
  spdlog::warn("table {}: {} failed, the game ends unrated: {}", name_, game_.label(), why);
  if (store::Port* db = server_.store())
    db->record_config_error("game_modules", game_.label(), "table " + name_ + ": " + why, unix_now());
}

void Table::attach() {
  channel_->set_observer([w = weak_from_this()](const net::SharedBuf& line) {
    if (auto t = w.lock()) t->record_missed(line);
  });
}

TableFlow::Env Table::env(const Settings& st, bool may_start) const {
  TableFlow::Env e;
  e.now_ms = unix_now_ms();
  e.turn_timeout_s = st.turn_timeout_s;
  e.resume_grace_s = st.resume_grace_s;
  e.durable_moves = rows_.enabled() && st.durable_moves;
  e.shutting_down = server_.shutting_down();
  if (may_start) e.seed = random_seed();
  return e;
}

Table::Summary Table::summary() const {
  std::lock_guard lock(mu_);
  return Summary{flow_.seated(), static_cast<int>(flow_.seats().size()), flow_.held(), flow_.phase()};
}

SessionPtr Table::session_at_locked(int seat) const {
  MemberId m = flow_.seats()[static_cast<std::size_t>(seat)].member;
  if (m == kNoMember) return nullptr;
  for (const auto& [id, s] : seated_)
    if (id == m) return s;
  return nullptr;
}

void Table::to_channel(std::string line) const {
  channel_->broadcast(net::make_shared_buf(std::move(line)), nullptr);
}

void Table::send_states_locked(const Settings& st) {
  const games::State* state = flow_.state();
  if (!state) return;
  const table_wire::Wire w{st.server_name, name_, st.max_line_bytes};
  for (std::size_t i = 0; i < flow_.seats().size(); ++i)
    if (SessionPtr s = session_at_locked(static_cast<int>(i)))
      s->send_any(net::make_shared_buf(table_wire::state_line(w, *state, static_cast<int>(i))));
  std::vector<SessionPtr> spectators;
  for (auto& m : channel_->view().members)
    if (flow_.seat_of(m.session->id()) < 0) spectators.push_back(m.session);
  if (!spectators.empty())
    deliver(net::make_shared_buf(table_wire::state_line(w, *state, games::kSpectator)), spectators);
}

bool Table::run_locked(const Events& events, const TableFlow::Env& env, const Settings& st) {
  const table_wire::Wire w{st.server_name, name_, st.max_line_bytes};
  const std::int64_t now_s = env.now_ms / 1000;
  bool closed = false;
  auto missed = [&](auto&& change) {
    std::lock_guard ml(missed_mu_);
    change();
    any_missed_ = !missed_.empty();
  };
  for (const TableEvent& e : events) {
    std::visit(
        Overloaded{
            [&](const ev::Seated& x) { to_channel(table_wire::table_line(w, "SEATED", {x.nick, std::to_string(x.seat)})); },
            [&](const ev::Stood& x) { to_channel(table_wire::table_line(w, "STOOD", {x.nick})); },
            [&](const ev::Started&) { to_channel(table_wire::start_line(w, flow_, false)); },
            [&](const ev::States&) { send_states_locked(st); },
            [&](const ev::Turn& x) {
              to_channel(table_wire::turn_line(w, flow_.seats()[x.seat].nick, x.deadline_ms));
              turn_timer_.arm(steady_at(x.deadline_ms, env.now_ms), shared_from_this(),
                              [self = shared_from_this()](std::uint64_t gen) { self->on_turn_timer(gen); });
            },
            [&](const ev::CancelTurn&) { turn_timer_.invalidate(); },
            [&](const ev::TimedOut& x) { to_channel(table_wire::game_line(w, "TIMEOUT", {x.nick})); },
            [&](const ev::Rematch& x) { to_channel(table_wire::game_line(w, "REMATCH", {x.nick})); },
            [&](const ev::RecordMissed& x) { missed([&] { missed_[x.seat] = Missed{}; }); },
            [&](const ev::DropMissed& x) { missed([&] { missed_.erase(x.seat); }); },
            [&](const ev::ClearMissed&) { missed([&] { missed_.clear(); }); },
            [&](const ev::Away& x) {
              to_channel(table_wire::table_line(w, "AWAY", {x.nick, std::to_string(x.until_ms)}));
            },
            [&](const ev::Gone& x) { to_channel(table_wire::table_line(w, "GONE", {x.nick})); },
            [&](const ev::ArmGrace& x) {
              if (x.first_ms == 0) return grace_timer_.invalidate();
              grace_timer_.arm(steady_at(x.first_ms, env.now_ms), shared_from_this(),
                               [self = shared_from_this()](std::uint64_t gen) { self->on_grace_timer(gen); });
            },
            [&](const ev::PersistRound&) { rows_.round(flow_); },
            [&](const ev::PersistMove& x) {
              std::function<void(bool)> on_done;
              if (x.durable)
                on_done = [wk = weak_from_this()](bool committed) {  // on the store thread
                  if (auto t = wk.lock()) t->timer_worker_.post([t, committed] { t->move_committed(committed); });
                };
              rows_.move(flow_, x, now_s, std::move(on_done));
            },
            [&](const ev::Over& x) {
              server_.tables().count_finished();
              table_wire::Rated rated;
              if (x.result.reason == games::kModuleErrorReason) {
                module_failed();  // unrated: the game did not end by its rules
              } else {
                rated = rows_.rate(server_.ratings(), game_.name(), x.accounts, x.result, now_s);
              }
              games::Json out = table_wire::over_json(flow_, x, rated);
              to_channel(table_wire::game_json_line(w, "OVER", base::json_text(out)));
              rows_.result(flow_, x.nicks, out, now_s);
            },
            [&](const ev::Closed&) {
              closed = true;
              turn_timer_.cancel(shared_from_this());
              grace_timer_.cancel(shared_from_this());
            },
        },
        e);
  }
  // Sessions of seats given up, forfeited or held are no longer ours.
  std::erase_if(seated_, [&](const auto& p) { return flow_.seat_of(p.first) < 0; });
  return closed;
}

template <class F>
Refusal Table::command(bool may_start, F&& f) {
  auto st = server_.settings_holder().get();
  std::lock_guard lock(mu_);
  const TableFlow::Env e = env(*st, may_start);
  Events events;
  Refusal r = f(e, events);
  // A refused command usually has no events, but one that broke a game
  // module has (the game ends: OVER), and those must run too.
  if (!events.empty()) run_locked(events, e, *st);
  return r;
}

Refusal Table::sit(const SessionPtr& s, const std::string& nick) {
  return command(true, [&](const TableFlow::Env& e, Events& out) {
    Refusal r = flow_.sit(s->id(), nick, s->account(), e, out);
    if (!r) seated_.emplace_back(s->id(), s);
    return r;
  });
}

Refusal Table::stand(const Session* s) {
  return command(false, [&](const TableFlow::Env&, Events& out) { return flow_.stand(s->id(), out); });
}

Refusal Table::start(const Session* s) {
  return command(true, [&](const TableFlow::Env& e, Events& out) { return flow_.start(s->id(), e, out); });
}

Refusal Table::move(const Session* s, const std::string& nick, std::string_view text) {
  return command(false, [&](const TableFlow::Env& e, Events& out) { return flow_.move(s->id(), nick, text, e, out); });
}

Refusal Table::resign(const Session* s) {
  return command(false, [&](const TableFlow::Env& e, Events& out) { return flow_.resign(s->id(), e, out); });
}

Refusal Table::rematch(const Session* s, const std::string& nick) {
  return command(true, [&](const TableFlow::Env& e, Events& out) { return flow_.rematch(s->id(), nick, e, out); });
}

bool Table::left(const Session* s, std::size_t members_left, bool disconnected) {
  bool alive = true;
  command(false, [&](const TableFlow::Env& e, Events& out) {
    alive = flow_.left(s->id(), members_left, disconnected, e, out);
    return Refusal{};
  });
  return alive;
}

template <class F>
void Table::on_timer_worker(F&& f) {
  LOBBYD_ASSERT_IN_LOOP(timer_worker_);
  net::Worker::BusyScope busy(timer_worker_);
  {
    auto st = server_.settings_holder().get();
    std::lock_guard lock(mu_);
    const TableFlow::Env e = env(*st, false);
    Events events;
    if (!f(e, events)) return;  // a stale firing
    run_locked(events, e, *st);
  }
  remove_if_done();  // the game may have ended with nobody at the table
  timer_worker_.flush_now();
}

void Table::on_turn_timer(std::uint64_t gen) {
  on_timer_worker([&](const TableFlow::Env& e, Events& out) {
    if (!turn_timer_.current(gen)) return false;
    flow_.turn_timed_out(e, out);
    return true;
  });
}

void Table::on_grace_timer(std::uint64_t gen) {
  on_timer_worker([&](const TableFlow::Env& e, Events& out) {
    if (!grace_timer_.current(gen)) return false;
    flow_.grace_expired(e, out);
    return true;
  });
}

void Table::move_committed(bool committed) {
  on_timer_worker([&](const TableFlow::Env& e, Events& out) {
    if (!committed)
      spdlog::warn("table {}: a move's row was not written (see the database errors); announced anyway",
                   name_);
    flow_.move_committed(e, out);
    return true;
  });
}

void Table::remove_if_done() {
  {
    auto st = server_.settings_holder().get();
    std::lock_guard lock(mu_);
    Events events;
    if (!flow_.close_if_done(channel_->member_count(), events)) return;
    run_locked(events, env(*st, false), *st);
  }
  server_.tables().erase(id_);
  server_.lobbies().remove_if_empty(channel_);
}

void Table::close() {
  auto st = server_.settings_holder().get();
  std::lock_guard lock(mu_);
  Events events;
  flow_.close(events);
  run_locked(events, env(*st, false), *st);
}

void Table::discard() {
  close();
  server_.tables().erase(id_);
  // Table channels are not removed when empty by the lobby code (a held
  // seat needs its channel): the table removes it.
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
  return flow_.holds_seat_for(account);
}

bool Table::resume(const SessionPtr& s) {
  int seat = -1;
  {
    auto st = server_.settings_holder().get();
    std::lock_guard lock(mu_);
    Events events;
    seat = flow_.resume(s->id(), s->nick(), s->account(), events);
    if (seat < 0) return false;
    seated_.emplace_back(s->id(), s);  // seated again before the JOIN: catch_up() leaves it alone
    run_locked(events, env(*st, false), *st);
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
  auto st = server_.settings_holder().get();
  std::lock_guard lock(mu_);
  const games::State* state = flow_.state();
  if (flow_.seats()[seat].member != s->id() || !state) return true;  // lost again meanwhile
  const table_wire::Wire w{st->server_name, name_, st->max_line_bytes};
  // The player's own burst: RESUMED, what it missed, then the present.
  s->send_any(net::make_shared_buf(table_wire::table_line(
      w, "RESUMED",
      {std::to_string(seat), std::to_string(missed.lines.size()), std::to_string(missed.dropped)})));
  for (const auto& l : missed.lines) s->send_any(l);
  s->send_any(net::make_shared_buf(table_wire::start_line(w, flow_, true)));
  s->send_any(net::make_shared_buf(table_wire::state_line(w, *state, seat)));
  if (state->to_move() >= 0)
    s->send_any(net::make_shared_buf(
        table_wire::turn_line(w, flow_.seats()[state->to_move()].nick, flow_.deadline_ms())));
  to_channel(table_wire::table_line(w, "BACK", {s->nick(), std::to_string(seat)}));
  return true;
}

std::string Table::restore(const Saved& saved) {
  auto st = server_.settings_holder().get();
  std::lock_guard lock(mu_);
  const TableFlow::Env e = env(*st, false);
  Events events;
  std::string err = flow_.restore(saved, e, events);
  if (err.empty()) run_locked(events, e, *st);
  return err;
}

void Table::catch_up(const SessionPtr& s) {
  auto st = server_.settings_holder().get();
  std::lock_guard lock(mu_);
  const games::State* state = flow_.state();
  if (!state || flow_.seat_of(s->id()) >= 0) return;
  const table_wire::Wire w{st->server_name, name_, st->max_line_bytes};
  s->send_any(net::make_shared_buf(table_wire::state_line(w, *state, games::kSpectator)));
  if (flow_.phase() == Phase::kPlaying && state->to_move() >= 0)
    s->send_any(net::make_shared_buf(
        table_wire::turn_line(w, flow_.seats()[state->to_move()].nick, flow_.deadline_ms())));
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
  if (!t->left(s, channel->member_count(), disconnected)) t->discard();
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
