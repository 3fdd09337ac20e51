#pragma once
// The live profiler's switches, shared by the PROFILE command, the
// database (profiler_enabled, admin verb "profiler") and SIGUSR2.
#include <string>
#include <string_view>
#include <vector>

namespace lobbyd::core {

class Server;

// verb: on, off, toggle, reset. Applies the profiler_* settings on "on".
// Returns a one-line result ("ok: ..." or "error: ...").
std::string profiler_switch(Server& server, std::string_view verb);

// The top zones as text lines (for NOTICE replies).
std::vector<std::string> profiler_report(Server& server, std::size_t max_zones);

// Makes the profiler report the workers' summed busy time; call once.
void profiler_attach(Server& server);

}  // namespace lobbyd::core
