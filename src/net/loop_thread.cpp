#include "net/loop_thread.h"

#include <cstdlib>
#include <sstream>
#include <thread>
#include <spdlog/spdlog.h>

#include "net/worker.h"

namespace lobbyd::net {

void loop_thread_violation(unsigned worker_index, const char* file, int line,
                           const char* func) noexcept {
  // Say which thread did it: another worker, or a side thread (store,
  // password hashing, main).
  std::string caller;
  if (Worker* here = Worker::current()) {
    caller = "worker " + std::to_string(here->index());
  } else {
    std::ostringstream id;
    id << std::this_thread::get_id();
    caller = "non-worker thread " + id.str();
  }
  spdlog::critical("{}:{}: {} must run on worker {}'s loop thread (called on {})", file, line, func,
                   worker_index, caller);
  spdlog::default_logger()->flush();
  std::abort();
}

}  // namespace lobbyd::net
