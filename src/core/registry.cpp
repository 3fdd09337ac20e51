#include "core/registry.h"

#include <algorithm>
#include <functional>

#include "proto/casemap.h"

namespace lobbyd::core {

NickRegistry::Shard& NickRegistry::shard_for(const std::string& key) const {
  return shards_[std::hash<std::string>{}(key) % shards_.size()];
}

bool NickRegistry::claim(std::string_view nick, const SessionPtr& s) {
  std::string key = proto::fold(nick);
  Shard& sh = shard_for(key);
  std::lock_guard lock(sh.mu);
  auto [it, inserted] = sh.map.try_emplace(std::move(key), s);
  return inserted || it->second == s;
}

void NickRegistry::release(std::string_view nick, const Session* s) {
  std::string key = proto::fold(nick);
  Shard& sh = shard_for(key);
  std::lock_guard lock(sh.mu);
  auto it = sh.map.find(key);
  if (it != sh.map.end() && it->second.get() == s) sh.map.erase(it);
}

SessionPtr NickRegistry::find(std::string_view nick) const {
  std::string key = proto::fold(nick);
  Shard& sh = shard_for(key);
  std::lock_guard lock(sh.mu);
  auto it = sh.map.find(key);
  return it == sh.map.end() ? nullptr : it->second;
}

std::size_t NickRegistry::size() const {
  std::size_t n = 0;
  for (auto& sh : shards_) {
    std::lock_guard lock(sh.mu);
    n += sh.map.size();
  }
  return n;
}

LobbyPtr LobbyRegistry::find(std::string_view name) const {
  std::string key = proto::fold(name);
  std::shared_lock lock(mu_);
  auto it = map_.find(key);
  return it == map_.end() ? nullptr : it->second;
}

LobbyPtr LobbyRegistry::insert(LobbyPtr lobby) {
  std::unique_lock lock(mu_);
  auto [it, inserted] = map_.try_emplace(lobby->key(), lobby);
  return it->second;
}

void LobbyRegistry::erase_if_same(const LobbyPtr& lobby) {
  std::unique_lock lock(mu_);
  auto it = map_.find(lobby->key());
  if (it != map_.end() && it->second == lobby) map_.erase(it);
}

bool LobbyRegistry::remove_if_empty(const LobbyPtr& lobby) {
  if (!lobby->close_if_empty()) return false;
  erase_if_same(lobby);
  return true;
}

std::vector<LobbyPtr> LobbyRegistry::all() const {
  std::vector<LobbyPtr> out;
  {
    std::shared_lock lock(mu_);
    out.reserve(map_.size());
    for (auto& [k, v] : map_) out.push_back(v);
  }
  std::sort(out.begin(), out.end(),
            [](const LobbyPtr& a, const LobbyPtr& b) { return a->key() < b->key(); });
  return out;
}

std::size_t LobbyRegistry::size() const {
  std::shared_lock lock(mu_);
  return map_.size();
}

}  // namespace lobbyd::core
