#pragma once
// The HTTP server (Boost.Beast) on the workers' io_contexts: static files
// (the web client and admin page), the WebSocket endpoint /ws (handed to
// core::Server as a Session with a WebSocket transport), /metrics
// (Prometheus text format) and the operator API /api/* (JSON, Bearer
// token). One HttpSession per TCP connection, no thread of its own. See
// docs/operations.md, "HTTP, TLS, WebSocket and metrics".
#include <nlohmann/json.hpp>
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
#include "core/stats.h"

namespace lobbyd::http {

struct Exposure;

class HttpServer : public std::enable_shared_from_this<HttpServer> {
 public:
  // default_root: static files when the http_root setting is empty. The
  // figures come from core/stats.h (the store's among the server's sources).
  HttpServer(core::Server& server, std::filesystem::path default_root);

  // Listener factory (runs on worker w's thread).
  void accept(net::Worker& w, boost::asio::ip::tcp::socket socket);

  core::Server& server() noexcept { return server_; }
  std::filesystem::path root() const;  // the static files' directory now

  // Each worker's loop busy ratio (0..1) over the time since the previous
  // sample at least a second ago (so scrapes and the admin page's polling
  // see a recent figure, not an average since start), from a snapshot.
  std::vector<double> busy_ratios(const core::ServerStats& s);
  Exposure exposure(const core::ServerStats& st, const core::Settings& s);

  // The two exporters of core::ServerStats this server adds.
  std::string metrics_text();
  std::string status_json();
  nlohmann::json modules_json();  // GET /api/modules, and "modules" in /api/status

  std::atomic<std::uint32_t> open{0};          // HTTP connections now
  std::atomic<std::uint64_t> requests{0};      // requests answered
  std::atomic<std::uint64_t> ws_upgrades{0};   // WebSocket sessions started

 private:
  core::Server& server_;
  std::filesystem::path default_root_;

  std::mutex busy_mu_;
  std::vector<std::uint64_t> busy_prev_;  // guarded by busy_mu_
  std::vector<double> busy_ratio_;        // guarded by busy_mu_
  std::chrono::steady_clock::time_point busy_at_;
};

}  // namespace lobbyd::http
