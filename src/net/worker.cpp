#include "net/worker.h"

#include <algorithm>
#include <utility>

#include "net/connection.h"
#include "net/loop_thread.h"
#include "prof/profiler.h"

namespace lobbyd::net {

namespace {
thread_local Worker* tl_current = nullptr;
constexpr auto kTickPeriod = std::chrono::seconds(1);
// Connections one tick handler visits. The tick closes what timed out, and a
// close costs tens of microseconds (the ERROR line, the socket, the address
// table): 1,000 slowloris connections that reached registration_timeout_s
// in the same second held a loop for 10-50 ms in one handler (500 closes per
// worker), and every other client of the worker waited (issue 13's hostile
// suite). In slices, the sockets that became ready meanwhile are served
// between them; no handler of that test passes 10 ms now.
constexpr std::size_t kTickSlice = 64;
}  // namespace

Worker::Worker(unsigned index)
    : index_(index),
      guard_(boost::asio::make_work_guard(io_)),
      scratch_(new char[kScratchBytes]) {}

Worker::~Worker() {
  stop();
  join();
}

Worker* Worker::current() noexcept { return tl_current; }

void Worker::start() {
  thread_ = std::thread([this] {
    tl_current = this;
    prof::Profiler::set_thread_name("worker-" + std::to_string(index_));
    arm_tick();
    // A handler that throws leaves run() with the exception; Asio lets the
    // loop be run again at once, so one faulty handler costs one handler,
    // not the process (issue 13). Tasks and commands have their own guards;
    // this catches the rest (timers, socket completions).
    for (;;) {
      try {
        io_.run();
        break;
      } catch (...) {
        base::internal_error(base::Where::kLoop, std::current_exception());
      }
    }
    tl_current = nullptr;
  });
}

std::size_t Worker::poll_here() {
  Worker* outer = tl_current;
  tl_current = this;
  std::size_t n = 0;
  for (;;) {  // as in start(): a handler that throws costs that handler only
    try {
      n += io_.poll();
      break;
    } catch (...) {
      ++n;
      base::internal_error(base::Where::kLoop, std::current_exception());
    }
  }
  tl_current = outer;
  return n;
}

void Worker::stop() {
  guard_.reset();
  io_.stop();
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::deliver(SharedBuf msg, std::vector<ConnectionPtr>&& targets) {
  bool wake = false;
  {
    std::lock_guard lock(inbox_mu_);
    inbox_.push_back(Batch{std::move(msg), std::move(targets)});
    if (!drain_posted_) drain_posted_ = wake = true;
  }
  if (wake) post([this] { drain_inbox(); });
}

void Worker::drain_inbox() {
  BusyScope busy(*this);
  LOBBYD_ZONE("net.inbox");
  {
    std::lock_guard lock(inbox_mu_);
    draining_.swap(inbox_);
    drain_posted_ = false;
  }
  for (Batch& b : draining_)
    for (ConnectionPtr& c : b.targets) c->send(b.msg);
  draining_.clear();
  run_flushes();  // write now rather than in a later handler
}

void Worker::schedule_flush(Connection& c) {
  LOBBYD_ASSERT_IN_LOOP(*this);
  flushes_.push_back(c.shared_from_this());
  if (!flush_posted_) {
    flush_posted_ = true;
    post([this] {
      BusyScope busy(*this);
      run_flushes();
    });
  }
}

void Worker::schedule_cut(Connection& c) {
  LOBBYD_ASSERT_IN_LOOP(*this);
  cuts_.push_back(c.shared_from_this());
  if (!flush_posted_) {
    flush_posted_ = true;
    post([this] {
      BusyScope busy(*this);
      run_flushes();
    });
  }
}

void Worker::run_flushes() {
  flush_posted_ = false;
  // Cut candidates first: what the kernel refuses beyond sendq is dropped.
  // The batches swap with scratch vectors that keep their capacity: a fresh
  // vector per turn grew again 1, 2, 4, ... to the lobby's size, a few
  // allocations per broadcast that grew with the recipients. A flush can
  // end in code that flushes again (a close, flush_now()): that inner run
  // uses vectors of its own, as the outer one is still walking its batch.
  std::vector<ConnectionPtr> inner_cuts, inner_flushes;  // empty: no allocation unless used
  const bool outer = !std::exchange(in_run_flushes_, true);
  auto& cuts = outer ? cuts_running_ : inner_cuts;
  auto& batch = outer ? flushes_running_ : inner_flushes;
  while (!cuts_.empty()) {
    cuts.swap(cuts_);
    for (auto& c : cuts)
      if (c->cut_scheduled_ && c->over_sendq_after_flush()) c->on_sendq_exceeded();
    cuts.clear();
  }
  // Flushing may schedule more (a closing connection's last line); loop.
  while (!flushes_.empty()) {
    batch.swap(flushes_);
    for (auto& c : batch)
      if (c->flush_scheduled_) c->flush();
    batch.clear();
  }
  if (outer) in_run_flushes_ = false;
}

void Worker::schedule_resume(Connection& c, Clock::time_point when) {
  LOBBYD_ASSERT_IN_LOOP(*this);
  resumes_.push_back(Resume{when, c.shared_from_this()});
  arm_resume_timer();
}

void Worker::arm_resume_timer() {
  if (resumes_.empty()) return;
  auto earliest = std::min_element(resumes_.begin(), resumes_.end(),
                                   [](const Resume& a, const Resume& b) { return a.when < b.when; })
                      ->when;
  if (resume_armed_ && resume_timer_.expiry() <= earliest) return;
  resume_armed_ = true;
  resume_timer_.expires_at(earliest);
  resume_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // re-armed earlier, or stopping
    BusyScope busy(*this);
    LOBBYD_ZONE("timer.resume");
    resume_armed_ = false;
    auto now = Clock::now();
    std::vector<ConnectionPtr> due;
    auto it = std::partition(resumes_.begin(), resumes_.end(),
                             [now](const Resume& r) { return r.when > now; });
    for (auto i = it; i != resumes_.end(); ++i) due.push_back(std::move(i->conn));
    resumes_.erase(it, resumes_.end());
    for (auto& c : due)
      if (c->open()) c->resume_input();
    run_flushes();
    arm_resume_timer();
  });
}

