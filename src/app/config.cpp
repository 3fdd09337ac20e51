#include "app/config.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <thread>
#include <toml++/toml.h>

#include "proto/casemap.h"

namespace lobbyd::app {

namespace {

template <class T>
void read_uint(const toml::table& t, std::string_view key, T& out, std::uint64_t min, std::uint64_t max) {
  auto node = t[key];
  if (!node) return;
  auto v = node.value<std::int64_t>();
  if (!v || *v < static_cast<std::int64_t>(min) || static_cast<std::uint64_t>(*v) > max)
    throw ConfigError(fmt::format("{}: expected an integer in [{}, {}]", key, min, max));
  out = static_cast<T>(*v);
}

void read_string(const toml::table& t, std::string_view key, std::string& out) {
  auto node = t[key];
  if (!node) return;
  auto v = node.value<std::string>();
  if (!v) throw ConfigError(fmt::format("{}: expected a string", key));
  out = *v;
}

void read_bool(const toml::table& t, std::string_view key, bool& out) {
  auto node = t[key];
  if (!node) return;
  auto v = node.value<bool>();
  if (!v) throw ConfigError(fmt::format("{}: expected true or false", key));
  out = *v;
}

void read_double(const toml::table& t, std::string_view key, double& out, double min, double max) {
  auto node = t[key];
  if (!node) return;
  auto v = node.value<double>();
  if (!v || *v < min || *v > max)
    throw ConfigError(fmt::format("{}: expected a number in [{}, {}]", key, min, max));
  out = *v;
}

constexpr std::string_view kKnownKeys[] = {
    "server_name", "network", "motd", "stats_interval_s", "ping_interval_s", "client_timeout_s",
    "registration_timeout_s", "max_clients", "max_clients_per_ip", "max_line_bytes", "flood_rate",
    "flood_burst", "recvq_bytes", "sendq_bytes", "allow_create_lobbies", "created_lobby_capacity",
    "max_lobbies_per_client", "nick_len", "lobby_name_len", "topic_len", "away_len", "listen",
    "threads", "log_level", "lobby"};

}  // namespace

void apply_toml(const std::string& path, AppConfig& cfg) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw ConfigError(fmt::format("{}:{}:{}: {}", path, e.source().begin.line,
                                  e.source().begin.column, e.description()));
  }
  for (auto& [k, v] : t) {
    bool known = false;
    for (auto kk : kKnownKeys) known |= (k.str() == kk);
    if (!known) throw ConfigError(fmt::format("{}: unknown setting '{}'", path, k.str()));
  }
  auto& s = cfg.settings;
  constexpr std::uint64_t kMax32 = 0xFFFFFFFFu;
  read_string(t, "server_name", s.server_name);
  read_string(t, "network", s.network);
  read_string(t, "motd", s.motd);
  read_uint(t, "stats_interval_s", s.stats_interval_s, 0, kMax32);
  read_uint(t, "ping_interval_s", s.ping_interval_s, 1, kMax32);
  read_uint(t, "client_timeout_s", s.client_timeout_s, 1, kMax32);
  read_uint(t, "registration_timeout_s", s.registration_timeout_s, 1, kMax32);
  read_uint(t, "max_clients", s.max_clients, 1, kMax32);
  read_uint(t, "max_clients_per_ip", s.max_clients_per_ip, 0, kMax32);
  read_uint(t, "max_line_bytes", s.max_line_bytes, 64, 8192);
  read_double(t, "flood_rate", s.flood_rate, 0.01, 1e9);
  read_uint(t, "flood_burst", s.flood_burst, 1, kMax32);
  read_uint(t, "recvq_bytes", s.recvq_bytes, 512, 1u << 30);
  read_uint(t, "sendq_bytes", s.sendq_bytes, 512, 1u << 30);
  read_bool(t, "allow_create_lobbies", s.allow_create_lobbies);
  read_uint(t, "created_lobby_capacity", s.created_lobby_capacity, 1, kMax32);
  read_uint(t, "max_lobbies_per_client", s.max_lobbies_per_client, 1, 10000);
  read_uint(t, "nick_len", s.nick_len, 1, 64);
  read_uint(t, "lobby_name_len", s.lobby_name_len, 2, 200);
  read_uint(t, "topic_len", s.topic_len, 1, 400);
  read_uint(t, "away_len", s.away_len, 1, 400);
  read_uint(t, "threads", cfg.threads, 0, 1024);
  read_string(t, "log_level", cfg.log_level);
  if (auto l = t["listen"]) {
    auto* arr = l.as_array();
    if (!arr) throw ConfigError("listen: expected an array of \"host:port\" strings");
    cfg.listen.clear();
    for (auto& e : *arr) {
      auto v = e.value<std::string>();
      if (!v) throw ConfigError("listen: expected an array of \"host:port\" strings");
      cfg.listen.push_back(*v);
    }
  }
  if (auto l = t["lobby"]) {
    auto* arr = l.as_array();
    if (!arr) throw ConfigError("lobby: expected [[lobby]] tables");
    s.lobbies.clear();
    for (auto& e : *arr) {
      auto* lt = e.as_table();
      if (!lt) throw ConfigError("lobby: expected [[lobby]] tables");
      core::LobbyConfig lc;
      read_string(*lt, "name", lc.name);
      read_string(*lt, "topic", lc.topic);
      read_uint(*lt, "capacity", lc.capacity, 1, kMax32);
      if (!proto::valid_lobby_name(lc.name, s.lobby_name_len))
        throw ConfigError(fmt::format("lobby: invalid lobby name '{}' (must start with '#')", lc.name));
      s.lobbies.push_back(std::move(lc));
    }
  }
  if (s.client_timeout_s <= s.ping_interval_s)
    throw ConfigError("client_timeout_s must be greater than ping_interval_s");
}

bool load_config(int argc, char** argv, AppConfig& cfg, int& exit_code) {
  CLI::App app{
      "lobbyd: a multiplayer game server speaking IRC.\n"
      "Settings come from the TOML file given with --config (see docs/operations.md),\n"
      "overridden by the flags below."};
  std::string config_path;
  std::vector<std::string> listen;
  unsigned threads = 0;
  std::string log_level, port_file;
  app.add_option("-c,--config", config_path, "TOML configuration file")->check(CLI::ExistingFile);
  app.add_option("-l,--listen", listen,
                 "Listen on HOST:PORT (repeatable; default 127.0.0.1:6667; port 0 picks a free one)");
  app.add_option("-t,--threads", threads, "Worker threads (default: one per hardware core)")
      ->check(CLI::Range(1u, 1024u));
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  app.add_option("--port-file", port_file,
                 "Write the bound HOST:PORT of each listener to this file (for tests and scripts)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    exit_code = app.exit(e);
    return false;
  }
  if (!config_path.empty()) apply_toml(config_path, cfg);
  if (!listen.empty()) cfg.listen = listen;
  if (threads) cfg.threads = threads;
  if (!log_level.empty()) cfg.log_level = log_level;
  if (!port_file.empty()) cfg.port_file = port_file;
  if (cfg.threads == 0) cfg.threads = std::max(1u, std::thread::hardware_concurrency());
  return true;
}

}  // namespace lobbyd::app
