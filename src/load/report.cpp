#include "load/report.h"

#include <cmath>
#include <fmt/format.h>

#include "load/json.h"

namespace lobbyd::load {

LatencySummary LatencySummary::of(const LatencyHistogram& h) {
  LatencySummary s;
  s.count = h.count();
  s.p50_ns = h.percentile(50);
  s.p90_ns = h.percentile(90);
  s.p99_ns = h.percentile(99);
  s.max_ns = h.max();
  s.mean_ns = h.mean();
  return s;
}

namespace {

double ms(double ns) { return std::round(ns / 1e3) / 1e3; }  // to ms, microsecond precision
double round3(double v) { return std::round(v * 1e3) / 1e3; }

std::string fmt_ms(double ns) {
  double m = ns / 1e6;
  if (m < 10) return fmt::format("{:.3f} ms", m);
  if (m < 1000) return fmt::format("{:.1f} ms", m);
  return fmt::format("{:.2f} s", m / 1e3);
}

std::string fmt_latency(const LatencySummary& l) {
  if (l.count == 0) return "no samples";
  return fmt::format("p50 {}  p90 {}  p99 {}  max {}  (mean {}, {} samples)", fmt_ms(l.p50_ns),
                     fmt_ms(l.p90_ns), fmt_ms(l.p99_ns), fmt_ms(l.max_ns), fmt_ms(l.mean_ns),
                     l.count);
}

void latency_json(JsonWriter& j, std::string_view key, const LatencySummary& l) {
  j.begin_object(key)
      .field("count", l.count)
      .field("p50", ms(l.p50_ns))
      .field("p90", ms(l.p90_ns))
      .field("p99", ms(l.p99_ns))
      .field("max", ms(l.max_ns))
      .field("mean", ms(l.mean_ns))
      .end_object();
}

std::string ratio_text(const EpochTally& t) {
  double r = t.ratio();
  return std::isfinite(r) ? fmt::format("{:.6f}", r) : std::string("n/a");
}

}  // namespace

std::string render_table(const RunReport& r) {
  const Options& o = r.opts;
  std::string out;
  auto row = [&out](std::string_view label, const std::string& text) {
    out += fmt::format("  {:<22}{}\n", label, text);
  };
  std::string what;
  switch (o.scenario) {
    case Scenario::kIdle:
      what = fmt::format("{} clients, hold {} s", o.clients, o.duration_s);
      break;
    case Scenario::kChat:
      what = fmt::format("{} clients, {} lobbies, {} msg/s per client, {} s measured after {} s warm-up",
                         o.clients, o.lobbies, o.rate, o.duration_s, o.warmup_s);
      break;
    case Scenario::kRamp:
      what = fmt::format("{} clients, {} lobbies, from {} msg/s per client x{} per {} s step, p99 bound {} ms",
                         o.clients, o.lobbies, o.rate, o.step_factor, o.step_s, o.p99_bound_ms);
      break;
    case Scenario::kStorm:
      what = fmt::format("connect/register/QUIT, {} in flight", o.concurrency);
      break;
    case Scenario::kGames:
      what = fmt::format("{} at {} tables of {} seats ({} bots), {}{}think {} ms", o.game, o.tables, o.seats,
                         o.clients, o.games > 0 ? fmt::format("{} games, ", o.games) : std::string(),
                         o.games_duration_s() > 0 ? fmt::format("{} s, ", o.games_duration_s())
                                                  : std::string(),
                         o.think_ms);
      break;
  }
  out += fmt::format("lobbyd-load {} against {}:{}: {}\n", to_string(o.scenario), r.host, r.port, what);
  row("status", r.status);
  for (const auto& f : r.failures) row("failure", f);
  for (const auto& n : r.notes) row("note", n);

  if (o.scenario != Scenario::kStorm) {
    std::string clients = fmt::format("{} requested, {} connected, {} registered", r.requested,
                                      r.connected, r.registered);
    if (o.scenario != Scenario::kIdle) clients += fmt::format(", {} joined", r.joined);
    row("clients", clients);
    row("registration", fmt::format("{}; all done in {:.2f} s", fmt_latency(r.registration),
                                    r.registration_total_s));
  }
  if (r.has_memory) {
    row("server memory", fmt::format("VmRSS {} kB -> {} kB: {:.0f} bytes per connection (pid {})",
                                     r.rss_before_kb, r.rss_after_kb, r.bytes_per_connection,
                                     r.server_pid));
  }
  if (r.has_chat) {
    const EpochTally& t = r.chat;
    double s = r.measured_s > 0 ? r.measured_s : 1;
    row("messages sent", fmt::format("{} in {:.1f} s: {:.1f}/s", t.sent, r.measured_s, t.sent / s));
    row("deliveries", fmt::format("{} of {} expected: {:.1f}/s, ratio {}", t.received, t.expected,
                                  t.received / s, ratio_text(t)));
    row("ordering", fmt::format("{} out of order ({} senders, at most {} per sender), {} duplicates, "
                                "{} gaps, {} late",
                                r.order.out_of_order, r.order.senders_out_of_order,
                                r.order.max_out_of_order_per_sender, r.order.duplicates,
                                r.order.gaps, t.late));
    if (r.malformed + r.misrouted + r.echoed > 0)
      row("stray messages", fmt::format("{} malformed, {} to the wrong lobby, {} echoed to the sender",
                                        r.malformed, r.misrouted, r.echoed));
    row("latency", fmt_latency(r.latency));
    row("send schedule lag", fmt::format("max {}", fmt_ms(static_cast<double>(r.max_send_lag_ns))));
  }
  if (r.has_ramp) {
    out += "  ramp steps:\n";
    out += fmt::format("    {:>4} {:>10} {:>10} {:>12} {:>10} {:>10} {:>10} {:>7} {:>7}  {}\n", "step",
                       "msg/s/cl", "sent/s", "deliv/s", "ratio", "p50 ms", "p99 ms", "cpu%",
                       "srv%", "verdict");
    for (std::size_t i = 0; i < r.steps.size(); ++i) {
      const StepStats& st = r.steps[i];
      out += fmt::format("    {:>4} {:>10.3g} {:>10.1f} {:>12.1f} {:>10} {:>10.3f} {:>10.3f} {:>7.1f} {:>7}  {}\n",
                         i + 1, st.rate, st.sent_per_s(), st.deliveries_per_s(), ratio_text(st.tally),
                         st.p50_ns / 1e6, st.p99_ns / 1e6, st.loadgen_cpu_percent,
                         st.server_cpu_percent >= 0 ? fmt::format("{:.1f}", st.server_cpu_percent) : "-",
                         i < r.verdicts.size() ? to_string(r.verdicts[i]) : "");
    }
    row("highest sustained", fmt::format("{:.1f} deliveries/s at {} msg/s per client (p99 {})",
                                         r.best_deliveries_per_s, r.best_rate, fmt_ms(r.best_p99_ns)));
    row("ramp stopped", r.stop_reason);
  }
  if (r.has_games) {
    double s = r.games_s > 0 ? r.games_s : 1;
    row("games", fmt::format("{} finished of {} started in {:.1f} s: {:.1f} games/s ({} unfinished, {} "
                             "draws, {} forfeits)",
                             r.games_finished, r.games_started, r.games_s, r.games_finished / s,
                             r.games_unfinished(), r.draws, r.forfeits));
    for (const auto& g : r.per_game)
      row("  " + g.name, fmt::format("{} finished of {} started, {} moves", g.finished, g.started, g.moves));
    row("moves", fmt::format("{} sent: {:.1f}/s; {} refused (FAIL MOVE)", r.moves, r.moves / s, r.failed_moves));
    row("move latency", fmt_latency(r.latency));
    row("game errors", fmt::format("table {}, unreadable views {}, turn timeouts {}", r.table_errors,
                                   r.view_errors, r.turn_timeouts));
    const ResultsCheck& c = r.results;
    if (c.enabled) {
      if (!c.error.empty())
        row("game_results", c.error);
      else
        row("game_results", fmt::format("{} new rows of this run, {} expected: {} ({} -> {} of all rows; "
                                        "{})",
                                        c.found(), c.expected, judge_results(c).empty() ? "ok" : "MISMATCH",
                                        c.total_before, c.total_after, c.url));
    }
  }
  if (r.has_storm) {
    double s = r.storm_s > 0 ? r.storm_s : 1;
    row("connections", fmt::format("{} attempted, {} registered, {} closed cleanly, {} failed",
                                   r.storm_attempted, r.storm_registered, r.storm_completed,
                                   r.storm_failed));
    row("registrations/s", fmt::format("{:.1f} over {:.2f} s", r.storm_registered / s, r.storm_s));
    row("registration", fmt_latency(r.registration));
  }
  row("errors", fmt::format("connect {}, registration {}, join {}, set-up timeout {}, closed by "
                            "server {}, error replies {}",
                            r.connect_errors, r.registration_errors, r.join_errors, r.setup_timeouts,
                            r.unexpected_closes, r.error_replies));
  if (!r.first_error.empty()) row("first error", r.first_error);
  if (r.server_cpu_percent >= 0)
    row("server CPU", fmt::format("{:.1f}% of one core (pid {})", r.server_cpu_percent, o.server_pid));
  if (r.machine_busy_percent >= 0) {
    std::string m = fmt::format("{:.1f}% busy of {} cores (irq+softirq {:.1f}%, steal {:.1f}%)",
                                r.machine_busy_percent, r.cores, r.machine_irq_percent,
                                r.machine_steal_percent);
    if (r.others_cpu_percent() >= 0)
      m += fmt::format("; other processes {:.0f}% of one core", r.others_cpu_percent());
    row("machine CPU", m);
  }
  row("load generator CPU",
      fmt::format("{:.1f}% of one core (user {:.2f} s + sys {:.2f} s over {:.2f} s, {} thread{}), "
                  "RSS {} kB",
                  r.cpu_percent, r.cpu_user_s, r.cpu_sys_s, r.wall_s, o.threads,
                  o.threads == 1 ? "" : "s", r.loadgen_rss_kb));
  return out;
}

std::string render_json(const RunReport& r) {
  const Options& o = r.opts;
  JsonWriter j;
  j.begin_object();
  j.field("tool", "lobbyd-load").field("format", 1);
  j.field("scenario", to_string(o.scenario)).field("status", r.status).field("ok", r.ok());
  j.begin_array("failures");
  for (const auto& f : r.failures) j.value(f);
  j.end_array();
  j.begin_array("notes");
  for (const auto& n : r.notes) j.value(n);
  j.end_array();
  j.field("wall_s", round3(r.wall_s));

  j.begin_object("config")
      .field("host", r.host)
      .field("port", r.port)
      .field("clients", o.clients)
      .field("lobbies", o.lobbies)
      .field("rate", o.rate)
      .field("duration_s", o.duration_s)
      .field("warmup_s", o.warmup_s)
      .field("drain_s", o.drain_s)
      .field("sources", o.sources)
      .field("threads", o.threads)
      .field("timeout_s", effective_timeout(o))
      .field("msg_bytes", o.msg_bytes);
  if (o.scenario == Scenario::kRamp)
    j.field("step_s", o.step_s).field("step_factor", o.step_factor).field("max_steps", o.max_steps)
        .field("p99_bound_ms", o.p99_bound_ms);
  if (o.scenario == Scenario::kStorm)
    j.field("count", o.storm_count()).field("concurrency", o.concurrency)
        .field("storm_duration_s", o.storm_duration_s());
  if (o.scenario == Scenario::kGames) {
    j.field("game", o.game).field("seats", o.seats).field("tables", o.tables).field("games", o.games)
        .field("games_duration_s", o.games_duration_s()).field("games_drain_s", o.games_drain_s())
        .field("think_ms", o.think_ms).field("seed", o.seed);
    if (r.results.enabled) j.field("db", r.results.url);
  }
  j.end_object();

  j.begin_object("connections")
      .field("requested", r.requested)
      .field("connected", r.connected)
      .field("registered", r.registered)
      .field("joined", r.joined)
      .end_object();
  j.begin_object("errors")
      .field("total", r.errors_total())
      .field("connect", r.connect_errors)
      .field("registration", r.registration_errors)
      .field("join", r.join_errors)
      .field("setup_timeout", r.setup_timeouts)
      .field("closed_by_server", r.unexpected_closes)
      .field("error_replies", r.error_replies)
      .field("first", r.first_error)
      .end_object();
  latency_json(j, "registration_ms", r.registration);
  j.field("registration_total_s", round3(r.registration_total_s));

  if (r.has_chat) {
    const EpochTally& t = r.chat;
    double s = r.measured_s > 0 ? r.measured_s : 1;
    j.begin_object("chat")
        .field("measured_s", round3(r.measured_s))
        .field("sent", t.sent)
        .field("expected", t.expected)
        .field("received", t.received)
        .field("late", t.late)
        .field("delivery_ratio", t.ratio())
        .field("sent_per_s", round3(t.sent / s))
        .field("deliveries_per_s", round3(t.received / s))
        .field("out_of_order", r.order.out_of_order)
        .field("senders_out_of_order", r.order.senders_out_of_order)
        .field("max_out_of_order_per_sender", r.order.max_out_of_order_per_sender)
        .field("duplicates", r.order.duplicates)
        .field("gaps", r.order.gaps)
        .field("malformed", r.malformed)
        .field("misrouted", r.misrouted)
        .field("echoed", r.echoed)
        .field("max_send_lag_ms", ms(static_cast<double>(r.max_send_lag_ns)))
        .end_object();
    latency_json(j, "latency_ms", r.latency);
  }
  if (r.has_ramp) {
    j.begin_object("ramp");
    j.begin_array("steps");
    for (std::size_t i = 0; i < r.steps.size(); ++i) {
      const StepStats& st = r.steps[i];
      j.begin_object()
          .field("rate", st.rate)
          .field("seconds", round3(st.seconds))
          .field("sent", st.tally.sent)
          .field("expected", st.tally.expected)
          .field("received", st.tally.received)
          .field("late", st.tally.late)
          .field("delivery_ratio", st.tally.ratio())
          .field("sent_per_s", round3(st.sent_per_s()))
          .field("deliveries_per_s", round3(st.deliveries_per_s()))
          .field("p50_ms", ms(st.p50_ns))
          .field("p90_ms", ms(st.p90_ns))
          .field("p99_ms", ms(st.p99_ns))
          .field("max_ms", ms(st.max_ns))
          .field("closed_by_server", st.closed)
          .field("loadgen_cpu_percent", round3(st.loadgen_cpu_percent))
          .field("server_cpu_percent", st.server_cpu_percent >= 0 ? round3(st.server_cpu_percent) : -1.0)
          .field("verdict", i < r.verdicts.size() ? to_string(r.verdicts[i]) : "")
          .field("pass", i < r.verdicts.size() && r.verdicts[i] == StepVerdict::kPass)
          .end_object();
    }
    j.end_array();
    j.field("max_sustained_deliveries_per_s", round3(r.best_deliveries_per_s))
        .field("max_sustained_rate", r.best_rate)
        .field("max_sustained_p99_ms", ms(r.best_p99_ns))
        .field("stop_reason", r.stop_reason)
        .end_object();
  }
  if (r.has_games) {
    double s = r.games_s > 0 ? r.games_s : 1;
    j.begin_object("games")
        .field("seconds", round3(r.games_s))
        .field("started", r.games_started)
        .field("finished", r.games_finished)
        .field("unfinished", r.games_unfinished())
        .field("finished_per_s", round3(r.games_finished / s))
        .field("tables_created", r.tables_created)
        .field("moves", r.moves)
        .field("moves_per_s", round3(r.moves / s))
        .field("failed_moves", r.failed_moves)
        .field("turn_timeouts", r.turn_timeouts)
        .field("table_errors", r.table_errors)
        .field("view_errors", r.view_errors)
        .field("draws", r.draws)
        .field("forfeits", r.forfeits);
    j.begin_object("by_game");
    for (const auto& g : r.per_game)
      j.begin_object(g.name).field("started", g.started).field("finished", g.finished).field("moves", g.moves)
          .end_object();
    j.end_object();
    j.end_object();
    latency_json(j, "move_latency_ms", r.latency);
    const ResultsCheck& c = r.results;
    j.begin_object("game_results").field("checked", c.enabled);
    if (c.enabled) {
      j.field("db", c.url)
          .field("expected", c.expected)
          .field("found", c.found())
          .field("before", c.before)
          .field("after", c.after)
          .field("total_before", c.total_before)
          .field("total_after", c.total_after)
          .field("waited_s", round3(c.waited_s))
          .field("ok", judge_results(c).empty())
          .field("error", c.error);
    }
    j.end_object();
  }
  if (r.has_storm) {
    double s = r.storm_s > 0 ? r.storm_s : 1;
    j.begin_object("storm")
        .field("attempted", r.storm_attempted)
        .field("registered", r.storm_registered)
        .field("completed", r.storm_completed)
        .field("failed", r.storm_failed)
        .field("seconds", round3(r.storm_s))
        .field("registrations_per_s", round3(r.storm_registered / s))
        .end_object();
  }
  if (r.has_memory) {
    j.begin_object("memory")
        .field("server_pid", r.server_pid)
        .field("rss_before_kb", r.rss_before_kb)
        .field("rss_after_kb", r.rss_after_kb)
        .field("bytes_per_connection", std::round(r.bytes_per_connection))
        .end_object();
  }
  if (r.server_cpu_percent >= 0)
    j.begin_object("server").field("pid", o.server_pid).field("cpu_percent", round3(r.server_cpu_percent)).end_object();
  if (r.machine_busy_percent >= 0) {
    j.begin_object("machine")
        .field("cores", r.cores)
        .field("busy_percent", round3(r.machine_busy_percent))
        .field("irq_percent", round3(r.machine_irq_percent))
        .field("steal_percent", round3(r.machine_steal_percent));
    if (r.others_cpu_percent() >= 0)
      j.field("others_cpu_percent", round3(r.others_cpu_percent()));
    else
      j.null_field("others_cpu_percent");
    j.end_object();
  }
  j.begin_object("loadgen")
      .field("cpu_percent", round3(r.cpu_percent))
      .field("cpu_user_s", round3(r.cpu_user_s))
      .field("cpu_sys_s", round3(r.cpu_sys_s))
      .field("threads", o.threads)
      .field("rss_kb", r.loadgen_rss_kb)
      .end_object();
  j.end_object();
  return j.str();
}

}  // namespace lobbyd::load
