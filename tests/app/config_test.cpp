// The TOML configuration file (app::apply_toml): settings through the
// shared settings table, the file-only keys, listeners and [[lobby]]
// tables, and errors that name the file and the key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "app/config.h"

namespace lobbyd::app {
namespace {

class TomlFile {
 public:
  explicit TomlFile(std::string_view text)
      : path_(std::filesystem::temp_directory_path() /
              ("lobbyd-config-test-" + std::to_string(::getpid()) + "-" + std::to_string(n_++) + ".toml")) {
    std::ofstream(path_) << text;
  }
  ~TomlFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  static inline int n_ = 0;
  std::filesystem::path path_;
};

AppConfig apply(std::string_view text) {
  TomlFile f(text);
  AppConfig cfg;
  apply_toml(f.path(), cfg);
  return cfg;
}

std::string error_of(std::string_view text) {
  TomlFile f(text);
  AppConfig cfg;
  try {
    apply_toml(f.path(), cfg);
  } catch (const ConfigError& e) {
    std::string m = e.what();
    auto at = m.find(f.path());
    return at == std::string::npos ? m : m.replace(at, f.path().size(), "FILE");
  }
  return "no error";
}

TEST(ApplyToml, SettingsAndFileOnlyKeys) {
  AppConfig cfg = apply(R"(
server_name = "irc.example"
max_clients = 77
flood_rate = 3.5
allow_guests = false
threads = 3
log_level = "debug"
db = "sqlite:/tmp/x.db"
http = "off"
)");
  EXPECT_EQ(cfg.settings.server_name, "irc.example");
  EXPECT_EQ(cfg.settings.max_clients, 77u);
  EXPECT_DOUBLE_EQ(cfg.settings.flood_rate, 3.5);
  EXPECT_FALSE(cfg.settings.allow_guests);
  EXPECT_EQ(cfg.threads, 3u);
  EXPECT_EQ(cfg.log_level, "debug");
  EXPECT_EQ(cfg.db, "sqlite:/tmp/x.db");
  EXPECT_EQ(cfg.http, "off");  // load_config turns "off" into none
  EXPECT_TRUE(cfg.http_explicit);
}

TEST(ApplyToml, ListenersAndLobbies) {
  AppConfig cfg = apply(R"(
listen = ["0.0.0.0:6667", "[::1]:6668"]
listen_tls = ["0.0.0.0:6697"]
[[lobby]]
name = "#main"
topic = "Hello"
capacity = 50
[[lobby]]
name = "#quiet"
)");
  EXPECT_EQ(cfg.listen, (std::vector<std::string>{"0.0.0.0:6667", "[::1]:6668"}));
  EXPECT_EQ(cfg.listen_tls, (std::vector<std::string>{"0.0.0.0:6697"}));
  ASSERT_EQ(cfg.settings.lobbies.size(), 2u);
  EXPECT_EQ(cfg.settings.lobbies[0].name, "#main");
  EXPECT_EQ(cfg.settings.lobbies[0].topic, "Hello");
  EXPECT_EQ(cfg.settings.lobbies[0].capacity, 50u);
  EXPECT_EQ(cfg.settings.lobbies[1].name, "#quiet");
}

TEST(ApplyToml, ErrorsNameTheFileAndTheKey) {
  EXPECT_EQ(error_of("max_clients = 0\n"), "FILE: max_clients: expected an integer in [1, 4294967295], got '0'");
  EXPECT_EQ(error_of("frobnicate = 1\n"), "FILE: unknown setting 'frobnicate'");
  EXPECT_EQ(error_of("threads = 5000\n"), "FILE: threads: expected an integer in [0, 1024]");
  EXPECT_EQ(error_of("motd = [1, 2]\n"), "FILE: motd: expected a single value");
  EXPECT_EQ(error_of("listen = \"127.0.0.1:1\"\n"), "listen: expected an array of \"host:port\" strings");
  EXPECT_EQ(error_of("[[lobby]]\nname = \"nohash\"\n"),
            "lobby: invalid lobby name 'nohash' (must start with '#')");
  EXPECT_EQ(error_of("[[lobby]]\nname = \"#x\"\ncapacity = 0\n"), "lobby #x: capacity must be at least 1");
  EXPECT_TRUE(error_of("this is = not toml = at all\n").starts_with("FILE:1:")) << error_of("x = = 1\n");
}

}  // namespace
}  // namespace lobbyd::app
