#include "core/session.h"
#include "core/unix_time.h"

#include <algorithm>
#include <utility>
#include <spdlog/spdlog.h>

#include "core/accounts.h"
#include "core/commands.h"
#include "core/table.h"
#include "prof/profiler.h"
#include "proto/casemap.h"
#include "proto/format.h"
#include "proto/numerics.h"

namespace lobbyd::core {

namespace {
std::atomic<std::uint64_t> next_session_id{1};
}  // namespace

namespace {
std::string address_key_of(const std::string& ip) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(ip, ec);
  return ec ? ip : AddressLimits::key(a);
}
}  // namespace

Session::Session(net::Worker& w, boost::asio::ip::tcp::socket socket, std::string remote_ip,
                 Server& server)
    : net::Connection(w, std::move(socket), std::move(remote_ip)),
      id_(next_session_id.fetch_add(1, std::memory_order_relaxed)),
      address_key_(address_key_of(this->remote_ip())),
      server_(server),
      shard_(server.shard(w)),
      framer_(proto::kMaxTagBytes + proto::kMaxLineBytes),
      last_heard_(net::Clock::now()),
      connected_at_(last_heard_),
      tokens_at_(last_heard_) {
  refresh_settings();
  tokens_ = settings().flood_burst;
  listed_ = shard_.sessions.insert(shard_.sessions.end(), this);  // constructed on its worker's thread
  is_listed_ = true;
}

Session::~Session() = default;

void Session::refresh_settings() {
  LOBBYD_ASSERT_IN_LOOP(worker());
  const Settings& s = settings();
  settings_version_ = shard_.settings_version;
  // A sendq/recvq smaller than one maximal line would cut honest clients.
  std::size_t max_line = proto::kMaxTagBytes + s.max_line_bytes;
  set_limits(s.sendq_bytes, std::max<std::size_t>(s.recvq_bytes, max_line + 2));
  framer_.set_max_bytes(max_line);
}

Session::Info Session::info() const {
  std::lock_guard lock(info_mu_);
  return Info{nick_,    user_,   remote_ip(), realname_, away_, lobby_names_,
              account_, signon_, idle_since_.load(std::memory_order_relaxed)};
}

void Session::set_nick(std::string nick) {
  LOBBYD_ASSERT_IN_LOOP(worker());
  std::lock_guard lock(info_mu_);
  nick_ = std::move(nick);
  prefix_ = nick_ + "!" + (user_.empty() ? std::string("*") : user_) + "@" + remote_ip();
}

void Session::set_user(std::string user, std::string realname) {
  LOBBYD_ASSERT_IN_LOOP(worker());
  std::lock_guard lock(info_mu_);
  user_ = std::move(user);
  realname_ = std::move(realname);
  prefix_ = nick_ + "!" + user_ + "@" + remote_ip();
}

void Session::set_account(std::string account, std::string role) {
  LOBBYD_ASSERT_IN_LOOP(worker());
  std::lock_guard lock(info_mu_);
  account_ = std::move(account);
  role_ = std::move(role);
}

void Session::set_away(std::string away) {
  LOBBYD_ASSERT_IN_LOOP(worker());
  std::lock_guard lock(info_mu_);
  away_ = std::move(away);
}

void Session::mark_spoke() {
  LOBBYD_ASSERT_IN_LOOP(worker());
  idle_since_.store(unix_now(), std::memory_order_relaxed);
}

void Session::try_complete_registration() {
  LOBBYD_ASSERT_IN_LOOP(worker());
  if (!open() || registered_ || registration_.negotiating() || registration_.checking() || nick_.empty() ||
      user_.empty())
    return;
  if (registration_.has_pass() && account_.empty()) {
    // PASS <account>:<password>, or PASS <password> for the account named
    // like the nick: the fallback for clients without SASL.
    std::string text = registration_.take_pass();
    auto colon = text.find(':');
    std::string account = colon == std::string::npos ? nick_ : text.substr(0, colon);
    std::string password = colon == std::string::npos ? text : text.substr(colon + 1);
    registration_.begin_check();
    check_login(self(), std::move(account), std::move(password), [self = self()](AuthResult r) {
      self->registration_.end_check();
      if (!self->open()) return;
      if (r.status != AuthResult::Status::kOk) {
        bool later = r.status == AuthResult::Status::kUnavailable || r.status == AuthResult::Status::kBusy;
        self->numeric(proto::num::ERR_PASSWDMISMATCH, {},
                      later ? "Accounts are unavailable, try again later" : "Password incorrect");
        self->disconnect(later ? "Accounts unavailable" : "Bad password");
        return;
      }
      logged_in(self, r);
      self->try_complete_registration();
    });
    return;
  }
  if (account_.empty() && !settings().allow_guests) {
    proto::LineBuilder b(line());
    b.source(settings().server_name).command("FAIL").param("*").param("ACCOUNT_REQUIRED")
        .trailing("This server has no guests: log in with SASL PLAIN or PASS <account>:<password>");
    send_copy(b.finish());
    disconnect("Account required");
    return;
  }
  // Keep the list alive while b points into it: the store thread may publish
  // a new one and drop the old meanwhile (TSan saw the reason read after free).
  BanListPtr bans = server_.bans();
  if (const Ban* b = bans->match(nick_, user_, remote_ip(), unix_now())) {
    ban(b->reason);
    return;
  }
  {
    std::lock_guard lock(info_mu_);
    registered_ = true;
    signon_ = unix_now();
    idle_since_.store(signon_, std::memory_order_relaxed);
  }
  server_.address_registered(address_key_);
  cmd::welcome(*this);
  if (!account_.empty()) resume_tables(server_, self());  // seats held for this account
}

