#include "core/profiling.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/server.h"
#include "prof/profiler.h"

namespace lobbyd::core {

namespace {
std::uint64_t busy_ns(const Server& server) {
  std::uint64_t sum = 0;
  for (const net::Worker* w : server.workers()) sum += w->counters().busy_ns.get();
  return sum;
}
}  // namespace

void profiler_attach(Server& server) {
  prof::Profiler::instance().set_busy_source([&server] { return busy_ns(server); });
}

std::string profiler_switch(Server& server, std::string_view verb) {
  auto& p = prof::Profiler::instance();
  if (verb == "toggle") verb = p.enabled() ? "off" : "on";
  const Settings& s = *server.settings_holder().get();
  if (verb == "on") {
    if (p.enabled()) return "ok: profiler already on";
    p.set_output_dir(s.profiler_dir);
    p.set_ring_capacity(s.profiler_ring_events);
    p.set_auto_off(s.profiler_auto_off_s);
    p.enable();
    spdlog::info("profiler on");
    return s.profiler_auto_off_s ? fmt::format("ok: profiler on (auto-off after {} s)", s.profiler_auto_off_s)
                                 : "ok: profiler on";
  }
  if (verb == "off") {
    if (!p.enabled()) return "ok: profiler already off";
    p.disable();
    auto files = p.last_written();
    spdlog::info("profiler off{}", files.empty() ? "" : fmt::format(", wrote {} files to {}", files.size(), s.profiler_dir));
    return files.empty() ? "ok: profiler off"
                         : fmt::format("ok: profiler off, wrote {} files to {}", files.size(), s.profiler_dir);
  }
  if (verb == "reset") {
    p.reset();
    return "ok: profiler reset";
  }
  return "error: expected on, off or reset";
}

std::vector<std::string> profiler_report(Server& server, std::size_t max_zones) {
  auto& p = prof::Profiler::instance();
  std::string text = p.report_text(max_zones, 0);
  std::vector<std::string> lines;
  lines.push_back(fmt::format("profiler {} (memory {} KiB)", p.enabled() ? "on" : "off",
                              p.memory_used() / 1024));
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    std::string l = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (!l.empty()) lines.push_back(std::move(l));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return lines;
}

}  // namespace lobbyd::core
