// Cost of a profiler zone (issue 6): off, on, on with several threads, nested,
// with the event ring, and the clock read it is built on. The compiled-out
// variant is in bench_prof_off.cpp. One iteration = one zone (nested: see
// items_per_second, 3 zones per iteration). Figures: docs/profiler.md.
#include <benchmark/benchmark.h>

#include <chrono>

#include "prof/clock.h"
#include "prof/profiler.h"

namespace {

using lobbyd::prof::Profiler;

// Switch on/off around a benchmark; with ->Threads(n) only thread 0 does it
// (the library's threads wait for each other at the loop's start and end).
struct Session {
  explicit Session(benchmark::State& st, bool on, std::size_t ring = 0) : st_(st) {
    if (st_.thread_index() != 0) return;
    auto& p = Profiler::instance();
    p.disable();
    p.set_ring_capacity(ring);
    p.reset();
    if (on) p.enable();
  }
  ~Session() {
    if (st_.thread_index() != 0) return;
    auto& p = Profiler::instance();
    p.disable();
    p.set_ring_capacity(0);
    p.reset();
  }
  benchmark::State& st_;
};

// The empty loop, for reference.
void BM_baseline_empty(benchmark::State& st) {
  for (auto _ : st) benchmark::ClobberMemory();
}
BENCHMARK(BM_baseline_empty);

void BM_zone_off(benchmark::State& st) {
  Session s(st, false);
  for (auto _ : st) {
    LOBBYD_ZONE("bench.off");
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_zone_off)->Threads(1)->Threads(2);

void BM_zone_on(benchmark::State& st) {
  Session s(st, true);
  for (auto _ : st) {
    LOBBYD_ZONE("bench.on");
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_zone_on)->Threads(1)->Threads(2);

void BM_zone_on_ring(benchmark::State& st) {
  Session s(st, true, 1 << 16);
  for (auto _ : st) {
    LOBBYD_ZONE("bench.on_ring");
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_zone_on_ring)->Threads(1)->Threads(2);

void BM_zone_nested3_on(benchmark::State& st) {
  Session s(st, true);
  for (auto _ : st) {
    LOBBYD_ZONE("bench.n1");
    {
      LOBBYD_ZONE("bench.n2");
      {
        LOBBYD_ZONE("bench.n3");
        benchmark::ClobberMemory();
      }
    }
  }
  st.SetItemsProcessed(st.iterations() * 3);
}
BENCHMARK(BM_zone_nested3_on);

void BM_zone_nested3_off(benchmark::State& st) {
  Session s(st, false);
  for (auto _ : st) {
    LOBBYD_ZONE("bench.m1");
    {
      LOBBYD_ZONE("bench.m2");
      {
        LOBBYD_ZONE("bench.m3");
        benchmark::ClobberMemory();
      }
    }
  }
  st.SetItemsProcessed(st.iterations() * 3);
}
BENCHMARK(BM_zone_nested3_off);

// What a zone's two timestamps cost by themselves.
void BM_clock_ticks(benchmark::State& st) {
  for (auto _ : st) benchmark::DoNotOptimize(lobbyd::prof::detail::ticks());
}
BENCHMARK(BM_clock_ticks);

void BM_clock_steady_now(benchmark::State& st) {
  for (auto _ : st) benchmark::DoNotOptimize(std::chrono::steady_clock::now());
}
BENCHMARK(BM_clock_steady_now);

}  // namespace
