#pragma once
// Command-line options of lobbyd-load and their validation. Kept free of I/O so
// the unit tests can drive them directly.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lobbyd::load {

enum class Scenario { kIdle, kChat, kRamp, kStorm, kGames };

std::string_view to_string(Scenario s) noexcept;
std::optional<Scenario> parse_scenario(std::string_view name) noexcept;

struct Options {
  Scenario scenario = Scenario::kChat;
  std::string host = "127.0.0.1";
  std::uint16_t port = 6667;
  std::string port_file;          // read HOST:PORT (first line) from lobbyd's --port-file
  std::uint32_t clients = 100;
  std::uint32_t lobbies = 4;
  std::string lobby_prefix = "#load";  // lobbies are <prefix>0 .. <prefix>L-1
  double rate = 1.0;              // messages per second per client (ramp: first step)
  double duration_s = 10.0;       // chat: measured window; idle: hold time; storm: time bound
  double warmup_s = 2.0;          // chat/ramp: sending before measuring
  double drain_s = 3.0;           // chat/ramp: wait for deliveries after sending stops
  std::uint32_t sources = 1;      // >1: bind round-robin to source_base, source_base+1, ...
  std::string source_base = "127.0.0.2";
  double timeout_s = 0;           // hard limit for the whole run; 0: derived (effective_timeout)
  bool json_only = false;
  bool no_progress = false;
  int server_pid = 0;             // idle: measure this process's VmRSS
  double p99_bound_ms = 50.0;     // ramp: a step passes while p99 <= this
  unsigned threads = 1;
  std::uint32_t connect_concurrency = 256;  // connections being set up at once (all threads)
  std::uint32_t count = 0;        // storm: connections to make (0: see storm_count())
  std::uint32_t concurrency = 64; // storm: connections in flight
  double step_s = 3.0;            // ramp: sending time per step
  double step_factor = 2.0;       // ramp: rate multiplier between steps
  std::uint32_t max_steps = 12;   // ramp
  std::uint32_t max_errors = 0;   // errors tolerated before the run counts as failed
  std::uint32_t msg_bytes = 0;    // pad message text to this many bytes
  double conn_timeout_s = 20.0;   // set-up (connect+register+join) time allowed per connection
  std::string nick_prefix;        // default: "L" + process id in base 36 + "x"
  bool duration_given = false;    // --duration was on the command line
  bool count_given = false;       // --count was on the command line

  // games: bots in groups of `seats` play whole games at tables (docs/load.md).
  std::string game = "tictactoe"; // a game, a comma-separated list, or "mix"
  std::uint32_t seats = 2;        // players per table
  std::uint32_t tables = 0;       // tables in parallel; --clients = tables * seats
  std::uint32_t games = 0;        // games to start in all (0: bounded by --duration only)
  double think_ms = 0;            // a bot's pause before each move
  std::uint64_t seed = 0;         // move choice; 0: from the clock
  std::string db_url;             // check game_results in this database (lobbyd's --db syntax)
  double results_wait_s = 10;     // how long to poll for the queued game_results writes
  bool games_given = false, drain_given = false;

  // games: seconds after which no new table starts (0: only --games bounds the run).
  double games_duration_s() const noexcept;
  // games: seconds to wait for running games to end once no new table starts.
  double games_drain_s() const noexcept;

  // Storm: connections to make; 0 means bounded by duration only.
  std::uint32_t storm_count() const noexcept;
  // Storm: time bound in seconds; 0 means bounded by count only.
  double storm_duration_s() const noexcept;
};

// Parses argv into out. Returns -1 if the program should run; otherwise the
// exit status, with the text to print (help or error) in `message`.
int parse_options(int argc, const char* const* argv, Options& out, std::string& message);

// Checks the options against the machine's limits. Returns an error text, or
// an empty string when the options are usable. ephemeral_ports: size of the
// local port range; fd_limit: open files allowed to this process.
std::string validate(const Options& o, std::uint64_t ephemeral_ports, std::uint64_t fd_limit);

// The hard time limit in seconds: --timeout, or one derived from the scenario.
double effective_timeout(const Options& o) noexcept;

// Default nick prefix for a process id: "L" + base 36 + "x" (e.g. "Lz3kx").
std::string default_nick_prefix(std::uint64_t pid);

}  // namespace lobbyd::load
