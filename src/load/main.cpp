// lobbyd-load: a load generator for lobbyd. See docs/load.md.
#include <cstdio>
#include <string>

#include "load/options.h"
#include "load/runner.h"

int main(int argc, char** argv) {
  lobbyd::load::Options opts;
  std::string message;
  int code = lobbyd::load::parse_options(argc, argv, opts, message);
  if (code >= 0) {
    std::fputs(message.c_str(), code == 0 ? stdout : stderr);
    return code == 0 ? 0 : 2;
  }
  return lobbyd::load::run_load(std::move(opts));
}
