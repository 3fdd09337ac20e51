#pragma once
// Runs one scenario end to end: resolves the server, starts the shards,
// drives the phases, prints the table and the JSON line. Returns the exit
// status (0: the run succeeded, 1: it failed, 2: unusable options).
#include "load/options.h"

namespace lobbyd::load {

int run_load(Options opts);

}  // namespace lobbyd::load
