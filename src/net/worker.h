#pragma once
// A worker is one thread running one io_context. It owns the connections
// accepted onto it: their sockets, buffers and timers are touched only from
// its thread. Other threads reach a connection by posting to its worker
// (deliver(), post()). See docs/architecture.md.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "base/internal_error.h"
#include "net/counters.h"
#include "net/loop_thread.h"
#include "net/shared_buffer.h"

namespace lobbyd::net {

class Connection;
using ConnectionPtr = std::shared_ptr<Connection>;
using Clock = std::chrono::steady_clock;

class Worker {
 public:
  explicit Worker(unsigned index);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  unsigned index() const noexcept { return index_; }
  boost::asio::io_context& io() noexcept { return io_; }
  WorkerCounters& counters() noexcept { return counters_; }
  const WorkerCounters& counters() const noexcept { return counters_; }

  // The worker whose thread is calling, or nullptr on other threads (the
  // loop records itself in a thread_local before its first handler). Also
  // the test behind LOBBYD_ASSERT_IN_LOOP (net/loop_thread.h).
  static Worker* current() noexcept;
  bool is_current() const noexcept { return current() == this; }

  void start();  // runs the loop on a new thread
  // Runs the handlers that are ready now on the calling thread, as this
  // worker's loop thread (Worker::current() is this worker meanwhile), and
  // returns how many ran. For in-process drivers that step several workers
  // from one thread, deterministically (fuzz/fuzz_session.cpp, core tests);
  // never together with start().
  std::size_t poll_here();
  void stop();   // any thread: stops the loop; connections are left as they are
  void join();

  // Any thread. A task that throws is logged and counted
  // (lobbyd_internal_errors_total{where="task"}); the loop goes on.
  template <class F>
  void post(F&& f) {
    boost::asio::post(io_, [f = std::forward<F>(f)]() mutable noexcept {
      try {
        f();
      } catch (...) {
        base::internal_error(base::Where::kTask, std::current_exception());
      }
    });
  }

  // Any thread: queue one shared message for several connections of this
  // worker. One lock and at most one wake-up per batch, whatever its size.
  void deliver(SharedBuf msg, std::vector<ConnectionPtr>&& targets);

  // Loop thread only: output queued this turn is written once, at the end of
  // the turn (one gather write per connection per wake-up).
  void schedule_flush(Connection& c);
  // Loop thread only: writes what this turn queued now (handlers that run
  // outside a read or inbox drain, e.g. operator actions).
  void flush_now() {
    LOBBYD_ASSERT_IN_LOOP(*this);
    run_flushes();
  }
  // Loop thread only: close c at a safe point after the current handler
  // (never from inside an append path that may hold a lobby lock).
  void schedule_cut(Connection& c);
  // Loop thread only: call c.resume_input() at `when` (the flood throttle
  // and reply weighing hold a client's input until it has tokens again).
  void schedule_resume(Connection& c, Clock::time_point when);

  // Loop thread only: the connections this worker owns.
  void attach(const ConnectionPtr& c);
  void detach(Connection& c);
  std::size_t connection_count() const noexcept { return conns_.size(); }
  template <class F>
  void for_each_connection(F&& f) {
    LOBBYD_ASSERT_IN_LOOP(*this);
    for (auto it = conns_.begin(); it != conns_.end();) {
      auto cur = it++;  // f may detach *cur
      f(**cur);
    }
  }

  // Measures handler time as the loop's busy time (the rest is waiting).
  class BusyScope {
   public:
    explicit BusyScope(Worker& w) noexcept : w_(w), t0_(Clock::now()) {}
    ~BusyScope() {
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0_).count();
      w_.counters_.busy_ns.add(ns);
      w_.counters_.wakeups.add();
      w_.counters_.record_handler(static_cast<std::uint64_t>(ns));
    }

   private:
    Worker& w_;
    Clock::time_point t0_;
  };

  // A scratch buffer for socket reads, shared by all connections of the
  // worker: an idle connection holds no read buffer of its own.
  char* scratch() noexcept { return scratch_.get(); }
  static constexpr std::size_t kScratchBytes = 64 * 1024;

  // Set by the owner of the connections: called once a second on the loop.
  std::function<void(Clock::time_point)> on_tick;

 private:
  struct Batch {
    SharedBuf msg;
    std::vector<ConnectionPtr> targets;
  };
  void drain_inbox();
  void run_flushes();
  void arm_tick();
  void tick_slice();
  void arm_resume_timer();

  unsigned index_;
  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
  WorkerCounters counters_;
  std::unique_ptr<char[]> scratch_;

  std::list<ConnectionPtr> conns_;

  std::mutex inbox_mu_;
  std::vector<Batch> inbox_;      // guarded by inbox_mu_
  bool drain_posted_ = false;     // guarded by inbox_mu_
  std::vector<Batch> draining_;   // loop thread

  std::vector<ConnectionPtr> flushes_;
  std::vector<ConnectionPtr> flushes_running_;  // the outermost run_flushes()'s batch (loop thread)
  bool in_run_flushes_ = false;
  bool flush_posted_ = false;
  std::vector<ConnectionPtr> cuts_;
  std::vector<ConnectionPtr> cuts_running_;  // same, for cuts

  struct Resume {
    Clock::time_point when;
    ConnectionPtr conn;
  };
  std::vector<Resume> resumes_;
  boost::asio::steady_timer resume_timer_{io_};
  bool resume_armed_ = false;
  boost::asio::steady_timer tick_timer_{io_};
  // The connections this tick still has to visit (a snapshot: slices run on
  // later turns, while connections come and go), and where it is.
  std::vector<ConnectionPtr> ticking_;
  std::size_t tick_pos_ = 0;
};

}  // namespace lobbyd::net