void Worker::attach(const ConnectionPtr& c) {
  LOBBYD_ASSERT_IN_LOOP(*this);
  conns_.push_front(c);
  c->self_it_ = conns_.begin();
  counters_.connections.add();
  counters_.accepted.add();
}

void Worker::detach(Connection& c) {
  LOBBYD_ASSERT_IN_LOOP(*this);
  counters_.connections.sub();
  ConnectionPtr keep = *c.self_it_;  // the erase must not destroy c under our feet
  conns_.erase(c.self_it_);
  post([keep = std::move(keep)] {});  // release on a later turn
}

void Worker::arm_tick() {
  tick_timer_.expires_after(kTickPeriod);
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    BusyScope busy(*this);
    LOBBYD_ZONE("timer.tick");
    auto now = Clock::now();
    // A tick still being worked through (a loop this overloaded) goes on;
    // the connections it has not reached get their turn from it.
    if (tick_pos_ >= ticking_.size()) {
      ticking_.assign(conns_.begin(), conns_.end());
      tick_pos_ = 0;
      tick_slice();
    }
    if (on_tick) on_tick(now);
    run_flushes();
    arm_tick();
  });
}

void Worker::tick_slice() {
  auto now = Clock::now();
  std::size_t end = std::min(tick_pos_ + kTickSlice, ticking_.size());
  // tick() of a connection closed meanwhile does nothing.
  for (; tick_pos_ < end; ++tick_pos_) ticking_[tick_pos_]->tick(now);
  if (tick_pos_ < ticking_.size()) {
    post([this] {
      BusyScope busy(*this);
      LOBBYD_ZONE("timer.tick");
      tick_slice();
      run_flushes();
    });
    return;
  }
  ticking_.clear();  // releases the closed ones
  tick_pos_ = 0;
}

}  // namespace lobbyd::net
