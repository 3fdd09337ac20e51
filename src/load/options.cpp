#include "load/options.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <sstream>

#include "load/games.h"

namespace lobbyd::load {

std::string_view to_string(Scenario s) noexcept {
  switch (s) {
    case Scenario::kIdle: return "idle";
    case Scenario::kChat: return "chat";
    case Scenario::kRamp: return "ramp";
    case Scenario::kStorm: return "storm";
    case Scenario::kGames: return "games";
  }
  return "?";
}

std::optional<Scenario> parse_scenario(std::string_view name) noexcept {
  for (Scenario s : {Scenario::kIdle, Scenario::kChat, Scenario::kRamp, Scenario::kStorm, Scenario::kGames})
    if (name == to_string(s)) return s;
  return std::nullopt;
}

std::uint32_t Options::storm_count() const noexcept {
  if (count_given) return count;
  if (duration_given) return 0;
  return clients;
}

double Options::storm_duration_s() const noexcept { return duration_given ? duration_s : 0.0; }

double Options::games_duration_s() const noexcept {
  if (duration_given) return duration_s;
  return games_given ? 0.0 : duration_s;
}

// Games in progress at the end need time to finish: a reversi game is 60
// moves, each a round trip plus --think-ms, so the chat default of 3 s is short.
double Options::games_drain_s() const noexcept {
  return drain_given ? drain_s : std::max(30.0, 120 * think_ms / 1000.0);
}

std::string default_nick_prefix(std::uint64_t pid) {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string digits;
  do {
    digits.push_back(kDigits[pid % 36]);
    pid /= 36;
  } while (pid);
  std::reverse(digits.begin(), digits.end());
  return "L" + digits + "x";
}

int parse_options(int argc, const char* const* argv, Options& o, std::string& message) {
  CLI::App app{
      "lobbyd-load: load generator for lobbyd.\n"
      "Scenarios: idle (register and stay), chat (lobby messages, latency and delivery\n"
      "accounting), ramp (chat with rising rate until p99 or delivery breaks), storm\n"
      "(connect/register/QUIT churn), games (bots play whole games at tables, random legal\n"
      "moves; checks game_results with --db). Ends with a table and one JSON line; see docs/load.md.",
      "lobbyd-load"};
  std::string scenario;
  app.add_option("scenario", scenario, "idle, chat, ramp, storm or games")
      ->required()
      ->check(CLI::IsMember({"idle", "chat", "ramp", "storm", "games"}));
  app.add_option("--host", o.host, "Server address")->capture_default_str();
  app.add_option("--port", o.port, "Server port")->capture_default_str()->check(CLI::Range(1, 65535));
  app.add_option("--port-file", o.port_file,
                 "Take HOST:PORT from the first line of this file (lobbyd --port-file)");
  auto* clients = app.add_option("-n,--clients", o.clients, "Connections (idle, chat, ramp; games: bots)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000000u));
  app.add_option("--lobbies", o.lobbies, "Lobbies <prefix>0..<prefix>L-1, clients round-robin")
      ->capture_default_str()
      ->check(CLI::Range(1u, 100000u));
  app.add_option("--lobby-prefix", o.lobby_prefix, "Lobby name prefix")->capture_default_str();
  app.add_option("-r,--rate", o.rate, "Messages per second per client (ramp: first step)")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 10000.0));
  auto* dur = app.add_option("-d,--duration", o.duration_s,
                             "Seconds: chat measured window, idle hold time, storm time bound")
                  ->capture_default_str()
                  ->check(CLI::Range(0.0, 86400.0));
  app.add_option("-w,--warmup", o.warmup_s, "Seconds of sending before measuring (chat, ramp)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  auto* drain = app.add_option("--drain", o.drain_s,
                               "Seconds to wait for deliveries after sending stops (games: for running "
                               "games to end; default max(30, 120 x think time))")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 600.0));
  app.add_option("--sources", o.sources,
                 "Source addresses to spread connections over (round-robin from --source-base)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 250u));
  app.add_option("--source-base", o.source_base, "First source address when --sources > 1")
      ->capture_default_str();
  app.add_option("--timeout", o.timeout_s, "Hard time limit in seconds (0: derived from the run)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  app.add_flag("--json-only", o.json_only, "Print only the JSON line");
  app.add_flag("--no-progress", o.no_progress, "No live progress line even on a terminal");
  app.add_option("--server-pid", o.server_pid, "lobbyd's process id (idle: memory per connection)")
      ->check(CLI::Range(1, 1 << 30));
  app.add_option("--p99-bound-ms", o.p99_bound_ms, "ramp: highest acceptable p99 latency")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 1e6));
  app.add_option("-t,--threads", o.threads, "Event-loop threads of the load generator")
      ->capture_default_str()
      ->check(CLI::Range(1u, 64u));
  app.add_option("--connect-concurrency", o.connect_concurrency,
                 "Connections being set up at once (idle, chat, ramp)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 100000u));
  auto* cnt = app.add_option("--count", o.count, "storm: connections to make (default --clients)")
                  ->check(CLI::Range(0u, 100000000u));
  app.add_option("--concurrency", o.concurrency, "storm: connections in flight")
      ->capture_default_str()
      ->check(CLI::Range(1u, 100000u));
  app.add_option("--step-duration", o.step_s, "ramp: seconds of sending per step")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--step-factor", o.step_factor, "ramp: rate multiplier per step")
      ->capture_default_str()
      ->check(CLI::Range(1.01, 100.0));
  app.add_option("--max-steps", o.max_steps, "ramp: most steps")
      ->capture_default_str()
      ->check(CLI::Range(1u, 60u));
  app.add_option("--max-errors", o.max_errors,
                 "Connection errors and unexpected closes tolerated before the run fails")
      ->capture_default_str();
  app.add_option("--msg-bytes", o.msg_bytes, "Pad message text to this many bytes")
      ->capture_default_str()
      ->check(CLI::Range(0u, 400u));
  app.add_option("--conn-timeout", o.conn_timeout_s,
                 "Seconds a connection may take to register (and join)")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--nick-prefix", o.nick_prefix, "Nick prefix (default: L<pid base 36>x)");
  app.add_option("--game", o.game,
                 "games: tictactoe, connect4, reversi, crazyeights, tictactoe_lua, connect4_lua (Lua modules: "
                 "the server must have them loaded), a comma-separated list, or mix (the compiled-in four)")
      ->capture_default_str();
  app.add_option("--seats", o.seats, "games: players per table (3-4: crazyeights only)")
      ->capture_default_str()
      ->check(CLI::Range(2u, 4u));
  auto* tables = app.add_option("--tables", o.tables,
                                "games: tables in parallel (sets --clients to tables x seats)")
                     ->check(CLI::Range(1u, 500000u));
  auto* games = app.add_option("--games", o.games,
                               "games: games to start in all (default: as many as --duration allows)")
                    ->check(CLI::Range(1u, 100000000u));
  app.add_option("--think-ms", o.think_ms, "games: pause before each move, milliseconds")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 60000.0));
  app.add_option("--seed", o.seed, "games: seed of the bots' move choice (default: from the clock)");
  app.add_option("--db", o.db_url,
                 "games: count game_results rows in this database before and after "
                 "(sqlite:PATH or mysql://user:pass@host:port/db, as lobbyd --db)");
  app.add_option("--results-wait", o.results_wait_s,
                 "games: seconds to wait for the server's queued game_results writes")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 600.0));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream out, err;
    int code = app.exit(e, out, err);
    message = out.str() + err.str();
    return code;
  }
  o.scenario = *parse_scenario(scenario);
  o.duration_given = dur->count() > 0;
  o.count_given = cnt->count() > 0;
  o.games_given = games->count() > 0;
  o.drain_given = drain->count() > 0;
  if (o.scenario == Scenario::kGames) {
    // Bots come in whole tables: --tables sets the bot count, else --clients does.
    if (tables->count() > 0) {
      if (clients->count() > 0 && o.clients != std::uint64_t{o.tables} * o.seats) {
        message = fmt::format("--clients {} and --tables {} x --seats {} disagree; give one of them\n",
                              o.clients, o.tables, o.seats);
        return 2;
      }
      if (std::uint64_t{o.tables} * o.seats > 1000000u) {
        message = "--tables x --seats: more than 1000000 bots\n";
        return 2;
      }
      o.clients = o.tables * o.seats;
    } else {
      o.tables = o.clients / o.seats;
    }
  }
  return -1;
}

