#include "http/exporters.h"

#include <array>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/internal_error.h"

namespace lobbyd::http {

namespace {

class Exposition {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  void sample(std::string_view name, double v, std::string_view labels = {}) {
    if (labels.empty()) out_ += fmt::format("{} {}\n", name, v);
    else out_ += fmt::format("{}{{{}}} {}\n", name, labels, v);
  }
  // A family with one unlabelled sample.
  void one(std::string_view name, std::string_view type, std::string_view help, double v) {
    family(name, type, help);
    sample(name, v);
  }
  // A registered source's figure (core::Stat).
  void stat(const core::Stat& st) {
    switch (st.kind) {
      case core::StatKind::kCounter: return one(st.metric, "counter", st.help, st.value);
      case core::StatKind::kGauge:
      case core::StatKind::kFlag: return one(st.metric, "gauge", st.help, st.value);
      case core::StatKind::kSummary:
        family(st.metric, "summary", st.help);
        sample(fmt::format("{}_sum", st.metric), st.value);
        sample(fmt::format("{}_count", st.metric), st.count);
        return;
    }
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

double d(std::uint64_t v) { return static_cast<double>(v); }

std::string worker_label(unsigned i) { return fmt::format("worker=\"{}\"", i); }

}  // namespace

std::string prometheus_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string prometheus_text(const core::ServerStats& s, const Exposure& x) {
  Exposition e;
  const auto& t = s.total;
  e.family("lobbyd_info", "gauge", "Server identity (value is always 1).");
  e.sample("lobbyd_info", 1,
           fmt::format("version=\"{}\",server=\"{}\"", LOBBYD_VERSION, prometheus_label(x.server_name)));
  e.one("lobbyd_uptime_seconds", "gauge", "Seconds since the server started.", static_cast<double>(s.uptime_s));
  e.family("lobbyd_connections", "gauge", "Client connections open now, by transport.");
  e.sample("lobbyd_connections", d(s.tcp()), "transport=\"tcp\"");
  e.sample("lobbyd_connections", d(s.tls), "transport=\"tls\"");
  e.sample("lobbyd_connections", d(s.ws), "transport=\"ws\"");
  e.one("lobbyd_connections_accepted_total", "counter", "Client connections accepted since start.",
        d(t.accepted));
  e.one("lobbyd_registered_clients", "gauge", "Clients that completed registration (hold a nick).",
        d(s.nicks));
  e.one("lobbyd_lobbies", "gauge", "Lobbies that exist now.", d(s.lobbies));
  e.one("lobbyd_messages_in_total", "counter", "Protocol lines received from clients.", d(t.msgs_in));
  e.one("lobbyd_messages_out_total", "counter",
        "Lines queued to clients (each recipient of a broadcast counts: deliveries).", d(t.msgs_out));
  e.one("lobbyd_bytes_in_total", "counter", "Bytes received from clients (after TLS/WebSocket decoding).",
        d(t.bytes_in));
  e.one("lobbyd_bytes_out_total", "counter", "Bytes sent to clients (before TLS/WebSocket encoding).",
        d(t.bytes_out));
  e.one("lobbyd_sendq_drops_total", "counter", "Slow clients disconnected for exceeding their sendq.",
        d(t.sendq_cuts));
  e.one("lobbyd_flood_drops_total", "counter", "Clients disconnected for excess flood.", d(t.flood_cuts));

  e.family("lobbyd_worker_connections", "gauge", "Client connections per worker thread.");
  for (const auto& w : s.workers) e.sample("lobbyd_worker_connections", d(w.c.connections), worker_label(w.index));
  e.family("lobbyd_worker_busy_ratio", "gauge",
           "Share of time each worker loop spent in handlers, over the last sampling window (>= 1 s).");
  for (std::size_t i = 0; i < s.workers.size(); ++i)
    e.sample("lobbyd_worker_busy_ratio", i < x.busy_ratio.size() ? x.busy_ratio[i] : 0.0,
             worker_label(s.workers[i].index));
  e.family("lobbyd_worker_busy_seconds_total", "counter", "Time each worker loop spent in handlers.");
  for (const auto& w : s.workers)
    e.sample("lobbyd_worker_busy_seconds_total", w.c.busy_ns / 1e9, worker_label(w.index));

  for (const auto& g : s.groups)
    for (const auto& st : g.stats)
      if ((st.to & core::kToMetrics) && !st.metric.empty()) e.stat(st);

  // Handler durations of all workers: a long one delays every socket of its
  // loop, so its p99 is the event loop's added latency.
  {
    constexpr auto& bounds = net::WorkerCounters::kHandlerBucketsUs;
    std::array<std::uint64_t, bounds.size() + 1> n{};
    for (const auto& w : s.workers)
      for (std::size_t i = 0; i < n.size(); ++i) n[i] += w.handler_buckets[i];
    e.family("lobbyd_loop_handler_seconds", "histogram",
             "Duration of each event-loop handler (reads, timers, posted work), all workers.");
    std::uint64_t cum = 0;
    for (std::size_t i = 0; i < bounds.size(); ++i) {
      cum += n[i];
      e.sample("lobbyd_loop_handler_seconds_bucket", d(cum), fmt::format("le=\"{}\"", bounds[i] / 1e6));
    }
    cum += n.back();
    e.sample("lobbyd_loop_handler_seconds_bucket", d(cum), "le=\"+Inf\"");
    e.sample("lobbyd_loop_handler_seconds_sum", t.busy_ns / 1e9, "");
    e.sample("lobbyd_loop_handler_seconds_count", d(cum), "");
  }

  e.one("lobbyd_tables", "gauge", "Game tables that exist now.", d(s.tables));
  e.one("lobbyd_games_running", "gauge", "Tables with a game in progress.", d(s.games_running));
  e.one("lobbyd_games_finished_total", "counter", "Games played to their end since start.",
        d(s.games_finished));
  e.one("lobbyd_profiler_enabled", "gauge", "1 while the live profiler records.", x.profiler_enabled ? 1 : 0);
  e.one("lobbyd_http_connections", "gauge", "HTTP connections open now (WebSockets not counted).",
        d(x.http_open));
  e.one("lobbyd_http_requests_total", "counter", "HTTP requests answered.", d(x.http_requests));
  e.one("lobbyd_address_refusals_total", "counter",
        "Connections refused by the per-address limits (count, unregistered, rate).", d(s.address_refusals));
  e.one("lobbyd_addresses_tracked", "gauge", "Client addresses the per-address limits remember now.",
        d(s.addresses_tracked));
  e.family("lobbyd_internal_errors_total", "counter",
           "Exceptions caught by a last line of defence, by boundary (should stay 0).");
  for (unsigned i = 0; i < static_cast<unsigned>(base::Where::kCount); ++i) {
    auto w = static_cast<base::Where>(i);
    e.sample("lobbyd_internal_errors_total", d(base::internal_errors(w)),
             fmt::format("where=\"{}\"", base::where_name(w)));
  }
  return e.take();
}

nlohmann::json status_fields(const core::ServerStats& s, const Exposure& x) {
  using nlohmann::json;
  json workers = json::array();
  for (std::size_t i = 0; i < s.workers.size(); ++i)
    workers.push_back({{"index", s.workers[i].index},
                       {"connections", s.workers[i].c.connections},
                       {"busy_ratio", i < x.busy_ratio.size() ? x.busy_ratio[i] : 0.0}});
  json out = {
      {"server", x.server_name},
      {"network", x.network},
      {"version", LOBBYD_VERSION},
      {"uptime_s", s.uptime_s},
      {"connections", s.total.connections},
      {"connections_by_transport", {{"tcp", s.tcp()}, {"tls", s.tls}, {"ws", s.ws}}},
      {"registered", s.nicks},
      {"workers", workers},
      {"games_finished", s.games_finished},
      {"profiler", {{"enabled", x.profiler_enabled}}},
      {"http", {{"connections", x.http_open}, {"requests", x.http_requests}}},
  };
  for (const auto& g : s.groups) {
    if (g.json.empty()) continue;
    json& o = out[std::string(g.json)];
    o = json::object();
    for (const auto& st : g.stats) {
      if (!(st.to & core::kToJson)) continue;
      std::string key(st.key);
      if (st.kind == core::StatKind::kFlag) o[key] = st.value != 0;
      else if (st.real) o[key] = st.value;
      else o[key] = static_cast<std::uint64_t>(st.value);
    }
  }
  return out;
}

}  // namespace lobbyd::http
