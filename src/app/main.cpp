// lobbyd: wiring only. Reads the configuration, starts the workers and
// listeners, and shuts down gracefully on SIGINT/SIGTERM.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <fstream>
#include <memory>
#include <spdlog/spdlog.h>
#include <vector>

#include "app/config.h"
#include "core/server.h"
#include "net/listener.h"
#include "net/worker.h"

using namespace lobbyd;

int main(int argc, char** argv) {
  app::AppConfig cfg;
  try {
    int code = 0;
    if (!app::load_config(argc, argv, cfg, code)) return code;
  } catch (const app::ConfigError& e) {
    spdlog::error("configuration: {}", e.what());
    return 2;
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
          [&server](net::Worker& w, boost::asio::ip::tcp::socket s) { server.accept(w, std::move(s)); }));
    } catch (const boost::system::system_error& e) {
      spdlog::error("cannot listen on {}: {}", text, e.code().message());
      return 1;
    }
    auto bound = listeners.back()->local_endpoint();
    spdlog::info("listening on {}:{}", bound.address().to_string(), bound.port());
    if (port_file) port_file << bound.address().to_string() << ':' << bound.port() << '\n';
  }
  if (port_file) {
    port_file.close();
    std::rename((cfg.port_file + ".tmp").c_str(), cfg.port_file.c_str());  // appears complete
  }

  boost::asio::io_context main_io;
  boost::asio::signal_set signals(main_io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", sig);
    for (auto& l : listeners) l->stop();
    server.shutdown(std::chrono::seconds(3), [&main_io] { main_io.stop(); });
    // A second signal exits at once.
    signals.async_wait([&](const boost::system::error_code& e, int) {
      if (!e) main_io.stop();
    });
  });

  for (auto& w : workers) w->start();
  for (auto& l : listeners) l->start();
  spdlog::info("lobbyd ready: {} worker thread(s), {} lobbies", cfg.threads,
               server.lobbies().size());

  auto guard = boost::asio::make_work_guard(main_io);
  main_io.run();

  for (auto& w : workers) w->stop();
  for (auto& w : workers) w->join();
  spdlog::info("lobbyd stopped");
  return 0;
}
