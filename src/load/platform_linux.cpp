// Linux-only helpers (see platform.h). The POSIX parts (getrusage, rlimits)
// work everywhere; /proc and IP_BIND_ADDRESS_NO_PORT only on Linux.
#include "load/platform.h"

#include <sys/resource.h>
#include <sys/time.h>

#ifdef __linux__
#include <netinet/in.h>
#include <sys/socket.h>

#include <fstream>
#include <string>
#endif

namespace lobbyd::load::platform {

std::uint64_t raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit want = rl;
    want.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &want) == 0) rl = want;
  }
  return rl.rlim_cur == RLIM_INFINITY ? 0 : static_cast<std::uint64_t>(rl.rlim_cur);
}

CpuTimes cpu_times() {
  rusage ru{};
  CpuTimes t;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return t;
  t.user_s = static_cast<double>(ru.ru_utime.tv_sec) + ru.ru_utime.tv_usec / 1e6;
  t.sys_s = static_cast<double>(ru.ru_stime.tv_sec) + ru.ru_stime.tv_usec / 1e6;
  return t;
}

#ifdef __linux__

std::uint64_t rss_kb(int pid) {
  std::ifstream in(pid > 0 ? "/proc/" + std::to_string(pid) + "/status" : "/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));  // "VmRSS:  1234 kB"
  }
  return 0;
}

std::uint64_t ephemeral_ports() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  std::uint64_t lo = 0, hi = 0;
  if (in >> lo >> hi && hi >= lo) return hi - lo + 1;
  return 0;
}

void defer_port_choice(int fd) {
#ifdef IP_BIND_ADDRESS_NO_PORT
  int one = 1;
  setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
#else
  (void)fd;
#endif
}

#else  // !__linux__

std::uint64_t rss_kb(int) { return 0; }
std::uint64_t ephemeral_ports() { return 0; }
void defer_port_choice(int) {}

#endif

}  // namespace lobbyd::load::platform
