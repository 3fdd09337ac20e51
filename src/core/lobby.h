#pragma once
// A lobby (an IRC channel "#name"). Any worker may touch a lobby: its state
// is guarded by its own mutex (there is no global lock). A broadcast runs
// under that mutex so every member sees a lobby's messages in one order;
// members on other workers are reached with one batch per worker.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "net/shared_buffer.h"

namespace lobbyd::core {

class Session;
using SessionPtr = std::shared_ptr<Session>;

class Lobby {
 public:
  Lobby(std::string name, std::string topic, std::uint32_t capacity, bool persistent);

  const std::string& name() const noexcept { return name_; }  // immutable
  // A game table's channel ("&<id>"), not a chat lobby ("#name").
  static bool is_table_name(std::string_view name) noexcept { return !name.empty() && name[0] == '&'; }
  bool is_table() const noexcept { return is_table_name(name_); }
  const std::string& key() const noexcept { return key_; }    // case-folded name
  // Never removed when empty: lobbies from the config file or the database,
  // and table channels (their Table decides when they go).
  bool persistent() const noexcept { return persistent_; }
  std::int64_t created_at() const noexcept { return created_at_; }

  enum class JoinResult { kJoined, kAlreadyMember, kFull, kClosed };
  // Adds s and sends join_msg to every member, the newcomer included.
  JoinResult join(const SessionPtr& s, const std::string& nick, bool op, const net::SharedBuf& join_msg);
  // Sends part_msg to every member, the leaver included, then removes it.
  // Returns false if s was not a member.
  bool part(const Session* s, const net::SharedBuf& part_msg);
  // Removes s without a message (its QUIT is sent separately). Returns the
  // member count left.
  std::size_t remove(const Session* s);
  void rename(const Session* s, const std::string& nick);

  // Sends msg to every member except `except` (may be null).
  void broadcast(const net::SharedBuf& msg, const Session* except);

  struct Member {
    SessionPtr session;
    std::string nick;
    bool op = false;
  };
  struct View {
    std::string topic, topic_by;
    std::int64_t topic_at = 0;
    std::uint32_t capacity = 0;
    std::vector<Member> members;
  };
  View view() const;  // a copy for NAMES, WHO, MODE
  std::size_t member_count() const;
  std::uint32_t capacity() const;
  void set_capacity(std::uint32_t c);
  bool is_member(const Session* s) const;
  bool is_op(const Session* s) const;
  std::string topic() const;
  // Games a table in this lobby may play: comma-separated names or aliases
  // (the database's `lobbies.games`); empty: every game.
  std::string games() const;
  void set_games(std::string games);
  void set_topic(std::string topic, std::string by, const net::SharedBuf& announce);
  void append_members(std::vector<SessionPtr>& out) const;
  // Marks the lobby closed (no more joins) and returns its members.
  std::vector<Member> close();
  // Closes the lobby if nobody is in it; true if it did.
  bool close_if_empty();
  // Sees every message fanned out to the members, under the lobby's mutex
  // (a game table keeps the lines a held seat missed). Must not lock
  // anything but its own leaf mutex.
  void set_observer(std::function<void(const net::SharedBuf&)> f);

 private:
  void fan_out_locked(const net::SharedBuf& msg, const Session* except);
  std::vector<Member>::iterator find_locked(const Session* s);

  const std::string name_, key_;
  const bool persistent_;
  const std::int64_t created_at_;
  mutable std::mutex mu_;
  std::string topic_, topic_by_;   // guarded by mu_
  std::int64_t topic_at_ = 0;
  std::uint32_t capacity_;
  std::string games_;
  bool closed_ = false;
  std::vector<Member> members_;
  std::function<void(const net::SharedBuf&)> observer_;
};

using LobbyPtr = std::shared_ptr<Lobby>;

// Fans one message out to sessions that may live on any worker: local ones
// directly, the rest with one batch per worker.
void deliver(const net::SharedBuf& msg, const std::vector<SessionPtr>& targets);

}  // namespace lobbyd::core
