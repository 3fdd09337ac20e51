// Built with LOBBYD_PROFILER_DISABLED (see CMakeLists.txt): LOBBYD_ZONE must
// expand to nothing here while the rest of the program records zones.
#include "prof/profiler.h"

#if !defined(LOBBYD_PROFILER_DISABLED)
#error "compiled_out.cpp must be built with LOBBYD_PROFILER_DISABLED"
#endif

int compiled_out_work(int n) {
  int sum = 0;
  for (int i = 0; i < n; ++i) {
    LOBBYD_ZONE("t.compiled_out");
    sum += i;
  }
  return sum;
}
