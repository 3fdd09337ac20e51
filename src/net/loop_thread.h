#pragma once
// Loop-thread assertions (muduo's assertInLoopThread). A connection, its
// session and a table's timers belong to one worker: their state is touched
// from that worker's thread only, and other threads go through
// Worker::post / Worker::deliver (docs/architecture.md, "Threads and
// ownership"). A call from the wrong thread is a data race that shows up,
// if at all, as rare corruption under load; this turns it into an abort
// with the place of the call, on the first try.
//
//   LOBBYD_ASSERT_IN_LOOP(worker);   // worker: a net::Worker (or a reference)
//
// Active when LOBBYD_THREAD_CHECKS is defined (CMake defines it in Debug and
// sanitizer builds); otherwise it compiles to nothing, so it may sit on the
// hot path. The check is Worker::is_current(): the worker's run loop records
// itself in a thread_local before it runs its first handler.
//
// No include of worker.h here, so that worker.h itself can use the macro.

namespace lobbyd::net {

// Logs "<file>:<line>: <func> must run on worker <index>'s loop thread
// (called on <this thread>)" and aborts.
[[noreturn]] void loop_thread_violation(unsigned worker_index, const char* file, int line,
                                        const char* func) noexcept;

}  // namespace lobbyd::net

#ifdef LOBBYD_THREAD_CHECKS
#define LOBBYD_ASSERT_IN_LOOP(worker)                                                        \
  do {                                                                                       \
    const auto& lobbyd_loop_w_ = (worker);                                                   \
    if (!lobbyd_loop_w_.is_current())                                                        \
      ::lobbyd::net::loop_thread_violation(lobbyd_loop_w_.index(), __FILE__, __LINE__, __func__); \
  } while (0)
#else
#define LOBBYD_ASSERT_IN_LOOP(worker) \
  do {                                \
  } while (0)
#endif