namespace {

bool parse_ipv4(std::string_view s, std::uint32_t& out) {
  std::uint32_t v = 0;
  int parts = 0;
  while (parts < 4) {
    std::size_t dot = s.find('.');
    std::string_view part = s.substr(0, dot);
    if (part.empty() || part.size() > 3) return false;
    unsigned n = 0;
    for (char c : part) {
      if (c < '0' || c > '9') return false;
      n = n * 10 + unsigned(c - '0');
    }
    if (n > 255) return false;
    v = (v << 8) | n;
    ++parts;
    if (dot == std::string_view::npos) break;
    s.remove_prefix(dot + 1);
  }
  if (parts != 4) return false;
  out = v;
  return true;
}

bool valid_nick_prefix(std::string_view p) {
  if (p.empty() || p.size() > 20) return false;
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  auto special = [](char c) { return std::string_view("[]\\`_^{|}").find(c) != std::string_view::npos; };
  if (!letter(p[0]) && !special(p[0])) return false;
  for (char c : p)
    if (!letter(c) && !special(c) && !(c >= '0' && c <= '9') && c != '-') return false;
  return true;
}

}  // namespace

std::string validate(const Options& o, std::uint64_t ephemeral_ports, std::uint64_t fd_limit) {
  const bool persistent = o.scenario != Scenario::kStorm;
  const bool chatty = o.scenario == Scenario::kChat || o.scenario == Scenario::kRamp;
  if (o.host.empty()) return "--host: empty";
  if (chatty && o.lobbies > o.clients)
    return fmt::format("--lobbies {} is more than --clients {}: some lobbies would be empty",
                       o.lobbies, o.clients);
  if (chatty && (o.lobby_prefix.empty() || o.lobby_prefix[0] != '#' ||
                 o.lobby_prefix.find_first_of(" ,\a\r\n") != std::string::npos))
    return fmt::format("--lobby-prefix '{}': must start with '#' and hold no space or comma",
                       o.lobby_prefix);
  if (o.scenario == Scenario::kChat && o.duration_s <= 0) return "--duration must be > 0 for chat";
  if (o.scenario == Scenario::kIdle && o.duration_s < 0) return "--duration must be >= 0";
  if (o.scenario == Scenario::kStorm && o.storm_count() == 0 && o.storm_duration_s() <= 0)
    return "storm needs --count > 0 or --duration > 0";
  if (o.scenario == Scenario::kGames) {
    std::vector<std::size_t> list;
    if (std::string err = parse_game_list(o.game, o.seats, list); !err.empty()) return err;
    if (o.clients % o.seats != 0 || o.tables == 0)
      return fmt::format("--clients {} is not a positive multiple of --seats {}", o.clients, o.seats);
    if (o.lobby_prefix.empty() || o.lobby_prefix[0] != '#' ||
        o.lobby_prefix.find_first_of(" ,\a\r\n") != std::string::npos)
      return fmt::format("--lobby-prefix '{}': must start with '#' and hold no space or comma",
                         o.lobby_prefix);
    if (o.games == 0 && o.games_duration_s() <= 0) return "games needs --games > 0 or --duration > 0";
  }
  if (!o.nick_prefix.empty() && !valid_nick_prefix(o.nick_prefix))
    return fmt::format("--nick-prefix '{}': must be a valid nick start, at most 20 bytes",
                       o.nick_prefix);
  std::uint32_t base = 0;
  if (o.sources > 1) {
    if (!parse_ipv4(o.source_base, base))
      return fmt::format("--source-base '{}': expected an IPv4 address", o.source_base);
    if (std::uint64_t{base} + o.sources - 1 > 0xFFFFFFFFull) return "--sources: addresses overflow";
  }
  std::uint64_t open_at_once = persistent ? o.clients : o.concurrency;
  if (persistent && ephemeral_ports > 0) {
    std::uint64_t per_source = (std::uint64_t{o.clients} + o.sources - 1) / o.sources;
    if (per_source > ephemeral_ports) {
      std::uint64_t need = (o.clients + ephemeral_ports - 1) / ephemeral_ports;
      return fmt::format(
          "{} connections from {} source address(es) need {} local ports each, but the "
          "ephemeral port range holds {}; use --sources {} or more",
          o.clients, o.sources, per_source, ephemeral_ports, need);
    }
  }
  if (fd_limit > 0 && open_at_once + 32 > fd_limit)
    return fmt::format("{} connections need about {} open files but the limit is {} (ulimit -n)",
                       open_at_once, open_at_once + 32, fd_limit);
  return {};
}

