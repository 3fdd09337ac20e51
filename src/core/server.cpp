#include "core/server.h"

#include <boost/asio/write.hpp>
#include <algorithm>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/session.h"
#include "core/unix_time.h"
#include "core/table.h"
#include "core/ratings.h"
#include "proto/format.h"
#include "proto/numerics.h"

namespace lobbyd::core {

namespace asio = boost::asio;

Server::Server(SettingsPtr settings, std::vector<net::Worker*> workers)
    : settings_(std::move(settings)),
      workers_(std::move(workers)),
      shards_(workers_.size()),
      tables_(std::make_unique<TableRegistry>()),
      ratings_(std::make_unique<RatingBook>()),
      started_at_(unix_now()) {
  for (net::Worker* w : workers_) {
    Shard& sh = shards_[w->index()];
    sh.worker = w;
    sh.settings = settings_.get();
    sh.settings_version = settings_.version();
    sh.line.reserve(1024);
    w->on_tick = [this, w](net::Clock::time_point now) { on_worker_tick(*w, now); };
  }
  last_stats_snap_.resize(workers_.size());
}

Server::~Server() = default;

SessionPtr Server::claim_account(const std::string& account, const SessionPtr& s) {
  std::lock_guard lock(accounts_mu_);
  auto& slot = accounts_online_[account];
  SessionPtr old = slot.lock();
  slot = s;
  return old == s ? nullptr : old;
}

void Server::release_account(const std::string& account, const Session* s) {
  std::lock_guard lock(accounts_mu_);
  auto it = accounts_online_.find(account);
  if (it == accounts_online_.end()) return;
  SessionPtr cur = it->second.lock();
  if (!cur || cur.get() == s) accounts_online_.erase(it);
}

void Server::load_lobbies(const std::vector<LobbyConfig>& lobbies) {
  for (const auto& lc : lobbies)
    lobbies_.insert(std::make_shared<Lobby>(lc.name, lc.topic, lc.capacity, true));
}

void Server::accept(net::Worker& w, asio::ip::tcp::socket socket, const asio::ip::tcp::endpoint& peer,
                    const net::TransportMaker& transport) {
  const Settings& s = *shard(w).settings;
  boost::system::error_code ec;
  std::string ip = peer.address().to_string();

  std::string refusal_text;
  const char* refusal = nullptr;
  auto now_unix = unix_now();
  BanListPtr bans_now = bans();  // held: the store thread may publish a new list meanwhile
  if (shutting_down()) {
    refusal = "Server shutting down";
  } else if (const Ban* b = bans_now->match_ip(ip, now_unix)) {
    refusal_text = "Banned: " + b->reason;
    refusal = refusal_text.c_str();
  } else if (clients_.fetch_add(1, std::memory_order_relaxed) >= s.max_clients) {
    clients_.fetch_sub(1, std::memory_order_relaxed);
    refusal = "Server full";
  } else {
    AddressLimitSettings lim{s.max_clients_per_ip, s.max_unregistered_per_ip, s.connect_rate_per_ip,
                             s.connect_burst_per_ip, s.connection_limit_exempt};
    switch (address_limits_.admit(peer.address(), lim, net::Clock::now())) {
      case AddressLimits::Verdict::kOk:
      case AddressLimits::Verdict::kExempt:
        break;
      case AddressLimits::Verdict::kTooMany:
        refusal = "Too many connections from your address";
        break;
      case AddressLimits::Verdict::kTooManyUnregistered:
        refusal = "Too many unregistered connections from your address";
        break;
      case AddressLimits::Verdict::kTooFast:
        refusal = "Connecting too fast; try again in a few seconds";
        break;
    }
    if (refusal) {
      clients_.fetch_sub(1, std::memory_order_relaxed);
      address_refusals_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (refusal) {
    // Best effort, without blocking: a refused client gets one line.
    std::string msg = fmt::format("ERROR :Closing Link: {} ({})\r\n", ip, refusal);
    socket.non_blocking(true, ec);
    socket.write_some(asio::buffer(msg), ec);
    socket.shutdown(asio::socket_base::shutdown_both, ec);
    socket.close(ec);
    return;
  }
  auto session = std::make_shared<Session>(w, std::move(socket), std::move(ip), *this);
  if (transport) session->use_transport(transport);
  session->start();
}

bool Server::auth_address_begin(const std::string& key, int max) {
  std::lock_guard lock(auth_mu_);
  int& n = auth_by_address_[key];
  if (n >= max) return false;
  ++n;
  return true;
}

void Server::auth_address_end(const std::string& key) {
  std::lock_guard lock(auth_mu_);
  auto it = auth_by_address_.find(key);
  if (it != auth_by_address_.end() && --it->second <= 0) auth_by_address_.erase(it);
}

void Server::release_ip(const std::string& key, bool was_registered) {
  clients_.fetch_sub(1, std::memory_order_relaxed);
  address_limits_.release(key, was_registered);
}

void Server::on_worker_tick(net::Worker& w, net::Clock::time_point now) {
  Shard& sh = shard(w);
  if (sh.settings_version != settings_.version()) {
    sh.settings = settings_.get();
    sh.settings_version = settings_.version();
  }
  if (shutting_down()) {
    maybe_drained(now);
    return;
  }
  if (w.index() == 0) address_limits_.tick(now);  // forget idle addresses
  if (w.index() == 0) maybe_trim_memory(w, now);
  // Worker 0 writes the periodic summary line.
  if (w.index() == 0 && sh.settings->stats_interval_s != 0 &&
      now - last_stats_ >= std::chrono::seconds(sh.settings->stats_interval_s)) {
    double secs = std::chrono::duration<double>(now - last_stats_).count();
    last_stats_ = now;
    auto cur = collect_worker_stats(*this);  // the counters only: no source is asked
    for (const auto& line : stats_log_lines(cur, last_stats_snap_, secs)) spdlog::info("{}", line);
    for (std::size_t i = 0; i < cur.size() && i < last_stats_snap_.size(); ++i) last_stats_snap_[i] = cur[i].c;
  }
}

void Server::maybe_trim_memory(net::Worker& w, net::Clock::time_point now) {
#if defined(__GLIBC__)
  // glibc keeps what was freed in each thread's arena, and a connection's
  // memory is spread over the worker's arena between longer-lived blocks:
  // after 1,000 TLS handshakes at once (about 93 KB each, mostly Asio's
  // stream buffers) RSS stayed 95 MB above its baseline with every one of
  // them closed, and grew with each wave (issue 13's hostile suite), though
  // malloc_trim(0) gave it all back. So when the connection count has
  // fallen by kTrimAfterCloses since its last high, at most every
  // kTrimEvery, a side thread trims (it walks the arenas one lock at a
  // time; the loops go on meanwhile).
  constexpr std::uint32_t kTrimAfterCloses = 256;
  constexpr auto kTrimEvery = std::chrono::seconds(10);
  std::uint32_t n = clients_.load(std::memory_order_relaxed);
  clients_peak_since_trim_ = std::max(clients_peak_since_trim_, n);
  if (clients_peak_since_trim_ - n < kTrimAfterCloses || now - last_trim_ < kTrimEvery) return;
  clients_peak_since_trim_ = n;
  last_trim_ = now;
  run_blocking(w, [] {
    // About 20 ms after 1,000 TLS connections; each arena is locked only
    // while it is walked.
    auto t0 = std::chrono::steady_clock::now();
    int r = ::malloc_trim(0);
    spdlog::debug("malloc_trim: {} ms", std::chrono::duration<double, std::milli>(
                                              std::chrono::steady_clock::now() - t0).count());
    return r;
  }, [](int) {});
#else
  (void)w;
  (void)now;
#endif
}

void Server::maybe_drained(net::Clock::time_point now) {
  bool all_empty = true;
  for (auto* x : workers_) all_empty &= x->counters().connections.get() == 0;
  if ((all_empty || now >= shutdown_deadline_) && !drained_called_.exchange(true)) {
    if (on_drained_) on_drained_();
  }
}

void Server::shutdown(std::chrono::milliseconds grace, std::function<void()> on_drained) {
  if (shutdown_called_.exchange(true)) return;
  // Set before shutting_down_ is published: a worker's tick that sees it
  // reads both (TSan: the tick read on_drained_ while it was being moved in).
  on_drained_ = std::move(on_drained);
  shutdown_deadline_ = net::Clock::now() + grace;
  shutting_down_.store(true, std::memory_order_release);
  for (net::Worker* w : workers_) {
    w->post([self = this, w, grace] {
      net::Worker::BusyScope busy(*w);
      self->shard(*w).for_each_session([grace](Session& s) {
        s.send_copy("ERROR :Server shutting down\r\n");
        s.close("Server shutting down", true, grace);
      });
      self->maybe_drained(net::Clock::now());  // nobody connected: no need to wait a tick
    });
  }
}

std::vector<std::string> Server::stats_lines() { return core::stats_lines(collect_stats(*this)); }

net::SharedBuf Server::server_line(std::string_view verb, std::string_view target,
                                   std::string_view text) const {
  std::string l;
  proto::LineBuilder b(l);
  b.source(settings_.get()->server_name).command(verb).param(target).trailing(text);
  return net::make_shared_buf(std::move(b.finish()));
}

void Server::set_bans(BanListPtr bans) {
  std::atomic_store(&bans_, bans);
  if (bans->empty()) return;
  for (net::Worker* w : workers_) {
    w->post([this, w, bans] {
      net::Worker::BusyScope busy(*w);
      auto now = unix_now();
      shard(*w).for_each_session([&](Session& s) {
        if (!s.open() || !s.registered()) return;
        Session::Info i = s.info();
        if (const Ban* b = bans->match(i.nick, i.user, i.host, now)) s.ban(b->reason);
      });
      w->flush_now();
    });
  }
}

LobbyPtr Server::ensure_lobby(const std::string& name, const std::string& topic,
                              std::uint32_t capacity) {
  if (LobbyPtr l = lobbies_.find(name)) return l;
  return lobbies_.insert(std::make_shared<Lobby>(name, topic, capacity, true));
}

void Server::close_lobby(const LobbyPtr& lobby, std::string_view reason) {
  lobbies_.erase_if_same(lobby);
  auto members = lobby->close();
  if (members.empty()) return;
  std::vector<SessionPtr> targets;
  for (auto& m : members) targets.push_back(m.session);
  deliver(server_line("NOTICE", lobby->name(), reason), targets);
  for (auto& m : members) {
    Session::Info i = m.session->info();
    std::string l;
    proto::LineBuilder b(l);
    b.source(i.nick + "!" + i.user + "@" + i.host).command("PART").param(lobby->name()).trailing(reason);
    auto part = net::make_shared_buf(std::move(b.finish()));
    // The member's own worker drops the lobby from its list and tells it.
    m.session->worker().post([s = m.session, lobby, part] {
      net::Worker::BusyScope busy(s->worker());
      s->send(part);
      s->remove_lobby(lobby.get());
      s->worker().flush_now();
    });
  }
}

void Server::notice_all(std::string_view text) {
  auto msg = server_line("NOTICE", "*", text);
  for (net::Worker* w : workers_) {
    w->post([this, w, msg] {
      net::Worker::BusyScope busy(*w);
      shard(*w).for_each_session([&](Session& s) {
        if (s.open() && s.registered()) s.send(msg);
      });
      w->flush_now();
    });
  }
}

bool Server::kill(std::string_view nick, std::string_view reason) {
  SessionPtr s = nicks_.find(nick);
  if (!s) return false;
  s->worker().post([s, r = std::string(reason)] {
    net::Worker::BusyScope busy(s->worker());
    s->disconnect(r);
    s->worker().flush_now();
  });
  return true;
}

}  // namespace lobbyd::core
