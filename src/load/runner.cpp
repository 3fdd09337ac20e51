#include "load/runner.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fmt/format.h>
#include <fstream>
#include <functional>
#include <memory>
#include <thread>

#include "load/engine.h"
#include "load/platform.h"
#include "load/ramp.h"
#include "load/report.h"
#include "load/results_db.h"

namespace lobbyd::load {

namespace {

std::atomic<int> g_signal{0};

void on_signal(int sig) {
  if (g_signal.load() != 0) _exit(130);  // a second signal: leave at once
  g_signal.store(sig);
}

constexpr std::uint64_t kSecond = 1'000'000'000ull;

std::uint64_t seconds_ns(double s) { return static_cast<std::uint64_t>(s * 1e9); }

template <class T>
bool wait_future(std::future<T>& f, double seconds) {
  return f.wait_for(std::chrono::duration<double>(seconds)) == std::future_status::ready;
}

class Runner {
 public:
  Runner(const Options& o, tcp::endpoint server, std::vector<asio::ip::address> sources)
      : o_(o), ctx_(o, server, std::move(sources)) {
    report_.opts = o;
    report_.host = server.address().to_string();
    report_.port = server.port();
    progress_ = !o.json_only && !o.no_progress && isatty(STDERR_FILENO);
    if (o.scenario == Scenario::kGames) {
      ctx_.group_size = o.seats;
      parse_game_list(o.game, o.seats, ctx_.game_list);  // validated already
      ctx_.seed = o.seed;
    }
  }

  int run();

 private:
  using Pred = std::function<bool()>;
  bool stopped() const { return timed_out_ || interrupted_; }
  // Waits until pred() holds or until_ns passes; false if it did not hold.
  bool wait_until(const Pred& pred, std::uint64_t until_ns);
  // Sleeps until until_ns, or until every client is gone (the server died).
  void sleep_until(std::uint64_t until_ns) {
    wait_until([this] { return all_lost(); }, until_ns);
  }
  bool all_lost() const {
    if (!setup_finished_) return false;
    for (auto& s : shards_)
      if (s->open_clients.load() != 0) return false;
    return true;
  }
  void show_progress(std::uint64_t now);
  void clear_progress();
  void say(const std::string& line);  // a line on stderr for people (not with --json-only)

  bool run_setup(Client::Goal goal);
  void run_idle();
  void run_chat();
  void run_ramp();
  void run_storm();
  void run_games();
  void check_results();
  std::uint32_t groups_playing() const;
  void wind_down();
  LatencyHistogram collect_latency(std::uint32_t first, std::uint32_t last);
  void close_epochs(std::uint32_t first, std::uint32_t last);
  std::uint64_t finish_sending(std::uint64_t end_ns);
  void evaluate();

