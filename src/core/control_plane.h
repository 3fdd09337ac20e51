#pragma once
// Applies what operators write into the database to the running server:
// settings snapshots, lobbies, bans and admin commands. Runs on the store
// thread (as its StoreListener) and only publishes snapshots or posts to the
// workers, so the event loops never wait on it.
#include <functional>
#include <map>
#include <set>
#include <string>

#include "core/game_catalog.h"
#include "core/server.h"
#include "store/port.h"

namespace lobbyd::core {

class ControlPlane final : public store::StoreListener {
 public:
  struct Hooks {
    // "shutdown <seconds>": drain and exit.
    std::function<void(std::chrono::seconds)> shutdown;
    // "profiler on|off|reset" and the profiler_enabled setting; returns a
    // result text (empty hook: the profiler is not built in).
    std::function<std::string(std::string_view verb)> profiler;
    // The store's poll period (db_poll_ms).
    std::function<void(std::chrono::milliseconds)> poll_interval;
  };

  // base: the settings from the config file (what a deleted row reverts to).
  ControlPlane(Server& server, Settings base, Hooks hooks);
  void set_store(store::Port* s) { store_ = s; }

  void on_settings(std::vector<store::SettingRow> rows) override;
  void on_lobbies(std::vector<store::LobbyRow> rows) override;
  void on_bans(std::vector<store::BanRow> rows) override;
  void on_modules(std::vector<store::ModuleRow> rows) override;
  void on_poll() override;
  std::string on_command(const store::CommandRow& cmd) override;

 private:
  // Logs a bad row and writes it to config_errors, once per distinct error.
  void report(std::string_view source, std::string_view ref, const std::string& message);

  // modules_dir (development): files whose text changed become new versions.
  void scan_modules_dir();

  Server& server_;
  const Settings base_;
  Hooks hooks_;
  store::Port* store_ = nullptr;
  std::map<std::string, std::string> last_good_;   // setting key -> last accepted value
  std::set<std::string> reported_;                 // errors already reported
  std::set<std::string> db_lobbies_;               // folded names of lobbies the table manages
  bool profiler_on_ = false;
  ModuleLibrary modules_;
  // modules_dir: each file's text as last seen, and the newest source of
  // each module name in the database (a file equal to it is not inserted).
  std::map<std::string, std::string> dir_files_;
  std::map<std::string, std::string> newest_source_;
  std::set<std::string> dir_pending_;  // files whose insert is in flight
};

}  // namespace lobbyd::core
