// lobbyd: wiring only. Reads the configuration, starts the workers and
// listeners, and shuts down gracefully on SIGINT/SIGTERM.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <csignal>
#include <sodium.h>
#include <fstream>
#include <memory>
#include <spdlog/spdlog.h>
#include <vector>

#include "app/config.h"
#include "base/internal_error.h"
#include "core/control_plane.h"
#include "core/profiling.h"
#include "core/ratings.h"
#include "core/table.h"
#include "base/unix_time.h"
#include "core/server.h"
#include "http/http_server.h"
#include "net/listener.h"
#include "net/tls_transport.h"
#include "net/worker.h"
#include "prof/profiler.h"
#include "store/store.h"

using namespace lobbyd;

namespace {

// The store's figures as a stats source: their names in STATS ("database:
// connected=1 polls=..."), /api/status ("db") and /metrics, and help texts.
core::StatGroup store_stats(const store::StoreStats& st, double poll_interval_s) {
  using K = core::StatKind;
  constexpr std::uint8_t kNotJson = core::kToStats | core::kToMetrics;
  constexpr std::uint8_t kNotStats = core::kToJson | core::kToMetrics;
  auto n = [](auto v) { return static_cast<double>(v); };
  return core::StatGroup{
      "database",
      "db",
      {
          {"connected", "lobbyd_db_connected", K::kFlag, "1 if the database connection is up.",
           st.connected ? 1.0 : 0.0},
          {"polls", "lobbyd_db_polls_total", K::kCounter, "Polls of the database for configuration changes.",
           n(st.polls)},
          {"reconnects", "lobbyd_db_reconnects_total", K::kCounter, "Database reconnections.", n(st.reconnects)},
          {"writes_done", "lobbyd_db_writes_total", K::kCounter, "Rows written through the write queue.",
           n(st.writes_done)},
          {"writes_queued", "lobbyd_db_writes_queued", K::kGauge, "Writes waiting in the queue.",
           n(st.writes_queued)},
          {"writes_dropped", "lobbyd_db_writes_dropped_total", K::kCounter, "Writes dropped (queue full).",
           n(st.writes_dropped)},
          {"writes_failed", "lobbyd_db_writes_failed_total", K::kCounter,
           "Rows the database refused (logged and dropped).", n(st.writes_failed), 0, kNotJson},
          {"changes_applied", "lobbyd_db_changes_applied_total", K::kCounter,
           "Configuration changes applied from the database.", n(st.changes_applied), 0, kNotStats},
          {"apply_seconds", "lobbyd_db_apply_seconds", K::kSummary,
           "Time from noticing a changed table (at a poll, every db_poll_ms) to having applied it.",
           st.apply_ns_total / 1e9, n(st.changes_applied), core::kToMetrics, true},
          {"apply_seconds_max", "lobbyd_db_apply_seconds_max", K::kGauge, "The longest apply so far.",
           st.apply_ns_max / 1e9, 0, core::kToMetrics, true},
          {"poll_interval_seconds", "lobbyd_db_poll_interval_seconds", K::kGauge,
           "How often the database is polled for changes.", poll_interval_s, 0, core::kToMetrics, true},
      }};
}

}  // namespace

