#pragma once
// The profiler's timestamp source: raw clock ticks, converted to nanoseconds
// only when a report is made (Snapshot::ticks_per_ns). On x86-64 this is the
// TSC (RDTSC, not serialising: ~12 ns on the AMD EPYC VM where lobbyd was
// measured, versus ~28 ns for steady_clock::now() through the vDSO); on
// AArch64 the virtual counter; elsewhere, or with LOBBYD_PROF_STEADY_CLOCK,
// std::chrono::steady_clock in nanoseconds. Internal header.
#include <chrono>
#include <cstdint>

#if !defined(LOBBYD_PROF_STEADY_CLOCK) && (defined(__x86_64__) || defined(__i386__))
#include <x86intrin.h>
#define LOBBYD_PROF_TSC 1
#elif !defined(LOBBYD_PROF_STEADY_CLOCK) && defined(__aarch64__)
#define LOBBYD_PROF_CNTVCT 1
#endif

namespace lobbyd::prof::detail {

// True when ticks() are nanoseconds already (no calibration needed).
#if defined(LOBBYD_PROF_TSC) || defined(LOBBYD_PROF_CNTVCT)
inline constexpr bool kTicksAreNs = false;
#else
inline constexpr bool kTicksAreNs = true;
#endif

inline std::uint64_t ticks() noexcept {
#if defined(LOBBYD_PROF_TSC)
  return __rdtsc();
#elif defined(LOBBYD_PROF_CNTVCT)
  std::uint64_t v;
  asm volatile("mrs %0, cntvct_el0" : "=r"(v));
  return v;
#else
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
#endif
}

}  // namespace lobbyd::prof::detail
