// The store's write queue into a real database: rows per second with one
// commit per row (write_batch = 1, how lobbyd wrote until 2026-11-25) and
// with batched transactions (write_batch = 256, the default), side by side
// in one run. SQLite in a temporary file; MariaDB too when
// LOBBYD_BENCH_MARIADB_URL names one (tools/mariadb-test-server.sh prints
// such a URL).
//
//   build/bin/bench_store --benchmark_repetitions=3
#include <benchmark/benchmark.h>
#include <soci/soci.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <unistd.h>

#include "store/store.h"

namespace {

using namespace lobbyd::store;

struct Quiet : StoreListener {
  void on_settings(std::vector<SettingRow>) override {}
  void on_lobbies(std::vector<LobbyRow>) override {}
  void on_bans(std::vector<BanRow>) override {}
  void on_modules(std::vector<ModuleRow>) override {}
  std::string on_command(const CommandRow&) override { return {}; }
};

// A table_moves row, as a game table writes one per accepted move.
WriteOp move_row(std::int64_t i) {
  return WriteOp{"table_moves", "INSERT INTO table_moves (table_id, round, ply, seat, nick, move, created_at) "
                                "VALUES (:t, 1, :p, 0, 'bench', '4', 0)",
                 {{"t", i / 40}, {"p", i % 40}}};
}

void run(benchmark::State& state, const std::string& url_text) {
  DbUrl url;
  if (!parse_db_url(url_text, url).empty()) {
    state.SkipWithError("bad url");
    return;
  }
  Quiet quiet;
  StoreOptions opts{url, std::chrono::milliseconds(10)};
  opts.write_batch = static_cast<std::size_t>(state.range(0));
  Store store(opts, quiet);
  store.start();
  const std::int64_t rows = 2000;
  std::int64_t next = 0;
  for (auto _ : state) {
    auto before = store.stats().writes_done;
    for (std::int64_t i = 0; i < rows; ++i) store.enqueue(move_row(next++));
    while (store.stats().writes_done < before + rows) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  state.SetItemsProcessed(state.iterations() * rows);
  store.stop();
}

void BM_SqliteWrites(benchmark::State& state) {
  auto dir = std::filesystem::temp_directory_path() / ("lobbyd-bench-store-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto file = dir / ("w" + std::to_string(state.range(0)) + ".db");
  std::filesystem::remove(file);
  run(state, "sqlite:" + file.string());
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_SqliteWrites)->Arg(1)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

void BM_MariaDbWrites(benchmark::State& state) {
  const char* url = std::getenv("LOBBYD_BENCH_MARIADB_URL");
  if (!url) {
    state.SkipWithError("LOBBYD_BENCH_MARIADB_URL not set");
    return;
  }
  run(state, url);
}
BENCHMARK(BM_MariaDbWrites)->Arg(1)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

}  // namespace
