#pragma once
// Server-wide name tables. Nicks are sharded over independent mutexes (a
// PRIVMSG to a nick locks one shard briefly); the lobby table is read-mostly
// and consulted on JOIN, LIST and errors, not on a member's message path.
#include <array>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/lobby.h"

namespace lobbyd::core {

class NickRegistry {
 public:
  // Claims nick for s; false if another session holds it (case-insensitive).
  bool claim(std::string_view nick, const SessionPtr& s);
  // Releases nick if s holds it.
  void release(std::string_view nick, const Session* s);
  SessionPtr find(std::string_view nick) const;
  std::size_t size() const;

 private:
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, SessionPtr> map;
  };
  Shard& shard_for(const std::string& key) const;
  mutable std::array<Shard, 16> shards_;
};

class LobbyRegistry {
 public:
  LobbyPtr find(std::string_view name) const;
  // Inserts a lobby unless one with that name exists; returns the one in the table.
  LobbyPtr insert(LobbyPtr lobby);
  // Removes the lobby if it is this one (an empty user-created lobby).
  void erase_if_same(const LobbyPtr& lobby);
  // Closes the lobby if nobody is in it and then removes it; true if so.
  // The one way a lobby or a table channel goes away when it empties.
  bool remove_if_empty(const LobbyPtr& lobby);
  std::vector<LobbyPtr> all() const;
  std::size_t size() const;

 private:
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, LobbyPtr> map_;
};

}  // namespace lobbyd::core
