#include "load/games_engine.h"

#include <chrono>
#include <fmt/format.h>

#include "proto/casemap.h"

namespace lobbyd::load {
namespace {
// A bot gives up a table whose joined view would be larger than this: no
// game of ours comes near it, so it means the parts are never completed.
constexpr std::size_t kMaxJoinedJson = 1 << 20;
}  // namespace

GameGroup::GameGroup(Shard& shard, std::uint32_t index, std::vector<Client*> members)
    : shard_(shard), ctx_(shard.ctx()), index_(index), rng_(ctx_.seed ^ (0x9E3779B97F4A7C15ull * (index + 1))) {
  for (Client* c : members) {
    Member mb;
    mb.client = c;
    mb.think = std::make_unique<boost::asio::steady_timer>(shard.io());
    members_.push_back(std::move(mb));
  }
}

void GameGroup::start(std::uint64_t stop_ns) {
  stop_ns_ = stop_ns;
  for (auto& mb : members_) {
    if (mb.client->state() != Client::State::kReady) {
      // A member never got into its lobby (counted as a set-up error already).
      state_ = State::kDone;
      return;
    }
  }
  next_table();
}

void GameGroup::stop_new() {
  stop_new_ = true;
  if (state_ == State::kIdle) state_ = State::kDone;
}

void GameGroup::shutdown() {
  state_ = State::kDone;
  for (auto& mb : members_) mb.think->cancel();
}

void GameGroup::next_table() {
  if (stop_new_ || now_ns() >= stop_ns_ || !ctx_.games.claim(ctx_.opts.games)) {
    state_ = State::kDone;
    return;
  }
  const auto& list = ctx_.game_list;
  game_ = list[(index_ + round_) % list.size()];
  creator_ = static_cast<std::uint32_t>(round_ % members_.size());
  ++round_;
  table_.clear();
  started_ = finished_ = false;
  for (auto& mb : members_) {
    mb.view = GameView{};
    mb.refused.clear();
    mb.move_sent_ns = 0;
    mb.over = false;
    ++mb.turn;
  }
  state_ = State::kCreating;
  members_[creator_].client->send_line(
      fmt::format("TABLE NEW {} {}\r\n", ctx_.lobby_names[ctx_.lobby_of(members_[0].client->id())],
                  table_new_args(game_, static_cast<std::uint32_t>(members_.size()))));
}

void GameGroup::on_line(std::uint32_t member, const proto::MessageView& m, std::uint64_t now) {
  if (state_ == State::kDone || member >= members_.size()) return;
  Member& mb = members_[member];
  std::string_view cmd = m.command;
  if (proto::iequals(cmd, "GAME")) {
    if (m.param(0) != table_ || table_.empty()) return;  // a table we left
    return on_game(mb, member, m.param(1), m, now);
  }
  if (proto::iequals(cmd, "TABLE")) {
    // TABLE CREATED &<id> <game> <#lobby>, to the creator only.
    if (m.param(0) == "CREATED" && state_ == State::kCreating && member == creator_) {
      table_.assign(m.param(1));
      ctx_.games.tables_created.fetch_add(1, std::memory_order_relaxed);
      state_ = State::kSeating;
      for (std::uint32_t i = 0; i < members_.size(); ++i)
        if (i != creator_) members_[i].client->send_line(fmt::format("JOIN {}\r\nTABLE SIT {}\r\n", table_, table_));
    }
    return;  // SEATED, STOOD, INFO: nothing to do
  }
  if (proto::iequals(cmd, "FAIL")) {
    if (proto::iequals(m.param(0), "MOVE")) {
      if (m.param(2) != table_) return;
      ctx_.games.failed_moves.fetch_add(1, std::memory_order_relaxed);
      ctx_.counters.note_error(fmt::format("{}: FAIL MOVE {} {}: {}", mb.client->nick(), m.param(1),
                                           m.param(2), m.param(3)));
      mb.move_sent_ns = 0;
      // Our view said it was our turn; try another listed move, and give up
      // the game after three refusals so that the table still ends.
      if (mb.view.my_turn() && !mb.over) {
        if (mb.refused.size() >= 3) {
          mb.client->send_line(fmt::format("TABLE RESIGN {}\r\n", table_));
        } else {
          play(mb);
        }
      }
      return;
    }
    if (proto::iequals(m.param(0), "TABLE"))
      return broken(fmt::format("{}: FAIL TABLE {} {}", mb.client->nick(), m.param(1), m.param(m.param_count - 1u)));
  }
}

void GameGroup::on_game(Member& mb, std::uint32_t member, std::string_view verb,
                        const proto::MessageView& m, std::uint64_t now) {
  // A long view comes in parts (docs/protocol.md, "Long lines"): MORE lines,
  // then the line with the verb and the last part.
  std::string_view json = m.param(2);
  if (verb == "MORE") {
    if (mb.more.size() + json.size() > kMaxJoinedJson)
      return broken(fmt::format("{}: GAME {} MORE parts over {} bytes", mb.client->nick(), table_, kMaxJoinedJson));
    mb.more.append(json);
    return;
  }
  std::string joined;
  if (!mb.more.empty()) {
    joined = std::move(mb.more) + std::string(json);
    mb.more.clear();
    json = joined;
  }
  if (verb == "START") {
    if (!started_) {
      started_ = true;
      state_ = State::kPlaying;
      ctx_.games.by_game[game_].started.fetch_add(1, std::memory_order_relaxed);
    }
    return;
  }
  if (verb == "STATE") return on_state(mb, json, now);
  if (verb == "TIMEOUT") {
    // The table hears it once per member; count it once.
    if (member == creator_) ctx_.games.turn_timeouts.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (verb == "OVER") {
    if (!finished_) {
      finished_ = true;
      ctx_.games.by_game[game_].finished.fetch_add(1, std::memory_order_relaxed);
      if (json.find("\"draw\":true") != std::string_view::npos)
        ctx_.games.draws.fetch_add(1, std::memory_order_relaxed);
      if (json.find("\"reason\":\"resign\"") != std::string_view::npos ||
          json.find("\"reason\":\"timeout\"") != std::string_view::npos)
        ctx_.games.forfeits.fetch_add(1, std::memory_order_relaxed);
    }
    mb.over = true;
    mb.move_sent_ns = 0;
    ++mb.turn;
    mb.think->cancel();
    // Leaving closes the table once the last member is out.
    mb.client->send_line(fmt::format("PART {}\r\n", table_));
    if (state_ == State::kDone) return;  // that write failed: the group broke
    for (auto& other : members_)
      if (!other.over) return;
    state_ = State::kIdle;
    return next_table();
  }
  // TURN, REMATCH: the STATE views say all a bot needs.
}

void GameGroup::on_state(Member& mb, std::string_view json, std::uint64_t now) {
  if (mb.move_sent_ns != 0) {
    shard_.record_latency(1, now > mb.move_sent_ns ? now - mb.move_sent_ns : 0);
    mb.move_sent_ns = 0;
  }
  GameView v;
  if (std::string err = parse_view(json, v); !err.empty()) {
    ctx_.games.view_errors.fetch_add(1, std::memory_order_relaxed);
    return broken(fmt::format("{}: unreadable GAME {} STATE: {}", mb.client->nick(), table_, err));
  }
  const bool new_turn = v.ply != mb.view.ply || !mb.view.my_turn();
  mb.view = std::move(v);
  ++mb.turn;
  if (new_turn) mb.refused.clear();
  if (!mb.view.my_turn() || mb.over) return;
  if (ctx_.opts.think_ms <= 0) return play(mb);
  mb.think->expires_after(std::chrono::microseconds(static_cast<std::int64_t>(ctx_.opts.think_ms * 1000)));
  mb.think->async_wait([this, &mb, turn = mb.turn](const boost::system::error_code& ec) {
    if (ec || turn != mb.turn || state_ == State::kDone) return;
    play(mb);
  });
}

void GameGroup::play(Member& mb) {
  auto move = choose_move(mb.view, rng_, mb.refused);
  if (!move) {
    ctx_.games.view_errors.fetch_add(1, std::memory_order_relaxed);
    ctx_.counters.note_error(fmt::format("{}: no legal move left in its view of {} on its turn",
                                         mb.client->nick(), table_));
    mb.client->send_line(fmt::format("TABLE RESIGN {}\r\n", table_));
    return;
  }
  mb.refused.push_back(*move);
  ctx_.games.by_game[game_].moves.fetch_add(1, std::memory_order_relaxed);
  mb.move_sent_ns = now_ns();
  mb.client->send_line(fmt::format("MOVE {} {}\r\n", table_, *move));
}

void GameGroup::broken(std::string why) {
  if (state_ == State::kDone) return;
  ctx_.games.table_errors.fetch_add(1, std::memory_order_relaxed);
  ctx_.counters.note_error(std::move(why));
  // Leave the table: a running game then ends by forfeit (and gets its row).
  if (!table_.empty())
    for (auto& mb : members_)
      if (mb.client->state() == Client::State::kReady) mb.client->send_line(fmt::format("PART {}\r\n", table_));
  shutdown();
}

void GameGroup::on_member_closed(std::uint32_t member) {
  if (state_ == State::kDone) return;
  broken(fmt::format("{}: connection lost during a game", members_[member].client->nick()));
}

}  // namespace lobbyd::load
