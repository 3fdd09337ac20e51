// /metrics (Prometheus text exposition format 0.0.4) and /api/status.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/internal_error.h"
#include "base/json_text.h"

#include "core/table.h"
#include "core/unix_time.h"
#include "http/http_server.h"
#include "prof/profiler.h"

namespace lobbyd::http {

namespace {

const char* phase_name(core::Table::Phase p) {
  switch (p) {
    case core::Table::Phase::kWaiting: return "waiting";
    case core::Table::Phase::kPlaying: return "playing";
    case core::Table::Phase::kOver: return "over";
  }
  return "?";
}

// Label values escape backslash, quote and newline.
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

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
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

HttpServer::HttpServer(core::Server& server, std::filesystem::path default_root,
                       std::function<DbStatus()> db_status)
    : server_(server), default_root_(std::move(default_root)), db_status_(std::move(db_status)) {}

std::filesystem::path HttpServer::root() const {
  auto s = server_.settings_holder().get();  // held: a new snapshot may replace it meanwhile
  return s->http_root.empty() ? default_root_ : std::filesystem::path(s->http_root);
}

std::vector<double> HttpServer::busy_ratios() {
  const auto& ws = server_.workers();
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(busy_mu_);
  if (busy_prev_.empty()) {
    // First sample: the average since start.
    double up_ns = std::max<double>(1.0, (core::unix_now() - server_.started_at()) * 1e9);
    for (auto* w : ws) {
      busy_prev_.push_back(w->counters().busy_ns.get());
      busy_ratio_.push_back(std::min(1.0, busy_prev_.back() / up_ns));
    }
    busy_at_ = now;
  } else if (now - busy_at_ >= std::chrono::seconds(1)) {
    double span_ns = std::chrono::duration<double, std::nano>(now - busy_at_).count();
    for (std::size_t i = 0; i < ws.size(); ++i) {
      auto cur = ws[i]->counters().busy_ns.get();
      busy_ratio_[i] = std::min(1.0, static_cast<double>(cur - busy_prev_[i]) / span_ns);
      busy_prev_[i] = cur;
    }
    busy_at_ = now;
  }
  return busy_ratio_;
}

std::string HttpServer::metrics_text() {
  Exposition e;
  auto s = server_.settings_holder().get();
  const auto& ws = server_.workers();
  std::vector<net::CounterSnapshot> snaps;
  net::CounterSnapshot total{};
  std::uint64_t tls = 0, wsock = 0;
  for (auto* w : ws) {
    auto c = net::CounterSnapshot::of(w->counters());
    snaps.push_back(c);
    total.connections += c.connections;
    total.accepted += c.accepted;
    total.msgs_in += c.msgs_in;
    total.msgs_out += c.msgs_out;
    total.bytes_in += c.bytes_in;
    total.bytes_out += c.bytes_out;
    total.sendq_cuts += c.sendq_cuts;
    total.flood_cuts += c.flood_cuts;
    tls += w->counters().tls_connections.get();
    wsock += w->counters().ws_connections.get();
  }
  e.family("lobbyd_info", "gauge", "Server identity (value is always 1).");
  e.sample("lobbyd_info", 1,
           fmt::format("version=\"{}\",server=\"{}\"", LOBBYD_VERSION, label(s->server_name)));
  e.one("lobbyd_uptime_seconds", "gauge", "Seconds since the server started.",
        static_cast<double>(core::unix_now() - server_.started_at()));
  e.family("lobbyd_connections", "gauge", "Client connections open now, by transport.");
  std::uint64_t plain = total.connections - std::min(total.connections, tls + wsock);
  e.sample("lobbyd_connections", static_cast<double>(plain), "transport=\"tcp\"");
  e.sample("lobbyd_connections", static_cast<double>(tls), "transport=\"tls\"");
  e.sample("lobbyd_connections", static_cast<double>(wsock), "transport=\"ws\"");
  e.one("lobbyd_connections_accepted_total", "counter", "Client connections accepted since start.",
        static_cast<double>(total.accepted));
  e.one("lobbyd_registered_clients", "gauge", "Clients that completed registration (hold a nick).",
        static_cast<double>(server_.nicks().size()));
  e.one("lobbyd_lobbies", "gauge", "Lobbies that exist now.",
        static_cast<double>(server_.lobbies().size()));
  e.one("lobbyd_messages_in_total", "counter", "Protocol lines received from clients.",
        static_cast<double>(total.msgs_in));
  e.one("lobbyd_messages_out_total", "counter",
        "Lines queued to clients (each recipient of a broadcast counts: deliveries).",
        static_cast<double>(total.msgs_out));
  e.one("lobbyd_bytes_in_total", "counter", "Bytes received from clients (after TLS/WebSocket decoding).",
        static_cast<double>(total.bytes_in));
  e.one("lobbyd_bytes_out_total", "counter", "Bytes sent to clients (before TLS/WebSocket encoding).",
        static_cast<double>(total.bytes_out));
  e.one("lobbyd_sendq_drops_total", "counter", "Slow clients disconnected for exceeding their sendq.",
        static_cast<double>(total.sendq_cuts));
  e.one("lobbyd_flood_drops_total", "counter", "Clients disconnected for excess flood.",
        static_cast<double>(total.flood_cuts));

  auto ratios = busy_ratios();
  e.family("lobbyd_worker_connections", "gauge", "Client connections per worker thread.");
  for (std::size_t i = 0; i < ws.size(); ++i)
    e.sample("lobbyd_worker_connections", static_cast<double>(snaps[i].connections),
             fmt::format("worker=\"{}\"", i));
  e.family("lobbyd_worker_busy_ratio", "gauge",
           "Share of time each worker loop spent in handlers, over the last sampling window (>= 1 s).");
  for (std::size_t i = 0; i < ws.size(); ++i)
    e.sample("lobbyd_worker_busy_ratio", ratios[i], fmt::format("worker=\"{}\"", i));
  e.family("lobbyd_worker_busy_seconds_total", "counter", "Time each worker loop spent in handlers.");
  for (std::size_t i = 0; i < ws.size(); ++i)
    e.sample("lobbyd_worker_busy_seconds_total", snaps[i].busy_ns / 1e9,
             fmt::format("worker=\"{}\"", i));

  auto db = db_status();
  e.one("lobbyd_db_connected", "gauge", "1 if the database connection is up.", db.connected ? 1 : 0);
  e.one("lobbyd_db_polls_total", "counter", "Polls of the database for configuration changes.",
        static_cast<double>(db.polls));
  e.one("lobbyd_db_reconnects_total", "counter", "Database reconnections.",
        static_cast<double>(db.reconnects));
  e.one("lobbyd_db_writes_total", "counter", "Rows written through the write queue.",
        static_cast<double>(db.writes_done));
  e.one("lobbyd_db_writes_queued", "gauge", "Writes waiting in the queue.",
        static_cast<double>(db.writes_queued));
  e.one("lobbyd_db_writes_dropped_total", "counter", "Writes dropped (queue full).",
        static_cast<double>(db.writes_dropped));
  e.one("lobbyd_db_writes_failed_total", "counter", "Rows the database refused (logged and dropped).",
        static_cast<double>(db.writes_failed));
  e.one("lobbyd_db_changes_applied_total", "counter", "Configuration changes applied from the database.",
        static_cast<double>(db.changes_applied));
  e.family("lobbyd_db_apply_seconds", "summary",
           "Time from noticing a changed table (at a poll, every db_poll_ms) to having applied it.");
  e.sample("lobbyd_db_apply_seconds_sum", db.apply_ns_total / 1e9, "");
  e.sample("lobbyd_db_apply_seconds_count", static_cast<double>(db.changes_applied), "");
  e.one("lobbyd_db_apply_seconds_max", "gauge", "The longest apply so far.", db.apply_ns_max / 1e9);
  e.one("lobbyd_db_poll_interval_seconds", "gauge", "How often the database is polled for changes.",
        s->db_poll_ms / 1e3);

  // Handler durations of all workers: a long one delays every socket of its
  // loop, so its p99 is the event loop's added latency.
  {
    constexpr auto& bounds = net::WorkerCounters::kHandlerBucketsUs;
    std::array<std::uint64_t, bounds.size() + 1> n{};
    std::uint64_t total_busy_ns = 0;
    for (const auto& snap : snaps) total_busy_ns += snap.busy_ns;
    for (const net::Worker* w : ws)
      for (std::size_t i = 0; i < n.size(); ++i) n[i] += w->counters().handler_buckets[i].get();
    e.family("lobbyd_loop_handler_seconds", "histogram",
             "Duration of each event-loop handler (reads, timers, posted work), all workers.");
    std::uint64_t cum = 0;
    for (std::size_t i = 0; i < bounds.size(); ++i) {
      cum += n[i];
      e.sample("lobbyd_loop_handler_seconds_bucket", static_cast<double>(cum),
               fmt::format("le=\"{}\"", bounds[i] / 1e6));
    }
    cum += n.back();
    e.sample("lobbyd_loop_handler_seconds_bucket", static_cast<double>(cum), "le=\"+Inf\"");
    e.sample("lobbyd_loop_handler_seconds_sum", total_busy_ns / 1e9, "");
    e.sample("lobbyd_loop_handler_seconds_count", static_cast<double>(cum), "");
  }

  std::uint64_t running = 0, tables = 0;
  for (const auto& t : server_.tables().all()) {
    ++tables;
    running += t->summary().phase == core::Table::Phase::kPlaying;
  }
  e.one("lobbyd_tables", "gauge", "Game tables that exist now.", static_cast<double>(tables));
  e.one("lobbyd_games_running", "gauge", "Tables with a game in progress.",
        static_cast<double>(running));
  e.one("lobbyd_games_finished_total", "counter", "Games played to their end since start.",
        static_cast<double>(server_.tables().games_finished()));
  e.one("lobbyd_profiler_enabled", "gauge", "1 while the live profiler records.",
        prof::Profiler::instance().enabled() ? 1 : 0);
  e.one("lobbyd_http_connections", "gauge", "HTTP connections open now (WebSockets not counted).",
        open.load());
  e.one("lobbyd_http_requests_total", "counter", "HTTP requests answered.",
        static_cast<double>(requests.load()));
  e.one("lobbyd_address_refusals_total", "counter",
        "Connections refused by the per-address limits (count, unregistered, rate).",
        static_cast<double>(server_.address_refusals()));
  e.one("lobbyd_addresses_tracked", "gauge", "Client addresses the per-address limits remember now.",
        static_cast<double>(server_.address_limits().tracked()));
  e.family("lobbyd_internal_errors_total", "counter",
           "Exceptions caught by a last line of defence, by boundary (should stay 0).");
  for (unsigned i = 0; i < static_cast<unsigned>(base::Where::kCount); ++i) {
    auto w = static_cast<base::Where>(i);
    e.sample("lobbyd_internal_errors_total", static_cast<double>(base::internal_errors(w)),
             fmt::format("where=\"{}\"", base::where_name(w)));
  }
  return e.take();
}

std::string HttpServer::status_json() {
  using nlohmann::json;
  auto s = server_.settings_holder().get();
  const auto& ws = server_.workers();
  auto ratios = busy_ratios();
  json workers = json::array();
  std::uint64_t conns = 0, tls = 0, wsock = 0;
  for (std::size_t i = 0; i < ws.size(); ++i) {
    auto c = ws[i]->counters().connections.get();
    conns += c;
    tls += ws[i]->counters().tls_connections.get();
    wsock += ws[i]->counters().ws_connections.get();
    workers.push_back({{"index", i}, {"connections", c}, {"busy_ratio", ratios[i]}});
  }
  json lobbies = json::array();
  for (const auto& l : server_.lobbies().all())
    lobbies.push_back({{"name", l->name()},
                       {"topic", l->topic()},
                       {"members", l->member_count()},
                       {"games", l->games()}});
  json tables = json::array();
  for (const auto& t : server_.tables().all()) {
    auto sum = t->summary();
    tables.push_back({{"id", t->name()},
                      {"game", std::string(t->game().name())},
                      {"lobby", t->lobby()},
                      {"seated", sum.seated},
                      {"seats", sum.seats},
                      {"phase", phase_name(sum.phase)}});
  }
  auto db = db_status();
  json out = {
      {"server", s->server_name},
      {"network", s->network},
      {"version", LOBBYD_VERSION},
      {"uptime_s", core::unix_now() - server_.started_at()},
      {"connections", conns},
      {"connections_by_transport",
       {{"tcp", conns - std::min(conns, tls + wsock)}, {"tls", tls}, {"ws", wsock}}},
      {"registered", server_.nicks().size()},
      {"workers", workers},
      {"lobbies", lobbies},
      {"tables", tables},
      {"games_finished", server_.tables().games_finished()},
      {"profiler", {{"enabled", prof::Profiler::instance().enabled()}}},
      {"db",
       {{"connected", db.connected},
        {"polls", db.polls},
        {"reconnects", db.reconnects},
        {"writes_done", db.writes_done},
        {"writes_queued", db.writes_queued},
        {"writes_dropped", db.writes_dropped},
        {"changes_applied", db.changes_applied}}},
      {"http", {{"connections", open.load()}, {"requests", requests.load()}}},
  };
  return base::json_text(out);
}

}  // namespace lobbyd::http
