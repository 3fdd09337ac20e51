// libFuzzer target for whole sessions: lines from several clients through
// the real command layer (core::Server, Session, every command handler,
// lobbies, game tables, accounts, ratings), in process: memory pipes
// instead of sockets, the real store on an in-memory SQLite database
// (fuzz/session_harness.h). The fuzz build hashes passwords at the lowest
// cost and answers wrong ones without delay (FUZZING_BUILD_MODE_...).
//
// Input: lines split on '\n'. The first byte of a line picks the client
// slot (low 2 bits: four slots; slots 0 and 1 share an address, slot 3 is
// loopback, exempt from the per-address limits); the rest of the line, with
// its '\n', is what that client sends (so CR, NUL, bytes that are not UTF-8
// and cut lines all reach the framer). A first byte of 0xF0-0xFF hangs the
// slot's client up instead; its next line connects a new one. Seeds:
// fuzz/corpus/session, recorded from the integration tests' traffic
// (tools/fuzz-session-seeds.sh).
//
// Invariants, checked with __builtin_trap() after every input, once every
// client has hung up:
//   - the workers settle (no handler that keeps rescheduling itself);
//   - no connection, nick, table or user-made lobby is left behind (but a
//     table that holds an away player's seat, with its channel);
//   - every byte a client was sent is whole lines (CRLF), none longer than
//     the protocol allows (512 bytes plus tags) and none with NUL, CR or LF
//     inside.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "core/server.h"
#include "proto/message.h"
#include "session_harness.h"

namespace c = lobbyd::core;

namespace {

constexpr std::size_t kSlots = 4;
constexpr std::size_t kMaxLines = 3000;  // keeps each input fast
const char* const kSlotIp[kSlots] = {"10.0.0.1", "10.0.0.1", "10.0.0.2", "127.0.0.1"};

void check(bool ok) {
  if (!ok) __builtin_trap();
}

std::shared_ptr<c::Settings> fuzz_settings() {
  spdlog::set_level(spdlog::level::off);  // the server's log is not the output here
  auto s = std::make_shared<c::Settings>();
  s->server_name = "fuzz.lobbyd";
  s->allow_create_lobbies = true;  // the class of the issue-13 crash
  // Time stands still here (no tick, no timer fires): a throttled line would
  // wait for ever, so the line rate is out of the way.
  s->flood_rate = 1e6;
  s->flood_burst = 1000000;
  s->turn_timeout_s = 3600;
  s->lobbies = {{"#lobby", "Welcome", 500}, {"#games", "Play here", 500}};
  return s;
}

void check_output(std::string_view out) {
  std::size_t pos = 0;
  while (pos < out.size()) {
    std::size_t eol = out.find("\r\n", pos);
    check(eol != std::string_view::npos);  // whole lines only
    std::string_view line = out.substr(pos, eol - pos);
    check(line.find_first_of(std::string_view("\0\r\n", 3)) == std::string_view::npos);
    std::size_t tags = 0;
    if (!line.empty() && line[0] == '@') tags = line.find(' ') + 1;
    check(tags <= lobbyd::proto::kMaxTagBytes);
    check(line.size() - tags + 2 <= lobbyd::proto::kMaxLineBytes);
    pos = eol + 2;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::shared_ptr<c::Settings> settings = fuzz_settings();
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::size_t lobbies_at_start = 0;
  {
    c::SessionHarness h(settings, /*database=*/true);
    lobbies_at_start = h.server().lobbies().size();
    std::size_t slot_client[kSlots];
    bool connected[kSlots] = {};
    for (std::size_t n = 0; n < kMaxLines && !rest.empty(); ++n) {
      std::size_t eol = rest.find('\n');
      std::string_view line = rest.substr(0, eol == std::string_view::npos ? rest.size() : eol + 1);
      rest.remove_prefix(line.size());
      const auto op = static_cast<std::uint8_t>(line[0]);
      const std::size_t slot = op % kSlots;
      if (op >= 0xF0) {
        if (connected[slot]) h.hang_up(slot_client[slot]);
        connected[slot] = false;
        continue;
      }
      if (!connected[slot] || h.closed(slot_client[slot])) {
        slot_client[slot] = h.connect(kSlotIp[slot]);
        connected[slot] = true;
      }
      h.send(slot_client[slot], line.substr(1));
    }
    h.hang_up_all();
    check(h.settle());
    check(h.connections() == 0);
    check(h.server().nicks().size() == 0);
    // A table outlives its players only while it holds a logged-in
    // player's seat for a comeback (resume_grace_s).
    std::size_t kept = 0;
    for (const auto& t : h.server().tables().all()) {
      auto sum = t->summary();
      if (!(sum.held > 0 && sum.held == sum.seated)) {
        std::fprintf(stderr, "fuzz_session: table %s left with %d seated, %d held, %d seats, phase %d\n",
                     t->name().c_str(), sum.seated, sum.held, sum.seats, static_cast<int>(sum.phase));
        check(false);
      }
      ++kept;
    }
    check(h.server().lobbies().size() <= lobbies_at_start + kept);
    for (std::size_t i = 0; i < h.clients(); ++i) check_output(h.take_output(i));
  }
  return 0;
}
