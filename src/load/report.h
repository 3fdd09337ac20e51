#pragma once
// The figures of one run and their two renderings: a table for people and a
// single JSON line for scripts (docs/load.md lists the fields).
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "load/games.h"
#include "load/histogram.h"
#include "load/ledger.h"
#include "load/options.h"
#include "load/ramp.h"

namespace lobbyd::load {

struct LatencySummary {
  std::uint64_t count = 0, p50_ns = 0, p90_ns = 0, p99_ns = 0, max_ns = 0;
  double mean_ns = 0;
  static LatencySummary of(const LatencyHistogram& h);
};

struct RunReport {
  Options opts;
  std::string host;
  std::uint16_t port = 0;
  std::string status = "ok";           // ok, failed, timeout, interrupted
  std::vector<std::string> failures;   // why the run failed
  std::vector<std::string> notes;      // findings that do not fail the run
  double wall_s = 0;

  // Connections (idle, chat, ramp: the persistent clients).
  std::uint64_t requested = 0, connected = 0, registered = 0, joined = 0;
  std::uint64_t connect_errors = 0, registration_errors = 0, join_errors = 0;
  std::uint64_t setup_timeouts = 0, unexpected_closes = 0, error_replies = 0;
  std::string first_error;         // the first error seen, as text
  LatencySummary registration;     // connect start to end of MOTD (376/422)
  double registration_total_s = 0; // first connect to last registration (or join)

  // chat (and the ramp's warm-up-free totals).
  bool has_chat = false;
  double measured_s = 0;
  EpochTally chat;
  OrderStats order;
  std::uint64_t malformed = 0, misrouted = 0, echoed = 0;
  LatencySummary latency;
  std::uint64_t max_send_lag_ns = 0;  // how far sending fell behind its schedule

  // ramp
  bool has_ramp = false;
  std::vector<StepStats> steps;
  std::vector<StepVerdict> verdicts;
  double best_deliveries_per_s = 0;
  double best_rate = 0;
  double best_p99_ns = 0;
  std::string stop_reason;

  // storm
  bool has_storm = false;
  std::uint64_t storm_attempted = 0, storm_registered = 0, storm_completed = 0, storm_failed = 0;
  double storm_s = 0;

  // games (latency above is the move latency: MOVE sent -> the mover's next STATE)
  bool has_games = false;
  double games_s = 0;  // from the first TABLE NEW to the end of play (drain included)
  std::uint64_t games_started = 0, games_finished = 0, tables_created = 0, moves = 0;
  std::uint64_t failed_moves = 0, turn_timeouts = 0, table_errors = 0, view_errors = 0;
  std::uint64_t draws = 0, forfeits = 0;
  struct PerGame {
    std::string name;
    std::uint64_t started = 0, finished = 0, moves = 0;
  };
  std::vector<PerGame> per_game;  // the games this run played
  ResultsCheck results;           // game_results rows (--db)
  std::uint64_t games_unfinished() const noexcept {
    return games_started > games_finished ? games_started - games_finished : 0;
  }
  std::uint64_t game_errors() const noexcept {
    return failed_moves + turn_timeouts + table_errors + view_errors;
  }

  // idle: server memory
  bool has_memory = false;
  int server_pid = 0;
  std::uint64_t rss_before_kb = 0, rss_after_kb = 0;
  double bytes_per_connection = 0;

  // the load generator itself
  double cpu_user_s = 0, cpu_sys_s = 0, cpu_percent = 0;  // percent of one core
  std::uint64_t loadgen_rss_kb = 0;
  // the server (--server-pid) and the whole machine, over the run
  double server_cpu_percent = -1;   // of one core; < 0: unknown
  unsigned cores = 0;
  double machine_busy_percent = -1;  // of all cores, everything but idle; < 0: unknown
  double machine_process_percent = -1;  // of all cores, user + nice + system
  double machine_irq_percent = -1;      // of all cores, irq + softirq
  double machine_steal_percent = -1;    // of all cores
  // Other processes' CPU in percent of one core (process time of the machine
  // minus the load generator and the server); < 0 when unknown (needs --server-pid).
  double others_cpu_percent() const noexcept {
    if (machine_process_percent < 0 || server_cpu_percent < 0) return -1;
    return std::max(0.0, machine_process_percent * cores - cpu_percent - server_cpu_percent);
  }

  bool ok() const noexcept { return status == "ok"; }
  std::uint64_t errors_total() const noexcept {
    return connect_errors + registration_errors + join_errors + setup_timeouts + unexpected_closes;
  }
};

std::string render_table(const RunReport& r);
std::string render_json(const RunReport& r);  // one line, no newline

}  // namespace lobbyd::load