void Session::numeric(int code, std::initializer_list<std::string_view> params,
                      std::string_view trailing) {
  proto::LineBuilder b(line());
  b.source(settings().server_name).numeric(code).param(nick_.empty() ? "*" : nick_);
  for (auto p : params) b.param(p);
  b.trailing(trailing);
  send_copy(b.finish());
}

void Session::numeric_no_trailing(int code, std::initializer_list<std::string_view> params) {
  proto::LineBuilder b(line());
  b.source(settings().server_name).numeric(code).param(nick_.empty() ? "*" : nick_);
  for (auto p : params) b.param(p);
  send_copy(b.finish());
}

void Session::disconnect(std::string_view reason) {
  LOBBYD_ASSERT_IN_LOOP(worker());
  if (!open()) return;
  proto::LineBuilder b(line());
  std::string text = "Closing Link: " + remote_ip() + " (" + std::string(reason) + ")";
  b.command("ERROR").trailing(text);
  send_copy(b.finish());
  close(reason, true);
}

void Session::ban(std::string_view reason) {
  numeric(proto::num::ERR_YOUREBANNEDCREEP, {}, "You are banned from this server: " + std::string(reason));
  disconnect("Banned: " + std::string(reason));
}

std::size_t Session::on_input(std::string_view data) {
  LOBBYD_ASSERT_IN_LOOP(worker());
  std::size_t used = 0;
  auto now = net::Clock::now();
  while (used < data.size() && open() && !input_paused()) {  // a handler may pause input
    std::string_view line;
    std::size_t consumed = 0;
    auto r = framer_.next(data.substr(used), line, consumed);
    if (r == proto::LineFramer::Result::kNeedMore) {
      used += consumed;
      break;
    }
    if (!take_token(now)) {
      // Out of tokens: keep the line for later rather than dropping it.
      auto wait = std::chrono::duration<double>(1.0 / std::max(settings().flood_rate, 0.001));
      pause_input();
      worker().schedule_resume(*this, now + std::chrono::duration_cast<net::Clock::duration>(wait));
      break;
    }
    used += consumed;
    last_heard_ = now;
    ping_sent_ = false;
    if (r == proto::LineFramer::Result::kTooLong) {
      numeric(proto::num::ERR_INPUTTOOLONG, {}, "Input line was too long");
      continue;
    }
    handle_line(line);
  }
  return used;
}

void Session::charge_reply(std::uint64_t bytes) {
  const Settings& s = settings();
  if (s.reply_bytes_per_token == 0 || bytes <= s.reply_bytes_per_token) return;
  // The line itself paid one token, which covers its first reply_bytes_per_token
  // bytes; the rest is owed. The debt is capped at 10 s of the line rate, so
  // one huge reply (a JOIN of a full lobby) delays the next lines, no more.
  double owed = static_cast<double>(bytes - s.reply_bytes_per_token) / s.reply_bytes_per_token;
  tokens_ = std::max(tokens_ - owed, -10.0 * s.flood_rate);
}

