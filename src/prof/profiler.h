#pragma once
// lobbyd's live profiler (issue 6). See docs/profiler.md.
//
//   void Connection::flush() {
//     LOBBYD_ZONE("net.write");   // times this scope while the profiler is on
//     ...
//   }
//
//   auto& p = lobbyd::prof::Profiler::instance();
//   p.enable();   ...   p.disable();
//   std::cout << p.report_text(20, busy_ns);
//   p.write_all("/tmp/lobbyd-prof");   // text, JSON, Chrome trace, folded, callgrind
//   p.reset();                          // frees what profiling allocated
//
// Cost: while off a zone is one relaxed atomic load and a branch (no store,
// no call, no allocation). While on, each thread records into its own memory
// (single-writer relaxed atomics, no shared read-modify-write, no lock); a
// thread takes the profiler's mutex only on its first zone after a switch.
// Defining LOBBYD_PROFILER_DISABLED (CMake option of the same name) makes
// LOBBYD_ZONE expand to nothing; the rest of the API stays available.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "prof/histogram.h"

namespace lobbyd::prof {

// Bounds. Whatever runs, memory stays below
//   live_threads * ~2 KiB  +  min(threads, kMaxThreads) * (~150 KiB + ring)
//   + zones touched per thread * ~1 KiB, and below set_memory_limit().
inline constexpr std::uint32_t kMaxZones = 1024;      // distinct zone sites per process
inline constexpr std::uint32_t kMaxDepth = 64;        // nesting depth recorded per thread
inline constexpr std::uint32_t kMaxNodes = 4096;      // call-tree nodes per thread (root included)
inline constexpr std::uint32_t kMaxThreads = 256;     // threads recorded per session
inline constexpr std::uint32_t kMaxRingEvents = 1u << 20;  // per thread
inline constexpr std::uint32_t kHistBuckets = hist::kBuckets;

// A zone site: a static object made by LOBBYD_ZONE (constant-initialised, no
// guard). Its id is assigned at first use while profiling is on.
struct ZoneDesc {
  constexpr ZoneDesc(const char* n, const char* f, std::uint32_t l) noexcept
      : name(n), file(f), line(l) {}
  ZoneDesc(const ZoneDesc&) = delete;
  ZoneDesc& operator=(const ZoneDesc&) = delete;

  const char* const name;
  const char* const file;
  const std::uint32_t line;
  // 0: not registered yet; 1..kMaxZones: the zone's id; kNoId: over the cap.
  std::atomic<std::uint32_t> id{0};
  static constexpr std::uint32_t kNoId = 0xffffffffu;
};

namespace detail {
struct ThreadState;
// 0 while profiling is off (and no thread owes an acknowledgement); otherwise
// (generation << 2) | enabled << 1 | ack-pending. Every enable, disable and
// reset bumps the generation, so a zone that straddles a switch sees a
// different word at its end and is dropped.
alignas(64) extern std::atomic<std::uint64_t> g_hot;
struct Handle {
  ThreadState* ts;
  std::uint32_t depth;
};
Handle zone_begin(ZoneDesc& d, std::uint64_t word) noexcept;
void zone_end(ThreadState* ts, std::uint32_t depth) noexcept;
}  // namespace detail

// A scoped zone. Must end on the thread that began it (a zone must not span a
// coroutine suspension that may resume elsewhere: such a zone is dropped).
class Zone {
 public:
  explicit Zone(ZoneDesc& d) noexcept {
    const std::uint64_t w = detail::g_hot.load(std::memory_order_relaxed);
    if (w != 0) [[unlikely]] {
      const detail::Handle h = detail::zone_begin(d, w);
      ts_ = h.ts;
      depth_ = h.depth;
    }
  }
  ~Zone() {
    if (ts_ != nullptr) [[unlikely]] detail::zone_end(ts_, depth_);
  }
  Zone(const Zone&) = delete;
  Zone& operator=(const Zone&) = delete;

