#include "core/control_plane.h"
#include "core/unix_time.h"

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <spdlog/spdlog.h>

#include "core/admin_actions.h"
#include "core/settings_table.h"
#include "prof/profiler.h"
#include "proto/casemap.h"
#include "proto/format.h"

namespace lobbyd::core {

ControlPlane::ControlPlane(Server& server, Settings base, Hooks hooks)
    : server_(server), base_(std::move(base)), hooks_(std::move(hooks)) {}

void ControlPlane::report(std::string_view source, std::string_view ref, const std::string& message) {
  std::string key = fmt::format("{}\x1f{}\x1f{}", source, ref, message);
  if (!reported_.insert(key).second) return;
  spdlog::error("database {} '{}': {}", source, ref, message);
  if (store_) store_->record_config_error(std::string(source), std::string(ref), message, unix_now());
}

void ControlPlane::on_settings(std::vector<store::SettingRow> rows) {
  LOBBYD_ZONE("config.settings");
  Settings next = base_;
  std::set<std::string> seen;
  for (const auto& r : rows) {
    seen.insert(r.key);
    std::string err = set_setting(next, r.key, r.value);
    if (err.empty()) {
      last_good_[r.key] = r.value;
      continue;
    }
    auto good = last_good_.find(r.key);
    if (good != last_good_.end()) {
      set_setting(next, r.key, good->second);
      err += fmt::format(" (keeping the last good value '{}')", good->second);
    } else {
      err += fmt::format(" (keeping '{}')", get_setting(next, r.key));
    }
    report("settings", r.key, err);
  }
  // A deleted row reverts to the configuration file's value.
  for (auto it = last_good_.begin(); it != last_good_.end();)
    it = seen.count(it->first) ? std::next(it) : last_good_.erase(it);
  if (std::string err = check_settings(next); !err.empty()) {
    report("settings", "*", err + " (change not applied)");
    return;
  }
  auto current = server_.settings_holder().get();
  if (hooks_.poll_interval && current->db_poll_ms != next.db_poll_ms)
    hooks_.poll_interval(std::chrono::milliseconds(next.db_poll_ms));
  bool profiler_change = next.profiler_enabled != profiler_on_ && hooks_.profiler;
  bool profiler_want = next.profiler_enabled;
  // Publish first: the switch reads profiler_dir/ring/auto-off from the
  // settings, and rows written together with profiler_enabled must count.
  server_.settings_holder().publish(std::make_shared<const Settings>(std::move(next)));
  if (profiler_change) {
    profiler_on_ = profiler_want;
    spdlog::info("profiler_enabled = {}: {}", profiler_on_, hooks_.profiler(profiler_on_ ? "on" : "off"));
  }
  spdlog::info("settings: applied {} row(s) from the database", rows.size());
}

void ControlPlane::on_lobbies(std::vector<store::LobbyRow> rows) {
  LOBBYD_ZONE("config.lobbies");
  const Settings& s = *server_.settings_holder().get();
  std::set<std::string> active;
  for (const auto& r : rows) {
    if (!proto::valid_lobby_name(r.name, s.lobby_name_len)) {
      report("lobbies", r.name, "invalid lobby name (must start with '#', no spaces or commas)");
      continue;
    }
    if (r.capacity < 1 || r.capacity > 0xFFFFFFFFll) {
      report("lobbies", r.name, fmt::format("capacity must be at least 1, got {}", r.capacity));
      continue;
    }
    std::string key = proto::fold(r.name);
    if (!r.active) {
      if (LobbyPtr l = server_.lobbies().find(r.name)) {
        spdlog::info("lobby {} deactivated by the database", l->name());
        server_.close_lobby(l, "This lobby has been closed");
      }
      continue;
    }
    active.insert(key);
    if (!proto::is_one_line(r.topic)) {
      report("lobbies", r.name, "the topic must be one line (no CR, LF or NUL)");
      continue;
    }
    std::string topic(proto::utf8_prefix(r.topic, s.topic_len));
    LobbyPtr l = server_.ensure_lobby(r.name, topic, static_cast<std::uint32_t>(r.capacity));
    if (l->topic() != topic)
      l->set_topic(topic, s.server_name, server_.server_line("TOPIC", l->name(), topic));
    if (l->capacity() != r.capacity) l->set_capacity(static_cast<std::uint32_t>(r.capacity));
    if (l->games() != r.games) l->set_games(r.games);
  }
  for (const std::string& key : db_lobbies_) {
    if (active.count(key)) continue;
    if (LobbyPtr l = server_.lobbies().find(key)) {
      spdlog::info("lobby {} removed from the database", l->name());
      server_.close_lobby(l, "This lobby has been closed");
    }
  }
  db_lobbies_ = std::move(active);
}

void ControlPlane::on_bans(std::vector<store::BanRow> rows) {
  LOBBYD_ZONE("config.bans");
  auto list = std::make_shared<BanList>();
  for (const auto& r : rows) {
    Ban b;
    if (std::string err = BanList::parse(r.mask, b); !err.empty()) {
      report("bans", fmt::format("{} ({})", r.id, r.mask), err);
      continue;
    }
    if (!proto::is_one_line(r.reason)) {
      report("bans", fmt::format("{} ({})", r.id, r.mask), "the reason must be one line (no CR, LF or NUL)");
      continue;
    }
    b.id = r.id;
    b.reason = r.reason.empty() ? "Banned" : r.reason;
    b.expires_at = r.expires_at;
    list->add(std::move(b));
  }
  server_.set_bans(std::move(list));
}

void ControlPlane::on_modules(std::vector<store::ModuleRow> rows) {
  LOBBYD_ZONE("config.modules");
  const Settings& s = *server_.settings_holder().get();
  modules::Limits limits;
  limits.instructions_per_call = std::uint64_t(s.module_instructions_m) * 1'000'000;
  limits.memory_bytes = std::size_t(s.module_memory_kb) * 1024;
  // Compiling and self-checking a new version takes milliseconds: here, on
  // the store thread, never on an event loop. The loops only ever see a
  // finished catalog.
  ModuleLibrary::Applied a = modules_.apply(rows, limits);
  for (const auto& e : a.events) {
    if (e.error.empty()) spdlog::info("game module {} loaded", e.label);
    else spdlog::error("game module {} refused: {}", e.label, e.error);
  }
  if (store_)
    for (auto& w : a.writes) store_->set_module_error(w.row_id, std::move(w.error));
  newest_source_.clear();
  for (const auto& r : rows) newest_source_[r.name] = r.source;  // rows come by name, then version
  std::string serving;
  for (const auto& m : a.catalog->modules())
    if (m.serving) serving += fmt::format("{}{}@{}", serving.empty() ? "" : ", ", m.name, m.version);
  server_.catalog_holder().publish(std::move(a.catalog));
  spdlog::info("game modules: {} row(s), serving: {}", rows.size(), serving.empty() ? "none" : serving);
}

void ControlPlane::on_poll() { scan_modules_dir(); }

void ControlPlane::scan_modules_dir() {
  const std::string dir = server_.settings_holder().get()->modules_dir;
  if (dir.empty() || !store_) return;
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".lua" && it->is_regular_file(ec)) files.push_back(it->path());
  if (ec) {
    report("modules_dir", dir, "cannot read the directory: " + ec.message());
    return;
  }
  for (const fs::path& path : files) {
    const std::string file = path.string();
    if (dir_pending_.count(file)) continue;
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) continue;
    auto seen = dir_files_.find(file);
    if (seen != dir_files_.end() && seen->second == text) continue;
    dir_files_[file] = text;
    // Its name is the module's own: compile it once to learn it (and to
    // say at once, in the log, why a broken file is not inserted).
    auto game = modules::LuaGame::load(text, 1);
    if (!game) {
      spdlog::error("modules_dir: {}: {}", file, game.error().reason);
      continue;
    }
    std::string name((*game)->name());
    if (auto it = newest_source_.find(name); it != newest_source_.end() && it->second == text) continue;
    dir_pending_.insert(file);
    store_->add_module(name, text, [this, file, name](store::Result<std::int64_t> v) {
      // On the store thread, as everything here.
      dir_pending_.erase(file);
      if (v) spdlog::info("modules_dir: {} is {}@{}", file, name, *v);
      else dir_files_.erase(file);  // try again at the next poll
    });
  }
}

std::string ControlPlane::on_command(const store::CommandRow& cmd) {
  LOBBYD_ZONE("config.command");
  // One home for the operator actions (core/admin_actions.h): this is the
  // row front-end, which words a failure as "error: <why>".
  AdminResult r = run_admin_command(AdminTarget{server_, hooks_.shutdown, hooks_.profiler}, cmd.verb, cmd.args);
  std::string result = r.ok() ? std::move(r.text) : "error: " + r.text;
  if (result.rfind("error", 0) == 0)
    spdlog::warn("admin command #{} '{} {}': {}", cmd.id, cmd.verb, cmd.args, result);
  else
    spdlog::info("admin command #{} '{} {}': {}", cmd.id, cmd.verb, cmd.args, result);
  return result;
}

}  // namespace lobbyd::core
