// Writes every export format for a small deterministic workload on three
// threads into argv[1] (used by check_exports.py, the prof_exports test).
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "prof/profiler.h"

namespace {

void spin(std::chrono::nanoseconds d) {
  const auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end) {
  }
}

void leaf() {
  LOBBYD_ZONE("gen.leaf");
  spin(std::chrono::microseconds(2));
}
void odd_name() {
  LOBBYD_ZONE("gen.\"odd\" name;semi\\slash");
  spin(std::chrono::microseconds(1));
}
void mid() {
  LOBBYD_ZONE("gen.mid");
  leaf();
  leaf();
  odd_name();
}
void outer() {
  LOBBYD_ZONE("gen.outer");
  mid();
  leaf();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  auto& p = lobbyd::prof::Profiler::instance();
  p.set_ring_capacity(4096);
  p.enable();
  std::vector<std::thread> ts;
  for (int w = 0; w < 3; ++w) {
    ts.emplace_back([w] {
      lobbyd::prof::Profiler::set_thread_name("gen-" + std::to_string(w));
      for (int i = 0; i < 100; ++i) outer();
    });
  }
  for (auto& t : ts) t.join();
  p.disable();
  const auto files = p.write_all(argv[1], 1'000'000'000);
  for (const auto& f : files) std::printf("%s\n", f.c_str());
  return files.size() == 5 ? 0 : 1;
}
