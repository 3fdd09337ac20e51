#include "app/config.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>
#include <sodium.h>
#include <fmt/format.h>
#include <thread>
#include <toml++/toml.h>

#include "core/settings_table.h"
#include "proto/casemap.h"
#include <charconv>

namespace lobbyd::app {

namespace {

// A TOML scalar in the text form set_setting() parses.
bool scalar_text(const toml::node& n, std::string& out) {
  if (auto v = n.value_exact<std::string>()) out = *v;
  else if (auto i = n.value_exact<std::int64_t>()) out = std::to_string(*i);
  else if (auto d = n.value_exact<double>()) out = fmt::format("{}", *d);
  else if (auto b = n.value_exact<bool>()) out = *b ? "true" : "false";
  else return false;
  return true;
}

}  // namespace

void apply_toml(const std::string& path, AppConfig& cfg) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw ConfigError(fmt::format("{}:{}:{}: {}", path, e.source().begin.line,
                                  e.source().begin.column, e.description()));
  }
  auto& s = cfg.settings;
  for (auto& [k, node] : t) {
    std::string_view key = k.str();
    if (key == "listen" || key == "lobby" || key == "listen_tls") continue;  // below
    std::string text;
    if (!scalar_text(node, text))
      throw ConfigError(fmt::format("{}: {}: expected a single value", path, key));
    if (key == "threads") {
      unsigned n = 0;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec != std::errc() || p != text.data() + text.size() || n > 1024)
        throw ConfigError(fmt::format("{}: threads: expected an integer in [0, 1024]", path));
      cfg.threads = n;
    } else if (key == "log_level") {
      cfg.log_level = text;
    } else if (key == "db") {
      cfg.db = text;
    } else if (key == "http") {
      cfg.http = text;
      cfg.http_explicit = true;
    } else if (auto err = core::set_setting(s, key, text); !err.empty()) {
      throw ConfigError(fmt::format("{}: {}", path, err));
    }
  }
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
  if (auto l = t["listen_tls"]) {
    auto* arr = l.as_array();
    if (!arr) throw ConfigError("listen_tls: expected an array of \"host:port\" strings");
    cfg.listen_tls.clear();
    for (auto& e : *arr) {
      auto v = e.value<std::string>();
      if (!v) throw ConfigError("listen_tls: expected an array of \"host:port\" strings");
      cfg.listen_tls.push_back(*v);
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
      lc.name = (*lt)["name"].value_or(std::string{});
      lc.topic = (*lt)["topic"].value_or(std::string{});
      auto cap = (*lt)["capacity"].value_or<std::int64_t>(lc.capacity);
      if (cap < 1 || cap > 0xFFFFFFFFll)
        throw ConfigError(fmt::format("lobby {}: capacity must be at least 1", lc.name));
      lc.capacity = static_cast<std::uint32_t>(cap);
      if (!proto::valid_lobby_name(lc.name, s.lobby_name_len))
        throw ConfigError(fmt::format("lobby: invalid lobby name '{}' (must start with '#')", lc.name));
      s.lobbies.push_back(std::move(lc));
    }
  }
  if (auto err = core::check_settings(s); !err.empty()) throw ConfigError(err);
}

bool load_config(int argc, char** argv, AppConfig& cfg, int& exit_code) {
  CLI::App app{
      "lobbyd: a multiplayer game server speaking IRC.\n"
      "Settings come from the TOML file given with --config (see docs/operations.md),\n"
      "overridden by the flags below."};
  app.set_version_flag("--version", "lobbyd 0.1.0");
  std::string config_path;
  std::vector<std::string> listen, listen_tls;
  std::optional<std::string> http;
  unsigned threads = 0;
  std::string log_level, port_file, db, modules_dir;
  app.add_option("-c,--config", config_path, "TOML configuration file")->check(CLI::ExistingFile);
  app.add_option("-l,--listen", listen,
                 "Listen on HOST:PORT (repeatable; default 127.0.0.1:6667; port 0 picks a free one)");
  app.add_option("--listen-tls", listen_tls,
                 "Listen for TLS clients on HOST:PORT (repeatable; needs the tls_cert and "
                 "tls_key settings)");
  app.add_option("--http", http,
                 "HTTP server (web pages, /ws, /metrics, /api) on HOST:PORT (default "
                 "127.0.0.1:8080; '' or off: none)");
  app.add_option("-t,--threads", threads, "Worker threads (default: one per hardware core)")
      ->check(CLI::Range(1u, 1024u));
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  app.add_option("--port-file", port_file,
                 "Write the bound HOST:PORT of each --listen listener to this file (for tests and "
                 "scripts), then \"tls HOST:PORT\" and \"http HOST:PORT\" lines for the others");
  app.add_option("--db", db,
                 "Database URL: sqlite:PATH (default sqlite:lobbyd.db) or "
                 "mysql://user:password@host:port/dbname (MariaDB/MySQL)");
  app.add_option("--modules", modules_dir,
                 "Development: every *.lua file in DIR becomes a game module version in the "
                 "database when its text changes (the modules_dir setting; docs/modules.md)");
  app.add_flag("--hash-password", cfg.hash_password,
               "Read a password from standard input, print its argon2id hash (for the "
               "oper_password_hash setting) and exit");
  app.add_flag("--fault-injection", cfg.fault_injection,
               "Tests only: enable the FAULT command, which makes the next request at one "
               "boundary (command, http, task, store, blocking, loop) throw. Never in production");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    exit_code = app.exit(e);
    return false;
  }
  if (!config_path.empty()) apply_toml(config_path, cfg);
  if (!listen.empty()) cfg.listen = listen;
  if (!listen_tls.empty()) cfg.listen_tls = listen_tls;
  if (http) {
    cfg.http = *http;
    cfg.http_explicit = true;
  }
  if (cfg.http == "off") cfg.http.clear();
  if (threads) cfg.threads = threads;
  if (!log_level.empty()) cfg.log_level = log_level;
  if (!port_file.empty()) cfg.port_file = port_file;
  if (!db.empty()) cfg.db = db;
  if (!modules_dir.empty()) cfg.settings.modules_dir = modules_dir;
  if (cfg.threads == 0) cfg.threads = std::max(1u, std::thread::hardware_concurrency());
  return true;
}

int print_password_hash() {
  std::string password;
  std::getline(std::cin, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  char hash[crypto_pwhash_STRBYTES];
  if (password.empty() || sodium_init() < 0 ||
      crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    std::cerr << "lobbyd: could not hash the password (empty input or out of memory)\n";
    return 1;
  }
  std::cout << hash << "\n";
  return 0;
}

}  // namespace lobbyd::app
