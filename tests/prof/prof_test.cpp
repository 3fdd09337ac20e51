// Behaviour of the profiler library: exact counts for deterministic
// workloads, nesting (self/total, call tree), switching while zones are open,
// memory ownership, the event ring, caps, auto-off and the export formats.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "prof/profiler.h"

int compiled_out_work(int n);  // compiled_out.cpp: LOBBYD_PROFILER_DISABLED

namespace {

using namespace lobbyd::prof;
using namespace std::chrono_literals;

Profiler& P() { return Profiler::instance(); }

#if defined(LOBBYD_PROFILER_DISABLED)
#define REQUIRE_ZONES() GTEST_SKIP() << "built with LOBBYD_PROFILER_DISABLED"
#else
#define REQUIRE_ZONES() static_cast<void>(0)
#endif

class Prof : public ::testing::Test {
 protected:
  void SetUp() override {
    P().disable();
    P().set_auto_off(0);
    P().set_output_dir({});
    P().set_ring_capacity(0);
    P().set_memory_limit(std::size_t{256} << 20);
    P().set_busy_source(nullptr);
    P().reset();
  }
  void TearDown() override {
    P().disable();
    P().set_output_dir({});
    P().set_ring_capacity(0);
    P().reset();
  }
};

const ZoneStats* zone_in(const Snapshot& s, const ThreadProfile& t, std::string_view name) {
  for (const auto& z : t.zones) {
    if (s.zone_name(z.zone) == name) return &z;
  }
  return nullptr;
}

std::uint64_t calls_of(const Snapshot& s, std::string_view name) {
  std::uint64_t n = 0;
  for (const auto& z : s.merged()) {
    if (s.zone_name(z.zone) == name) n += z.calls;
  }
  return n;
}

const ThreadProfile* thread_named(const Snapshot& s, std::string_view name) {
  for (const auto& t : s.threads) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::uint64_t edge_calls(const Snapshot& s, std::string_view parent, std::string_view child) {
  std::uint64_t n = 0;
  for (const auto& e : s.edges()) {
    const std::string pn = e.parent == 0 ? "" : s.zone_name(e.parent);
    if (pn == parent && s.zone_name(e.child) == child) n += e.calls;
  }
  return n;
}

void spin_for(std::chrono::nanoseconds d) {
  const auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end) {
  }
}

std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Whether the text table has a row "zone thread calls ...".
bool has_row(const std::string& text, const std::string& zone, const std::string& thread,
             const std::string& calls) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto w = words(line);
    if (w.size() >= 3 && w[0] == zone && w[1] == thread && w[2] == calls) return true;
  }
  return false;
}

