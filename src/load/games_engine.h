#pragma once
// The games scenario on a shard: a GameGroup is `seats` bots of one shard
// that play one table after another. The first member of a round (rotating)
// creates the table in the group's lobby, the others JOIN and SIT; each bot
// plays a random move from the `legal` list of its own GAME STATE view when
// the view says it is to move; after GAME OVER every member PARTs and the
// group opens the next table, until the run stops starting games.
// Everything here runs on the shard's thread.
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "load/engine.h"
#include "load/games.h"
#include "proto/message.h"

namespace lobbyd::load {

class GameGroup {
 public:
  GameGroup(Shard& shard, std::uint32_t index, std::vector<Client*> members);
  GameGroup(const GameGroup&) = delete;
  GameGroup& operator=(const GameGroup&) = delete;

  // Starts the first table; none after stop_ns (steady clock).
  void start(std::uint64_t stop_ns);
  // No new table after the one being played.
  void stop_new();
  // The run is ending (QUIT follows): ignore everything from now on.
  void shutdown();
  bool done() const noexcept { return state_ == State::kDone; }

  void on_line(std::uint32_t member, const proto::MessageView& m, std::uint64_t now);
  void on_member_closed(std::uint32_t member);

 private:
  enum class State : std::uint8_t { kIdle, kCreating, kSeating, kPlaying, kDone };
  struct Member {
    Client* client = nullptr;
    GameView view;                  // the latest view of the current table
    std::vector<std::string> refused;  // moves refused this turn (FAIL MOVE)
    std::uint64_t move_sent_ns = 0;  // 0: no move waiting for its STATE
    std::uint64_t turn = 0;          // bumps with each view: a stale think timer checks it
    bool over = false;
    std::string more;  // GAME MORE parts of a long JSON line, joined with the next START/STATE/OVER
    std::unique_ptr<boost::asio::steady_timer> think;
  };

  void next_table();
  void on_game(Member& mb, std::uint32_t member, std::string_view verb, const proto::MessageView& m,
               std::uint64_t now);
  void on_state(Member& mb, std::string_view json, std::uint64_t now);
  void play(Member& mb);
  void broken(std::string why);
  void finish();

  Shard& shard_;
  Context& ctx_;
  const std::uint32_t index_;
  std::vector<Member> members_;
  std::mt19937_64 rng_;
  State state_ = State::kIdle;
  bool stop_new_ = false;
  std::uint64_t stop_ns_ = 0;
  std::uint64_t round_ = 0;
  std::size_t game_ = 0;     // index into kGameNames
  std::uint32_t creator_ = 0;
  std::string table_;        // "&<id>" of the current table
  bool started_ = false, finished_ = false;
};

}  // namespace lobbyd::load