double effective_timeout(const Options& o) noexcept {
  if (o.timeout_s > 0) return o.timeout_s;
  double setup = 30.0 + o.clients / 200.0 + o.conn_timeout_s;
  switch (o.scenario) {
    case Scenario::kIdle:
      return setup + o.duration_s + 15.0;
    case Scenario::kChat:
      return setup + o.warmup_s + o.duration_s + o.drain_s + 15.0;
    case Scenario::kRamp:
      return setup + o.warmup_s + o.drain_s + o.max_steps * (o.step_s + o.drain_s) + 15.0;
    case Scenario::kStorm: {
      double d = o.storm_duration_s();
      if (d > 0) return d + o.conn_timeout_s + 15.0;
      return 30.0 + o.conn_timeout_s + o.storm_count() / 100.0;
    }
    case Scenario::kGames: {
      // Bounded by count alone: allow each table 0.5 s per game plus 60 moves of
      // think time (reversi's length), which is slow, not stuck.
      double d = o.games_duration_s();
      double per_table = static_cast<double>(o.games) / std::max(1u, o.tables) + 1;
      double play = d > 0 ? d : 60.0 + per_table * (0.5 + 0.06 * o.think_ms);
      return setup + play + o.games_drain_s() + o.results_wait_s + 15.0;
    }
  }
  return 300.0;
}

}  // namespace lobbyd::load
