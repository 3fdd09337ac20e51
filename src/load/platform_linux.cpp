// Linux-only helpers (see platform.h). The POSIX parts (getrusage, rlimits)
// work everywhere; /proc and IP_BIND_ADDRESS_NO_PORT only on Linux.
#include "load/platform.h"

#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include <thread>

#ifdef __linux__
#include <netinet/in.h>
#include <sys/socket.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#endif

#include <algorithm>

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

unsigned cpu_count() { return std::max(1u, std::thread::hardware_concurrency()); }

#ifdef __linux__

double process_cpu_seconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto paren = text.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) return -1;
  std::istringstream fields(text.substr(paren + 1));
  std::string f;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stod(f);
    if (i == 15) stime = std::stod(f);
  }
  long hz = sysconf(_SC_CLK_TCK);
  return hz > 0 ? (utime + stime) / static_cast<double>(hz) : -1;
}

MachineCpu machine_cpu() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  MachineCpu m;
  if (!(in >> cpu) || cpu != "cpu") return m;
  std::uint64_t v[10] = {};
  for (int i = 0; i < 10 && in >> v[i]; ++i) {
  }
  // user nice system idle iowait irq softirq steal guest guest_nice; guests are in user.
  m.processes = v[0] + v[1] + v[2];
  m.irq = v[5] + v[6];
  m.steal = v[7];
  m.total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
  return m;
}

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

double process_cpu_seconds(int) { return -1; }
MachineCpu machine_cpu() { return {}; }
std::uint64_t rss_kb(int) { return 0; }
std::uint64_t ephemeral_ports() { return 0; }
void defer_port_choice(int) {}

#endif

}  // namespace lobbyd::load::platform
