// Built with LOBBYD_PROFILER_DISABLED: LOBBYD_ZONE expands to nothing here.
#include <benchmark/benchmark.h>

#include "prof/profiler.h"

#if !defined(LOBBYD_PROFILER_DISABLED)
#error "bench_prof_off.cpp must be built with LOBBYD_PROFILER_DISABLED"
#endif

namespace {

void BM_zone_compiled_out(benchmark::State& st) {
  for (auto _ : st) {
    LOBBYD_ZONE("bench.compiled_out");
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_zone_compiled_out)->Threads(1)->Threads(2);

}  // namespace
