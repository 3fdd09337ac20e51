// The typed port (store/port.h) on a real SQLite file: each request's answer
// as a value, the writes read back through another connection and through
// the start-up read, and the database being away as an Error, not a throw.
// The store is stepped from the test's thread (Store::step) except where the
// store thread's own handling of an absent database is the point.
#include <gtest/gtest.h>
#include <soci/soci.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>

#include "store/store.h"

namespace lobbyd::store {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct NoListener final : StoreListener {
  void on_settings(std::vector<SettingRow>) override {}
  void on_lobbies(std::vector<LobbyRow>) override {}
  void on_bans(std::vector<BanRow>) override {}
  void on_modules(std::vector<ModuleRow>) override {}
  std::string on_command(const CommandRow&) override { return {}; }
};

// A store on a fresh SQLite file, connected and migrated.
class PortTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("lobbyd-port-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ASSERT_EQ(parse_db_url("sqlite:" + (dir_ / "t.db").string(), url_), "");
    store_ = std::make_unique<Store>(StoreOptions{url_, 50ms}, listener_);
    store_->connect_now();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  // Runs what is queued, as the store thread would.
  void step() {
    while (store_->step() > 0) {
    }
  }
  // Another connection to the same file, as an operator's shell would be.
  soci::session other() { return soci::session(url_.backend, url_.connect); }

  fs::path dir_;
  DbUrl url_;
  NoListener listener_;
  std::unique_ptr<Store> store_;
};

TEST_F(PortTest, AccountsAreCreatedOnceFoundAndTheirLoginsRecorded) {
  std::optional<Result<std::optional<Account>>> found;
  store_->find_account("ann", [&](Result<std::optional<Account>> r) { found = std::move(r); });
  step();
  ASSERT_TRUE(found && found->ok());
  EXPECT_FALSE(found->value().has_value()) << "no such account yet";

  std::optional<Result<bool>> taken;
  store_->account_taken("ann", [&](Result<bool> r) { taken = r; });
  step();
  ASSERT_TRUE(taken && taken->ok());
  EXPECT_FALSE(**taken);

  std::vector<Created> created;
  for (int i = 0; i < 2; ++i)
    store_->create_account(Account{"ann", "$argon2id$fake", "player", false}, "Ann",
                           [&](Result<Created> r) {
                             ASSERT_TRUE(r.ok());
                             created.push_back(*r);
                           });
  step();
  ASSERT_EQ(created.size(), 2u);
  EXPECT_EQ(created[0], Created::kCreated);
  EXPECT_EQ(created[1], Created::kTaken) << "the second REGISTER of a name";

  found.reset();
  store_->find_account("ann", [&](Result<std::optional<Account>> r) { found = std::move(r); });
  step();
  ASSERT_TRUE(found && found->ok() && found->value().has_value());
  const Account& a = *found->value();
  EXPECT_EQ(a.name, "ann");
  EXPECT_EQ(a.password_hash, "$argon2id$fake");
  EXPECT_EQ(a.role, "player");
  EXPECT_FALSE(a.disabled);

  store_->record_login("ann", 1234);
  step();
  auto sql = other();
  long long at = 0;
  std::string display;
  sql << "SELECT last_login_at, display FROM accounts WHERE name = 'ann'", soci::into(at), soci::into(display);
  EXPECT_EQ(at, 1234);
  EXPECT_EQ(display, "Ann");
  sql << "UPDATE accounts SET disabled = 1, role = 'operator' WHERE name = 'ann'";
  found.reset();
  store_->find_account("ann", [&](Result<std::optional<Account>> r) { found = std::move(r); });
  step();
  ASSERT_TRUE(found && found->ok() && found->value().has_value());
  EXPECT_TRUE(found->value()->disabled);
  EXPECT_EQ(found->value()->role, "operator");
}

TEST_F(PortTest, RoundsMovesAndResultsComeBackAtStartUp) {
  // Table 7 plays on; table 9 finished; the highest id seen is 9.
  store_->save_round(TableRound{7, "#lobby", "tictactoe", "", 2, 42, 1, R"([{"nick":"a","account":""}])", 100});
  int committed = 0;
  for (int ply = 1; ply <= 3; ++ply)
    store_->save_move(MoveRow{7, 1, ply, ply % 2, "a", std::to_string(ply), 100 + ply},
                      [&](bool ok) { committed += ok ? 1 : 100; });
  store_->save_round(TableRound{9, "#lobby", "reversi", "", 2, 1, 1, "[]", 200});
  store_->save_result(GameResultRow{9, "reversi", "#lobby", "[]", R"({"over":true})", "[]", 200, 300});
  store_->save_rating(RatingRow{"ann", "tictactoe", 1516, 1, 1, 0, 0}, 300);
  store_->save_rating(RatingRow{"ann", "tictactoe", 1530, 2, 2, 0, 0}, 301);  // replaces, never adds
  step();
  EXPECT_EQ(committed, 3) << "each durable move told of its commit once";

  Result<StartState> start = store_->read_start_state();
  ASSERT_TRUE(start.ok());
  EXPECT_EQ(start->highest_table_id, 9u);
  ASSERT_EQ(start->open_tables.size(), 1u);
  const SavedTable& t = start->open_tables[0];
  EXPECT_EQ(t.round.id, 7u);
  EXPECT_EQ(t.round.game, "tictactoe");
  EXPECT_EQ(t.round.seed, 42u);
  EXPECT_EQ(t.round.seats, 2);
  EXPECT_EQ(t.round.started_at, 100);
  ASSERT_EQ(t.moves.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(t.moves[i].seat, (i + 1) % 2);
    EXPECT_EQ(t.moves[i].text, std::to_string(i + 1));
  }
  ASSERT_EQ(start->ratings.size(), 1u);
  EXPECT_EQ(start->ratings[0].rating, 1530);
  EXPECT_EQ(start->ratings[0].games, 2);

  auto sql = other();
  std::string state;
  sql << "SELECT state FROM game_tables WHERE id = 9", soci::into(state);
  EXPECT_EQ(state, "over");
  long long results = 0;
  sql << "SELECT COUNT(*) FROM game_results WHERE table_id = 9 AND ended_at = 300", soci::into(results);
  EXPECT_EQ(results, 1);

  store_->mark_table_broken(7);
  step();
  Result<StartState> again = store_->read_start_state();
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->open_tables.empty()) << "a broken log is not tried again";
}

