// Loop-thread assertions (net/loop_thread.h): a worker's own handlers pass,
// a call from another thread aborts with the place and the thread named.
// The abort half needs LOBBYD_THREAD_CHECKS (Debug and sanitizer builds).
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string_view>

#include "net/connection.h"
#include "net/loop_thread.h"
#include "net/worker.h"

namespace lobbyd::net {
namespace {

// The smallest Connection: it is never started, so no I/O happens; only its
// loop-thread entry points are called.
class Quiet final : public Connection {
 public:
  explicit Quiet(Worker& w) : Connection(w, boost::asio::ip::tcp::socket(w.io()), "127.0.0.1") {}

 protected:
  std::size_t on_input(std::string_view data) override { return data.size(); }
  void on_closed(std::string_view) override {}
  void on_sendq_exceeded() override {}
  void on_recvq_exceeded() override {}
};

TEST(LoopThread, HandlersOnTheWorkerPass) {
  Worker w(0);
  w.start();
  std::promise<bool> on_loop;
  w.post([&] {
    LOBBYD_ASSERT_IN_LOOP(w);  // would abort the test if it failed
    on_loop.set_value(w.is_current());
  });
  auto f = on_loop.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(f.get());
  EXPECT_FALSE(w.is_current());  // the test's own thread
  w.stop();
  w.join();
}

#ifdef LOBBYD_THREAD_CHECKS
// Death tests fork; "threadsafe" re-runs the test binary instead, so the
// child does not inherit a half-copied worker thread.
class LoopThreadDeath : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(LoopThreadDeath, MacroAbortsOffTheLoop) {
  Worker w(3);
  EXPECT_DEATH(LOBBYD_ASSERT_IN_LOOP(w),
               "loop_thread_test.cpp:[0-9]+: .* must run on worker 3's loop thread \\(called on "
               "non-worker thread");
}

TEST_F(LoopThreadDeath, ConnectionSendFromAnotherWorkerAborts) {
  Worker owner(0), other(1);
  auto c = std::make_shared<Quiet>(owner);
  // From another worker's loop: the message names it.
  EXPECT_DEATH(
      {
        other.start();
        std::promise<void> done;
        other.post([&] {
          c->send_copy("PING :x\r\n");
          done.set_value();
        });
        done.get_future().wait();
      },
      "connection.cpp:[0-9]+: send_copy must run on worker 0's loop thread \\(called on worker 1\\)");
  // And from a thread that is no worker at all.
  EXPECT_DEATH(c->close("test"), "close must run on worker 0's loop thread");
}
#else
TEST(LoopThreadDeath, CompiledOut) {
  GTEST_SKIP() << "LOBBYD_THREAD_CHECKS is not defined in this build (release)";
}
#endif

}  // namespace
}  // namespace lobbyd::net
