#pragma once
// The HTTP server's two exporters of core::ServerStats (core/stats.h):
// /metrics in the Prometheus text exposition format 0.0.4, and the figures
// of /api/status. Pure functions of a snapshot, so they are tested without
// a server (tests/http).
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/stats.h"

namespace lobbyd::http {

// What the exporters show beside the server's snapshot.
struct Exposure {
  std::string_view server_name, network;
  std::vector<double> busy_ratio;  // per worker, as ServerStats::workers
  bool profiler_enabled = false;
  std::uint64_t http_open = 0, http_requests = 0;
};

std::string prometheus_text(const core::ServerStats& s, const Exposure& x);

// /api/status without its lobby and table lists (the caller adds them).
nlohmann::json status_fields(const core::ServerStats& s, const Exposure& x);

// A Prometheus label value: backslash, quote and newline escaped.
std::string prometheus_label(std::string_view v);

}  // namespace lobbyd::http
