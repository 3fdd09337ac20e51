#pragma once
// The server's figures, gathered in one place and written by several
// exporters (in the manner of Envoy's stats scopes and sinks):
//
//   collect_stats(server)  ->  ServerStats  ->  stats_lines()      STATS and
//                                           ->  stats_log_lines()  the log line
//                                           ->  http/metrics.cpp   Prometheus,
//                                                                  /api/status
//
// The server's own figures are typed fields; other parts (the store) add a
// StatsSource, a group of named figures with their help text, which every
// exporter writes the same way. Gathering reads relaxed counters and takes
// the registries' short locks; nothing here blocks on I/O.
#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "net/counters.h"

namespace lobbyd::core {

class Server;

enum class StatKind : std::uint8_t {
  kCounter,  // only grows
  kGauge,    // a level now
  kFlag,     // a gauge of 0 or 1 (JSON: false/true)
  kSummary,  // Prometheus summary: value is the sum, count the count
};

// Which exporters write a figure (a bit set).
enum StatTo : std::uint8_t { kToStats = 1, kToJson = 2, kToMetrics = 4, kToAll = 7 };

// One figure of a source. Names are string literals (the source's table).
struct Stat {
  std::string_view key;     // STATS line and status JSON: "writes_done"
  std::string_view metric;  // Prometheus family: "lobbyd_db_writes_total"
  StatKind kind = StatKind::kGauge;
  std::string_view help;    // Prometheus HELP text
  double value = 0;         // kSummary: the sum
  double count = 0;         // kSummary only
  std::uint8_t to = kToAll;
  bool real = false;        // written as a real number, not an integer
};

struct StatGroup {
  std::string_view name;  // STATS line prefix: "database"
  std::string_view json;  // status JSON object: "db"
  std::vector<Stat> stats;
};

// Any thread; must not block (it runs on an event loop for STATS).
using StatsSource = std::function<StatGroup()>;

struct WorkerStats {
  unsigned index = 0;
  net::CounterSnapshot c{};
  std::uint64_t tls = 0, ws = 0;  // of c.connections
  std::array<std::uint64_t, net::WorkerCounters::kHandlerBucketsUs.size() + 1> handler_buckets{};
};

struct ServerStats {
  std::int64_t uptime_s = 0;
  std::vector<WorkerStats> workers;
  net::CounterSnapshot total{};  // the workers' sum (busy_ns and wakeups too)
  std::uint64_t tls = 0, ws = 0;
  std::uint64_t tcp() const noexcept { return total.connections - std::min(total.connections, tls + ws); }
  std::uint64_t nicks = 0, lobbies = 0;
  std::uint64_t tables = 0, games_running = 0, games_finished = 0;
  std::uint64_t address_refusals = 0, addresses_tracked = 0;
  std::vector<StatGroup> groups;  // from the registered sources, in order
};

// The workers' counters alone (the periodic log line needs no more).
std::vector<WorkerStats> collect_worker_stats(const Server& server);
// Everything, the sources included.
ServerStats collect_stats(Server& server);

// --- Exporters of the server's own text formats. ---
// STATS (RPL_STATSDEBUG lines): one per worker, a total, one per group.
std::vector<std::string> stats_lines(const ServerStats& s);
// The periodic log line, one per worker: rates over `secs` since `prev`
// (indexed like now).
std::vector<std::string> stats_log_lines(const std::vector<WorkerStats>& now,
                                         const std::vector<net::CounterSnapshot>& prev, double secs);
// "name: key=value ..." of a group's kToStats figures.
std::string stats_line(const StatGroup& g);

}  // namespace lobbyd::core
