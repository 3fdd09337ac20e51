// The games scenario's logic: which games a run plays, reading a bot's view,
// choosing a move (also against the real rules library, whole games through),
// the shared game counts, the game_results verdict, options and the report.
#include "load/games.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "games/game.h"
#include "games/registry.h"
#include "load/options.h"
#include "load/report.h"

using namespace lobbyd::load;

namespace {
struct Parsed {
  int code;
  Options opts;
  std::string message;
};

Parsed parse(std::initializer_list<const char*> args) {
  std::vector<const char*> argv{"lobbyd-load"};
  argv.insert(argv.end(), args.begin(), args.end());
  Parsed p;
  p.code = parse_options(static_cast<int>(argv.size()), argv.data(), p.opts, p.message);
  return p;
}
}  // namespace

TEST(GameList, NamesListsAndMix) {
  std::vector<std::size_t> out;
  EXPECT_EQ(parse_game_list("tictactoe", 2, out), "");
  EXPECT_EQ(out, std::vector<std::size_t>{0});
  EXPECT_EQ(parse_game_list("connect4,reversi,connect4", 2, out), "");
  EXPECT_EQ(out, (std::vector<std::size_t>{1, 2}));  // repeats dropped
  EXPECT_EQ(parse_game_list("mix", 2, out), "");
  EXPECT_EQ(out.size(), 4u);
  // Three or four seats: only crazy eights can seat them.
  EXPECT_EQ(parse_game_list("mix", 4, out), "");
  EXPECT_EQ(out, std::vector<std::size_t>{3});
  EXPECT_NE(parse_game_list("tictactoe", 3, out).find("two-player"), std::string::npos);
  EXPECT_NE(parse_game_list("chess", 2, out).find("unknown game"), std::string::npos);
  EXPECT_NE(parse_game_list("tictactoe,", 2, out).find("unknown game"), std::string::npos);
  EXPECT_NE(parse_game_list("crazyeights", 5, out).find("2..4"), std::string::npos);
}

TEST(GameList, TableNewArguments) {
  EXPECT_EQ(table_new_args(0, 2), "tictactoe");
  EXPECT_EQ(table_new_args(3, 2), "crazyeights");
  EXPECT_EQ(table_new_args(3, 4), "crazyeights seats=4");
}

TEST(GameView, ReadsTheDocumentedViews) {
  GameView v;
  // docs/games.md: connect four, seat 1 to move, its own view.
  ASSERT_EQ(parse_view(R"({"board":[".......",".......",".......",".......","...1...","...00.."],"game":"connect4",
 "last":{"move":"5","seat":0},"legal":["1","2","3","4","5","6","7"],"ply":3,
 "result":{"over":false,"scores":[0,0]},"seats":2,"to_move":1,"you":1})",
                       v),
            "");
  EXPECT_EQ(v.you, 1);
  EXPECT_EQ(v.to_move, 1);
  EXPECT_EQ(v.ply, 3u);
  EXPECT_FALSE(v.over);
  EXPECT_TRUE(v.my_turn());
  EXPECT_EQ(v.legal.size(), 7u);
  // A finished tic-tac-toe game, public view: nobody to move.
  ASSERT_EQ(parse_view(R"({"board":["110","000","1.."],"game":"tictactoe","last":{"move":"5","seat":0},"legal":[],
 "line":[3,4,5],"ply":7,"result":{"draw":false,"over":true,"reason":"line","scores":[1,0],
 "winner":0},"seats":2,"to_move":null,"you":null})",
                       v),
            "");
  EXPECT_EQ(v.you, -1);
  EXPECT_EQ(v.to_move, -1);
  EXPECT_TRUE(v.over);
  EXPECT_FALSE(v.my_turn());
  // Crazy eights: a seat not to move gets no legal list.
  ASSERT_EQ(parse_view(R"({"discard_pile":1,"draw_pile":35,"drawn":true,"game":"crazyeights",
 "hand":["5C","JC","4D","TH","KH"],"hand_counts":[6,5,5],"last":{"move":"draw","seat":0},
 "out":[false,false,false],"ply":1,"result":{"over":false,"scores":[0,0,0]},"seats":3,
 "suit":"H","to_move":0,"top":"7H","you":1})",
                       v),
            "");
  EXPECT_FALSE(v.my_turn());
  EXPECT_TRUE(v.legal.empty());
}

TEST(GameView, RefusesWhatItCannotRead) {
  GameView v;
  EXPECT_NE(parse_view("", v), "");
  EXPECT_NE(parse_view("[1,2]", v), "");
  EXPECT_NE(parse_view(R"({"to_move":0})", v), "");                  // no "you"
  EXPECT_NE(parse_view(R"({"you":"0","to_move":0})", v), "");         // seat as text
  EXPECT_NE(parse_view(R"({"you":0,"to_move":0,"legal":"4"})", v), "");
  EXPECT_NE(parse_view(R"({"you":0,"to_move":0,"legal":[4]})", v), "");
  EXPECT_NE(parse_view(R"({"you":0,"to_move":0,"legal":["4"])", v), "");  // cut short
}

