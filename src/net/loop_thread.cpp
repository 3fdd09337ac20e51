#include "net/loop_thread.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>

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
  // stderr, unbuffered, rather than the logger (stdout, maybe buffered): the
  // process aborts on the next line.
  std::fprintf(stderr, "FATAL %s:%d: %s must run on worker %u's loop thread (called on %s)\n", file,
               line, func, worker_index, caller.c_str());
  std::abort();
}

}  // namespace lobbyd::net
