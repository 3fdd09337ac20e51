// The interface around the games: codes, registry, options, the common checks
// of play()/forfeit(), replay().
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "games/crazy_eights.h"
#include "games/registry.h"
#include "games/reversi.h"
#include "games/tictactoe.h"
#include "helpers.h"

namespace lobbyd::games {
namespace {

using test::dump;
using test::start;

TEST(Codes, NamesAreTheFailCodes) {
  EXPECT_EQ(code_name(Code::kBadSyntax), "BAD_SYNTAX");
  EXPECT_EQ(code_name(Code::kIllegalMove), "ILLEGAL_MOVE");
  EXPECT_EQ(code_name(Code::kNotYourTurn), "NOT_YOUR_TURN");
  EXPECT_EQ(code_name(Code::kGameOver), "GAME_OVER");
  EXPECT_EQ(code_name(Code::kNotSeated), "NOT_SEATED");
  EXPECT_EQ(code_name(Code::kUnknownGame), "UNKNOWN_GAME");
  EXPECT_EQ(code_name(Code::kBadOption), "BAD_OPTION");
  EXPECT_EQ(code_name(Code::kBadLog), "BAD_LOG");
}

TEST(Registry, FindsNamesAndAliasesWithoutCase) {
  EXPECT_EQ(all_games().size(), 4u);
  EXPECT_EQ(find_game("tictactoe"), &tictactoe());
  EXPECT_EQ(find_game("TicTacToe"), &tictactoe());
  EXPECT_EQ(find_game("othello"), &reversi());
  EXPECT_EQ(find_game("reversi"), &reversi());
  EXPECT_EQ(find_game("connect4")->name(), "connect4");
  EXPECT_EQ(find_game("crazy8"), &crazy_eights());
  EXPECT_EQ(find_game("chess"), nullptr);
  EXPECT_EQ(find_game(""), nullptr);
  for (const Game* g : all_games()) {
    EXPECT_EQ(find_game(g->name()), g);
    EXPECT_LE(g->min_seats(), g->default_seats());
    EXPECT_LE(g->default_seats(), g->max_seats());
  }
}

TEST(Registry, UnknownGameIsAnErrorValue) {
  Expected<const Game*> g = lookup_game("chess");
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code, Code::kUnknownGame);
  EXPECT_NE(g.error().reason.find("'chess'"), std::string::npos);
  EXPECT_NE(g.error().reason.find("tictactoe, connect4, reversi, crazyeights"), std::string::npos)
      << g.error().reason;
  ASSERT_TRUE(lookup_game("REVERSI").ok());
  EXPECT_EQ(lookup_game("REVERSI").value(), &reversi());
}

Expected<TableSetup> setup(const Game& game, std::vector<std::string_view> args) {
  return parse_setup(game, args);
}

TEST(Options, SeatsAndGameOptions) {
  Expected<TableSetup> s = setup(crazy_eights(), {});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->seats, 2);
  EXPECT_TRUE(s->options.empty());

  s = setup(crazy_eights(), {"seats=3"});
  ASSERT_TRUE(s.ok()) << s.error().reason;
  EXPECT_EQ(s->seats, 3);
  EXPECT_TRUE(s->options.empty());  // seats travels apart from the options

  s = setup(crazy_eights(), {"HAND=05", "Seats=4"});
  ASSERT_TRUE(s.ok()) << s.error().reason;
  EXPECT_EQ(s->seats, 4);
  EXPECT_EQ(to_string(s->options), "hand=5");  // canonical key and value
  EXPECT_EQ(option_int(s->options, "hand", 7), 5);
  EXPECT_EQ(option_int(s->options, "other", 7), 7);

  EXPECT_TRUE(setup(tictactoe(), {"seats=2"}).ok());
}

TEST(Options, InvalidOptionsGiveAClearError) {
  struct Case {
    const Game* game;
    std::vector<std::string_view> args;
    std::string_view reason_part;
  };
  const Case cases[] = {
      {&crazy_eights(), {"seats=5"}, "seats must be 2..4 for crazyeights"},
      {&crazy_eights(), {"seats=1"}, "seats must be 2..4"},
      {&crazy_eights(), {"seats=three"}, "got 'three'"},
      {&crazy_eights(), {"seats=3", "seats=3"}, "given twice"},
      {&crazy_eights(), {"hand=0"}, "hand must be an integer 1..10 for crazyeights, got '0'"},
      {&crazy_eights(), {"hand=11"}, "1..10"},
      {&crazy_eights(), {"hand=x"}, "got 'x'"},
      {&crazy_eights(), {"hand=5", "hand=6"}, "given twice"},
      {&crazy_eights(),
       {"jokers=2"},
       "unknown option 'jokers' for crazyeights (known: seats, hand)"},
      {&crazy_eights(), {"hand"}, "expected key=value, got 'hand'"},
      {&crazy_eights(), {"=5"}, "expected key=value"},
      {&tictactoe(), {"seats=3"}, "seats must be 2 for tictactoe"},
      {&tictactoe(), {"size=4"}, "unknown option 'size' for tictactoe (known: seats)"},
      {&reversi(), {"hand=5"}, "unknown option 'hand'"},
  };
  for (const Case& c : cases) {
    Expected<TableSetup> s = setup(*c.game, c.args);
    ASSERT_FALSE(s.ok()) << c.reason_part;
    EXPECT_EQ(s.error().code, Code::kBadOption);
    EXPECT_NE(s.error().reason.find(c.reason_part), std::string::npos)
        << "reason: " << s.error().reason << "\nexpected to contain: " << c.reason_part;
  }
}

