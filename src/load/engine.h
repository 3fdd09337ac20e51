#pragma once
// The load generator's runtime: each Shard is one thread with its own Asio
// event loop and a share of the clients (client i lives on shard i % threads).
// The controller (runner.cpp) drives the shards by posting commands to them and
// reads progress from atomic counters; it reads a shard's own data (histograms)
// only through collect_*(), which runs on the shard's thread.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "load/games.h"
#include "load/histogram.h"
#include "load/ledger.h"
#include "load/options.h"
#include "proto/line_framer.h"

namespace lobbyd::load {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::uint64_t now_ns() noexcept;  // steady clock

inline void atomic_max(std::atomic<std::uint64_t>& a, std::uint64_t v) noexcept {
  std::uint64_t cur = a.load(std::memory_order_relaxed);
  while (cur < v && !a.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
  }
}

struct Counters {
  std::atomic<std::uint64_t> connect_started{0}, connected{0}, registered{0}, joined{0};
  std::atomic<std::uint64_t> setup_done{0};  // persistent clients that reached their goal or failed
  std::atomic<std::uint64_t> connect_errors{0}, registration_errors{0}, join_errors{0};
  std::atomic<std::uint64_t> setup_timeouts{0}, unexpected_closes{0}, error_replies{0};
  std::atomic<std::uint64_t> clean_closes{0}, closed{0};
  std::atomic<std::uint64_t> sent{0}, received{0};  // all epochs, for the progress line
  std::atomic<std::uint64_t> max_send_lag_ns{0};
  std::atomic<std::uint64_t> last_registered_ns{0}, last_joined_ns{0};
  std::atomic<std::uint64_t> storm_attempted{0}, storm_registered{0}, storm_completed{0},
      storm_failed{0};

  void note_error(std::string text);
  std::string first_error() const;

 private:
  mutable std::mutex mu_;
  std::string first_error_;
};

// Everything the shards share; immutable after start except the atomics.
struct Context {
  Context(const Options& o, tcp::endpoint server, std::vector<asio::ip::address> sources);
  const Options& opts;
  const tcp::endpoint server;
  const std::vector<asio::ip::address> sources;  // empty: let the kernel choose
  std::vector<std::string> lobby_names;          // chat/ramp
  std::vector<std::uint32_t> lobby_size;         // our clients per lobby
  std::string nick_prefix;
  DeliveryLedger ledger;
  Counters counters;
  // games: the bots of a table (group_size consecutive ids) share a lobby.
  std::uint32_t group_size = 1;
  std::vector<std::size_t> game_list;  // indexes into kGameNames
  std::uint64_t seed = 0;
  GameCounts games;
  std::uint32_t lobby_of(std::uint32_t client) const noexcept {
    return (client / group_size) % opts.lobbies;
  }
  std::uint32_t slot_of(std::uint32_t client) const noexcept { return client / opts.lobbies; }
};

class Shard;
class GameGroup;

class Client {
 public:
  enum class State : std::uint8_t { kIdle, kConnecting, kRegistering, kJoining, kReady, kQuitting, kClosed };
  enum class Goal : std::uint8_t { kRegister, kJoin, kStorm };

  Client(Shard& shard, std::uint32_t id);
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Connects (again) and works towards goal. nick_index names the connection.
  void start(Goal goal, std::uint64_t nick_index);
  // One chat message; false if the client cannot send now.
  bool send_chat(std::uint32_t epoch);
  // Sends QUIT and expects the server to close.
  void quit();
  // Closes at once, without counting anything.
  void abort();
  // Gives up on a connection stuck in set-up (or in QUIT) for longer than limit.
  void check_timeout(std::uint64_t now, std::uint64_t limit_ns);

  State state() const noexcept { return state_; }
  std::uint32_t id() const noexcept { return id_; }
  const std::string& nick() const noexcept { return nick_; }
  // games: TABLE, GAME and FAIL lines go to this group, as its member `member`.
  void attach(GameGroup* group, std::uint32_t member) noexcept {
    group_ = group;
    group_member_ = member;
  }
  GameGroup* group() const noexcept { return group_; }
  std::uint32_t group_member() const noexcept { return group_member_; }
  // Sends raw protocol text (CRLF-terminated lines).
  void send_line(std::string_view bytes) { write(bytes); }

 private:
  void on_connected(const boost::system::error_code& ec);
  void arm_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void consume(const char* data, std::size_t n, std::uint64_t now);
  std::size_t process(std::string_view data, std::uint64_t now);
  void handle_line(std::string_view line, std::uint64_t now);
  void on_numeric(int code, std::string_view line, std::string_view arg1);
  void on_privmsg(std::string_view target, std::string_view text, std::uint64_t now);
  void on_registered(std::uint64_t now);
  void on_joined(std::uint64_t now);
  void write(std::string_view bytes);
  void arm_write();
  void flush();
  enum class Failure : std::uint8_t { kConnect, kRegistration, kJoin, kTimeout, kClosed };
  void fail(Failure why, std::string text);
  void on_eof(std::string text);
  void close_socket();
  void leave_lobby();
  bool in_setup() const noexcept {
    return state_ == State::kConnecting || state_ == State::kRegistering || state_ == State::kJoining;
  }

