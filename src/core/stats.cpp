#include "core/stats.h"

#include <algorithm>
#include <fmt/format.h>

#include "base/unix_time.h"
#include "core/server.h"
#include "core/table.h"

namespace lobbyd::core {

std::vector<WorkerStats> collect_worker_stats(const Server& server) {
  std::vector<WorkerStats> out;
  out.reserve(server.workers().size());
  for (const net::Worker* w : server.workers()) {
    const auto& c = w->counters();
    WorkerStats ws;
    ws.index = w->index();
    ws.c = net::CounterSnapshot::of(c);
    ws.tls = c.tls_connections.get();
    ws.ws = c.ws_connections.get();
    for (std::size_t i = 0; i < ws.handler_buckets.size(); ++i) ws.handler_buckets[i] = c.handler_buckets[i].get();
    out.push_back(ws);
  }
  return out;
}

ServerStats collect_stats(Server& server) {
  ServerStats s;
  s.uptime_s = base::unix_now() - server.started_at();
  s.workers = collect_worker_stats(server);
  for (const auto& w : s.workers) {
    s.total.connections += w.c.connections;
    s.total.accepted += w.c.accepted;
    s.total.msgs_in += w.c.msgs_in;
    s.total.msgs_out += w.c.msgs_out;
    s.total.bytes_in += w.c.bytes_in;
    s.total.bytes_out += w.c.bytes_out;
    s.total.sendq_cuts += w.c.sendq_cuts;
    s.total.flood_cuts += w.c.flood_cuts;
    s.total.busy_ns += w.c.busy_ns;
    s.total.wakeups += w.c.wakeups;
    s.tls += w.tls;
    s.ws += w.ws;
  }
  s.nicks = server.nicks().size();
  s.lobbies = server.lobbies().size();
  for (const auto& t : server.tables().all()) {
    ++s.tables;
    s.games_running += t->summary().phase == Table::Phase::kPlaying;
  }
  s.games_finished = server.tables().games_finished();
  s.address_refusals = server.address_refusals();
  s.addresses_tracked = server.address_limits().tracked();
  for (const auto& source : server.stats_sources()) s.groups.push_back(source());
  return s;
}

std::string stats_line(const StatGroup& g) {
  std::string out = fmt::format("{}:", g.name);
  for (const Stat& st : g.stats) {
    if (!(st.to & kToStats)) continue;
    if (st.real) out += fmt::format(" {}={}", st.key, st.value);
    else out += fmt::format(" {}={}", st.key, static_cast<std::uint64_t>(st.value));
  }
  return out;
}

std::vector<std::string> stats_lines(const ServerStats& s) {
  std::vector<std::string> out;
  double uptime = static_cast<double>(s.uptime_s);
  for (const auto& w : s.workers) {
    const auto& c = w.c;
    out.push_back(fmt::format(
        "worker {}: connections={} accepted={} msgs_in={} msgs_out={} bytes_in={} bytes_out={} "
        "sendq_cuts={} flood_cuts={} busy_ms={} busy_pct={:.2f}",
        w.index, c.connections, c.accepted, c.msgs_in, c.msgs_out, c.bytes_in, c.bytes_out,
        c.sendq_cuts, c.flood_cuts, c.busy_ns / 1000000, uptime > 0 ? c.busy_ns / (uptime * 1e7) : 0.0));
  }
  const auto& t = s.total;
  out.push_back(fmt::format("total: connections={} msgs_in={} msgs_out={} bytes_in={} bytes_out={} "
                            "nicks={} lobbies={} uptime_s={:.0f}",
                            t.connections, t.msgs_in, t.msgs_out, t.bytes_in, t.bytes_out, s.nicks,
                            s.lobbies, uptime));
  for (const auto& g : s.groups) out.push_back(stats_line(g));
  return out;
}

std::vector<std::string> stats_log_lines(const std::vector<WorkerStats>& now,
                                         const std::vector<net::CounterSnapshot>& prev, double secs) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < now.size(); ++i) {
    const auto& cur = now[i].c;
    const auto p = i < prev.size() ? prev[i] : net::CounterSnapshot{};
    out.push_back(fmt::format(
        "stats worker={} conns={} msgs_in/s={:.0f} msgs_out/s={:.0f} bytes_in/s={:.0f} "
        "bytes_out/s={:.0f} busy={:.1f}% sendq_cuts={} flood_cuts={}",
        now[i].index, cur.connections, (cur.msgs_in - p.msgs_in) / secs, (cur.msgs_out - p.msgs_out) / secs,
        (cur.bytes_in - p.bytes_in) / secs, (cur.bytes_out - p.bytes_out) / secs,
        (cur.busy_ns - p.busy_ns) / secs / 1e7, cur.sendq_cuts, cur.flood_cuts));
  }
  return out;
}

}  // namespace lobbyd::core
