#pragma once
// One timer of a table (the turn timer, the resume grace timer). A table
// belongs to no worker, but an Asio timer does: the steady_timer lives on
// `worker` and is touched on that thread only (LOBBYD_ASSERT_IN_LOOP); the
// table arms and cancels it from any thread by posting there. Whether a
// firing still counts is a generation, bumped by every arm() and cancel()
// and read by current(): all three under the owning table's mutex, so a
// firing that raced with a newer arm or a cancel is recognised and ignored.
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "net/loop_thread.h"
#include "net/worker.h"

namespace lobbyd::core {

class TableTimer {
 public:
  // Runs on the worker's thread with the generation it was armed with.
  using Fire = std::function<void(std::uint64_t gen)>;

  explicit TableTimer(net::Worker& worker) : worker_(worker), timer_(worker.io()) {}

  net::Worker& worker() const noexcept { return worker_; }

  // Owner's mutex held. `keep` keeps the owner (and so this timer) alive
  // until the post ran; `fire` usually holds it too, until the timer fired.
  void arm(std::chrono::steady_clock::time_point when, std::shared_ptr<void> keep, Fire fire) {
    std::uint64_t gen = ++gen_;
    worker_.post([this, keep = std::move(keep), gen, when, fire = std::move(fire)]() mutable {
      LOBBYD_ASSERT_IN_LOOP(worker_);
      timer_.expires_at(when);  // a wait still pending ends with operation_aborted
      timer_.async_wait([gen, fire = std::move(fire)](const boost::system::error_code& ec) {
        if (!ec) fire(gen);
      });
    });
  }
  // Owner's mutex held: a pending firing no longer counts.
  void invalidate() noexcept { ++gen_; }
  // Owner's mutex held: invalidates, and stops the Asio timer on its thread.
  void cancel(std::shared_ptr<void> keep) {
    ++gen_;
    worker_.post([this, keep = std::move(keep)] {
      LOBBYD_ASSERT_IN_LOOP(worker_);
      timer_.cancel();
    });
  }
  // Owner's mutex held.
  bool current(std::uint64_t gen) const noexcept { return gen == gen_; }

 private:
  net::Worker& worker_;
  boost::asio::steady_timer timer_;  // worker_'s thread only
  std::uint64_t gen_ = 0;            // guarded by the owner's mutex
};

}  // namespace lobbyd::core