TEST(ChooseMove, OnlyListedMovesAllOfThemAndNotTheRefused) {
  GameView v;
  v.you = v.to_move = 0;
  v.legal = {"a", "b", "c", "d"};
  std::mt19937_64 rng(7);
  std::map<std::string, int> seen;
  for (int i = 0; i < 4000; ++i) ++seen[*choose_move(v, rng)];
  ASSERT_EQ(seen.size(), 4u);
  for (auto& [m, n] : seen) EXPECT_GT(n, 800) << m;  // about 1000 each
  for (int i = 0; i < 200; ++i) {
    auto m = choose_move(v, rng, {"a", "c"});
    ASSERT_TRUE(m);
    EXPECT_TRUE(*m == "b" || *m == "d");
  }
  EXPECT_FALSE(choose_move(v, rng, {"a", "b", "c", "d"}));
  v.legal.clear();
  EXPECT_FALSE(choose_move(v, rng));
}

// Whole games through the real rules library: every move a bot picks from its
// own view (as the server would send it) is accepted, and every game ends.
TEST(ChooseMove, PlaysWholeGamesOfEveryGameFromTheViews) {
  std::mt19937_64 rng(42);
  for (std::size_t g = 0; g < kCompiledInGames; ++g) {  // (the Lua ports: tests/modules)
    for (int seats : {2, 3, 4}) {
      if (seats > 2 && kGameNames[g] != "crazyeights") continue;
      const auto* game = lobbyd::games::find_game(kGameNames[g]);
      ASSERT_NE(game, nullptr) << kGameNames[g];
      for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        auto st = game->initial(seed, {}, seats);
        ASSERT_TRUE(st.ok()) << st.error().reason;
        auto& state = *st.value();
        int plies = 0;
        while (state.to_move() != lobbyd::games::kNoSeat) {
          ASSERT_LT(++plies, 5000) << kGameNames[g] << " does not end";
          const int seat = state.to_move();
          GameView v;
          ASSERT_EQ(parse_view(state.view(seat).dump(), v), "");
          ASSERT_TRUE(v.my_turn()) << state.view(seat).dump();
          // The other seats' views never offer a move.
          for (int other = 0; other < seats; ++other) {
            if (other == seat) continue;
            GameView ov;
            ASSERT_EQ(parse_view(state.view(other).dump(), ov), "");
            EXPECT_FALSE(ov.my_turn());
          }
          auto move = choose_move(v, rng);
          ASSERT_TRUE(move) << state.view(seat).dump();
          auto played = state.play(seat, *move);
          ASSERT_TRUE(played.ok()) << kGameNames[g] << " refused " << *move << ": " << played.error().reason;
        }
        GameView end;
        ASSERT_EQ(parse_view(state.view(0).dump(), end), "");
        EXPECT_TRUE(end.over);
        EXPECT_FALSE(end.my_turn());
      }
    }
  }
}

TEST(GameCounts, ClaimStopsAtTheLimitAcrossThreads) {
  GameCounts c;
  std::atomic<int> granted{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 1000; ++i)
        if (c.claim(250)) granted.fetch_add(1);
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(granted.load(), 250);
  GameCounts unbounded;
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(unbounded.claim(0));
  c.by_game[0].started = 3;
  c.by_game[3].started = 2;
  c.by_game[3].finished = 2;
  c.by_game[1].moves = 5;
  EXPECT_EQ(c.started(), 5u);
  EXPECT_EQ(c.finished(), 2u);
  EXPECT_EQ(c.moves(), 5u);
}

TEST(ResultsCheck, ExpectedRowsOrAMismatch) {
  ResultsCheck c;
  EXPECT_EQ(judge_results(c), "");  // not asked for
  c.enabled = true;
  c.before = 10;
  c.after = 30;
  c.expected = 20;
  EXPECT_EQ(judge_results(c), "");
  c.after = 29;
  EXPECT_NE(judge_results(c).find("expected 20 new rows for this run's games, found 19"), std::string::npos);
  c.after = 31;  // extra rows are as wrong as missing ones
  EXPECT_NE(judge_results(c), "");
  c.after = 5;
  EXPECT_NE(judge_results(c).find("went down"), std::string::npos);
  c.error = "no such table: game_results";
  EXPECT_NE(judge_results(c).find("no such table"), std::string::npos);
}

TEST(ResultsCheck, LikePatternEscapesWildcards) {
  EXPECT_EQ(players_like_pattern("Labcx"), "%\"Labcx%");
  EXPECT_EQ(players_like_pattern("a_b%c!"), "%\"a!_b!%c!!%");
}

