// HttpServer's figures: gathered from core::collect_stats and written by
// http/exporters.h (/metrics, /api/status).
#include <map>
#include <nlohmann/json.hpp>

#include "base/json_text.h"

#include "core/table.h"
#include "core/unix_time.h"
#include "http/exporters.h"
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

}  // namespace

HttpServer::HttpServer(core::Server& server, std::filesystem::path default_root)
    : server_(server), default_root_(std::move(default_root)) {}

std::filesystem::path HttpServer::root() const {
  auto s = server_.settings_holder().get();  // held: a new snapshot may replace it meanwhile
  return s->http_root.empty() ? default_root_ : std::filesystem::path(s->http_root);
}

std::vector<double> HttpServer::busy_ratios(const core::ServerStats& st) {
  const auto& ws = st.workers;
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(busy_mu_);
  if (busy_prev_.empty()) {
    // First sample: the average since start.
    double up_ns = std::max<double>(1.0, st.uptime_s * 1e9);
    for (const auto& w : ws) {
      busy_prev_.push_back(w.c.busy_ns);
      busy_ratio_.push_back(std::min(1.0, busy_prev_.back() / up_ns));
    }
    busy_at_ = now;
  } else if (now - busy_at_ >= std::chrono::seconds(1)) {
    double span_ns = std::chrono::duration<double, std::nano>(now - busy_at_).count();
    for (std::size_t i = 0; i < ws.size() && i < busy_prev_.size(); ++i) {
      auto cur = ws[i].c.busy_ns;
      busy_ratio_[i] = std::min(1.0, static_cast<double>(cur - busy_prev_[i]) / span_ns);
      busy_prev_[i] = cur;
    }
    busy_at_ = now;
  }
  return busy_ratio_;
}

Exposure HttpServer::exposure(const core::ServerStats& st, const core::Settings& s) {
  return Exposure{s.server_name, s.network, busy_ratios(st), prof::Profiler::instance().enabled(),
                  open.load(), requests.load()};
}

std::string HttpServer::metrics_text() {
  auto s = server_.settings_holder().get();  // held: the exposure points into it
  core::ServerStats st = core::collect_stats(server_);
  return prometheus_text(st, exposure(st, *s));
}

std::string HttpServer::status_json() {
  using nlohmann::json;
  auto s = server_.settings_holder().get();
  core::ServerStats st = core::collect_stats(server_);
  json out = status_fields(st, exposure(st, *s));
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
  out["lobbies"] = std::move(lobbies);
  out["tables"] = std::move(tables);
  out["modules"] = modules_json();
  return base::json_text(out);
}

nlohmann::json HttpServer::modules_json() {
  // Every version in game_modules, with how many tables run it now.
  std::map<std::string, int> running;
  for (const auto& t : server_.tables().all()) ++running[t->game().label()];
  nlohmann::json out = nlohmann::json::array();
  for (const core::ModuleInfo& m : server_.catalog()->modules()) {
    auto it = running.find(m.name + "@" + std::to_string(m.version));
    out.push_back({{"name", m.name},
                   {"version", m.version},
                   {"active", m.active},
                   {"serving", m.serving},
                   {"error", m.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.error)},
                   {"tables", it == running.end() ? 0 : it->second}});
  }
  return out;
}

}  // namespace lobbyd::http
