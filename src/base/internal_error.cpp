#include "base/internal_error.h"

#include <spdlog/spdlog.h>
#include <stdexcept>

namespace lobbyd::base {

namespace {
constexpr std::size_t kN = static_cast<std::size_t>(Where::kCount);
constexpr std::array<std::string_view, kN> kNames = {"command", "http", "task", "store",
                                                      "blocking", "loop", "json"};
std::array<std::atomic<std::uint64_t>, kN> g_count{};
std::atomic<bool> g_injection{false};
std::array<std::atomic<bool>, kN> g_armed{};
std::atomic<bool> g_any_armed{false};
}  // namespace

std::string_view where_name(Where w) noexcept {
  auto i = static_cast<std::size_t>(w);
  return i < kN ? kNames[i] : "unknown";
}

Where parse_where(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kN; ++i)
    if (kNames[i] == name) return static_cast<Where>(i);
  return Where::kCount;
}

void internal_error(Where w, std::string_view what) noexcept {
  auto i = static_cast<std::size_t>(w);
  if (i >= kN) i = static_cast<std::size_t>(Where::kLoop);
  g_count[i].fetch_add(1, std::memory_order_relaxed);
  try {
    spdlog::error("internal error ({}): {}", kNames[i], what);
  } catch (...) {
  }
}

void internal_error(Where w, const std::exception_ptr& e) noexcept {
  try {
    if (e) std::rethrow_exception(e);
    internal_error(w, "unknown");
  } catch (const std::exception& ex) {
    internal_error(w, ex.what());
  } catch (...) {
    internal_error(w, "an exception that is not a std::exception");
  }
}

std::uint64_t internal_errors(Where w) noexcept {
  auto i = static_cast<std::size_t>(w);
  return i < kN ? g_count[i].load(std::memory_order_relaxed) : 0;
}

void enable_fault_injection() noexcept { g_injection.store(true); }
bool fault_injection_enabled() noexcept { return g_injection.load(); }

bool arm_fault(Where w) noexcept {
  auto i = static_cast<std::size_t>(w);
  if (!g_injection.load() || i >= kN) return false;
  g_armed[i].store(true);
  g_any_armed.store(true);
  return true;
}

void fault_point(Where w) {
  if (!g_any_armed.load(std::memory_order_relaxed)) return;
  auto i = static_cast<std::size_t>(w);
  if (i < kN && g_armed[i].exchange(false))
    throw std::runtime_error("injected fault at " + std::string(kNames[i]));
}

}  // namespace lobbyd::base
