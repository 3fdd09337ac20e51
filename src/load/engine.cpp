#include "load/engine.h"

#include <boost/asio/post.hpp>
#include <charconv>
#include <chrono>
#include <fmt/format.h>

#include "load/games_engine.h"
#include "load/payload.h"
#include "load/platform.h"
#include "proto/casemap.h"
#include "proto/message.h"

namespace lobbyd::load {

using boost::system::error_code;

namespace {
constexpr std::size_t kMaxServerLine = proto::kMaxTagBytes + proto::kMaxLineBytes;
constexpr auto kTickPeriod = std::chrono::milliseconds(200);
constexpr std::uint64_t kMinSendSleepNs = 250'000;  // batch sends due within 250 us

asio::steady_timer::time_point to_time_point(std::uint64_t ns) {
  return asio::steady_timer::time_point(std::chrono::nanoseconds(ns));
}

std::string_view state_name(Client::State s) {
  switch (s) {
    case Client::State::kIdle: return "idle";
    case Client::State::kConnecting: return "connecting";
    case Client::State::kRegistering: return "registering";
    case Client::State::kJoining: return "joining";
    case Client::State::kReady: return "ready";
    case Client::State::kQuitting: return "quitting";
    case Client::State::kClosed: return "closed";
  }
  return "?";
}
}  // namespace

std::uint64_t now_ns() noexcept {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

void Counters::note_error(std::string text) {
  std::lock_guard lock(mu_);
  if (first_error_.empty()) first_error_ = std::move(text);
}

std::string Counters::first_error() const {
  std::lock_guard lock(mu_);
  return first_error_;
}

Context::Context(const Options& o, tcp::endpoint srv, std::vector<asio::ip::address> src)
    : opts(o), server(std::move(srv)), sources(std::move(src)), ledger(o.clients, o.lobbies) {
  nick_prefix = o.nick_prefix;
  for (std::uint32_t l = 0; l < o.lobbies; ++l) {
    lobby_names.push_back(o.lobby_prefix + std::to_string(l));
    lobby_size.push_back(o.clients / o.lobbies + (l < o.clients % o.lobbies ? 1 : 0));
  }
}

// ---------------------------------------------------------------------------
// Client

Client::Client(Shard& shard, std::uint32_t id)
    : shard_(shard), ctx_(shard.ctx()), id_(id), sock_(shard.io()), framer_(kMaxServerLine) {}

void Client::start(Goal goal, std::uint64_t nick_index) {
  ++gen_;
  goal_ = goal;
  state_ = State::kConnecting;
  waiting_read_ = waiting_write_ = false;
  member_ = false;
  error_line_.clear();
  in_.clear();
  out_.clear();
  framer_ = proto::LineFramer(kMaxServerLine);
  nick_ = ctx_.nick_prefix + (goal == Goal::kStorm ? "s" : "") + std::to_string(nick_index);
  if (goal == Goal::kJoin && order_.size() == 0) order_.resize(ctx_.lobby_size[ctx_.lobby_of(id_)]);
  started_ns_ = now_ns();
  ctx_.counters.connect_started.fetch_add(1, std::memory_order_relaxed);
  shard_.open_clients.fetch_add(1, std::memory_order_relaxed);

  error_code ec;
  sock_.open(ctx_.server.protocol(), ec);
  if (ec) return fail(Failure::kConnect, "socket: " + ec.message());
  // Before the first async operation, which would otherwise set it too: one
  // ioctl per connection instead of two.
  sock_.non_blocking(true, ec);
  if (!ctx_.sources.empty()) {
    const auto& src = ctx_.sources[(goal == Goal::kStorm ? nick_index : id_) % ctx_.sources.size()];
    platform::defer_port_choice(sock_.native_handle());
    sock_.bind(tcp::endpoint(src, 0), ec);
    if (ec) return fail(Failure::kConnect, fmt::format("bind {}: {}", src.to_string(), ec.message()));
  }
  sock_.async_connect(ctx_.server, [this, g = gen_](const error_code& e) {
    if (g == gen_) on_connected(e);
  });
}

void Client::on_connected(const error_code& ec) {
  if (ec) return fail(Failure::kConnect, "connect: " + ec.message());
  ctx_.counters.connected.fetch_add(1, std::memory_order_relaxed);
  // Storm writes twice, a round trip apart: Nagle never holds anything back.
  error_code ignore;
  if (goal_ != Goal::kStorm) sock_.set_option(tcp::no_delay(true), ignore);
  state_ = State::kRegistering;
  write(fmt::format("NICK {}\r\nUSER {} 0 * :lobbyd-load {}\r\n", nick_, nick_, id_));
  arm_read();
}

void Client::arm_read() {
  if (waiting_read_ || state_ == State::kClosed || state_ == State::kIdle) return;
  if (!rbuf_) rbuf_.reset(new char[kReadBytes]);
  waiting_read_ = true;
  sock_.async_read_some(asio::buffer(rbuf_.get(), kReadBytes),
                        [this, g = gen_](const error_code& ec, std::size_t n) {
                          if (g != gen_) return;
                          waiting_read_ = false;
                          on_read(ec, n);
                        });
}

void Client::on_read(const error_code& ec, std::size_t n) {
  if (ec == asio::error::eof) return on_eof("connection closed");
  if (ec) return on_eof("read: " + ec.message());
  const std::uint64_t g = gen_;
  consume(rbuf_.get(), n, now_ns());
  if (g != gen_) return;  // closed (or restarted) while handling input
  arm_read();
}

void Client::consume(const char* data, std::size_t n, std::uint64_t now) {
  const std::uint64_t g = gen_;
  if (in_.empty()) {
    std::size_t used = process(std::string_view(data, n), now);
    if (g != gen_) return;
    if (used < n) in_.append(data + used, n - used);
  } else {
    in_.append(data, n);
    std::size_t used = process(in_, now);
    if (g != gen_) return;
    in_.erase(0, used);
  }
}

std::size_t Client::process(std::string_view data, std::uint64_t now) {
  const std::uint64_t g = gen_;
  std::size_t used = 0;
  while (used < data.size()) {
    std::string_view line;
    std::size_t consumed = 0;
    auto r = framer_.next(data.substr(used), line, consumed);
    used += consumed;
    if (r == proto::LineFramer::Result::kNeedMore) break;
    if (r == proto::LineFramer::Result::kTooLong) continue;
    handle_line(line, now);
    if (g != gen_) break;
  }
  return used;
}

void Client::handle_line(std::string_view line, std::uint64_t now) {
  proto::MessageView m;
  if (proto::parse(line, m, kMaxServerLine) != proto::ParseError::kOk) return;
  std::string_view cmd = m.command;
  if (cmd.size() == 3 && cmd[0] >= '0' && cmd[0] <= '9') {
    int code = 0;
    std::from_chars(cmd.data(), cmd.data() + 3, code);
    return on_numeric(code, line, m.param(1));
  }
  if (group_ && (proto::iequals(cmd, "GAME") || proto::iequals(cmd, "TABLE") || proto::iequals(cmd, "FAIL")))
    return group_->on_line(group_member_, m, now);
  if (proto::iequals(cmd, "PRIVMSG")) {
    if (order_.size() == 0) return;  // not a chatting client
    // The sender must be one of ours: nick = prefix + id.
    std::string_view nick = m.source.substr(0, m.source.find('!'));
    Payload p;
    std::uint32_t nick_id = 0;
    std::string_view pre = ctx_.nick_prefix;
    if (nick.substr(0, pre.size()) != pre || !parse_payload(m.param(1), p) ||
        std::from_chars(nick.data() + pre.size(), nick.data() + nick.size(), nick_id).ptr !=
            nick.data() + nick.size() ||
        nick_id != p.sender || p.sender >= ctx_.opts.clients) {
      ctx_.ledger.on_malformed();
      return;
    }
    if (p.sender == id_) {
      ctx_.ledger.on_echo();
      return;
    }
    const std::uint32_t lobby = ctx_.lobby_of(id_);
    if (ctx_.lobby_of(p.sender) != lobby || !proto::iequals(m.param(0), ctx_.lobby_names[lobby])) {
      ctx_.ledger.on_misrouted();
      return;
    }
    auto verdict = order_.observe(ctx_.slot_of(p.sender), p.seq);
    ctx_.counters.received.fetch_add(1, std::memory_order_relaxed);
    if (ctx_.ledger.on_received(p.epoch, p.sender, verdict))
      shard_.record_latency(p.epoch, now > p.sent_ns ? now - p.sent_ns : 0);
    return;
  }
  if (proto::iequals(cmd, "PING")) {
    std::string& l = shard_.line_buf();
    l.assign("PONG :").append(m.param(0)).append("\r\n");
    return write(l);
  }
  if (proto::iequals(cmd, "ERROR")) {
    error_line_.assign(m.param(0));
    // The answer to our QUIT: done, without waiting for the server's FIN
    // (one read less per connection; nothing else is expected).
    if (state_ == State::kQuitting) on_eof("quit answered");
    return;
  }
  // JOIN, PART, QUIT, NICK, MODE, NOTICE, TOPIC, PONG: nothing to do.
}

void Client::on_numeric(int code, std::string_view line, std::string_view arg1) {
  const std::uint64_t now = now_ns();
  switch (code) {
    case 376:  // RPL_ENDOFMOTD
    case 422:  // ERR_NOMOTD
      if (state_ == State::kRegistering) on_registered(now);
      return;
    case 366:  // RPL_ENDOFNAMES
      if (state_ == State::kJoining && proto::iequals(arg1, ctx_.lobby_names[ctx_.lobby_of(id_)]))
        on_joined(now);
      return;
    default:
      break;
  }
  if (code < 400 || code >= 600) return;
  if (state_ == State::kRegistering) {
    switch (code) {
      case 431: case 432: case 433: case 436: case 437: case 451: case 461: case 462: case 465:
        return fail(Failure::kRegistration, fmt::format("registration refused: {}", line));
      default:
        break;
    }
  }
  if (state_ == State::kJoining) {
    switch (code) {
      case 403: case 405: case 437: case 461: case 471: case 473: case 474: case 475: case 476:
      case 477:
        return fail(Failure::kJoin, fmt::format("JOIN {} refused: {}",
                                                ctx_.lobby_names[ctx_.lobby_of(id_)], line));
      default:
        break;
    }
  }
  ctx_.counters.error_replies.fetch_add(1, std::memory_order_relaxed);
  ctx_.counters.note_error(fmt::format("{}: server replied: {}", nick_, line));
}

void Client::on_registered(std::uint64_t now) {
  shard_.record_registration(now - started_ns_);
  ctx_.counters.registered.fetch_add(1, std::memory_order_relaxed);
  atomic_max(ctx_.counters.last_registered_ns, now);
  switch (goal_) {
    case Goal::kRegister:
      state_ = State::kReady;
      shard_.on_setup_done(*this, true);
      return;
    case Goal::kJoin:
      state_ = State::kJoining;
      write(fmt::format("JOIN {}\r\n", ctx_.lobby_names[ctx_.lobby_of(id_)]));
      return;
    case Goal::kStorm:
      ctx_.counters.storm_registered.fetch_add(1, std::memory_order_relaxed);
      quit();
      return;
  }
}

void Client::on_joined(std::uint64_t now) {
  state_ = State::kReady;
  member_ = true;
  ctx_.ledger.member_joined(ctx_.lobby_of(id_));
  ctx_.counters.joined.fetch_add(1, std::memory_order_relaxed);
  atomic_max(ctx_.counters.last_joined_ns, now);
  shard_.on_setup_done(*this, true);
}

bool Client::send_chat(std::uint32_t epoch) {
  if (state_ != State::kReady) return false;
  const std::uint32_t lobby = ctx_.lobby_of(id_);
  std::string& l = shard_.line_buf();
  l.assign("PRIVMSG ").append(ctx_.lobby_names[lobby]).append(" :");
  append_payload(Payload{id_, ++seq_, now_ns(), epoch}, ctx_.opts.msg_bytes, l);
  l.append("\r\n");
  ctx_.ledger.on_sent(lobby, epoch);
  ctx_.counters.sent.fetch_add(1, std::memory_order_relaxed);
  write(l);
  return true;
}

void Client::write(std::string_view bytes) {
  if (state_ == State::kClosed || state_ == State::kIdle) return;
  if (!out_.empty() || waiting_write_) {
    out_.append(bytes);
    return;
  }
  error_code ec;
  std::size_t n = sock_.write_some(asio::buffer(bytes.data(), bytes.size()), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    n = 0;
  } else if (ec) {
    return on_eof("write: " + ec.message());
  }
  if (n < bytes.size()) {
    out_.append(bytes.substr(n));
    arm_write();
  }
}

void Client::arm_write() {
  if (waiting_write_) return;
  waiting_write_ = true;
  sock_.async_wait(tcp::socket::wait_write, [this, g = gen_](const error_code& ec) {
    if (g != gen_) return;
    waiting_write_ = false;
    if (ec) return on_eof("write: " + ec.message());
    flush();
  });
}

void Client::flush() {
  while (!out_.empty()) {
    error_code ec;
    std::size_t n = sock_.write_some(asio::buffer(out_), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return arm_write();
    if (ec) return on_eof("write: " + ec.message());
    out_.erase(0, n);
  }
}

void Client::quit() {
  switch (state_) {
    case State::kRegistering:
    case State::kJoining:
    case State::kReady:
      leave_lobby();
      write("QUIT :lobbyd-load done\r\n");
      if (state_ == State::kClosed) return;  // the write failed
      state_ = State::kQuitting;
      started_ns_ = now_ns();
      return;
    case State::kConnecting:
      abort();
      return;
    default:
      return;
  }
}

void Client::abort() {
  if (state_ == State::kClosed || state_ == State::kIdle) return;
  leave_lobby();
  close_socket();
}

void Client::check_timeout(std::uint64_t now, std::uint64_t limit_ns) {
  if (!in_setup() && state_ != State::kQuitting) return;
  if (now < started_ns_ + limit_ns) return;
  fail(Failure::kTimeout, fmt::format("no progress for {:.1f} s while {}",
                                      (now - started_ns_) / 1e9, state_name(state_)));
}

void Client::fail(Failure why, std::string text) {
  if (state_ == State::kClosed || state_ == State::kIdle) return;
  const bool setup = in_setup();
  Counters& c = ctx_.counters;
  switch (why) {
    case Failure::kConnect: c.connect_errors.fetch_add(1, std::memory_order_relaxed); break;
    case Failure::kRegistration: c.registration_errors.fetch_add(1, std::memory_order_relaxed); break;
    case Failure::kJoin: c.join_errors.fetch_add(1, std::memory_order_relaxed); break;
    case Failure::kTimeout: c.setup_timeouts.fetch_add(1, std::memory_order_relaxed); break;
    case Failure::kClosed: c.unexpected_closes.fetch_add(1, std::memory_order_relaxed); break;
  }
  c.note_error(fmt::format("{}: {}", nick_, text));
  leave_lobby();
  close_socket();
  if (goal_ == Goal::kStorm) {
    c.storm_failed.fetch_add(1, std::memory_order_relaxed);
  } else if (setup) {
    shard_.on_setup_done(*this, false);
  }
  shard_.on_closed(*this);
}

void Client::on_eof(std::string text) {
  if (state_ == State::kClosed || state_ == State::kIdle) return;
  if (state_ == State::kQuitting) {
    ctx_.counters.clean_closes.fetch_add(1, std::memory_order_relaxed);
    if (goal_ == Goal::kStorm) ctx_.counters.storm_completed.fetch_add(1, std::memory_order_relaxed);
    close_socket();
    shard_.on_closed(*this);
    return;
  }
  if (!error_line_.empty()) text = "server closed the connection: ERROR :" + error_line_;
  fail(Failure::kClosed, std::move(text));
}

void Client::close_socket() {
  error_code ignore;
  if (sock_.is_open()) sock_.close(ignore);
  if (state_ != State::kClosed && state_ != State::kIdle) {
    shard_.open_clients.fetch_sub(1, std::memory_order_relaxed);
    ctx_.counters.closed.fetch_add(1, std::memory_order_relaxed);
  }
  state_ = State::kClosed;
  waiting_read_ = waiting_write_ = false;
  ++gen_;
}

void Client::leave_lobby() {
  if (!member_) return;
  member_ = false;
  ctx_.ledger.member_left(ctx_.lobby_of(id_));
}

// ---------------------------------------------------------------------------
// Shard

Shard::Shard(Context& ctx, unsigned index, unsigned count)
    : ctx_(ctx),
      index_(index),
      count_(count),
      io_(1),
      guard_(asio::make_work_guard(io_)),
      send_timer_(io_),
      tick_timer_(io_),
      latency_(DeliveryLedger::kMaxEpochs) {
  if (ctx.opts.scenario == Scenario::kGames) {
    // The bots of one table live on one shard, so they pair up without locks.
    for (std::uint32_t id = 0; id < ctx.opts.clients; ++id)
      if ((id / ctx.group_size) % count == index) clients_.push_back(std::make_unique<Client>(*this, id));
  } else if (ctx.opts.scenario != Scenario::kStorm) {
    for (std::uint32_t id = index; id < ctx.opts.clients; id += count)
      clients_.push_back(std::make_unique<Client>(*this, id));
  }
  setup_limit_ = std::max<std::size_t>(1, ctx.opts.connect_concurrency / count);
}

Shard::~Shard() { stop_and_join(); }

void Shard::run_thread() {
  arm_tick();
  thread_ = std::thread([this] { io_.run(); });
}

void Shard::stop_and_join() {
  guard_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

void Shard::setup(Client::Goal goal, std::uint64_t) {
  asio::post(io_, [this, goal] {
    setup_goal_ = goal;
    setup_next_ = 0;
    pump_setup();
  });
}

void Shard::pump_setup() {
  if (pumping_) return;
  pumping_ = true;
  while (setup_in_flight_ < setup_limit_ && setup_next_ < clients_.size()) {
    ++setup_in_flight_;
    Client* c = clients_[setup_next_++].get();
    c->start(setup_goal_, c->id());
  }
  pumping_ = false;
}

void Shard::on_setup_done(Client&, bool) {
  ctx_.counters.setup_done.fetch_add(1, std::memory_order_relaxed);
  if (setup_in_flight_ > 0) --setup_in_flight_;
  pump_setup();
}

void Shard::on_closed(Client& c) {
  if (c.group()) c.group()->on_member_closed(c.group_member());
  if (c.id() >= ctx_.opts.clients) {
    // A storm slot: start its next connection on a later turn.
    asio::post(io_, [this, p = &c] { launch_storm(p); });
  }
}

void Shard::start_sending(const SendPlan& plan) {
  plans_posted.fetch_add(1);
  asio::post(io_, [this, plan] {
    finish_plan();  // a plan still running ends here
    plan_ = plan;
    senders_.clear();
    for (auto& c : clients_)
      if (c->state() == Client::State::kReady) senders_.push_back(c.get());
    if (senders_.empty() || plan.rate <= 0) {
      plans_done.fetch_add(1);
      return;
    }
    send_interval_ns_ = 1e9 / (static_cast<double>(senders_.size()) * plan.rate);
    send_offset_ns_ = send_interval_ns_ * index_ / count_;
    send_index_ = 0;
    sending_ = true;
    send_tick();
  });
}

void Shard::send_tick() {
  if (!sending_) return;
  std::uint64_t now = now_ns(), max_lag = 0;
  const std::size_t n = senders_.size();
  while (true) {
    auto due = static_cast<std::uint64_t>(static_cast<double>(plan_.t0_ns) + send_offset_ns_ +
                                          static_cast<double>(send_index_) * send_interval_ns_);
    if (due >= plan_.end_ns) {
      finish_plan();
      break;
    }
    if (due > now) {
      send_timer_.expires_at(to_time_point(std::max(due, now + kMinSendSleepNs)));
      send_timer_.async_wait([this](const error_code& ec) {
        if (!ec) send_tick();
      });
      break;
    }
    senders_[send_index_ % n]->send_chat(due < plan_.switch_ns ? plan_.epoch_before : plan_.epoch_after);
    max_lag = std::max(max_lag, now - due);
    if ((++send_index_ & 255) == 0) now = now_ns();
  }
  atomic_max(ctx_.counters.max_send_lag_ns, max_lag);
}

void Shard::finish_plan() {
  if (!sending_) return;
  sending_ = false;
  send_timer_.cancel();
  plans_done.fetch_add(1);
}

void Shard::stop_sending() {
  asio::post(io_, [this] { finish_plan(); });
}

void Shard::quit_all() {
  asio::post(io_, [this] {
    finish_plan();
    for (auto& g : groups_) g->shutdown();
    storm_running_ = false;
    for (auto& c : clients_) c->quit();
    for (auto& c : storm_clients_) c->quit();
  });
}

void Shard::abort_all() {
  asio::post(io_, [this] {
    finish_plan();
    for (auto& g : groups_) g->shutdown();
    storm_running_ = false;
    for (auto& c : clients_) c->abort();
    for (auto& c : storm_clients_) c->abort();
  });
}

void Shard::start_storm(std::uint64_t quota, std::uint32_t slots, std::uint64_t deadline_ns) {
  asio::post(io_, [this, quota, slots, deadline_ns] {
    storm_quota_ = quota;
    storm_deadline_ns_ = deadline_ns;
    storm_started_ = 0;
    storm_active_ = slots;
    storm_running_ = true;
    // Storm slot ids start after the persistent ids so on_closed can tell them apart.
    for (std::uint32_t k = 0; k < slots; ++k)
      storm_clients_.push_back(std::make_unique<Client>(*this, ctx_.opts.clients + index_ + k * count_));
    if (slots == 0) storm_done = true;
    for (auto& c : storm_clients_) launch_storm(c.get());
  });
}

void Shard::launch_storm(Client* c) {
  if (!storm_running_ || (storm_quota_ != 0 && storm_started_ >= storm_quota_) ||
      now_ns() >= storm_deadline_ns_) {
    if (storm_active_ > 0 && --storm_active_ == 0) storm_done = true;
    return;
  }
  std::uint64_t nick_index = storm_started_++ * count_ + index_;
  ctx_.counters.storm_attempted.fetch_add(1, std::memory_order_relaxed);
  c->start(Client::Goal::kStorm, nick_index);
}

void Shard::start_games(std::uint64_t stop_ns) {
  asio::post(io_, [this, stop_ns] {
    // clients_ holds whole groups in id order (see the constructor).
    const std::uint32_t n = ctx_.group_size;
    for (std::size_t first = 0; first + n <= clients_.size(); first += n) {
      std::vector<Client*> members;
      for (std::uint32_t k = 0; k < n; ++k) members.push_back(clients_[first + k].get());
      auto g = std::make_unique<GameGroup>(*this, clients_[first]->id() / n, members);
      for (std::uint32_t k = 0; k < n; ++k) members[k]->attach(g.get(), k);
      groups_.push_back(std::move(g));
    }
    for (auto& g : groups_) g->start(stop_ns);
    check_groups();
    games_posted = true;
  });
}

void Shard::stop_games() {
  asio::post(io_, [this] {
    for (auto& g : groups_) g->stop_new();
    check_groups();
  });
}

void Shard::check_groups() {
  std::uint32_t playing = 0;
  for (auto& g : groups_) playing += g->done() ? 0 : 1;
  groups_playing.store(playing);
}

void Shard::record_latency(std::uint32_t epoch, std::uint64_t ns) noexcept {
  if (epoch < latency_.size()) latency_[epoch].record(ns);
  window_.record(ns);
}

void Shard::arm_tick() {
  tick_timer_.expires_after(kTickPeriod);
  tick_timer_.async_wait([this](const error_code& ec) {
    if (ec) return;
    const std::uint64_t now = now_ns();
    const auto limit = static_cast<std::uint64_t>(ctx_.opts.conn_timeout_s * 1e9);
    for (auto& c : clients_) c->check_timeout(now, limit);
    for (auto& c : storm_clients_) c->check_timeout(now, limit);
    check_groups();
    if (now - last_window_ns_ >= 1'000'000'000ull) {
      recent_p99_ns.store(window_.percentile(99), std::memory_order_relaxed);
      window_.reset();
      last_window_ns_ = now;
    }
    arm_tick();
  });
}

std::future<LatencyHistogram> Shard::collect_latency(std::uint32_t first, std::uint32_t last) {
  auto p = std::make_shared<std::promise<LatencyHistogram>>();
  auto f = p->get_future();
  asio::post(io_, [this, p, first, last] {
    LatencyHistogram h;
    for (std::uint32_t e = first; e <= last && e < latency_.size(); ++e) h.merge(latency_[e]);
    p->set_value(h);
  });
  return f;
}

std::future<LatencyHistogram> Shard::collect_registration() {
  auto p = std::make_shared<std::promise<LatencyHistogram>>();
  auto f = p->get_future();
  asio::post(io_, [this, p] { p->set_value(registration_); });
  return f;
}

std::future<void> Shard::barrier() {
  auto p = std::make_shared<std::promise<void>>();
  auto f = p->get_future();
  asio::post(io_, [p] { p->set_value(); });
  return f;
}

}  // namespace lobbyd::load