TEST(Options, InitialChecksSeatsAndOptionsToo) {
  Expected<std::unique_ptr<State>> s = crazy_eights().initial(1, {}, 5);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Code::kBadOption);
  s = crazy_eights().initial(1, {{"hand", "05"}}, 2);  // not canonical: as a database might
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Code::kBadOption);
  s = crazy_eights().initial(1, {{"nope", "1"}}, 2);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Code::kBadOption);
  EXPECT_FALSE(check_setup(crazy_eights(), {{"hand", "3"}}, 4).has_value());
}

TEST(Play, CommonChecksComeFirst) {
  std::unique_ptr<State> s = start(tictactoe());
  const std::string before = dump(*s);

  Expected<std::string> r = s->play(2, "4");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kNotSeated);
  EXPECT_EQ(s->play(kSpectator, "4").error().code, Code::kNotSeated);
  EXPECT_EQ(s->forfeit(7, Forfeit::kResign).error().code, Code::kNotSeated);

  r = s->play(1, "4");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kNotYourTurn);
  EXPECT_EQ(r.error().reason, "it is seat 0's turn");
  // Out of turn beats bad syntax: the seat not to move learns only that.
  EXPECT_EQ(s->play(1, "garbage").error().code, Code::kNotYourTurn);
  EXPECT_EQ(dump(*s), before);
  EXPECT_EQ(s->ply(), 0);

  // Spaces around a move do not matter.
  r = s->play(0, "  4 ");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), "4");
  EXPECT_EQ(s->ply(), 1);
}

TEST(Play, ResignAnyTimeThenGameOver) {
  std::unique_ptr<State> s = start(reversi());
  ASSERT_TRUE(s->play(0, "d3").ok());
  // Seat 0 resigns while it is seat 1's turn.
  Expected<std::string> r = s->play(0, "Resign");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), "resign");
  Result res = s->result();
  EXPECT_TRUE(res.over);
  EXPECT_EQ(res.winner, 1);
  EXPECT_FALSE(res.draw);
  EXPECT_EQ(res.reason, "resign");
  EXPECT_EQ(res.scores, (std::vector<int>{4, 1}));  // discs, though seat 1 has fewer
  EXPECT_EQ(s->to_move(), kNoSeat);
  EXPECT_TRUE(s->legal_moves().empty());

  const std::string before = dump(*s);
  EXPECT_EQ(s->play(1, "c3").error().code, Code::kGameOver);
  EXPECT_EQ(s->play(1, "resign").error().code, Code::kGameOver);
  EXPECT_EQ(s->forfeit(1, Forfeit::kTimeout).error().code, Code::kGameOver);
  EXPECT_EQ(dump(*s), before);

  Json v = s->view(kSpectator);
  EXPECT_EQ(v["last"]["seat"], 0);
  EXPECT_EQ(v["last"]["move"], "resign");
  EXPECT_EQ(v["result"]["winner"], 1);
  EXPECT_EQ(v["result"]["reason"], "resign");
}

TEST(Play, TimeoutForfeit) {
  std::unique_ptr<State> s = start(tictactoe());
  Expected<std::string> r = s->forfeit(0, Forfeit::kTimeout);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), "timeout");
  EXPECT_EQ(s->result().winner, 1);
  EXPECT_EQ(s->result().reason, "timeout");
  // A player cannot send "timeout" as a move: that is the server's word.
  std::unique_ptr<State> t = start(tictactoe());
  EXPECT_EQ(t->play(0, "timeout").error().code, Code::kBadSyntax);
}

TEST(Replay, FoldsTheLogIncludingForfeits) {
  const std::vector<LoggedMove> log = {{0, "4"}, {1, "0"}, {0, "8"}, {1, "timeout"}};
  Expected<std::unique_ptr<State>> s = replay(tictactoe(), 9, {}, 2, log);
  ASSERT_TRUE(s.ok()) << s.error().reason;
  EXPECT_EQ(s.value()->ply(), 4);
  EXPECT_EQ(s.value()->result().winner, 0);
  EXPECT_EQ(s.value()->result().reason, "timeout");

  std::unique_ptr<State> live = start(tictactoe(), 9);
  for (const LoggedMove& m : log) ASSERT_TRUE(live->apply_logged(m.seat, m.text).ok());
  EXPECT_EQ(dump(*live), dump(*s.value()));
  EXPECT_EQ(live->view(0).dump(), s.value()->view(0).dump());
}

TEST(Replay, BadLogNamesTheMove) {
  const std::vector<LoggedMove> log = {{0, "4"}, {1, "4"}};
  Expected<std::unique_ptr<State>> s = replay(tictactoe(), 1, {}, 2, log);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Code::kBadLog);
  EXPECT_EQ(s.error().reason, "move 1 (seat 1 '4'): ILLEGAL_MOVE cell 4 is taken");

  s = replay(tictactoe(), 1, {}, 3, {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Code::kBadOption);
}

TEST(Result, Json) {
  Result r;
  r.scores = {0, 0};
  EXPECT_EQ(to_json(r).dump(), R"({"over":false,"scores":[0,0]})");
  r.over = true;
  r.draw = true;
  r.reason = "board_full";
  EXPECT_EQ(to_json(r).dump(),
            R"({"draw":true,"over":true,"reason":"board_full","scores":[0,0],"winner":null})");
}

TEST(RandomGenerator, IsFixed) {
  // SplitMix64 reference outputs for seed 0: the deal must never change
  // under a replay, on any platform.
  Rng r(0);
  EXPECT_EQ(r.next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(r.next(), 0x6e789e6aa1b965f4ULL);
  Rng b(42);
  for (int i = 0; i < 1000; ++i) EXPECT_LT(b.below(7), 7u);
}

}  // namespace
}  // namespace lobbyd::games