 private:
  detail::ThreadState* ts_ = nullptr;
  std::uint32_t depth_ = 0;
};

// ---------------------------------------------------------------------------
// Snapshot: a consistent copy of the figures (all times in nanoseconds).

struct ZoneInfo {
  std::string name;
  std::string file;
  std::uint32_t line = 0;
};

struct ZoneStats {
  std::uint32_t zone = 0;  // index into Snapshot::zones
  std::uint64_t calls = 0;
  std::uint64_t total_ns = 0;  // inclusive
  std::uint64_t self_ns = 0;   // total minus the recorded child zones
  std::uint64_t max_ns = 0;
  std::array<std::uint64_t, kHistBuckets> hist{};  // clock-tick buckets, see histogram.h
  double mean_ns() const noexcept {
    return calls ? static_cast<double>(total_ns) / static_cast<double>(calls) : 0.0;
  }
};

// One node of a thread's call tree: a zone reached through one path of zones.
struct TreeNode {
  std::uint32_t parent = 0;  // node index; node 0 is the root (zone 0, no figures)
  std::uint32_t zone = 0;
  std::uint64_t calls = 0;
  std::uint64_t total_ns = 0;
  std::uint64_t self_ns = 0;  // total minus its children's totals
};

// One zone execution from the event ring (flight recorder).
struct Event {
  std::uint64_t start_ns = 0;  // since the session began (first enable after reset)
  std::uint64_t dur_ns = 0;
  std::uint32_t zone = 0;
  std::uint32_t depth = 0;  // 0 = outermost
};

struct ThreadProfile {
  std::uint32_t index = 0;  // registration order, stable for the thread's life
  std::string name;
  bool exited = false;
  std::vector<ZoneStats> zones;  // zones with calls, by zone id
  std::vector<TreeNode> nodes;   // nodes[0] is the root
  std::vector<Event> events;     // chronological, oldest first
  std::uint64_t dropped_depth = 0;   // zones deeper than kMaxDepth
  std::uint64_t dropped_nodes = 0;   // zone calls outside the tree (kMaxNodes reached)
  std::uint64_t dropped_memory = 0;  // zone calls not recorded: memory limit
};

struct Edge {
  std::uint32_t parent = 0;  // zone id, 0 = none (outermost zone)
  std::uint32_t child = 0;
  std::uint64_t calls = 0;
  std::uint64_t total_ns = 0;  // child's inclusive time under this parent
};

struct Snapshot {
  bool enabled = false;
  std::uint64_t profiled_ns = 0;  // time switched on in this session
  std::uint64_t busy_ns = 0;      // from set_busy_source() over the on-time; 0 if none
  std::uint64_t now_ns = 0;       // when taken, on the events' time base
  std::uint64_t memory_bytes = 0;
  std::uint64_t memory_limit = 0;
  std::uint64_t ring_capacity = 0;
  std::uint64_t threads_dropped = 0;  // threads not recorded (kMaxThreads or memory)
  std::uint64_t zones_dropped = 0;    // zone sites refused (kMaxZones)
  double ticks_per_ns = 1.0;
  std::vector<ZoneInfo> zones;  // by zone id; zones[0] is "<root>"
  std::vector<ThreadProfile> threads;

  // The zone's q-quantile (0..1) in ns, from its histogram.
  double percentile_ns(const ZoneStats& z, double q) const noexcept;
  // Per zone, summed over threads (histograms merged), by zone id.
  std::vector<ZoneStats> merged() const;
  // Caller -> callee figures summed over all threads and tree paths.
  std::vector<Edge> edges() const;
  const std::string& zone_name(std::uint32_t id) const { return zones.at(id).name; }
};

// Exporters (export.cpp); Profiler's methods call them on a fresh snapshot.
// Text table: the max_zones zones with most total time, one row per thread
// plus an "(all)" row when a zone ran on several threads. busy_ns (0: column
// shows "-") is the loop busy time the percentage refers to.
std::string format_text(const Snapshot& s, std::size_t max_zones, std::uint64_t busy_ns);
std::string format_json(const Snapshot& s);
// Chrome trace-event JSON (complete "X" events) from the event rings; opens in
// Perfetto and chrome://tracing. last_seconds > 0 keeps only events that
// ended in that window before the snapshot.
void write_chrome_trace(std::ostream& os, const Snapshot& s, double last_seconds = 0);
// Folded stacks ("a;b;c <self ns>"), for flamegraph.pl and speedscope.
void write_folded(std::ostream& os, const Snapshot& s, bool thread_roots = false);
// Callgrind format (KCachegrind, QCachegrind): event "ns" (self time).
void write_callgrind(std::ostream& os, const Snapshot& s);
std::vector<std::filesystem::path> write_all(const std::filesystem::path& dir, const Snapshot& s,
                                             std::uint64_t busy_ns);

// ---------------------------------------------------------------------------

class Profiler {
 public:
  static Profiler& instance() noexcept;

