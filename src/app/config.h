#pragma once
// Start-up configuration: a TOML file (--config) overridden by command-line
// flags. Errors are reported as ConfigError with a message fit for the user.
#include <stdexcept>
#include <string>
#include <vector>

#include "core/settings.h"

namespace lobbyd::app {

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct AppConfig {
  core::Settings settings;
  std::vector<std::string> listen{"127.0.0.1:6667"};
  unsigned threads = 0;  // 0: one per hardware core
  std::string log_level = "info";
  std::string port_file;  // if set, bound endpoints are written here
  std::vector<std::string> listen_tls;  // TLS listeners (tls_cert, tls_key)
  std::string http = "127.0.0.1:8080";  // HTTP server; "" or "off": none
  bool http_explicit = false;           // given by flag or file: failing to bind is fatal
  std::string db = "sqlite:lobbyd.db";  // see store/db_url.h
  bool hash_password = false;           // --hash-password: print an argon2id hash and exit
  bool fault_injection = false;         // --fault-injection: the FAULT command (tests only)
};

// Parses argv. Returns false if the program should exit with `exit_code`
// (e.g. after --help).
bool load_config(int argc, char** argv, AppConfig& out, int& exit_code);

// --hash-password: reads one line from stdin, prints its argon2id hash.
int print_password_hash();

// Applies a TOML document's keys to cfg (exposed for tests).
void apply_toml(const std::string& path, AppConfig& cfg);

}  // namespace lobbyd::app
