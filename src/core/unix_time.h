#pragma once
// core's name for the wall clock (base/unix_time.h).
#include "base/unix_time.h"

namespace lobbyd::core {

using base::unix_now;
using base::unix_now_ms;

}  // namespace lobbyd::core
