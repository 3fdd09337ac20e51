// Reports from a Snapshot: text table, JSON, Chrome trace events, folded
// stacks, callgrind. Formats are described in docs/profiler.md.
#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <system_error>
#include <utility>


#include "base/json.h"
#include "prof/profiler.h"

namespace lobbyd::prof {

namespace {

const std::string& zone_name(const Snapshot& s, std::uint32_t id) {
  static const std::string unknown = "?";
  return id < s.zones.size() ? s.zones[id].name : unknown;
}

std::string printf_str(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string printf_str(const char* f, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, f);
  const int n = std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  if (n < 0) return {};
  const auto len = static_cast<std::size_t>(n);
  if (len < sizeof buf) return std::string(buf, len);
  std::string out(len + 1, '\0');
  va_start(ap, f);
  std::vsnprintf(out.data(), out.size(), f, ap);
  va_end(ap);
  out.resize(len);
  return out;
}

void json_str(std::string& out, std::string_view v) { base::json_string(out, v); }

void json_num(std::string& out, std::uint64_t v) { out += std::to_string(v); }

void json_num(std::string& out, double v) {
  if (!(v == v) || v > 1e300 || v < -1e300) v = 0;  // JSON has no NaN or infinity
  out += printf_str("%.3f", v);
}

// A frame name for folded stacks: ';' separates frames and a line ends the
// record, so both are replaced.
std::string folded_frame(std::string_view name) {
  std::string f(name);
  for (char& c : f) {
    if (c == ';') c = ':';
    if (c == '\n' || c == '\r') c = ' ';
  }
  return f;
}

// Single-line value for callgrind headers and names.
std::string one_line(std::string_view v) {
  std::string f(v);
  for (char& c : f) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return f;
}

std::string pad(std::string v, std::size_t width) {
  if (v.size() > width) {
    v.resize(width);
  } else {
    v.append(width - v.size(), ' ');
  }
  return v;
}

void zone_fields_json(std::string& out, const Snapshot& s, const ZoneStats& z) {
  out += "\"id\":";
  json_num(out, std::uint64_t{z.zone});
  out += ",\"name\":";
  json_str(out, zone_name(s, z.zone));
  if (z.zone < s.zones.size()) {
    out += ",\"file\":";
    json_str(out, s.zones[z.zone].file);
    out += ",\"line\":";
    json_num(out, std::uint64_t{s.zones[z.zone].line});
  }
  out += ",\"calls\":";
  json_num(out, z.calls);
  out += ",\"total_ns\":";
  json_num(out, z.total_ns);
  out += ",\"self_ns\":";
  json_num(out, z.self_ns);
  out += ",\"mean_ns\":";
  json_num(out, z.mean_ns());
  out += ",\"max_ns\":";
  json_num(out, z.max_ns);
  out += ",\"p50_ns\":";
  json_num(out, s.percentile_ns(z, 0.50));
  out += ",\"p90_ns\":";
  json_num(out, s.percentile_ns(z, 0.90));
  out += ",\"p99_ns\":";
  json_num(out, s.percentile_ns(z, 0.99));
}

}  // namespace

// ---------------------------------------------------------------------------
// Snapshot helpers.

double Snapshot::percentile_ns(const ZoneStats& z, double q) const noexcept {
  const double tpn = ticks_per_ns > 0 ? ticks_per_ns : 1.0;
  const auto max_ticks = static_cast<std::uint64_t>(static_cast<double>(z.max_ns) * tpn + 0.5);
  return hist::percentile(z.hist.data(), q, max_ticks) / tpn;
}

std::vector<ZoneStats> Snapshot::merged() const {
  std::vector<ZoneStats> by(zones.size());
  for (const auto& t : threads) {
    for (const auto& z : t.zones) {
      if (z.zone >= by.size()) continue;
      ZoneStats& m = by[z.zone];
      m.zone = z.zone;
      m.calls += z.calls;
      m.total_ns += z.total_ns;
      m.self_ns += z.self_ns;
      m.max_ns = std::max(m.max_ns, z.max_ns);
      for (unsigned i = 0; i < kHistBuckets; ++i) m.hist[i] += z.hist[i];
    }
  }
  by.erase(std::remove_if(by.begin(), by.end(), [](const ZoneStats& z) { return z.calls == 0; }),
           by.end());
  return by;
}

std::vector<Edge> Snapshot::edges() const {
  std::map<std::pair<std::uint32_t, std::uint32_t>, Edge> m;
  for (const auto& t : threads) {
    for (std::size_t i = 1; i < t.nodes.size(); ++i) {
      const TreeNode& n = t.nodes[i];
      if (n.calls == 0) continue;
      const std::uint32_t pz = n.parent < t.nodes.size() ? t.nodes[n.parent].zone : 0;
      Edge& e = m[{pz, n.zone}];
      e.parent = pz;
      e.child = n.zone;
      e.calls += n.calls;
      e.total_ns += n.total_ns;
    }
  }
  std::vector<Edge> out;
  out.reserve(m.size());
  for (auto& [k, e] : m) out.push_back(e);
  return out;
}

// ---------------------------------------------------------------------------
// Text table.

std::string format_text(const Snapshot& s, std::size_t max_zones, std::uint64_t busy_ns) {
  std::string out;
  out += printf_str("lobbyd profile: %s, profiled %.3f s, %zu thread(s), %zu zone site(s), ",
                    s.enabled ? "running" : "stopped", static_cast<double>(s.profiled_ns) / 1e9,
                    s.threads.size(), s.zones.size() - 1);
  out += printf_str("memory %.2f MiB", static_cast<double>(s.memory_bytes) / (1024.0 * 1024.0));
  if (busy_ns != 0) out += printf_str(", busy %.3f s", static_cast<double>(busy_ns) / 1e9);
  out += '\n';

  auto merged = s.merged();
  std::sort(merged.begin(), merged.end(), [](const ZoneStats& a, const ZoneStats& b) {
    return a.total_ns != b.total_ns ? a.total_ns > b.total_ns : a.zone < b.zone;
  });
  if (merged.size() > max_zones) merged.resize(max_zones);

  std::size_t zw = 24, tw = 10;
  for (const auto& z : merged) zw = std::max(zw, zone_name(s, z.zone).size());
  for (const auto& t : s.threads) tw = std::max(tw, t.name.size());
  zw = std::min<std::size_t>(zw, 48);
  tw = std::min<std::size_t>(tw, 24);

  out += pad("zone", zw) + "  " + pad("thread", tw);
  // "µs" is two bytes in UTF-8 and one column on screen: pad by hand.
  out += "       calls    total ms     self ms     mean \xc2\xb5s      p50 \xc2\xb5s      p99 "
         "\xc2\xb5s      max \xc2\xb5s   % busy\n";

  auto row = [&](const ZoneStats& z, const std::string& thread) {
    out += pad(zone_name(s, z.zone), zw) + "  " + pad(thread, tw);
    out += printf_str(" %11" PRIu64 " %11.3f %11.3f %12.3f %12.3f %12.3f %12.3f", z.calls,
                      static_cast<double>(z.total_ns) / 1e6, static_cast<double>(z.self_ns) / 1e6,
                      z.mean_ns() / 1e3, s.percentile_ns(z, 0.50) / 1e3,
                      s.percentile_ns(z, 0.99) / 1e3, static_cast<double>(z.max_ns) / 1e3);
    if (busy_ns != 0) {
      out += printf_str(" %8.2f\n", 100.0 * static_cast<double>(z.total_ns) /
                                        static_cast<double>(busy_ns));
    } else {
      out += "        -\n";
    }
  };

  for (const auto& m : merged) {
    std::vector<std::pair<const ZoneStats*, const ThreadProfile*>> per;
    for (const auto& t : s.threads) {
      for (const auto& z : t.zones) {
        if (z.zone == m.zone) per.emplace_back(&z, &t);
      }
    }
    std::sort(per.begin(), per.end(),
              [](const auto& a, const auto& b) { return a.first->total_ns > b.first->total_ns; });
    if (per.size() > 1) row(m, "(all)");
    for (const auto& [z, t] : per) row(*z, t->name);
  }

  std::uint64_t dd = 0, dn = 0, dm = 0;
  for (const auto& t : s.threads) {
    dd += t.dropped_depth;
    dn += t.dropped_nodes;
    dm += t.dropped_memory;
  }
  if (dd || dn || dm || s.threads_dropped || s.zones_dropped) {
    out += printf_str("not recorded: %" PRIu64 " zone(s) deeper than %u, %" PRIu64
                      " call(s) outside the call tree, %" PRIu64 " call(s) over the memory "
                      "limit, %" PRIu64 " thread(s), %" PRIu64 " zone site(s) over %u\n",
                      dd, kMaxDepth, dn, dm, s.threads_dropped, s.zones_dropped, kMaxZones);
  }
  return out;
}

// ---------------------------------------------------------------------------
// JSON.

std::string format_json(const Snapshot& s) {
  std::string out;
  out.reserve(4096);
  out += "{\"version\":1,\"enabled\":";
  out += s.enabled ? "true" : "false";
  out += ",\"profiled_ns\":";
  json_num(out, s.profiled_ns);
  out += ",\"busy_ns\":";
  json_num(out, s.busy_ns);
  out += ",\"now_ns\":";
  json_num(out, s.now_ns);
  out += ",\"memory_bytes\":";
  json_num(out, s.memory_bytes);
  out += ",\"memory_limit\":";
  json_num(out, s.memory_limit);
  out += ",\"ring_capacity\":";
  json_num(out, s.ring_capacity);
  out += ",\"ticks_per_ns\":";
  out += printf_str("%.6f", s.ticks_per_ns);
  out += printf_str(",\"limits\":{\"zones\":%u,\"depth\":%u,\"nodes\":%u,\"threads\":%u,"
                    "\"ring_events\":%u}",
                    kMaxZones, kMaxDepth, kMaxNodes, kMaxThreads, kMaxRingEvents);
  std::uint64_t dd = 0, dn = 0, dm = 0;
  for (const auto& t : s.threads) {
    dd += t.dropped_depth;
    dn += t.dropped_nodes;
    dm += t.dropped_memory;
  }
  out += printf_str(",\"dropped\":{\"threads\":%" PRIu64 ",\"zone_sites\":%" PRIu64
                    ",\"depth\":%" PRIu64 ",\"tree\":%" PRIu64 ",\"memory\":%" PRIu64 "}",
                    s.threads_dropped, s.zones_dropped, dd, dn, dm);

  out += ",\"zones\":[";
  bool first = true;
  for (const auto& z : s.merged()) {
    if (!first) out += ',';
    first = false;
    out += '{';
    zone_fields_json(out, s, z);
    std::uint64_t nthreads = 0;
    for (const auto& t : s.threads) {
      for (const auto& tz : t.zones) nthreads += tz.zone == z.zone;
    }
    out += ",\"threads\":";
    json_num(out, nthreads);
    out += '}';
  }
  out += "],\"edges\":[";
  first = true;
  for (const auto& e : s.edges()) {
    if (!first) out += ',';
    first = false;
    out += "{\"parent\":";
    if (e.parent == 0) {
      out += "null";
    } else {
      json_str(out, zone_name(s, e.parent));
    }
    out += ",\"parent_id\":";
    json_num(out, std::uint64_t{e.parent});
    out += ",\"child\":";
    json_str(out, zone_name(s, e.child));
    out += ",\"child_id\":";
    json_num(out, std::uint64_t{e.child});
    out += ",\"calls\":";
    json_num(out, e.calls);
    out += ",\"total_ns\":";
    json_num(out, e.total_ns);
    out += '}';
  }
  out += "],\"threads\":[";
  first = true;
  for (const auto& t : s.threads) {
    if (!first) out += ',';
    first = false;
    out += "{\"index\":";
    json_num(out, std::uint64_t{t.index});
    out += ",\"name\":";
    json_str(out, t.name);
    out += ",\"exited\":";
    out += t.exited ? "true" : "false";
    out += printf_str(",\"dropped\":{\"depth\":%" PRIu64 ",\"tree\":%" PRIu64
                      ",\"memory\":%" PRIu64 "}",
                      t.dropped_depth, t.dropped_nodes, t.dropped_memory);
    out += ",\"events\":";
    json_num(out, std::uint64_t{t.events.size()});
    out += ",\"zones\":[";
    bool f2 = true;
    for (const auto& z : t.zones) {
      if (!f2) out += ',';
      f2 = false;
      out += '{';
      zone_fields_json(out, s, z);
      out += '}';
    }
    out += "],\"tree\":[";
    f2 = true;
    for (std::size_t i = 1; i < t.nodes.size(); ++i) {
      const TreeNode& n = t.nodes[i];
      if (!f2) out += ',';
      f2 = false;
      out += "{\"node\":";
      json_num(out, std::uint64_t{i});
      out += ",\"parent\":";
      json_num(out, std::uint64_t{n.parent});
      out += ",\"zone\":";
      json_num(out, std::uint64_t{n.zone});
      out += ",\"name\":";
      json_str(out, zone_name(s, n.zone));
      out += ",\"calls\":";
      json_num(out, n.calls);
      out += ",\"total_ns\":";
      json_num(out, n.total_ns);
      out += ",\"self_ns\":";
      json_num(out, n.self_ns);
      out += '}';
    }
    out += "]}";
  }
  out += "]}\n";
  return out;
}

// ---------------------------------------------------------------------------
// Chrome trace events.

void write_chrome_trace(std::ostream& os, const Snapshot& s, double last_seconds) {
  std::uint64_t from_ns = 0;
  if (last_seconds > 0) {
    const double w = last_seconds * 1e9;
    from_ns = static_cast<double>(s.now_ns) > w ? s.now_ns - static_cast<std::uint64_t>(w) : 0;
  }
  std::string out;
  out += "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"generator\":\"lobbyd-prof\",";
  out += printf_str("\"ticks_per_ns\":%.6f,\"ring_capacity\":%" PRIu64 "},", s.ticks_per_ns,
                    s.ring_capacity);
  out += "\"traceEvents\":[\n";
  out += "{\"ph\":\"M\",\"pid\":1,\"tid\":0,\"name\":\"process_name\",\"args\":{\"name\":"
         "\"lobbyd\"}}";
  os << out;
  for (const auto& t : s.threads) {
    const std::uint64_t tid = std::uint64_t{t.index} + 1;
    out.clear();
    out += printf_str(",\n{\"ph\":\"M\",\"pid\":1,\"tid\":%" PRIu64
                      ",\"name\":\"thread_name\",\"args\":{\"name\":",
                      tid);
    json_str(out, t.name);
    out += "}}";
    out += printf_str(",\n{\"ph\":\"M\",\"pid\":1,\"tid\":%" PRIu64
                      ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":%" PRIu64 "}}",
                      tid, tid);
    for (const Event& e : t.events) {
      if (e.start_ns + e.dur_ns < from_ns) continue;
      out += ",\n{\"ph\":\"X\",\"pid\":1,\"tid\":";
      json_num(out, tid);
      out += ",\"name\":";
      json_str(out, zone_name(s, e.zone));
      out += ",\"cat\":\"lobbyd\",\"ts\":";
      out += printf_str("%" PRIu64 ".%03" PRIu64, e.start_ns / 1000, e.start_ns % 1000);
      out += ",\"dur\":";
      out += printf_str("%" PRIu64 ".%03" PRIu64, e.dur_ns / 1000, e.dur_ns % 1000);
      out += '}';
      if (out.size() > (1u << 16)) {
        os << out;
        out.clear();
      }
    }
    os << out;
  }
  os << "\n]}\n";
}

// ---------------------------------------------------------------------------
// Folded stacks.

void write_folded(std::ostream& os, const Snapshot& s, bool thread_roots) {
  std::map<std::string, std::uint64_t> stacks;
  for (const auto& t : s.threads) {
    std::vector<std::string> path(t.nodes.size());
    if (!path.empty() && thread_roots) path[0] = folded_frame(t.name);
    // Parents are created before their children, so index order works.
    for (std::size_t i = 1; i < t.nodes.size(); ++i) {
      const TreeNode& n = t.nodes[i];
      const std::string& pp = n.parent < i ? path[n.parent] : path[0];
      path[i] = pp.empty() ? folded_frame(zone_name(s, n.zone))
                           : pp + ';' + folded_frame(zone_name(s, n.zone));
      if (n.self_ns != 0) stacks[path[i]] += n.self_ns;
    }
  }
  for (const auto& [stack, ns] : stacks) os << stack << ' ' << ns << '\n';
}

// ---------------------------------------------------------------------------
// Callgrind.

void write_callgrind(std::ostream& os, const Snapshot& s) {
  const auto merged = s.merged();
  const auto edges = s.edges();
  std::uint64_t summary = 0;
  for (const auto& z : merged) summary += z.self_ns;

  auto file_of = [&](std::uint32_t id) {
    if (id >= s.zones.size() || s.zones[id].file.empty()) return std::string("???");
    return one_line(s.zones[id].file);
  };
  auto line_of = [&](std::uint32_t id) -> std::uint64_t {
    return id < s.zones.size() ? s.zones[id].line : 0;
  };

  os << "# callgrind format\n"
     << "version: 1\n"
     << "creator: lobbyd-prof\n"
     << "cmd: lobbyd\n"
     << "positions: line\n"
     << "events: ns\n"
     << "summary: " << summary << "\n";
  for (const auto& z : merged) {
    os << "\nfl=" << file_of(z.zone) << "\nfn=" << one_line(zone_name(s, z.zone)) << '\n';
    os << line_of(z.zone) << ' ' << z.self_ns << '\n';
    for (const auto& e : edges) {
      if (e.parent != z.zone) continue;
      os << "cfl=" << file_of(e.child) << "\ncfn=" << one_line(zone_name(s, e.child)) << '\n';
      os << "calls=" << e.calls << ' ' << line_of(e.child) << '\n';
      os << line_of(z.zone) << ' ' << e.total_ns << '\n';
    }
  }
}

// ---------------------------------------------------------------------------
// All of them.

std::vector<std::filesystem::path> write_all(const std::filesystem::path& dir, const Snapshot& s,
                                             std::uint64_t busy_ns) {
  std::vector<std::filesystem::path> written;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return written;
  if (busy_ns == 0) busy_ns = s.busy_ns;
  auto put = [&](const char* name, auto&& fill) {
    const std::filesystem::path p = dir / name;
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    if (!f) return;
    fill(f);
    f.flush();
    if (f) written.push_back(p);
  };
  put("profile.txt", [&](std::ostream& f) { f << format_text(s, s.zones.size(), busy_ns); });
  put("profile.json", [&](std::ostream& f) { f << format_json(s); });
  put("trace.json", [&](std::ostream& f) { write_chrome_trace(f, s); });
  put("profile.folded", [&](std::ostream& f) { write_folded(f, s); });
  put("callgrind.out.lobbyd", [&](std::ostream& f) { write_callgrind(f, s); });
  return written;
}

}  // namespace lobbyd::prof