int main(int argc, char** argv) {
  app::AppConfig cfg;
  try {
    int code = 0;
    if (!app::load_config(argc, argv, cfg, code)) return code;
  } catch (const app::ConfigError& e) {
    spdlog::error("configuration: {}", e.what());
    return 2;
  }
  if (cfg.hash_password) return app::print_password_hash();
  if (cfg.fault_injection) {
    base::enable_fault_injection();
    spdlog::warn("--fault-injection: the FAULT command is enabled (tests only)");
  }
  if (sodium_init() < 0) {  // password hashes and game seeds come from libsodium
    spdlog::error("libsodium could not be initialised");
    return 1;
  }
  spdlog::set_level(spdlog::level::from_str(cfg.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  std::vector<std::unique_ptr<net::Worker>> workers;
  std::vector<net::Worker*> worker_ptrs;
  for (unsigned i = 0; i < cfg.threads; ++i) {
    workers.push_back(std::make_unique<net::Worker>(i));
    worker_ptrs.push_back(workers.back().get());
  }
  auto settings = std::make_shared<const core::Settings>(cfg.settings);
  core::Server server(settings, worker_ptrs);
  server.load_lobbies(cfg.settings.lobbies);

  // The database: its configuration is applied before clients are accepted.
  store::DbUrl db_url;
  if (auto err = store::parse_db_url(cfg.db, db_url); !err.empty()) {
    spdlog::error("--db: {}", err);
    return 2;
  }
  boost::asio::io_context main_io;
  // Installed before anything slow: a SIGTERM during start-up is queued and
  // handled as a graceful shutdown once the loop runs.
  boost::asio::signal_set signals(main_io, SIGINT, SIGTERM);
  std::function<void(std::chrono::seconds)> begin_shutdown;  // set below
  std::unique_ptr<store::Store> store;
  core::ControlPlane control(
      server, cfg.settings,
      core::ControlPlane::Hooks{
          [&](std::chrono::seconds grace) {
            boost::asio::post(main_io, [&, grace] { begin_shutdown(grace); });
          },
          [&server](std::string_view verb) { return core::profiler_switch(server, verb); },
          [&](std::chrono::milliseconds p) {
            if (store) store->set_poll_interval(p);
          }});
  store = std::make_unique<store::Store>(
      store::StoreOptions{db_url, std::chrono::milliseconds(cfg.settings.db_poll_ms)}, control);
  control.set_store(store.get());
  // Set before the restore below: a restored game that ends at once writes its result.
  server.set_store(store.get());
  try {
    store->connect_now();
    // Ratings and unfinished tables come back before the first client.
    if (auto start = store->read_start_state()) {
      server.ratings().load(start->ratings);
      std::size_t n = core::restore_tables(server, *start);
      if (n > 0) spdlog::info("restored {} unfinished table(s)", n);
    } else {
      // Without the database's ids, new table ids must not reuse old ones.
      server.tables().continue_after(static_cast<std::uint64_t>(base::unix_now_ms()));
      spdlog::warn("database away at start: no tables restored, games unrated until a restart with it");
    }
    store->start();
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  spdlog::info("database: {}", db_url.redacted);
  // Game modules (docs/modules.md): versions loaded, and games a module's
  // failure ended.
  server.add_stats_source([&server] {
    using K = core::StatKind;
    core::CatalogPtr c = server.catalog();
    double serving = 0, refused = 0;
    for (const auto& m : c->modules()) {
      serving += m.serving ? 1 : 0;
      refused += m.error.empty() ? 0 : 1;
    }
    return core::StatGroup{
        "modules",
        "game_modules",
        {
            {"serving", "lobbyd_modules_serving", K::kGauge, "Game modules new tables can get.", serving},
            {"refused", "lobbyd_module_versions_refused", K::kGauge,
             "Rows of game_modules whose source was refused (their error column says why).", refused},
            {"failures", "lobbyd_module_failures_total", K::kCounter,
             "Games that ended because their game module failed (OVER reason module_error).",
             static_cast<double>(server.tables().module_failures())},
        }};
  });
  // The store's figures, for STATS, /metrics and /api/status (core/stats.h).
  server.add_stats_source([&store, &server] {
    return store_stats(store->stats(), server.settings_holder().get()->db_poll_ms / 1e3);
  });

  std::vector<std::unique_ptr<net::Listener>> listeners;
  std::ofstream port_file;
  if (!cfg.port_file.empty()) port_file.open(cfg.port_file + ".tmp");
  for (const auto& text : cfg.listen) {
    boost::asio::ip::tcp::endpoint ep;
    if (!net::parse_endpoint(text, ep)) {
      spdlog::error("--listen {}: expected HOST:PORT", text);
      return 2;
    }
    try {
      listeners.push_back(std::make_unique<net::Listener>(
          *worker_ptrs[0], worker_ptrs, ep,
          [&server](net::Worker& w, boost::asio::ip::tcp::socket s, const boost::asio::ip::tcp::endpoint& peer) {
            server.accept(w, std::move(s), peer);
          }));
    } catch (const boost::system::system_error& e) {
      spdlog::error("cannot listen on {}: {}", text, e.code().message());
      return 1;
    }
    auto bound = listeners.back()->local_endpoint();
    spdlog::info("listening on {}:{}", bound.address().to_string(), bound.port());
    if (port_file) port_file << bound.address().to_string() << ':' << bound.port() << '\n';
  }
  // TLS listeners: same sessions as --listen, through a TLS transport.
  if (!cfg.listen_tls.empty()) {
    net::TransportMaker tls;
    try {
      tls = net::tls_transport(net::make_tls_context(cfg.settings.tls_cert, cfg.settings.tls_key));
    } catch (const std::exception& e) {
      spdlog::error("TLS: {}", e.what());
      return 2;
    }
    for (const auto& text : cfg.listen_tls) {
      boost::asio::ip::tcp::endpoint ep;
      if (!net::parse_endpoint(text, ep)) {
        spdlog::error("--listen-tls {}: expected HOST:PORT", text);
        return 2;
      }
      try {
        listeners.push_back(std::make_unique<net::Listener>(
            *worker_ptrs[0], worker_ptrs, ep,
            [&server, tls](net::Worker& w, boost::asio::ip::tcp::socket s,
                           const boost::asio::ip::tcp::endpoint& peer) {
              server.accept(w, std::move(s), peer, tls);
            }));
      } catch (const boost::system::system_error& e) {
        spdlog::error("cannot listen on {}: {}", text, e.code().message());
        return 1;
      }
      auto bound = listeners.back()->local_endpoint();
      spdlog::info("listening for TLS on {}:{}", bound.address().to_string(), bound.port());
      if (port_file) port_file << "tls " << bound.address().to_string() << ':' << bound.port() << '\n';
    }
  }
  // The HTTP server. The default endpoint is best effort (a second lobbyd on
  // the machine still starts); one given explicitly must bind.
  auto http = std::make_shared<http::HttpServer>(server, LOBBYD_DEFAULT_HTTP_ROOT);
  if (!cfg.http.empty()) {
    boost::asio::ip::tcp::endpoint ep;
    if (!net::parse_endpoint(cfg.http, ep)) {
      spdlog::error("--http {}: expected HOST:PORT, '' or off", cfg.http);
      return 2;
    }
    try {
      listeners.push_back(std::make_unique<net::Listener>(
          *worker_ptrs[0], worker_ptrs, ep,
          [http](net::Worker& w, boost::asio::ip::tcp::socket s, const boost::asio::ip::tcp::endpoint&) {
            http->accept(w, std::move(s));
          }));
      auto bound = listeners.back()->local_endpoint();
      spdlog::info("HTTP on http://{}:{}/ (static files from {})", bound.address().to_string(),
                   bound.port(), http->root().string());
      if (port_file) port_file << "http " << bound.address().to_string() << ':' << bound.port() << '\n';
    } catch (const boost::system::system_error& e) {
      if (cfg.http_explicit) {
        spdlog::error("cannot listen for HTTP on {}: {}", cfg.http, e.code().message());
        return 1;
      }
      spdlog::warn("no HTTP server: cannot listen on the default {}: {} (set --http)", cfg.http,
                   e.code().message());
    }
  }
  if (port_file) {
    port_file.close();
    std::rename((cfg.port_file + ".tmp").c_str(), cfg.port_file.c_str());  // appears complete
  }

  bool stopping = false;
  boost::asio::steady_timer drain_timer(main_io);
  // Stops accepting; after `drain` (an operator's "shutdown <seconds>",
  // announced to everyone) closes every connection and exits.
  begin_shutdown = [&](std::chrono::seconds drain) {
    if (stopping) return;
    stopping = true;
    for (auto& l : listeners) l->stop();
    auto close_all = [&] {
      server.shutdown(std::chrono::seconds(3), [&main_io] { main_io.stop(); });
    };
    if (drain.count() == 0) return close_all();
    server.notice_all(fmt::format("Server shutting down in {} seconds", drain.count()));
    drain_timer.expires_after(drain);
    drain_timer.async_wait([close_all](const boost::system::error_code& ec) {
      if (!ec) close_all();
    });
  };
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", sig);
    begin_shutdown(std::chrono::seconds(0));
    // A second signal exits at once.
    signals.async_wait([&](const boost::system::error_code& e, int) {
      if (!e) main_io.stop();
    });
  });

  // SIGUSR2 toggles the profiler (POSIX only).
  core::profiler_attach(server);
  boost::asio::signal_set usr2(main_io);
#ifdef SIGUSR2
  usr2.add(SIGUSR2);
  std::function<void(const boost::system::error_code&, int)> on_usr2 =
      [&](const boost::system::error_code& ec, int) {
        if (ec) return;
        spdlog::info("SIGUSR2: {}", core::profiler_switch(server, "toggle"));
        usr2.async_wait(on_usr2);
      };
  usr2.async_wait(on_usr2);
#endif

  for (auto& w : workers) w->start();
  for (auto& l : listeners) l->start();
  spdlog::info("lobbyd ready: {} worker thread(s), {} lobbies", cfg.threads,
               server.lobbies().size());

  auto guard = boost::asio::make_work_guard(main_io);
  main_io.run();
  if (prof::Profiler::instance().enabled()) prof::Profiler::instance().disable();  // writes its reports

  for (auto& w : workers) w->stop();
  for (auto& w : workers) w->join();
  store->stop();  // writes what is still queued (applied markers) if it can
  spdlog::info("lobbyd stopped");
  return 0;
}