bool all_digits(std::string_view v) {
  return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "frame;frame;... <integer>", frames non-empty and without ';'.
bool folded_line_ok(const std::string& line) {
  const auto sp = line.rfind(' ');
  if (sp == std::string::npos || !all_digits(std::string_view(line).substr(sp + 1))) return false;
  const std::string stack = line.substr(0, sp);
  if (stack.empty() || stack.front() == ' ') return false;
  std::size_t start = 0;
  for (;;) {
    const auto semi = stack.find(';', start);
    if ((semi == std::string::npos ? stack.size() : semi) == start) return false;  // empty frame
    if (semi == std::string::npos) return true;
    start = semi + 1;
  }
}

// A callgrind line: comment, "key: value" header, spec line, calls= or cost line.
bool callgrind_line_ok(const std::string& line) {
  if (line.empty() || line[0] == '#') return true;
  for (const char* spec : {"fl=", "fn=", "cfl=", "cfn="}) {
    if (line.rfind(spec, 0) == 0) return line.size() > std::strlen(spec);
  }
  const auto w = words(line);
  if (line.rfind("calls=", 0) == 0) {
    return w.size() == 2 && all_digits(w[0].substr(6)) && all_digits(w[1]);
  }
  if (w.size() == 2 && all_digits(w[0]) && all_digits(w[1])) return true;
  const auto colon = line.find(": ");
  return colon != std::string::npos && colon > 0 &&
         std::all_of(line.begin(), line.begin() + static_cast<long>(colon),
                     [](char c) { return c >= 'a' && c <= 'z'; });
}

void leaf() { LOBBYD_ZONE("t.leaf"); }
void middle() {
  LOBBYD_ZONE("t.middle");
  leaf();
  leaf();
}
void outer(int n) {
  LOBBYD_ZONE("t.outer");
  for (int i = 0; i < n; ++i) middle();
  leaf();
}

void timed_parent() {
  LOBBYD_ZONE("t.timed_parent");
  spin_for(200us);
  {
    LOBBYD_ZONE("t.timed_child");
    spin_for(300us);
  }
}

int recurse(int n) {
  LOBBYD_ZONE("t.recurse");
  return n == 0 ? 0 : 1 + recurse(n - 1);
}

TEST_F(Prof, OffRecordsNothing) {
  REQUIRE_ZONES();
  for (int i = 0; i < 100; ++i) outer(3);
  EXPECT_FALSE(P().enabled());
  const Snapshot s = P().snapshot();
  EXPECT_TRUE(s.threads.empty());
  EXPECT_EQ(calls_of(s, "t.outer"), 0u);
}

TEST_F(Prof, ExactCountsOneThread) {
  REQUIRE_ZONES();
  P().enable();
  EXPECT_TRUE(P().enabled());
  for (int i = 0; i < 10; ++i) outer(3);
  P().disable();
  EXPECT_FALSE(P().enabled());
  for (int i = 0; i < 10; ++i) outer(3);  // off again: not counted

  const Snapshot s = P().snapshot();
  EXPECT_EQ(calls_of(s, "t.outer"), 10u);
  EXPECT_EQ(calls_of(s, "t.middle"), 30u);
  EXPECT_EQ(calls_of(s, "t.leaf"), 70u);
  EXPECT_EQ(edge_calls(s, "", "t.outer"), 10u);
  EXPECT_EQ(edge_calls(s, "t.outer", "t.middle"), 30u);
  EXPECT_EQ(edge_calls(s, "t.middle", "t.leaf"), 60u);
  EXPECT_EQ(edge_calls(s, "t.outer", "t.leaf"), 10u);
  ASSERT_EQ(s.threads.size(), 1u);
  const ThreadProfile& t = s.threads[0];
  EXPECT_FALSE(t.exited);
  // root, outer, outer/middle, outer/middle/leaf, outer/leaf
  EXPECT_EQ(t.nodes.size(), 5u);
  for (const auto& z : t.zones) {
    EXPECT_LE(z.self_ns, z.total_ns);
    EXPECT_LE(z.max_ns, z.total_ns);
    EXPECT_EQ(std::accumulate(z.hist.begin(), z.hist.end(), std::uint64_t{0}), z.calls);
  }
  // Node figures agree with the zone figures.
  std::uint64_t leaf_node_calls = 0;
  for (const auto& n : t.nodes) {
    if (n.zone != 0 && s.zone_name(n.zone) == "t.leaf") leaf_node_calls += n.calls;
  }
  EXPECT_EQ(leaf_node_calls, 70u);
}

TEST_F(Prof, SelfAndTotalTime) {
  REQUIRE_ZONES();
  P().enable();
  for (int i = 0; i < 5; ++i) timed_parent();
  P().disable();
  const Snapshot s = P().snapshot();
  ASSERT_EQ(s.threads.size(), 1u);
  const ZoneStats* parent = zone_in(s, s.threads[0], "t.timed_parent");
  const ZoneStats* child = zone_in(s, s.threads[0], "t.timed_child");
  ASSERT_NE(parent, nullptr);
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(parent->calls, 5u);
  EXPECT_EQ(child->calls, 5u);
  // Scheduling can only lengthen the spins; allow 10% calibration error.
  EXPECT_GE(child->total_ns, 5 * 270'000u);
  EXPECT_GE(parent->self_ns, 5 * 180'000u);
  EXPECT_GE(parent->total_ns, parent->self_ns + child->total_ns - 1000);
  EXPECT_LE(parent->self_ns + child->total_ns, parent->total_ns + 1000);
  EXPECT_EQ(child->self_ns, child->total_ns);
  EXPECT_GE(s.percentile_ns(*child, 0.5), 250'000.0);
  EXPECT_LE(s.percentile_ns(*child, 0.99), static_cast<double>(child->max_ns) + 1);
}

TEST_F(Prof, ExactCountsManyThreads) {
  REQUIRE_ZONES();
  constexpr int kThreads = 4, kIters = 1000;
  P().enable();
  std::vector<std::thread> ts;
  for (int i = 0; i < kThreads; ++i) {
    ts.emplace_back([i] {
      Profiler::set_thread_name("w" + std::to_string(i));
      for (int k = 0; k < kIters; ++k) outer(2);
    });
  }
  for (auto& t : ts) t.join();
  P().disable();
  const Snapshot s = P().snapshot();
  EXPECT_EQ(calls_of(s, "t.outer"), std::uint64_t{kThreads} * kIters);
  EXPECT_EQ(calls_of(s, "t.middle"), std::uint64_t{kThreads} * kIters * 2);
  EXPECT_EQ(calls_of(s, "t.leaf"), std::uint64_t{kThreads} * kIters * 5);
  for (int i = 0; i < kThreads; ++i) {
    const ThreadProfile* t = thread_named(s, "w" + std::to_string(i));
    ASSERT_NE(t, nullptr) << i;
    EXPECT_TRUE(t->exited);  // figures of an ended thread stay until reset
    const ZoneStats* z = zone_in(s, *t, "t.outer");
    ASSERT_NE(z, nullptr);
    EXPECT_EQ(z->calls, std::uint64_t{kIters});
  }
  P().reset();
  EXPECT_TRUE(P().snapshot().threads.empty());
}

TEST_F(Prof, StraddlingZonesAreDropped) {
  REQUIRE_ZONES();
  P().enable();
  {
    LOBBYD_ZONE("t.straddle_reset");
    P().reset();  // profiling stays on, figures start afresh
  }
  {
    LOBBYD_ZONE("t.straddle_off");
    P().disable();
  }
  P().enable();
  {
    LOBBYD_ZONE("t.straddle_offon");
    P().disable();
    P().enable();
  }
  {
    LOBBYD_ZONE("t.outer_straddles");
    P().disable();
    P().enable();
    LOBBYD_ZONE("t.inner_counted");
  }
  P().disable();
  {
    LOBBYD_ZONE("t.begun_off");
    P().enable();
  }
  {
    LOBBYD_ZONE("t.after");
  }
  P().disable();
  const Snapshot s = P().snapshot();
  EXPECT_EQ(calls_of(s, "t.straddle_off"), 0u);
  EXPECT_EQ(calls_of(s, "t.straddle_offon"), 0u);
  EXPECT_EQ(calls_of(s, "t.straddle_reset"), 0u);
  EXPECT_EQ(calls_of(s, "t.outer_straddles"), 0u);
  EXPECT_EQ(calls_of(s, "t.inner_counted"), 1u);
  // The inner zone keeps its place in the call tree.
  EXPECT_EQ(edge_calls(s, "t.outer_straddles", "t.inner_counted"), 1u);
  EXPECT_EQ(calls_of(s, "t.begun_off"), 0u);
  EXPECT_EQ(calls_of(s, "t.after"), 1u);
  EXPECT_EQ(edge_calls(s, "", "t.after"), 1u);
}

TEST_F(Prof, StraddleAcrossThreads) {
  REQUIRE_ZONES();
  // A zone open on another thread while we switch off and on is dropped;
  // the zones it runs afterwards are counted.
  std::mutex mu;
  std::condition_variable cv;
  int phase = 0;
  P().enable();
  std::thread t([&] {
    Profiler::set_thread_name("straddler");
    {
      LOBBYD_ZONE("t.long");
      std::unique_lock lk(mu);
      phase = 1;
      cv.notify_all();
      cv.wait(lk, [&] { return phase == 2; });
    }
    leaf();
  });
  {
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return phase == 1; });
    P().disable();
    P().enable();
    phase = 2;
    cv.notify_all();
  }
  t.join();
  P().disable();
  const Snapshot s = P().snapshot();
  EXPECT_EQ(calls_of(s, "t.long"), 0u);
  EXPECT_EQ(calls_of(s, "t.leaf"), 1u);
}

TEST_F(Prof, DepthCap) {
  REQUIRE_ZONES();
  P().enable();
  EXPECT_EQ(recurse(99), 99);  // 100 nested zones
  P().disable();
  const Snapshot s = P().snapshot();
  EXPECT_EQ(calls_of(s, "t.recurse"), std::uint64_t{kMaxDepth});
  ASSERT_EQ(s.threads.size(), 1u);
  EXPECT_EQ(s.threads[0].dropped_depth, 100u - kMaxDepth);
  // Recursion shows as a chain of nodes in the call tree.
  EXPECT_EQ(edge_calls(s, "t.recurse", "t.recurse"), kMaxDepth - 1u);
}

TEST_F(Prof, ResetFreesMemory) {
  REQUIRE_ZONES();
  const std::size_t before = P().memory_used();
  P().enable();
  outer(1);
  std::thread([] { outer(1); }).join();
  EXPECT_GT(P().memory_used(), before + 2 * 100'000);  // two threads' tables
  P().disable();
  const Snapshot s = P().snapshot();
  EXPECT_EQ(s.threads.size(), 2u);
  P().reset();
  // Left: this thread's small header (~2 KiB) only.
  EXPECT_LE(P().memory_used(), 4096u);
  EXPECT_TRUE(P().snapshot().threads.empty());
}

TEST_F(Prof, LiveThreadFreesRetiredMemoryAtNextZone) {
  REQUIRE_ZONES();
  std::mutex mu;
  std::condition_variable cv;
  int phase = 0;
  P().enable();
  std::thread t([&] {
    outer(1);
    std::unique_lock lk(mu);
    phase = 1;
    cv.notify_all();
    cv.wait(lk, [&] { return phase == 2; });
    lk.unlock();
    leaf();  // off, but owes an acknowledgement: frees its old table
    lk.lock();
    phase = 3;
    cv.notify_all();
    cv.wait(lk, [&] { return phase == 4; });
  });
  std::unique_lock lk(mu);
  cv.wait(lk, [&] { return phase == 1; });
  P().disable();
  const std::size_t with_block = P().memory_used();
  P().reset();
  EXPECT_EQ(P().memory_used(), with_block);  // the live thread's table waits for it
  EXPECT_NE(lobbyd::prof::detail::g_hot.load(), 0u);  // zones look while it is owed
  phase = 2;
  cv.notify_all();
  cv.wait(lk, [&] { return phase == 3; });
  EXPECT_LT(P().memory_used(), with_block - 100'000);
  EXPECT_EQ(lobbyd::prof::detail::g_hot.load(), 0u);  // nothing owed: off is free again
  phase = 4;
  cv.notify_all();
  lk.unlock();
  t.join();
}

TEST_F(Prof, IdleThreadMemoryAfterGraceAndExit) {
  REQUIRE_ZONES();
  std::mutex mu;
  std::condition_variable cv;
  int phase = 0;
  P().enable();
  std::thread t([&] {
    outer(1);
    std::unique_lock lk(mu);
    phase = 1;
    cv.notify_all();
    cv.wait(lk, [&] { return phase == 2; });  // idle: runs no zone
  });
  {
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return phase == 1; });
  }
  P().disable();
  const std::size_t with_block = P().memory_used();
  P().reset();
  EXPECT_NE(lobbyd::prof::detail::g_hot.load(), 0u);
  // After the grace period a switched-off zone is one load and a branch again.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (lobbyd::prof::detail::g_hot.load() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(lobbyd::prof::detail::g_hot.load(), 0u);
  EXPECT_EQ(P().memory_used(), with_block);  // still owned by the idle thread
  {
    std::lock_guard lk(mu);
    phase = 2;
    cv.notify_all();
  }
  t.join();  // its exit frees it
  EXPECT_LT(P().memory_used(), with_block - 100'000);
}

TEST_F(Prof, EventRingKeepsTheLastEvents) {
  REQUIRE_ZONES();
  P().set_ring_capacity(100);
  EXPECT_EQ(P().ring_capacity(), 128u);  // rounded up to a power of two
  P().enable();
  for (int i = 0; i < 1000; ++i) leaf();
  {
    LOBBYD_ZONE("t.last");
    leaf();
  }
  P().disable();
  const Snapshot s = P().snapshot();
  ASSERT_EQ(s.threads.size(), 1u);
  const auto& ev = s.threads[0].events;
  ASSERT_EQ(ev.size(), 127u);  // one slot may be the one being written
  for (std::size_t i = 1; i < ev.size(); ++i) EXPECT_LE(ev[i - 1].start_ns, ev[i].start_ns);
  EXPECT_EQ(s.zone_name(ev.back().zone), "t.leaf");  // the nested one, starts last
  EXPECT_EQ(ev.back().depth, 1u);
  EXPECT_EQ(s.zone_name(ev[ev.size() - 2].zone), "t.last");
  EXPECT_EQ(ev[ev.size() - 2].depth, 0u);
  EXPECT_LE(ev.back().start_ns + ev.back().dur_ns,
            ev[ev.size() - 2].start_ns + ev[ev.size() - 2].dur_ns + 1);
  EXPECT_LE(ev.back().start_ns, s.now_ns);
}

TEST_F(Prof, MemoryLimitRefusesThreads) {
  REQUIRE_ZONES();
  P().set_memory_limit(1);
  P().enable();
  outer(2);
  P().disable();
  const Snapshot s = P().snapshot();
  EXPECT_TRUE(s.threads.empty());
  EXPECT_EQ(s.threads_dropped, 1u);
  EXPECT_LE(P().memory_used(), 4096u);
}

TEST_F(Prof, AutoOffWritesOutput) {
  REQUIRE_ZONES();
  const auto dir = std::filesystem::temp_directory_path() /
                   ("lobbyd-prof-autooff-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  P().set_output_dir(dir);
  P().set_auto_off(0.2);
  P().enable();
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (P().enabled() && std::chrono::steady_clock::now() < deadline) {
    outer(1);
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_FALSE(P().enabled());
  P().set_auto_off(0);
  // The switch-off writes before last_written() is set.
  std::vector<std::filesystem::path> files;
  while (files.empty() && std::chrono::steady_clock::now() < deadline) {
    files = P().last_written();
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_EQ(files.size(), 5u);
  for (const auto& f : files) {
    EXPECT_TRUE(std::filesystem::exists(f)) << f;
    EXPECT_GT(std::filesystem::file_size(f), 0u) << f;
  }
  const Snapshot s = P().snapshot();
  EXPECT_GT(calls_of(s, "t.outer"), 0u);
  EXPECT_GE(s.profiled_ns, 150'000'000u);
  EXPECT_LE(s.profiled_ns, 3'000'000'000u);
  std::filesystem::remove_all(dir);
}

TEST_F(Prof, CompiledOutZonesRecordNothing) {
  P().enable();
  EXPECT_EQ(compiled_out_work(100), 4950);
  P().disable();
  const Snapshot s = P().snapshot();
  for (const auto& z : s.zones) EXPECT_NE(z.name, "t.compiled_out");
}

TEST_F(Prof, ZoneEndedOnAnotherThreadIsDropped) {
  REQUIRE_ZONES();
  static constinit ZoneDesc desc{"t.moved", __FILE__, __LINE__};
  P().enable();
  std::thread([] {
    std::optional<Zone> z;
    z.emplace(desc);
    std::thread([&] { z.reset(); }).join();
    leaf();  // this thread goes on recording
  }).join();
  P().disable();
  const Snapshot s = P().snapshot();
  EXPECT_EQ(calls_of(s, "t.moved"), 0u);
  EXPECT_EQ(calls_of(s, "t.leaf"), 1u);
}

TEST_F(Prof, TextReport) {
  REQUIRE_ZONES();
  P().enable();
  std::thread([] {
    Profiler::set_thread_name("worker-x");
    for (int i = 0; i < 3; ++i) outer(1);
  }).join();
  for (int i = 0; i < 2; ++i) outer(1);
  P().disable();
  const std::string txt = P().report_text(10, 1'000'000'000);
  EXPECT_NE(txt.find("lobbyd profile: stopped"), std::string::npos) << txt;
  EXPECT_NE(txt.find("calls"), std::string::npos);
  EXPECT_NE(txt.find("p99 \xc2\xb5s"), std::string::npos);
  EXPECT_NE(txt.find("% busy"), std::string::npos);
  EXPECT_NE(txt.find("(all)"), std::string::npos);
  EXPECT_NE(txt.find("worker-x"), std::string::npos);
  // t.outer: (all) row with 5 calls, worker-x with 3.
  EXPECT_TRUE(has_row(txt, "t.outer", "(all)", "5")) << txt;
  EXPECT_TRUE(has_row(txt, "t.outer", "worker-x", "3")) << txt;
  const std::string limited = P().report_text(1, 0);
  EXPECT_EQ(limited.find("t.leaf"), std::string::npos);  // only the top zone
  EXPECT_NE(limited.find("        -\n"), std::string::npos);  // no busy time given
}

TEST_F(Prof, FoldedStacks) {
  REQUIRE_ZONES();
  P().enable();
  for (int i = 0; i < 20; ++i) outer(2);
  P().disable();
  std::ostringstream os;
  P().write_folded(os);
  const std::string text = os.str();
  std::istringstream in(text);
  std::string line;
  int lines = 0;
  std::uint64_t sum = 0;
  bool saw_deep = false;
  while (std::getline(in, line)) {
    ++lines;
    EXPECT_TRUE(folded_line_ok(line)) << line;
    sum += std::stoull(line.substr(line.rfind(' ') + 1));
    if (line.rfind("t.outer;t.middle;t.leaf ", 0) == 0) saw_deep = true;
  }
  EXPECT_GE(lines, 3);
  EXPECT_TRUE(saw_deep) << text;
  EXPECT_TRUE(folded_line_ok("a b;c 12"));  // the checker itself
  EXPECT_FALSE(folded_line_ok("a;;b 1"));
  EXPECT_FALSE(folded_line_ok("a;b"));
  EXPECT_FALSE(folded_line_ok(" 1"));
  // The values are self times: they add up to the outermost zones' total.
  const Snapshot s = P().snapshot();
  std::uint64_t outer_total = 0;
  for (const auto& z : s.merged()) {
    if (s.zone_name(z.zone) == "t.outer") outer_total = z.total_ns;
  }
  EXPECT_NEAR(static_cast<double>(sum), static_cast<double>(outer_total),
              10.0 + outer_total * 1e-6);
  std::ostringstream os2;
  P().write_folded(os2, true);
  EXPECT_EQ(os2.str().rfind("thread-", 0), 0u) << os2.str();
}

TEST_F(Prof, CallgrindFormat) {
  REQUIRE_ZONES();
  P().enable();
  for (int i = 0; i < 10; ++i) outer(3);
  P().disable();
  std::ostringstream os;
  P().write_callgrind(os);
  const std::string cg = os.str();
  EXPECT_EQ(cg.rfind("# callgrind format\nversion: 1\n", 0), 0u);
  EXPECT_NE(cg.find("\nevents: ns\n"), std::string::npos);
  EXPECT_NE(cg.find("\nfn=t.outer\n"), std::string::npos);
  EXPECT_NE(cg.find("\ncfn=t.middle\ncalls=30 "), std::string::npos) << cg;
  EXPECT_NE(cg.find("\ncfn=t.leaf\ncalls=60 "), std::string::npos) << cg;
  // Every line is a header, a spec line or a cost line.
  std::istringstream in(cg);
  std::string line;
  while (std::getline(in, line)) EXPECT_TRUE(callgrind_line_ok(line)) << line;
}

TEST_F(Prof, JsonReportAndChromeTraceShape) {
  REQUIRE_ZONES();
  P().set_ring_capacity(1024);
  P().set_busy_source([] { return std::uint64_t{0}; });
  P().enable();
  for (int i = 0; i < 4; ++i) outer(1);
  P().disable();
  const std::string js = P().report_json();
  EXPECT_EQ(js.front(), '{');
  EXPECT_NE(js.find("\"name\":\"t.outer\""), std::string::npos);
  EXPECT_NE(js.find("\"calls\":4,"), std::string::npos);
  std::ostringstream os;
  P().write_chrome_trace(os);
  const std::string tr = os.str();
  EXPECT_NE(tr.find("\"traceEvents\":["), std::string::npos);
  EXPECT_NE(tr.find("\"ph\":\"X\""), std::string::npos);
  // outer(1) = outer, middle, 2 leaves, leaf: 5 events, 4 times.
  std::size_t n = 0;
  for (std::size_t p = tr.find("\"ph\":\"X\""); p != std::string::npos;
       p = tr.find("\"ph\":\"X\"", p + 1)) {
    ++n;
  }
  EXPECT_EQ(n, 20u);
  // Balanced brackets and quotes (the full parse is in check_exports.py).
  int depth = 0;
  bool in_str = false;
  for (std::size_t i = 0; i < tr.size(); ++i) {
    const char c = tr[i];
    if (in_str) {
      if (c == '\\') ++i;
      else if (c == '"') in_str = false;
    } else if (c == '"') {
      in_str = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
      ASSERT_GE(depth, 0);
    }
  }
  EXPECT_EQ(depth, 0);
  EXPECT_FALSE(in_str);
}

TEST_F(Prof, WriteAll) {
  REQUIRE_ZONES();
  P().enable();
  outer(2);
  P().disable();
  const auto dir = std::filesystem::temp_directory_path() /
                   ("lobbyd-prof-all-" + std::to_string(::getpid()));
  const auto files = P().write_all(dir, 123);
  ASSERT_EQ(files.size(), 5u);
  std::vector<std::string> names;
  for (const auto& f : files) names.push_back(f.filename().string());
  EXPECT_EQ(names, (std::vector<std::string>{"profile.txt", "profile.json", "trace.json",
                                              "profile.folded", "callgrind.out.lobbyd"}));
  std::filesystem::remove_all(dir);
}

TEST(ProfHistogram, BucketsAreContiguousAndMonotonic) {
  using namespace lobbyd::prof::hist;
  for (unsigned i = 0; i + 1 < kBuckets; ++i) {
    EXPECT_EQ(bucket_high(i), bucket_low(i + 1)) << i;
    EXPECT_EQ(bucket_of(bucket_low(i)), i) << i;
    EXPECT_EQ(bucket_of(bucket_high(i) - 1), i) << i;
  }
  EXPECT_EQ(bucket_of(~std::uint64_t{0}), kBuckets - 1);
  std::uint64_t h[kBuckets] = {};
  for (std::uint64_t v = 1; v <= 1000; ++v) ++h[bucket_of(v * 1000)];
  const double p50 = percentile(h, 0.5, 1'000'000);
  EXPECT_GT(p50, 500'000 * 0.8);
  EXPECT_LT(p50, 500'000 * 1.2);
  EXPECT_LE(percentile(h, 0.99, 1'000'000), 1'000'000.0);
  EXPECT_GT(percentile(h, 0.99, 1'000'000), 990'000 * 0.8);
}

}  // namespace