  Shard& shard_;
  Context& ctx_;
  const std::uint32_t id_;
  tcp::socket sock_;
  std::uint64_t gen_ = 0;  // bumps on every (re)connect and close: stale handlers check it
  State state_ = State::kIdle;
  Goal goal_ = Goal::kRegister;
  bool waiting_read_ = false, waiting_write_ = false;
  bool member_ = false;
  std::string error_line_;  // text of the server's ERROR line, if any
  std::uint64_t started_ns_ = 0;
  std::uint32_t seq_ = 0;
  std::string nick_;
  std::string in_, out_;
  // Reads go through async_read_some into this buffer: once a read comes back
  // short, Asio's reactor waits for the next epoll event without re-arming the
  // descriptor (async_wait costs an epoll_ctl per wake-up).
  static constexpr std::size_t kReadBytes = 4096;
  std::unique_ptr<char[]> rbuf_;
  proto::LineFramer framer_;
  ReceiverOrder order_;
  GameGroup* group_ = nullptr;
  std::uint32_t group_member_ = 0;
};

// Sending schedule of one chat phase: every ready client of the shard sends
// `rate` messages/s, spread evenly; messages due before switch_ns carry
// epoch_before, the rest epoch_after; nothing is sent at or after end_ns.
struct SendPlan {
  double rate = 1;
  std::uint64_t t0_ns = 0, switch_ns = 0, end_ns = 0;
  std::uint32_t epoch_before = 0, epoch_after = 1;
};

class Shard {
 public:
  Shard(Context& ctx, unsigned index, unsigned count);
  ~Shard();

  void run_thread();  // starts the thread
  void stop_and_join();

  // Commands: each posts to the shard's thread.
  void setup(Client::Goal goal, std::uint64_t start_ns);
  void start_sending(const SendPlan& plan);
  void stop_sending();
  void quit_all();
  void abort_all();
  void start_storm(std::uint64_t quota, std::uint32_t slots, std::uint64_t deadline_ns);
  std::future<LatencyHistogram> collect_latency(std::uint32_t first_epoch, std::uint32_t last_epoch);
  std::future<LatencyHistogram> collect_registration();
  std::future<void> barrier();
  // games: form the groups of this shard's clients and start playing; no new
  // table after stop_ns. stop_games(): no new table from now on.
  void start_games(std::uint64_t stop_ns);
  void stop_games();
  std::atomic<std::uint32_t> groups_playing{0};  // groups not done yet
  std::atomic<bool> games_posted{false};

  // Progress, readable from any thread.
  std::atomic<std::uint64_t> recent_p99_ns{0};
  std::atomic<bool> storm_done{false};
  std::atomic<std::uint32_t> open_clients{0};
  // start_sending() calls, and plans that ran to their end (or were stopped).
  std::atomic<std::uint32_t> plans_posted{0}, plans_done{0};
  bool plans_finished() const noexcept { return plans_done.load() == plans_posted.load(); }

  // For clients (shard thread only).
  Context& ctx() noexcept { return ctx_; }
  asio::io_context& io() noexcept { return io_; }
  std::string& line_buf() noexcept { return line_; }
  void record_latency(std::uint32_t epoch, std::uint64_t ns) noexcept;
  void record_registration(std::uint64_t ns) noexcept { registration_.record(ns); }
  void on_setup_done(Client& c, bool ok);
  void on_closed(Client& c);
  unsigned index() const noexcept { return index_; }

 private:
  void pump_setup();
  void send_tick();
  void finish_plan();
  void arm_tick();
  void launch_storm(Client* c);

  Context& ctx_;
  const unsigned index_, count_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  asio::steady_timer send_timer_, tick_timer_;
  std::thread thread_;
  std::string line_;

  std::vector<std::unique_ptr<Client>> clients_;  // persistent clients (idle, chat, ramp)
  Client::Goal setup_goal_ = Client::Goal::kRegister;
  std::size_t setup_next_ = 0, setup_in_flight_ = 0, setup_limit_ = 1;
  bool pumping_ = false;

  std::vector<Client*> senders_;
  SendPlan plan_;
  std::uint64_t send_index_ = 0;
  double send_interval_ns_ = 0, send_offset_ns_ = 0;
  bool sending_ = false;

  std::vector<LatencyHistogram> latency_;  // by epoch
  LatencyHistogram window_;                // for the progress line
  LatencyHistogram registration_;
  std::uint64_t last_window_ns_ = 0;

  std::vector<std::unique_ptr<GameGroup>> groups_;
  void check_groups();

  std::vector<std::unique_ptr<Client>> storm_clients_;
  std::uint64_t storm_quota_ = 0, storm_started_ = 0, storm_deadline_ns_ = 0;
  std::uint32_t storm_active_ = 0;
  bool storm_running_ = false;
};

}  // namespace lobbyd::load