  // Switches. Each is safe from any thread at any time, also while zones are
  // open on other threads: zones that straddle a switch are dropped.
  void enable();
  // Also writes write_all(output_dir) when set_output_dir() named one.
  void disable();
  // Drops all figures and frees the memory profiling allocated: at once for
  // exited threads and the caller; another live thread (which may be inside a
  // zone right now) frees its own at its next zone or at its exit (see
  // docs/profiler.md, Memory). Profiling stays on if it was.
  void reset();
  bool enabled() const noexcept;

  Snapshot snapshot() const;
  std::string report_text(std::size_t max_zones = 30, std::uint64_t busy_ns = 0) const;
  std::string report_json() const;
  void write_chrome_trace(std::ostream& os, double last_seconds = 0) const;
  void write_folded(std::ostream& os, bool thread_roots = false) const;
  void write_callgrind(std::ostream& os) const;
  // Writes profile.txt, profile.json, trace.json, profile.folded and
  // callgrind.out.lobbyd into dir (created if needed); returns the files
  // written. busy_ns 0: use the busy source's figure, if any.
  std::vector<std::filesystem::path> write_all(const std::filesystem::path& dir,
                                               std::uint64_t busy_ns = 0) const;

  // Bytes allocated by the profiler now (thread headers, per-thread tables,
  // zone records, event rings, memory awaiting release after a reset).
  std::size_t memory_used() const noexcept;

  // Settings.
  // Switch off automatically this long after enable(); 0: never (default).
  // Set while on, it re-arms from now.
  void set_auto_off(double seconds);
  // Event ring (flight recorder) per thread; 0: none (default). Rounded up to
  // a power of two (at most kMaxRingEvents); shows the last capacity - 1
  // events. Applies to per-thread tables allocated afterwards: call it before
  // enable(), or reset() after it.
  void set_ring_capacity(std::size_t events_per_thread);
  std::size_t ring_capacity() const noexcept;
  // Cap on the bytes the profiler allocates (default 256 MiB).
  void set_memory_limit(std::size_t bytes);
  // Directory written (write_all) at every switch-off; empty: none (default).
  void set_output_dir(std::filesystem::path dir);
  // The files written by the last switch-off.
  std::vector<std::filesystem::path> last_written() const;
  // Cumulative loop busy time in ns (e.g. the sum of the workers' busy_ns);
  // sampled at each switch so reports can show the busy time while on.
  void set_busy_source(std::function<std::uint64_t()> source);

  // Names the calling thread in reports ("worker-0"). Default "thread-N".
  static void set_thread_name(std::string_view name);

 private:
  Profiler() = default;
};

}  // namespace lobbyd::prof

#define LOBBYD_PROF_CAT2(a, b) a##b
#define LOBBYD_PROF_CAT(a, b) LOBBYD_PROF_CAT2(a, b)

#if defined(LOBBYD_PROFILER_DISABLED)
#define LOBBYD_ZONE(name) static_cast<void>(0)
#else
// One zone for the rest of the enclosing scope. name: a string literal.
#define LOBBYD_ZONE(name) LOBBYD_ZONE_AT_(name, __COUNTER__)
#define LOBBYD_ZONE_AT_(name, n)                                                     \
  static constinit ::lobbyd::prof::ZoneDesc LOBBYD_PROF_CAT(lobbyd_zone_desc_, n){   \
      name, __FILE__, __LINE__};                                                     \
  const ::lobbyd::prof::Zone LOBBYD_PROF_CAT(lobbyd_zone_, n) {                      \
    LOBBYD_PROF_CAT(lobbyd_zone_desc_, n)                                            \
  }
#endif