TEST_F(PortTest, LongConfigErrorsAreCutToTheirColumns) {
  store_->record_config_error("settings", std::string(300, 'r'), std::string(2000, 'm'), 5);
  step();
  auto sql = other();
  std::string ref, message;
  sql << "SELECT ref, message FROM config_errors WHERE source = 'settings'", soci::into(ref), soci::into(message);
  EXPECT_EQ(ref.size(), 255u);
  EXPECT_EQ(message.size(), 1000u);
}

TEST(PortAway, ADatabaseThatIsAwayAnswersUnavailable) {
  // A MariaDB URL whose port nothing listens on (1 is never a database):
  // the store starts anyway, serving without it, and says so in values.
  DbUrl url;
  ASSERT_EQ(parse_db_url("mysql://u:p@127.0.0.1:1/none", url), "");
  NoListener listener;
  Store store(StoreOptions{url, 50ms}, listener);
  store.connect_now();
  Result<StartState> start = store.read_start_state();
  ASSERT_FALSE(start.ok());
  EXPECT_EQ(start.error(), Error::kUnavailable);
  store.start();
  std::atomic<int> unavailable{0}, answered{0};
  store.find_account("ann", [&](Result<std::optional<Account>> r) { ++(r.ok() ? answered : unavailable); });
  store.account_taken("ann", [&](Result<bool> r) { ++(r.ok() ? answered : unavailable); });
  store.create_account(Account{"ann", "h", "player", false}, "Ann",
                       [&](Result<Created> r) { ++(r.ok() ? answered : unavailable); });
  auto end = std::chrono::steady_clock::now() + 10s;
  while (unavailable + answered < 3 && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(unavailable.load(), 3);
  EXPECT_EQ(answered.load(), 0);
  store.stop();
}

}  // namespace
}  // namespace lobbyd::store