TEST(GamesOptions, TablesSeatsAndBounds) {
  auto p = parse({"games"});
  ASSERT_EQ(p.code, -1) << p.message;
  EXPECT_EQ(p.opts.scenario, Scenario::kGames);
  EXPECT_EQ(p.opts.game, "tictactoe");
  EXPECT_EQ(p.opts.tables, 50u);  // 100 clients, 2 seats
  EXPECT_EQ(p.opts.games_duration_s(), 10.0);
  EXPECT_EQ(p.opts.games_drain_s(), 30.0);
  EXPECT_EQ(validate(p.opts, 28000, 100000), "");

  p = parse({"games", "--tables", "25", "--seats", "4", "--game", "crazyeights", "--games", "100"});
  ASSERT_EQ(p.code, -1) << p.message;
  EXPECT_EQ(p.opts.clients, 100u);
  EXPECT_EQ(p.opts.games, 100u);
  EXPECT_EQ(p.opts.games_duration_s(), 0.0);  // --games alone bounds the run
  EXPECT_EQ(validate(p.opts, 28000, 100000), "");
  EXPECT_GT(effective_timeout(p.opts), 60.0);

  p = parse({"games", "--games", "10", "-d", "5", "--think-ms", "500", "--drain", "4"});
  ASSERT_EQ(p.code, -1) << p.message;
  EXPECT_EQ(p.opts.games_duration_s(), 5.0);
  EXPECT_EQ(p.opts.games_drain_s(), 4.0);
  EXPECT_EQ(parse({"games", "--think-ms", "1000"}).opts.games_drain_s(), 120.0);

  // Disagreeing sizes, odd bot counts, wrong seat counts, no bound.
  EXPECT_EQ(parse({"games", "--tables", "10", "--clients", "21"}).code, 2);
  auto five = parse({"games", "--seats", "5"});  // CLI11's range check
  EXPECT_GT(five.code, 0);
  EXPECT_NE(five.message.find("--seats"), std::string::npos) << five.message;
  auto odd = parse({"games", "--clients", "21"});
  ASSERT_EQ(odd.code, -1);
  EXPECT_NE(validate(odd.opts, 28000, 100000).find("multiple of --seats"), std::string::npos);
  auto three = parse({"games", "--seats", "3", "--clients", "9"});
  ASSERT_EQ(three.code, -1);
  EXPECT_NE(validate(three.opts, 28000, 100000).find("two-player"), std::string::npos);
  auto unbounded = parse({"games", "-d", "0"});
  ASSERT_EQ(unbounded.code, -1);
  EXPECT_NE(validate(unbounded.opts, 28000, 100000).find("--games > 0 or --duration > 0"), std::string::npos);
  auto bad = parse({"games", "--game", "chess"});
  ASSERT_EQ(bad.code, -1);
  EXPECT_NE(validate(bad.opts, 28000, 100000).find("unknown game"), std::string::npos);
}

TEST(GamesReport, JsonAndTable) {
  RunReport r;
  r.opts.scenario = Scenario::kGames;
  r.opts.game = "tictactoe,connect4";
  r.has_games = true;
  r.games_s = 2;
  r.games_started = 12;
  r.games_finished = 10;
  r.moves = 100;
  r.failed_moves = 1;
  r.per_game.push_back({"tictactoe", 6, 5, 40});
  r.results.enabled = true;
  r.results.url = "sqlite:x.db";
  r.results.before = 3;
  r.results.after = 15;
  r.results.expected = 12;
  std::string json = render_json(r);
  EXPECT_EQ(json.find('\n'), std::string::npos);
  EXPECT_NE(json.find("\"scenario\":\"games\""), std::string::npos);
  EXPECT_NE(json.find("\"finished_per_s\":5,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"unfinished\":2,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"failed_moves\":1,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"tictactoe\":{\"started\":6,\"finished\":5,\"moves\":40}"), std::string::npos) << json;
  EXPECT_NE(json.find("\"move_latency_ms\""), std::string::npos);
  EXPECT_NE(json.find("\"expected\":12,\"found\":12"), std::string::npos) << json;
  EXPECT_NE(json.find("\"ok\":true,\"error\""), std::string::npos) << json;
  EXPECT_EQ(json.find("\"chat\""), std::string::npos);
  std::string t = render_table(r);
  EXPECT_NE(t.find("10 finished of 12 started"), std::string::npos) << t;
  EXPECT_NE(t.find("5.0 games/s"), std::string::npos) << t;
  EXPECT_NE(t.find("1 refused"), std::string::npos) << t;
  EXPECT_NE(t.find("12 new rows of this run, 12 expected: ok"), std::string::npos) << t;
  r.results.after = 14;
  EXPECT_NE(render_table(r).find("MISMATCH"), std::string::npos);
}
