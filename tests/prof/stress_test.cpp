// Switching on and off, resetting and reading from several threads while
// others run zones (and threads come and go). Written for ThreadSanitizer
// (prof_tests_tsan, -DLOBBYD_TSAN=ON) but runs in every build. Duration:
// PROF_STRESS_MS (default 1500 ms).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "prof/profiler.h"

namespace {

using namespace lobbyd::prof;
using namespace std::chrono_literals;

#if defined(LOBBYD_PROFILER_DISABLED)
#define REQUIRE_ZONES() GTEST_SKIP() << "built with LOBBYD_PROFILER_DISABLED"
#else
#define REQUIRE_ZONES() static_cast<void>(0)
#endif

void s_leaf() { LOBBYD_ZONE("s.leaf"); }
void s_mid(int k) {
  LOBBYD_ZONE("s.mid");
  for (int i = 0; i < k; ++i) s_leaf();
}
void s_top() {
  LOBBYD_ZONE("s.top");
  s_mid(2);
  s_leaf();
}

std::uint64_t calls_of(const Snapshot& s, std::string_view name) {
  std::uint64_t n = 0;
  for (const auto& z : s.merged()) {
    if (s.zone_name(z.zone) == name) n += z.calls;
  }
  return n;
}

// What must hold in any snapshot, even one taken while zones run.
void check_invariants(const Snapshot& s) {
  for (const auto& t : s.threads) {
    for (const auto& z : t.zones) {
      ASSERT_GT(z.calls, 0u);
      ASSERT_LE(z.self_ns, z.total_ns + 1) << s.zone_name(z.zone);
      ASSERT_LE(z.max_ns, z.total_ns + 1) << s.zone_name(z.zone);
      if (t.dropped_nodes == 0) {
        // Tree nodes are updated inside the zone record's seqlock.
        std::uint64_t node_calls = 0;
        for (const auto& n : t.nodes) node_calls += n.zone == z.zone ? n.calls : 0;
        ASSERT_EQ(node_calls, z.calls) << s.zone_name(z.zone) << " on " << t.name;
      }
    }
    for (std::size_t i = 1; i < t.nodes.size(); ++i) {
      ASSERT_LT(t.nodes[i].parent, i);
      ASSERT_LE(t.nodes[i].self_ns, t.nodes[i].total_ns);
    }
    for (std::size_t i = 1; i < t.events.size(); ++i) {
      ASSERT_LE(t.events[i - 1].start_ns, t.events[i].start_ns);
    }
  }
}

TEST(ProfStress, SwitchResetAndReadWhileZonesRun) {
  REQUIRE_ZONES();
  auto& p = Profiler::instance();
  p.disable();
  p.set_auto_off(0);
  p.set_output_dir({});
  p.set_ring_capacity(256);
  p.reset();

  int ms = 1500;
  if (const char* e = std::getenv("PROF_STRESS_MS")) ms = std::max(100, std::atoi(e));
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> snapshots{0}, switches{0}, spawned{0};
  std::vector<std::thread> threads;

  for (int w = 0; w < 3; ++w) {
    threads.emplace_back([&, w] {
      Profiler::set_thread_name("stress-" + std::to_string(w));
      while (!stop.load(std::memory_order_relaxed)) s_top();
    });
  }
  // Threads that come and go (their figures stay until reset).
  threads.emplace_back([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      std::thread([] {
        for (int i = 0; i < 50; ++i) s_top();
      }).join();
      spawned.fetch_add(1, std::memory_order_relaxed);
    }
  });
  for (int k = 0; k < 2; ++k) {
    threads.emplace_back([&, k] {
      std::mt19937 rng(1234 + k);
      while (!stop.load(std::memory_order_relaxed)) {
        switch (rng() % 8) {
          case 0:
          case 1:
          case 2: p.enable(); break;
          case 3:
          case 4: p.disable(); break;
          case 5: p.reset(); break;
          case 6: p.set_ring_capacity(rng() % 2 ? 0 : 64 + rng() % 512); break;
          default: std::this_thread::sleep_for(100us); break;
        }
        switches.fetch_add(1, std::memory_order_relaxed);
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 300));
      }
    });
  }
  threads.emplace_back([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      const Snapshot s = p.snapshot();
      check_invariants(s);
      std::ostringstream os;
      os << format_text(s, 50, 1'000'000) << format_json(s);
      write_chrome_trace(os, s, 0.5);
      write_folded(os, s, true);
      write_callgrind(os, s);
      EXPECT_FALSE(os.str().empty());
      (void)p.memory_used();
      snapshots.fetch_add(1, std::memory_order_relaxed);
    }
  });

  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  stop.store(true);
  for (auto& t : threads) t.join();
  EXPECT_GT(snapshots.load(), 0u);
  EXPECT_GT(switches.load(), 10u);
  EXPECT_GT(spawned.load(), 0u);

  // Quiet now: every zone recorded is whole (histogram = calls).
  p.disable();
  {
    const Snapshot s = p.snapshot();
    check_invariants(s);
    for (const auto& t : s.threads) {
      for (const auto& z : t.zones) {
        EXPECT_EQ(std::accumulate(z.hist.begin(), z.hist.end(), std::uint64_t{0}), z.calls);
      }
    }
  }

  // After the storm: exact counts again, and reset gives the memory back.
  p.set_ring_capacity(0);
  p.reset();
  p.enable();
  std::vector<std::thread> exact;
  for (int w = 0; w < 2; ++w) {
    exact.emplace_back([] {
      for (int i = 0; i < 500; ++i) s_top();
    });
  }
  for (auto& t : exact) t.join();
  p.disable();
  const Snapshot s = p.snapshot();
  EXPECT_EQ(calls_of(s, "s.top"), 1000u);
  EXPECT_EQ(calls_of(s, "s.mid"), 1000u);
  EXPECT_EQ(calls_of(s, "s.leaf"), 3000u);
  p.reset();
  EXPECT_LE(p.memory_used(), 4096u);  // at most this thread's header
}

}  // namespace
