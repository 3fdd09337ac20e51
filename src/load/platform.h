#pragma once
// Operating-system queries of the load generator. The Linux-specific parts
// (/proc, IP_BIND_ADDRESS_NO_PORT) live in platform_linux.cpp behind
// #ifdef __linux__; elsewhere they report "unknown" (0) or do nothing.
#include <cstdint>

namespace lobbyd::load::platform {

// Resident memory (VmRSS) of a process in kB; pid 0 means this process. 0 if unknown.
std::uint64_t rss_kb(int pid);
// Raises the open-files soft limit to the hard limit; returns the soft limit now (0: unknown).
std::uint64_t raise_fd_limit();
// Number of ports in the local ephemeral range (0: unknown).
std::uint64_t ephemeral_ports();
// Before bind(): let connect() pick the local port, so one source address can
// reuse a port towards different destinations (Linux IP_BIND_ADDRESS_NO_PORT).
void defer_port_choice(int fd);

// CPU seconds (user + system) process pid has used so far; negative if unknown.
double process_cpu_seconds(int pid);

// CPU time of the whole machine, all cores, in clock ticks (/proc/stat).
struct MachineCpu {
  std::uint64_t processes = 0;  // user + nice + system: time charged to processes
  std::uint64_t irq = 0;        // irq + softirq (loopback TCP receive work lands here)
  std::uint64_t steal = 0;      // taken by the hypervisor
  std::uint64_t total = 0;      // everything, idle included
};
MachineCpu machine_cpu();  // zeros if unknown
unsigned cpu_count();

struct CpuTimes {
  double user_s = 0, sys_s = 0;
};
CpuTimes cpu_times();  // this process, all threads

}  // namespace lobbyd::load::platform