  const Options& o_;
  Context ctx_;
  std::vector<std::unique_ptr<Shard>> shards_;
  RunReport report_;
  std::string phase_ = "start";
  bool progress_ = false, progress_shown_ = false;
  bool timed_out_ = false, interrupted_ = false, setup_finished_ = false;
  std::string timeout_phase_;
  std::uint64_t start_ns_ = 0, deadline_ns_ = 0, setup_start_ns_ = 0;
  std::uint64_t last_progress_ns_ = 0, last_sent_ = 0, last_received_ = 0, last_storm_ = 0;
  platform::CpuTimes last_cpu_;
  std::uint64_t ramp_closes_ = 0;
  std::uint64_t last_games_ = 0, last_moves_ = 0;
  ResultsDb db_;
};

bool Runner::wait_until(const Pred& pred, std::uint64_t until_ns) {
  while (true) {
    if (pred && pred()) return true;
    std::uint64_t now = now_ns();
    if (g_signal.load() != 0) {
      interrupted_ = true;
      return false;
    }
    if (now >= deadline_ns_) {
      if (!timed_out_) timeout_phase_ = phase_;
      timed_out_ = true;
      return false;
    }
    if (now >= until_ns) return false;
    if (now - last_progress_ns_ >= kSecond) show_progress(now);
    std::uint64_t nap = std::min<std::uint64_t>({until_ns - now, deadline_ns_ - now, 10'000'000ull});
    std::this_thread::sleep_for(std::chrono::nanoseconds(nap));
  }
}

void Runner::show_progress(std::uint64_t now) {
  double dt = last_progress_ns_ ? (now - last_progress_ns_) / 1e9 : 0;
  auto cpu = platform::cpu_times();
  const Counters& c = ctx_.counters;
  std::uint64_t sent = c.sent.load(), received = c.received.load(), storm = c.storm_registered.load();
  double cpu_pct = dt > 0 ? ((cpu.user_s + cpu.sys_s) - (last_cpu_.user_s + last_cpu_.sys_s)) / dt * 100 : 0;
  std::uint64_t p99 = 0;
  for (auto& s : shards_) p99 = std::max<std::uint64_t>(p99, s->recent_p99_ns.load());
  std::uint64_t errs = c.connect_errors + c.registration_errors + c.join_errors + c.setup_timeouts +
                       c.unexpected_closes;
  const std::uint64_t games = ctx_.games.finished(), moves = ctx_.games.moves();
  if (progress_ && dt > 0) {
    std::string text;
    if (o_.scenario == Scenario::kGames) {
      text = fmt::format(
          "[{:6.1f}s] {:<8} conn {}/{} join {} | tables {} | games {} ({:.0f}/s) | moves {:.0f}/s | "
          "p99 {:.2f} ms | err {} | cpu {:.0f}%",
          (now - start_ns_) / 1e9, phase_, c.connected.load(), o_.clients, c.joined.load(), groups_playing(),
          games, (games - last_games_) / dt, (moves - last_moves_) / dt, p99 / 1e6,
          errs + ctx_.games.failed_moves + ctx_.games.table_errors + ctx_.games.view_errors +
              ctx_.games.turn_timeouts,
          cpu_pct);
    } else if (o_.scenario == Scenario::kStorm) {
      text = fmt::format("[{:6.1f}s] {:<8} attempted {} registered {} ({:.0f}/s) failed {} | cpu {:.0f}%",
                         (now - start_ns_) / 1e9, phase_, c.storm_attempted.load(), storm,
                         (storm - last_storm_) / dt, c.storm_failed.load(), cpu_pct);
    } else {
      text = fmt::format(
          "[{:6.1f}s] {:<8} conn {}/{} reg {} join {} | sent {:.0f}/s recv {:.0f}/s | p99 {:.2f} ms "
          "| err {} | cpu {:.0f}%",
          (now - start_ns_) / 1e9, phase_, c.connected.load(), o_.clients, c.registered.load(),
          c.joined.load(), (sent - last_sent_) / dt, (received - last_received_) / dt, p99 / 1e6,
          errs, cpu_pct);
    }
    std::fprintf(stderr, "\r\033[K%s", text.c_str());
    std::fflush(stderr);
    progress_shown_ = true;
  }
  last_progress_ns_ = now;
  last_cpu_ = cpu;
  last_sent_ = sent;
  last_received_ = received;
  last_storm_ = storm;
  last_games_ = games;
  last_moves_ = moves;
}

void Runner::clear_progress() {
  if (!progress_shown_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  progress_shown_ = false;
}

void Runner::say(const std::string& line) {
  if (o_.json_only) return;
  clear_progress();
  std::fprintf(stderr, "%s\n", line.c_str());
}

bool Runner::run_setup(Client::Goal goal) {
  phase_ = "connect";
  setup_start_ns_ = now_ns();
  for (auto& s : shards_) s->setup(goal, setup_start_ns_);
  const auto& c = ctx_.counters;
  wait_until([&] { return c.setup_done.load() >= o_.clients; }, deadline_ns_);
  setup_finished_ = true;
  if (c.registered.load() == 0) {
    report_.failures.push_back("no client registered");
    return false;
  }
  if (goal == Client::Goal::kJoin && c.joined.load() == 0) {
    report_.failures.push_back("no client joined its lobby");
    return false;
  }
  return !stopped();
}

void Runner::run_idle() {
  if (o_.server_pid > 0) {
    report_.has_memory = true;
    report_.server_pid = o_.server_pid;
    report_.rss_before_kb = platform::rss_kb(o_.server_pid);
  }
  if (!run_setup(Client::Goal::kRegister)) return;
  phase_ = "hold";
  sleep_until(now_ns() + seconds_ns(o_.duration_s));
  if (report_.has_memory) {
    report_.rss_after_kb = platform::rss_kb(o_.server_pid);
    std::uint64_t n = ctx_.counters.registered.load();
    if (report_.rss_before_kb == 0 || report_.rss_after_kb == 0)
      report_.notes.push_back(fmt::format("could not read VmRSS of pid {}", o_.server_pid));
    else if (n > 0)
      report_.bytes_per_connection =
          (static_cast<double>(report_.rss_after_kb) - static_cast<double>(report_.rss_before_kb)) *
          1024.0 / static_cast<double>(n);
  }
}

LatencyHistogram Runner::collect_latency(std::uint32_t first, std::uint32_t last) {
  LatencyHistogram h;
  for (auto& s : shards_) {
    auto f = s->collect_latency(first, last);
    if (wait_future(f, 10)) h.merge(f.get());
  }
  return h;
}

void Runner::close_epochs(std::uint32_t first, std::uint32_t last) {
  for (std::uint32_t e = first; e <= last; ++e) ctx_.ledger.close_epoch(e);
  // Let deliveries being handled right now finish before the counts are read.
  for (auto& s : shards_) {
    auto f = s->barrier();
    wait_future(f, 10);
  }
}

// Lets the shards send what their plans still hold (a loop running behind
// schedule catches up rather than dropping messages), for at most 10 s past
// the scheduled end; then stops them. Returns when sending ended.
std::uint64_t Runner::finish_sending(std::uint64_t end_ns) {
  if (!stopped()) {
    wait_until([&] {
      if (all_lost()) return true;
      for (auto& s : shards_)
        if (!s->plans_finished()) return false;
      return true;
    }, end_ns + 10 * kSecond);
  }
  for (auto& s : shards_) s->stop_sending();
  for (auto& s : shards_) {
    auto f = s->barrier();
    wait_future(f, 5);
  }
  return now_ns();
}

void Runner::run_chat() {
  if (!run_setup(Client::Goal::kJoin)) return;
  report_.has_chat = true;
  const std::uint64_t t0 = now_ns() + 100'000'000ull;
  SendPlan plan;
  plan.rate = o_.rate;
  plan.t0_ns = t0;
  plan.switch_ns = t0 + seconds_ns(o_.warmup_s);
  plan.end_ns = plan.switch_ns + seconds_ns(o_.duration_s);
  plan.epoch_before = 0;
  plan.epoch_after = 1;
  for (auto& s : shards_) s->start_sending(plan);
  phase_ = "warm-up";
  sleep_until(plan.switch_ns);
  phase_ = "measure";
  sleep_until(plan.end_ns);
  std::uint64_t measured_end = std::min(now_ns(), plan.end_ns);
  report_.measured_s = measured_end > plan.switch_ns ? (measured_end - plan.switch_ns) / 1e9 : 0;
  const std::uint64_t sent_all = finish_sending(plan.end_ns);
  phase_ = "drain";
  if (!stopped()) {
    wait_until([&] {
      EpochTally t = ctx_.ledger.tally(1);
      return t.received >= t.expected;
    }, sent_all + seconds_ns(o_.drain_s));
  }
  close_epochs(0, 1);
  report_.chat = ctx_.ledger.tally(1);
  report_.latency = LatencySummary::of(collect_latency(1, 1));
}

void Runner::run_ramp() {
  if (!run_setup(Client::Goal::kJoin)) return;
  report_.has_ramp = true;
  report_.has_chat = true;
  double rate = o_.rate;
  std::uint32_t step = 0;
  bool broke = false;
  for (step = 1; step <= o_.max_steps && !stopped(); ++step) {
    const std::uint64_t t0 = now_ns() + 50'000'000ull;
    SendPlan plan;
    plan.rate = rate;
    plan.t0_ns = t0;
    plan.switch_ns = step == 1 ? t0 + seconds_ns(o_.warmup_s) : t0;
    plan.end_ns = plan.switch_ns + seconds_ns(o_.step_s);
    plan.epoch_before = 0;
    plan.epoch_after = step;
    for (auto& s : shards_) s->start_sending(plan);
    phase_ = step == 1 && o_.warmup_s > 0 ? "warm-up" : fmt::format("step {}", step);
    sleep_until(plan.switch_ns);
    phase_ = fmt::format("step {}", step);
    const std::uint64_t closes0 = ctx_.counters.unexpected_closes.load();
    const auto cpu0 = platform::cpu_times();
    const double srv0 = o_.server_pid > 0 ? platform::process_cpu_seconds(o_.server_pid) : -1;
    const std::uint64_t w0 = now_ns();
    sleep_until(plan.end_ns);
    const std::uint64_t sent_all = finish_sending(plan.end_ns);
    const auto cpu1 = platform::cpu_times();
    const double srv1 = srv0 >= 0 ? platform::process_cpu_seconds(o_.server_pid) : -1;
    const std::uint64_t w1 = now_ns();
    if (!stopped()) {
      wait_until([&] {
        EpochTally t = ctx_.ledger.tally(step);
        return t.received >= t.expected || all_lost();
      }, sent_all + seconds_ns(o_.drain_s));
    }
    close_epochs(step == 1 ? 0 : step, step);
    StepStats st;
    st.rate = rate;
    st.seconds = o_.step_s;
    st.tally = ctx_.ledger.tally(step);
    LatencyHistogram h = collect_latency(step, step);
    st.p50_ns = h.percentile(50);
    st.p90_ns = h.percentile(90);
    st.p99_ns = h.percentile(99);
    st.max_ns = h.max();
    st.closed = ctx_.counters.unexpected_closes.load() - closes0;
    ramp_closes_ += st.closed;
    double wall = (w1 - w0) / 1e9;
    st.loadgen_cpu_percent =
        wall > 0 ? ((cpu1.user_s + cpu1.sys_s) - (cpu0.user_s + cpu0.sys_s)) / wall * 100.0 / o_.threads
                 : 0;
    // The server's share tells a saturated server (near its core, or its CPU quota) from a slow client.
    if (srv0 >= 0 && srv1 >= srv0 && wall > 0) st.server_cpu_percent = (srv1 - srv0) / wall * 100.0;
    StepVerdict v = judge_step(st, o_.p99_bound_ms);
    if (stopped()) break;  // a partial step proves nothing
    report_.steps.push_back(st);
    report_.verdicts.push_back(v);
    say(fmt::format("step {:>2}: {:g} msg/s per client: sent {:.0f}/s, {:.0f} deliveries/s, ratio {:.6f}, "
                    "p99 {:.3f} ms, cpu {:.0f}%{}: {}",
                    step, rate, st.sent_per_s(), st.deliveries_per_s(), st.tally.ratio(),
                    st.p99_ns / 1e6, st.loadgen_cpu_percent,
                    st.server_cpu_percent >= 0 ? fmt::format(", server {:.0f}%", st.server_cpu_percent) : "",
                    to_string(v)));
    if (v != StepVerdict::kPass || all_lost()) {
      report_.stop_reason = fmt::format("step {} ({:g} msg/s per client): {}", step, rate, to_string(v));
      broke = true;
      break;
    }
    if (st.deliveries_per_s() > report_.best_deliveries_per_s) {
      report_.best_deliveries_per_s = st.deliveries_per_s();
      report_.best_rate = rate;
      report_.best_p99_ns = static_cast<double>(st.p99_ns);
    }
    rate = next_rate(rate, o_.step_factor);
  }
  if (!broke && report_.stop_reason.empty())
    report_.stop_reason = stopped() ? std::string("stopped early (time limit or signal)")
                                    : fmt::format("all {} steps passed (--max-steps)", o_.max_steps);
  std::uint32_t last = static_cast<std::uint32_t>(report_.steps.size());
  if (last > 0) {
    report_.chat = ctx_.ledger.tally_range(1, last);
    report_.latency = LatencySummary::of(collect_latency(1, last));
    report_.measured_s = last * o_.step_s;
  }
}

void Runner::run_storm() {
  report_.has_storm = true;
  phase_ = "storm";
  const std::uint64_t start = now_ns();
  const std::uint64_t quota = o_.storm_count();
  const double dur = o_.storm_duration_s();
  const std::uint64_t until = dur > 0 ? start + seconds_ns(dur) : deadline_ns_;
  const unsigned n = static_cast<unsigned>(shards_.size());
  for (unsigned i = 0; i < n; ++i) {
    std::uint64_t share = quota / n + (i < quota % n ? 1 : 0);
    std::uint32_t slots = o_.concurrency / n + (i < o_.concurrency % n ? 1 : 0);
    if (quota > 0) slots = static_cast<std::uint32_t>(std::min<std::uint64_t>(slots, share));
    shards_[i]->start_storm(share, slots, until);
  }
  wait_until([&] {
    for (auto& s : shards_)
      if (!s->storm_done.load()) return false;
    return true;
  }, deadline_ns_);
  report_.storm_s = (now_ns() - start) / 1e9;
}

std::uint32_t Runner::groups_playing() const {
  std::uint32_t n = 0;
  for (auto& s : shards_) n += s->groups_playing.load();
  return n;
}

void Runner::run_games() {
  report_.has_games = true;
  report_.has_chat = false;
  ResultsCheck& rc = report_.results;
  if (!o_.db_url.empty()) {
    rc.enabled = true;
    rc.error = db_.open(o_.db_url);
    rc.url = db_.redacted().empty() ? o_.db_url : db_.redacted();
    if (rc.error.empty()) rc.error = db_.count(ctx_.nick_prefix, rc.total_before, rc.before);
    if (!rc.error.empty()) {
      report_.failures.push_back("game_results check: " + rc.error);
      return;
    }
  }
  if (!run_setup(Client::Goal::kJoin)) return;
  const std::uint64_t t0 = now_ns();
  const double d = o_.games_duration_s();
  const std::uint64_t stop = d > 0 ? t0 + seconds_ns(d) : deadline_ns_;
  for (auto& s : shards_) s->start_games(stop);
  auto all_done = [this] {
    for (auto& s : shards_)
      if (!s->games_posted.load() || s->groups_playing.load() != 0) return false;
    return true;
  };
  phase_ = "play";
  wait_until([&] { return all_done() || all_lost(); }, stop);
  // No new tables from here; the games being played run to their end.
  for (auto& s : shards_) s->stop_games();
  phase_ = "finish";
  if (!stopped()) wait_until([&] { return all_done() || all_lost(); }, now_ns() + seconds_ns(o_.games_drain_s()));
  report_.games_s = (now_ns() - t0) / 1e9;
  report_.latency = LatencySummary::of(collect_latency(1, 1));
}

// After the QUITs: games still running then ended by forfeit, and the server
// writes every row through its queue, so poll until the count settles.
void Runner::check_results() {
  ResultsCheck& rc = report_.results;
  if (!rc.enabled || !rc.error.empty()) return;
  rc.expected = ctx_.games.started();
  const std::uint64_t t0 = now_ns();
  const std::uint64_t until = t0 + seconds_ns(o_.results_wait_s);
  phase_ = "results";
  while (true) {
    rc.error = db_.count(ctx_.nick_prefix, rc.total_after, rc.after);
    if (!rc.error.empty() || rc.found() >= rc.expected || now_ns() >= until || g_signal.load() != 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  rc.waited_s = (now_ns() - t0) / 1e9;
}

void Runner::wind_down() {
  // QUIT everyone and give the server a moment to close; this phase is short
  // and bounded on its own (the watchdog allows 15 s past the time limit).
  phase_ = "quit";
  for (auto& s : shards_) s->quit_all();
  const std::uint64_t until = now_ns() + (stopped() ? 1 : 5) * kSecond;
  while (now_ns() < until) {
    std::uint64_t open = 0;
    for (auto& s : shards_) open += s->open_clients.load();
    if (open == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (auto& s : shards_) s->abort_all();
  for (auto& s : shards_) {
    auto f = s->barrier();
    wait_future(f, 5);
  }
}

void Runner::evaluate() {
  RunReport& r = report_;
  const Counters& c = ctx_.counters;
  r.requested = o_.scenario == Scenario::kStorm ? 0 : o_.clients;
  r.connected = c.connected;
  r.registered = c.registered;
  r.joined = c.joined;
  r.connect_errors = c.connect_errors;
  r.registration_errors = c.registration_errors;
  r.join_errors = c.join_errors;
  r.setup_timeouts = c.setup_timeouts;
  r.unexpected_closes = c.unexpected_closes;
  r.error_replies = c.error_replies;
  r.first_error = c.first_error();
  r.max_send_lag_ns = c.max_send_lag_ns;
  if (o_.scenario != Scenario::kStorm && c.last_registered_ns > setup_start_ns_ && setup_start_ns_)
    r.registration_total_s = (c.last_registered_ns - setup_start_ns_) / 1e9;
  r.storm_attempted = c.storm_attempted;
  r.storm_registered = c.storm_registered;
  r.storm_completed = c.storm_completed;
  r.storm_failed = c.storm_failed;
  r.order = ctx_.ledger.order_stats();
  r.malformed = ctx_.ledger.malformed();
  r.misrouted = ctx_.ledger.misrouted();
  r.echoed = ctx_.ledger.echoed();

  std::uint64_t errors = r.errors_total() - std::min(r.errors_total(), ramp_closes_);
  if (errors > o_.max_errors)
    r.failures.push_back(fmt::format(
        "{} connection errors exceed --max-errors {} (connect {}, registration {}, join {}, "
        "set-up timeout {}, closed by server {})",
        errors, o_.max_errors, r.connect_errors, r.registration_errors, r.join_errors,
        r.setup_timeouts, r.unexpected_closes - std::min(r.unexpected_closes, ramp_closes_)));
  if (ramp_closes_ > 0)
    r.notes.push_back(fmt::format("the server closed {} connections during the ramp", ramp_closes_));
  if (r.has_chat && !stopped()) {
    if (r.chat.sent == 0 && o_.scenario == Scenario::kChat)
      r.failures.push_back("no chat messages were sent");
    if (r.chat.received < r.chat.expected)
      r.notes.push_back(fmt::format("{} expected deliveries missing (delivery ratio {:.6f})",
                                    r.chat.expected - r.chat.received, r.chat.ratio()));
    if (r.chat.received > r.chat.expected)
      r.notes.push_back(fmt::format("{} deliveries more than expected", r.chat.received - r.chat.expected));
    if (r.order.out_of_order > 0)
      r.notes.push_back(fmt::format("{} deliveries out of order from {} senders", r.order.out_of_order,
                                    r.order.senders_out_of_order));
    if (r.order.duplicates > 0) r.notes.push_back(fmt::format("{} duplicate deliveries", r.order.duplicates));
    if (r.echoed > 0) r.notes.push_back(fmt::format("{} messages echoed to their sender", r.echoed));
    if (r.misrouted > 0) r.notes.push_back(fmt::format("{} messages delivered to the wrong lobby", r.misrouted));
    if (r.malformed > 0) r.notes.push_back(fmt::format("{} PRIVMSGs not from this run", r.malformed));
  }
  if (r.has_ramp && r.steps.empty() && !stopped()) r.failures.push_back("no ramp step completed");
  if (r.has_ramp && !r.steps.empty() && r.verdicts.front() != StepVerdict::kPass)
    r.notes.push_back("the first ramp step already failed: lower --rate");
  if (r.has_storm && r.storm_registered == 0) r.failures.push_back("no storm connection registered");
  if (r.has_games) {
    const GameCounts& g = ctx_.games;
    r.games_started = g.started();
    r.games_finished = g.finished();
    r.moves = g.moves();
    r.tables_created = g.tables_created;
    r.failed_moves = g.failed_moves;
    r.turn_timeouts = g.turn_timeouts;
    r.table_errors = g.table_errors;
    r.view_errors = g.view_errors;
    r.draws = g.draws;
    r.forfeits = g.forfeits;
    r.per_game.clear();
    for (std::size_t i : ctx_.game_list)
      r.per_game.push_back({std::string(kGameNames[i]), g.by_game[i].started.load(), g.by_game[i].finished.load(),
                            g.by_game[i].moves.load()});
    if (r.games_finished == 0 && !stopped() && r.failures.empty()) r.failures.push_back("no game finished");
    if (r.game_errors() > o_.max_errors)
      r.failures.push_back(fmt::format(
          "{} game errors exceed --max-errors {} (refused moves {}, turn timeouts {}, table errors {}, "
          "unreadable views {})",
          r.game_errors(), o_.max_errors, r.failed_moves, r.turn_timeouts, r.table_errors, r.view_errors));
    if (r.games_unfinished() > 0)
      r.notes.push_back(fmt::format("{} games were still running after --drain {:.0f} s and ended by "
                                    "forfeit at QUIT",
                                    r.games_unfinished(), o_.games_drain_s()));
    if (std::string why = judge_results(r.results); !why.empty() &&
        std::find(r.failures.begin(), r.failures.end(), why) == r.failures.end())
      r.failures.push_back(why);
  }
  double per_thread = r.cpu_percent / o_.threads;
  if (per_thread >= 90)
    r.notes.push_back(fmt::format("the load generator used {:.0f}% of a core per thread: figures may be "
                                  "limited by it, not by the server (try --threads)",
                                  per_thread));
  if (r.others_cpu_percent() >= 25)
    r.notes.push_back(fmt::format("other processes used {:.0f}% of a core during the run: latencies may "
                                  "include waiting for a CPU",
                                  r.others_cpu_percent()));
  if (timed_out_) {
    r.status = "timeout";
    r.failures.push_back(fmt::format("hard time limit of {:.0f} s reached during {}",
                                     effective_timeout(o_), timeout_phase_));
  } else if (interrupted_) {
    r.status = "interrupted";
    r.failures.push_back(fmt::format("interrupted by signal {}", g_signal.load()));
  } else if (!r.failures.empty()) {
    r.status = "failed";
  }
}

int Runner::run() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  start_ns_ = now_ns();
  deadline_ns_ = start_ns_ + seconds_ns(effective_timeout(o_));
  {
    // Last resort: whatever happens, the process ends shortly after the limit.
    auto hard = std::chrono::steady_clock::now() +
                std::chrono::duration<double>(effective_timeout(o_) + 15.0);
    std::thread([hard] {
      std::this_thread::sleep_until(hard);
      std::fputs("lobbyd-load: stuck past the hard time limit; exiting\n", stderr);
      _exit(3);
    }).detach();
  }
  const auto cpu0 = platform::cpu_times();
  const auto machine0 = platform::machine_cpu();
  const double server0 = o_.server_pid > 0 ? platform::process_cpu_seconds(o_.server_pid) : -1;
  last_cpu_ = cpu0;
  const unsigned n = o_.threads;
  for (unsigned i = 0; i < n; ++i) shards_.push_back(std::make_unique<Shard>(ctx_, i, n));
  for (auto& s : shards_) s->run_thread();

  switch (o_.scenario) {
    case Scenario::kIdle: run_idle(); break;
    case Scenario::kChat: run_chat(); break;
    case Scenario::kRamp: run_ramp(); break;
    case Scenario::kStorm: run_storm(); break;
    case Scenario::kGames: run_games(); break;
  }
  LatencyHistogram reg;
  for (auto& s : shards_) {
    auto f = s->collect_registration();
    if (wait_future(f, 5)) reg.merge(f.get());
  }
  report_.registration = LatencySummary::of(reg);
  wind_down();
  for (auto& s : shards_) s->stop_and_join();
  check_results();
  clear_progress();

  const std::uint64_t end = now_ns();
  const auto cpu1 = platform::cpu_times();
  report_.wall_s = (end - start_ns_) / 1e9;
  report_.cpu_user_s = cpu1.user_s - cpu0.user_s;
  report_.cpu_sys_s = cpu1.sys_s - cpu0.sys_s;
  report_.cpu_percent =
      report_.wall_s > 0 ? (report_.cpu_user_s + report_.cpu_sys_s) / report_.wall_s * 100.0 : 0;
  report_.loadgen_rss_kb = platform::rss_kb(0);
  const auto machine1 = platform::machine_cpu();
  if (machine1.total > machine0.total) {
    report_.cores = platform::cpu_count();
    const double total = static_cast<double>(machine1.total - machine0.total);
    auto pct = [total](std::uint64_t a, std::uint64_t b) { return 100.0 * static_cast<double>(b - a) / total; };
    report_.machine_process_percent = pct(machine0.processes, machine1.processes);
    report_.machine_irq_percent = pct(machine0.irq, machine1.irq);
    report_.machine_steal_percent = pct(machine0.steal, machine1.steal);
    report_.machine_busy_percent =
        report_.machine_process_percent + report_.machine_irq_percent + report_.machine_steal_percent;
  }
  if (server0 >= 0 && report_.wall_s > 0) {
    double server1 = platform::process_cpu_seconds(o_.server_pid);
    if (server1 >= server0) report_.server_cpu_percent = (server1 - server0) / report_.wall_s * 100.0;
  }
  evaluate();

  if (!o_.json_only) std::fputs(render_table(report_).c_str(), stdout);
  std::fputs(render_json(report_).c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
  return report_.ok() ? 0 : 1;
}

bool read_port_file(const std::string& path, std::string& host, std::uint16_t& port, std::string& err) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    err = fmt::format("--port-file {}: cannot read a line", path);
    return false;
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  auto colon = line.rfind(':');
  unsigned long p = 0;
  try {
    if (colon == std::string::npos) throw std::invalid_argument("no colon");
    p = std::stoul(line.substr(colon + 1));
  } catch (const std::exception&) {
    err = fmt::format("--port-file {}: expected HOST:PORT, got '{}'", path, line);
    return false;
  }
  if (p == 0 || p > 65535) {
    err = fmt::format("--port-file {}: bad port in '{}'", path, line);
    return false;
  }
  host = line.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  port = static_cast<std::uint16_t>(p);
  return true;
}

}  // namespace

int run_load(Options o) {
  std::string err;
  if (!o.port_file.empty() && !read_port_file(o.port_file, o.host, o.port, err)) {
    std::fprintf(stderr, "lobbyd-load: %s\n", err.c_str());
    return 2;
  }
  if (o.nick_prefix.empty()) o.nick_prefix = default_nick_prefix(static_cast<std::uint64_t>(getpid()));
  if (o.scenario == Scenario::kGames && o.seed == 0)
    o.seed = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) | 1;
  std::uint64_t fd_limit = platform::raise_fd_limit();
  err = validate(o, platform::ephemeral_ports(), fd_limit);
  if (!err.empty()) {
    std::fprintf(stderr, "lobbyd-load: %s\n", err.c_str());
    return 2;
  }
  tcp::endpoint server;
  {
    asio::io_context io;
    tcp::resolver resolver(io);
    boost::system::error_code ec;
    auto results = resolver.resolve(o.host, std::to_string(o.port), ec);
    bool found = false;
    if (!ec) {
      for (const auto& e : results) {
        if (o.sources > 1 && !e.endpoint().address().is_v4()) continue;
        server = e.endpoint();
        found = true;
        break;
      }
    }
    if (!found) {
      std::fprintf(stderr, "lobbyd-load: cannot resolve %s%s: %s\n", o.host.c_str(),
                   o.sources > 1 ? " to an IPv4 address" : "",
                   ec ? ec.message().c_str() : "no usable address");
      return 2;
    }
  }
  std::vector<asio::ip::address> sources;
  if (o.sources > 1) {
    boost::system::error_code ec;
    auto base = asio::ip::make_address_v4(o.source_base, ec);
    for (std::uint32_t i = 0; i < o.sources; ++i)
      sources.emplace_back(asio::ip::address_v4(base.to_uint() + i));
  }
  try {
    Runner runner(o, server, std::move(sources));
    return runner.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lobbyd-load: %s\n", e.what());
    return 1;
  }
}

}  // namespace lobbyd::load