bool Session::take_token(net::Clock::time_point now) {
  const Settings& s = settings();
  double elapsed = std::chrono::duration<double>(now - tokens_at_).count();
  tokens_at_ = now;
  tokens_ = std::min<double>(s.flood_burst, tokens_ + elapsed * s.flood_rate);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

void Session::handle_line(std::string_view line) {
  ++lines_in_;
  worker().counters().msgs_in.add();
  proto::MessageView m;
  proto::ParseError err;
  {
    LOBBYD_ZONE("proto.parse");
    err = proto::parse(line, m, settings().max_line_bytes);
  }
  switch (err) {
    case proto::ParseError::kOk:
      dispatch(*this, m);
      return;
    case proto::ParseError::kEmpty:
      return;  // RFC: silently ignored
    case proto::ParseError::kTooLong:
    case proto::ParseError::kTagsTooLong:
      numeric(proto::num::ERR_INPUTTOOLONG, {}, "Input line was too long");
      return;
    default:
      numeric(proto::num::ERR_UNKNOWNCOMMAND, {m.command.empty() ? "*" : "?"},
              proto::to_string(err));
      return;
  }
}

void Session::on_tick(net::Clock::time_point now) {
  LOBBYD_ASSERT_IN_LOOP(worker());
  if (settings_version_ != shard_.settings_version) refresh_settings();
  const Settings& s = settings();
  if (!registered_) {
    if (now - connected_at_ >= std::chrono::seconds(s.registration_timeout_s))
      disconnect("Registration timeout");
    return;
  }
  auto silent = now - last_heard_;
  if (silent >= std::chrono::seconds(s.client_timeout_s)) {
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(silent).count();
    disconnect("Ping timeout: " + std::to_string(secs) + " seconds");
    return;
  }
  if (!ping_sent_ && silent >= std::chrono::seconds(s.ping_interval_s)) {
    ping_sent_ = true;
    proto::LineBuilder b(line());
    b.command("PING").trailing(s.server_name);
    send_copy(b.finish());
  }
}

void Session::on_sendq_exceeded() {
  LOBBYD_ASSERT_IN_LOOP(worker());
  worker().counters().sendq_cuts.add();
  spdlog::info("cutting {} ({}): SendQ exceeded ({} bytes queued)", nick_, remote_ip(),
               queued_bytes());
  discard_output();
  disconnect("SendQ exceeded");
}

void Session::on_recvq_exceeded() {
  LOBBYD_ASSERT_IN_LOOP(worker());
  worker().counters().flood_cuts.add();
  spdlog::info("cutting {} ({}): Excess Flood", nick_, remote_ip());
  disconnect("Excess Flood");
}

void Session::on_closed(std::string_view reason) {
  LOBBYD_ASSERT_IN_LOOP(worker());
  if (std::exchange(is_listed_, false)) shard_.sessions.erase(listed_);
  server_.release_ip(address_key_, registered_);
  std::vector<SessionPtr> targets;
  if (registered_ && !server_.shutting_down()) {
    targets = peers();
    std::erase_if(targets, [this](const SessionPtr& p) { return p.get() == this; });
  }
  // Leave every table before anyone hears the QUIT: whoever sees it must
  // already find the nick free and the lobbies without us.
  for (auto& l : lobbies_) {
    std::size_t left = l->remove(this);
    if (l->is_table()) table_channel_left(server_, this, l, true);  // seat held or forfeited
    if (left == 0 && !l->persistent()) server_.lobbies().remove_if_empty(l);
  }
  lobbies_.clear();
  if (!nick_.empty()) server_.nicks().release(nick_, this);
  if (!account_.empty()) server_.release_account(account_, this);
  if (!targets.empty()) {
    std::string l;
    proto::LineBuilder b(l);
    b.source(prefix_).command("QUIT").trailing(reason);
    deliver(net::make_shared_buf(std::move(b.finish())), targets);
  }
}

LobbyPtr Session::joined(std::string_view name) const {
  LOBBYD_ASSERT_IN_LOOP(worker());
  for (auto& l : lobbies_)
    if (proto::iequals(l->name(), name)) return l;
  return nullptr;
}

void Session::add_lobby(LobbyPtr l) {
  LOBBYD_ASSERT_IN_LOOP(worker());
  lobbies_.push_back(std::move(l));
  update_lobby_names();
}

void Session::remove_lobby(const Lobby* l) {
  LOBBYD_ASSERT_IN_LOOP(worker());
  std::erase_if(lobbies_, [l](const LobbyPtr& p) { return p.get() == l; });
  update_lobby_names();
}

void Session::update_lobby_names() {
  std::string names;
  for (auto& l : lobbies_) {
    if (!names.empty()) names += ' ';
    if (l->is_op(this)) names += '@';
    names += l->name();
  }
  std::lock_guard lock(info_mu_);
  lobby_names_ = std::move(names);
}

std::vector<SessionPtr> Session::peers() {
  LOBBYD_ASSERT_IN_LOOP(worker());
  std::vector<SessionPtr> out;
  out.push_back(self());
  for (auto& l : lobbies_) l->append_members(out);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace lobbyd::core
