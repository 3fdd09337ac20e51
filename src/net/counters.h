#pragma once
// Per-worker counters. Each has a single writer (its worker thread), so an
// increment is a relaxed load and store, not a locked read-modify-write; any
// thread may read them (STATS, the periodic log line).
#include <array>
#include <atomic>
#include <cstdint>

namespace lobbyd::net {

class Counter {
 public:
  void add(std::uint64_t n = 1) noexcept {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void sub(std::uint64_t n = 1) noexcept {
    v_.store(v_.load(std::memory_order_relaxed) - n, std::memory_order_relaxed);
  }
  std::uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

struct WorkerCounters {
  Counter connections;      // open now
  Counter tls_connections;  // of which over TLS
  Counter ws_connections;   // of which over WebSocket
  Counter accepted;         // total since start
  Counter msgs_in, msgs_out, bytes_in, bytes_out;
  Counter sendq_cuts;       // slow readers cut
  Counter flood_cuts;       // excess flood
  Counter busy_ns;          // time spent in handlers
  Counter wakeups;          // handler invocations measured
  // Handler durations (a histogram: how long the loop was blind to other
  // sockets). Bucket i counts handlers of at most kHandlerBucketsUs[i] µs;
  // the last one counts the rest.
  static constexpr std::array<std::uint32_t, 10> kHandlerBucketsUs = {10,    50,    100,    500,    1000,
                                                                        5000,  10000, 50000, 100000, 1000000};
  std::array<Counter, kHandlerBucketsUs.size() + 1> handler_buckets;
  void record_handler(std::uint64_t ns) noexcept {
    std::size_t i = 0;
    while (i < kHandlerBucketsUs.size() && ns > std::uint64_t(kHandlerBucketsUs[i]) * 1000) ++i;
    handler_buckets[i].add();
  }
};

struct CounterSnapshot {
  std::uint64_t connections, accepted, msgs_in, msgs_out, bytes_in, bytes_out, sendq_cuts,
      flood_cuts, busy_ns, wakeups;
  static CounterSnapshot of(const WorkerCounters& c) noexcept {
    return {c.connections.get(), c.accepted.get(), c.msgs_in.get(),  c.msgs_out.get(),
            c.bytes_in.get(),    c.bytes_out.get(), c.sendq_cuts.get(), c.flood_cuts.get(),
            c.busy_ns.get(),     c.wakeups.get()};
  }
};

}  // namespace lobbyd::net
