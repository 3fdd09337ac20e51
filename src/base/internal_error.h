#pragma once
// The last line of defence. No exception is expected on the data path
// (errors are values); should one escape a handler anyway, the boundary that
// catches it calls internal_error(): a log line, a counter
// (lobbyd_internal_errors_total{where}) and, in the caller, at worst the close
// of the one connection involved - never the process.
//
// Fault injection (tests only): with `lobbyd --fault-injection`, the FAULT
// command arms one boundary, and the next fault_point() there throws.
#include <array>
#include <atomic>
#include <cstdint>
#include <exception>
#include <string_view>

namespace lobbyd::base {

enum class Where : unsigned {
  kCommand,   // one IRC command's handler (dispatch)
  kHttp,      // one HTTP request
  kTask,      // a task posted to a worker (Worker::post)
  kStore,     // a store callback (query answers, control plane)
  kBlocking,  // work on the side threads (password hashing, exports)
  kLoop,      // anything else that reached a worker's io_context::run
  kJson,      // JSON text that could not be produced
  kCount
};

std::string_view where_name(Where w) noexcept;

// Logs and counts one caught exception. Any thread; never throws.
void internal_error(Where w, std::string_view what) noexcept;
void internal_error(Where w, const std::exception_ptr& e) noexcept;

std::uint64_t internal_errors(Where w) noexcept;

// Runs f; an exception is reported and false returned.
template <class F>
bool guarded(Where w, F&& f) noexcept {
  try {
    f();
    return true;
  } catch (...) {
    internal_error(w, std::current_exception());
    return false;
  }
}

// --- fault injection ---
void enable_fault_injection() noexcept;
bool fault_injection_enabled() noexcept;
// Arms `w`: the next fault_point(w) throws. False when injection is off.
bool arm_fault(Where w) noexcept;
// Throws std::runtime_error if `w` is armed (and disarms it). A relaxed load
// when nothing is armed.
void fault_point(Where w);
// Parses "command", "http", ... ; kCount if unknown.
Where parse_where(std::string_view name) noexcept;

}  // namespace lobbyd::base
