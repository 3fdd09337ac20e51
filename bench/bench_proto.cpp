// Protocol micro-benchmarks (Google Benchmark). Each benchmark reports
// items_per_second (lines) and bytes_per_second; time per iteration is the
// time per line except for the framer benchmarks, where one iteration frames
// a whole buffer (see items_per_second there). Run: make bench, or
//   build/bin/bench_proto --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "proto/format.h"
#include "proto/line_framer.h"
#include "proto/message.h"
#include "proto/numerics.h"

namespace {

using namespace lobbyd::proto;

constexpr std::string_view kPrivmsg =
    ":alice!alice@203.0.113.7 PRIVMSG #lobby :anyone up for a quick 2v2? map is arena-3";
constexpr std::string_view kTagged =
    "@time=2024-05-01T12:00:00.000Z;msgid=Yx3kP0aZ;+game/seq=4711 :alice!alice@203.0.113.7 "
    "PRIVMSG #g-1234 :move e2e4";
constexpr std::string_view kNumeric =
    ":irc.lobbyd.example 005 alice CHANTYPES=# CASEMAPPING=ascii NICKLEN=30 CHANNELLEN=50 "
    "TOPICLEN=390 MODES=4 MAXTARGETS=4 LINELEN=512 NETWORK=lobbyd UTF8ONLY AWAYLEN=200 "
    "KICKLEN=255 PREFIX=(o)@ "
    ":are supported by this server";  // 15 parameters
constexpr std::string_view kPing = "PING :1714564800";

void run_parse(benchmark::State& state, std::string_view line) {
  MessageView m;
  for (auto _ : state) {
    std::string_view l = line;
    benchmark::DoNotOptimize(l);  // the line is not a compile-time constant
    ParseError e = parse(l, m);
    benchmark::DoNotOptimize(e);
    benchmark::DoNotOptimize(m);
  }
  if (parse(line, m) != ParseError::kOk) state.SkipWithError("line does not parse");
  state.counters["params"] = m.param_count;
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * line.size()));
}

void BM_ParsePrivmsg(benchmark::State& state) { run_parse(state, kPrivmsg); }
void BM_ParseTagged(benchmark::State& state) { run_parse(state, kTagged); }
void BM_ParseNumeric15Params(benchmark::State& state) { run_parse(state, kNumeric); }
void BM_ParsePing(benchmark::State& state) { run_parse(state, kPing); }
BENCHMARK(BM_ParsePrivmsg);
BENCHMARK(BM_ParseTagged);
BENCHMARK(BM_ParseNumeric15Params);
BENCHMARK(BM_ParsePing);

// A client stream: the typical lines above, CRLF-terminated, repeated.
std::string make_stream(std::size_t lines) {
  const std::string_view mix[] = {kPrivmsg, kTagged, kPing, kPrivmsg, kNumeric};
  std::string s;
  for (std::size_t i = 0; i < lines; ++i) s.append(mix[i % 5]).append("\r\n");
  return s;
}

// One iteration frames a buffer of state.range(0) lines.
void BM_FramerBuffer(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const std::string stream = make_stream(n);
  std::size_t lines = 0;
  for (auto _ : state) {
    LineFramer framer(8191 + 510);
    std::string_view rest = stream, line;
    std::size_t consumed;
    while (framer.next(rest, line, consumed) == LineFramer::Result::kLine) {
      benchmark::DoNotOptimize(line);
      rest.remove_prefix(consumed);
      ++lines;
    }
  }
  if (lines != n * state.iterations()) state.SkipWithError("framer lost lines");
  state.SetItemsProcessed(static_cast<std::int64_t>(lines));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stream.size()));
}
BENCHMARK(BM_FramerBuffer)->Arg(1000)->Arg(10000);

// Framing and parsing together, as a connection does.
void BM_FramerAndParse(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const std::string stream = make_stream(n);
  std::size_t lines = 0, params = 0;
  MessageView m;
  for (auto _ : state) {
    LineFramer framer(8191 + 510);
    std::string_view rest = stream, line;
    std::size_t consumed;
    while (framer.next(rest, line, consumed) == LineFramer::Result::kLine) {
      rest.remove_prefix(consumed);
      if (parse(line, m) == ParseError::kOk) params += m.param_count;
      ++lines;
    }
  }
  benchmark::DoNotOptimize(params);
  state.SetItemsProcessed(static_cast<std::int64_t>(lines));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stream.size()));
}
BENCHMARK(BM_FramerAndParse)->Arg(10000);

// Formatting a relayed PRIVMSG into a reused string (no allocation).
void BM_BuildPrivmsg(benchmark::State& state) {
  std::string out;
  out.reserve(1024);
  std::string_view text = "anyone up for a quick 2v2? map is arena-3";
  std::size_t bytes = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(text);
    LineBuilder b(out);
    b.source("alice!alice@203.0.113.7").command("PRIVMSG").param("#lobby").trailing(text);
    bytes += b.finish().size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_BuildPrivmsg);

// The same with server-time tags and a trailing that must be cut at 512 bytes
// on a UTF-8 boundary.
void BM_BuildPrivmsgTaggedTruncated(benchmark::State& state) {
  std::string out;
  out.reserve(2048);
  std::string text;
  while (text.size() < 700) text += "h\xC3\xA9llo \xE2\x82\xAC ";
  std::string_view tv = text;
  std::size_t bytes = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(tv);
    LineBuilder b(out);
    b.tags("time=2024-05-01T12:00:00.000Z;msgid=Yx3kP0aZ")
        .source("alice!alice@203.0.113.7")
        .command("PRIVMSG")
        .param("#lobby")
        .trailing(tv);
    bytes += b.finish().size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_BuildPrivmsgTaggedTruncated);

// A numeric reply with a zero-padded code and an integer parameter.
void BM_BuildNumeric(benchmark::State& state) {
  std::string out;
  out.reserve(1024);
  std::uint64_t n = 0;
  std::size_t bytes = 0;
  for (auto _ : state) {
    LineBuilder b(out);
    b.source("irc.lobbyd.example")
        .numeric(num::RPL_LIST)
        .param("alice")
        .param("#lobby")
        .param(n++)
        .trailing("[+nt] casual games, all welcome");
    bytes += b.finish().size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_BuildNumeric);

}  // namespace
