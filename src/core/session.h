#pragma once
// One client: its registration state, identity, flood bucket and lobbies.
// A Session is owned by the worker that accepted it and all its methods run
// on that worker's thread, except id(), info(), host(), server(), worker()
// and the send paths of net::Connection that are documented as thread-safe.
// The owner-thread methods check it (LOBBYD_ASSERT_IN_LOOP, net/loop_thread.h)
// in Debug and sanitizer builds.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/lobby.h"
#include "core/registration.h"
#include "core/server.h"
#include "net/connection.h"
#include "net/loop_thread.h"
#include "proto/line_framer.h"
#include "proto/message.h"

namespace lobbyd::core {

class Session final : public net::Connection {
 public:
  Session(net::Worker& w, boost::asio::ip::tcp::socket socket, std::string remote_ip, Server& server);
  ~Session() override;

  SessionPtr self() { return std::static_pointer_cast<Session>(shared_from_this()); }
  Server& server() noexcept { return server_; }
  // The owner worker's snapshot (its shard): owner thread.
  const Settings& settings() const noexcept {
    LOBBYD_ASSERT_IN_LOOP(worker());
    return *shard_.settings;
  }
  // Never reused in the life of the process (unlike the Session's address,
  // which the allocator hands to the next connection): the identity to keep
  // where a SessionPtr is not kept (a table's creator). Any thread.
  std::uint64_t id() const noexcept { return id_; }

  // Identity, written on the owner thread only (under info_mu_ so that other
  // threads can read a consistent copy through info()).
  struct Info {
    std::string nick, user, host, realname, away, lobbies, account;
    std::int64_t signon = 0;
    std::int64_t idle_since = 0;
  };
  Info info() const;  // any thread
  // Owner thread (other threads read info()).
  const std::string& nick() const noexcept {
    LOBBYD_ASSERT_IN_LOOP(worker());
    return nick_;
  }
  const std::string& prefix() const noexcept {
    LOBBYD_ASSERT_IN_LOOP(worker());
    return prefix_;
  }
  const std::string& host() const noexcept { return remote_ip(); }  // immutable
  // The per-address limits' key (core/address_limits.h); immutable.
  const std::string& address_key() const noexcept { return address_key_; }
  bool registered() const noexcept {
    LOBBYD_ASSERT_IN_LOOP(worker());
    return registered_;
  }
  void set_nick(std::string nick);
  void set_user(std::string user, std::string realname);
  void set_away(std::string away);
  void mark_spoke();  // updates the idle time WHOIS reports

  // Account ("" = guest) and its role ("player", "operator"); owner thread.
  const std::string& account() const noexcept {
    LOBBYD_ASSERT_IN_LOOP(worker());
    return account_;
  }
  const std::string& role() const noexcept {
    LOBBYD_ASSERT_IN_LOOP(worker());
    return role_;
  }
  void set_account(std::string account, std::string role);

  // CAP, SASL, PASS, the login check in flight, OPER (core/registration.h):
  // the owner thread's only.
  Registration& registration() noexcept {
    LOBBYD_ASSERT_IN_LOOP(worker());
    return registration_;
  }
  bool has_user() const noexcept { return !user_.empty(); }
  void try_complete_registration();

  // Replies. `line()` hands out the shard's scratch string for a LineBuilder;
  // send_line() queues it for this client only.
  std::string& line() noexcept {
    LOBBYD_ASSERT_IN_LOOP(worker());
    return shard_.line;
  }
  void send_line(const std::string& l) { send_copy(l); }
  void numeric(int code, std::initializer_list<std::string_view> params,
               std::string_view trailing);
  void numeric_no_trailing(int code, std::initializer_list<std::string_view> params);
  // Sends "ERROR :Closing Link: host (reason)" and closes after flushing.
  void disconnect(std::string_view reason);
  // 465 then disconnect with "Banned: reason".
  void ban(std::string_view reason);

  // Lobby membership (owner thread).
  std::vector<LobbyPtr>& lobbies() noexcept {
    LOBBYD_ASSERT_IN_LOOP(worker());
    return lobbies_;
  }
  LobbyPtr joined(std::string_view name) const;
  void add_lobby(LobbyPtr l);
  void remove_lobby(const Lobby* l);
  // Every session that shares a lobby with this one (this one included),
  // each once.
  std::vector<SessionPtr> peers();

  std::uint64_t lines_in() const noexcept { return lines_in_; }

 protected:
  std::size_t on_input(std::string_view data) override;
  void on_closed(std::string_view reason) override;
  void on_tick(net::Clock::time_point now) override;
  void on_sendq_exceeded() override;
  void on_recvq_exceeded() override;

 private:
  bool take_token(net::Clock::time_point now);

 public:
  // A command's replies cost flood tokens by size (reply_bytes_per_token):
  // NAMES/WHO/LIST on a big lobby are throttled by what they pull, not by
  // their line count (InspIRCd's fakelag, ngIRCd's penalties). Loop thread.
  void charge_reply(std::uint64_t bytes);

 private:
  void handle_line(std::string_view line);
  void refresh_settings();
  void update_lobby_names();

  const std::uint64_t id_;
  const std::string address_key_;  // the per-address limits' key (core/address_limits.h)
  Server& server_;
  Shard& shard_;
  std::uint64_t settings_version_ = 0;
  proto::LineFramer framer_;

  mutable std::mutex info_mu_;
  std::string nick_, user_, realname_, away_, prefix_, lobby_names_, account_, role_;
  bool registered_ = false;
  std::int64_t signon_ = 0;
  // Written by the owner on every PRIVMSG, read by WHOIS on other workers:
  // an atomic rather than info_mu_ on the message path.
  std::atomic<std::int64_t> idle_since_{0};

  net::Clock::time_point last_heard_;
  net::Clock::time_point connected_at_;
  bool ping_sent_ = false;

  double tokens_;
  net::Clock::time_point tokens_at_;
  std::uint64_t lines_in_ = 0;

  std::vector<LobbyPtr> lobbies_;
  Registration registration_;
  std::list<Session*>::iterator listed_;  // in shard_.sessions until on_closed()
  bool is_listed_ = false;
};

}  // namespace lobbyd::core
