#pragma once
// Counts heap allocations: an executable that links counting_new.cpp (the
// `lobbyd_counting_new` library, tests/CMakeLists.txt) has the global
// operator new replaced by a counting one (malloc/free underneath, so it
// also works under ASan, which then sees a consistent malloc/free pair).
// Only allocation tests link it: the counter must not slow the others.
#include <cstddef>

namespace lobbyd::test {

// Allocations made through operator new since the start, all threads.
std::size_t allocations() noexcept;

}  // namespace lobbyd::test
