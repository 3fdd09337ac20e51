#pragma once
// The HTTP server (Boost.Beast) on the workers' io_contexts: static files
// (the web client and admin page), the WebSocket endpoint /ws (handed to
// core::Server as a Session with a WebSocket transport), /metrics
// (Prometheus text format) and the operator API /api/* (JSON, Bearer
// token). One HttpSession per TCP connection, no thread of its own. See
// docs/operations.md, "HTTP, TLS, WebSocket and metrics".
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/server.h"

namespace lobbyd::http {

// The database figures /metrics and /api/status show (from store::StoreStats).
struct DbStatus {
  bool connected = false;
  std::uint64_t polls = 0, reconnects = 0, writes_done = 0, writes_dropped = 0,
                writes_queued = 0, changes_applied = 0, apply_ns_total = 0, apply_ns_max = 0,
                writes_failed = 0;
};

class HttpServer : public std::enable_shared_from_this<HttpServer> {
 public:
  // default_root: static files when the http_root setting is empty.
  HttpServer(core::Server& server, std::filesystem::path default_root,
             std::function<DbStatus()> db_status);

  // Listener factory (runs on worker w's thread).
  void accept(net::Worker& w, boost::asio::ip::tcp::socket socket);

  core::Server& server() noexcept { return server_; }
  std::filesystem::path root() const;  // the static files' directory now
  DbStatus db_status() const { return db_status_ ? db_status_() : DbStatus{}; }

  // Each worker's loop busy ratio (0..1) over the time since the previous
  // sample at least a second ago (so scrapes and the admin page's polling
  // see a recent figure, not an average since start).
  std::vector<double> busy_ratios();

  std::string metrics_text();
  std::string status_json();

  std::atomic<std::uint32_t> open{0};          // HTTP connections now
  std::atomic<std::uint64_t> requests{0};      // requests answered
  std::atomic<std::uint64_t> ws_upgrades{0};   // WebSocket sessions started

 private:
  core::Server& server_;
  std::filesystem::path default_root_;
  std::function<DbStatus()> db_status_;

  std::mutex busy_mu_;
  std::vector<std::uint64_t> busy_prev_;  // guarded by busy_mu_
  std::vector<double> busy_ratio_;        // guarded by busy_mu_
  std::chrono::steady_clock::time_point busy_at_;
};

}  // namespace lobbyd::http
