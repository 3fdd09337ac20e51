// ModuleLibrary and GameCatalog: module rows become versions of games, a
// refused row keeps the previous version in service, and a loaded version
// never changes its code (the server side of docs/modules.md).
#include "core/game_catalog.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace lobbyd::core {
namespace {

std::string module_source(const char* file) {
  std::ifstream in(std::string(LOBBYD_MODULES_DIR) + "/" + file);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_FALSE(ss.str().empty()) << file;
  return ss.str();
}

const std::string& connect4() {
  static const std::string s = module_source("connect4.lua");
  return s;
}

store::ModuleRow row(std::int64_t id, const std::string& name, int version, std::string source, bool active = true) {
  store::ModuleRow r;
  r.id = id;
  r.name = name;
  r.version = version;
  r.source = std::move(source);
  r.active = active;
  return r;
}

// The error write for a row id, or nullptr when none was asked for.
const ModuleLibrary::ErrorWrite* write_for(const ModuleLibrary::Applied& a, std::int64_t id) {
  for (const auto& w : a.writes)
    if (w.row_id == id) return &w;
  return nullptr;
}

TEST(GameCatalog, BuiltinHasTheCompiledInGamesOnly) {
  auto c = GameCatalog::builtin();
  EXPECT_NE(c->find("tictactoe"), nullptr);
  EXPECT_NE(c->find("TicTacToe"), nullptr);  // names fold
  EXPECT_EQ(c->find("connect4_lua"), nullptr);
  EXPECT_TRUE(c->modules().empty());
  auto miss = c->lookup("chess");
  ASSERT_FALSE(miss);
  EXPECT_EQ(miss.error().code, games::Code::kUnknownGame);
  EXPECT_NE(miss.error().reason.find("tictactoe"), std::string::npos) << miss.error().reason;
  EXPECT_NE(c->find_version("tictactoe", 0), nullptr);
  EXPECT_EQ(c->find_version("tictactoe", 1), nullptr);
}

TEST(ModuleLibrary, NewestActiveVersionServesAndOldOnesStayFindable) {
  ModuleLibrary lib;
  auto a = lib.apply({row(1, "connect4_lua", 1, connect4())}, {});
  GamePtr v1 = a.catalog->find("connect4_lua");
  ASSERT_NE(v1, nullptr);
  EXPECT_EQ(v1->version(), 1);
  EXPECT_EQ(v1->label(), "connect4_lua@1");
  EXPECT_EQ(a.catalog->find("connectfour_lua"), v1);  // the alias
  EXPECT_TRUE(a.writes.empty());                      // no error, none written before
  ASSERT_EQ(a.events.size(), 1u);
  EXPECT_EQ(a.events[0].label, "connect4_lua@1");
  EXPECT_TRUE(a.events[0].error.empty());

  const std::string v2src = connect4() + "\n-- edition 2\n";
  auto b = lib.apply({row(1, "connect4_lua", 1, connect4()), row(2, "connect4_lua", 2, v2src)}, {});
  EXPECT_EQ(b.catalog->find("connect4_lua")->version(), 2);
  EXPECT_EQ(b.catalog->find_version("connect4_lua", 1), v1) << "a version is compiled once";
  ASSERT_EQ(b.catalog->modules().size(), 2u);
  EXPECT_FALSE(b.catalog->modules()[0].serving);
  EXPECT_TRUE(b.catalog->modules()[1].serving);
  ASSERT_EQ(b.events.size(), 1u) << "only the new version is announced";

  // Deactivating version 2 serves version 1 again; 2 stays loaded for its tables.
  auto c = lib.apply({row(1, "connect4_lua", 1, connect4()), row(2, "connect4_lua", 2, v2src, false)}, {});
  EXPECT_EQ(c.catalog->find("connect4_lua"), v1);
  EXPECT_NE(c.catalog->find_version("connect4_lua", 2), nullptr);
  EXPECT_TRUE(c.events.empty());

  // Every row gone: no module serves; a table's GamePtr still holds its game.
  auto d = lib.apply({}, {});
  EXPECT_EQ(d.catalog->find("connect4_lua"), nullptr);
  EXPECT_EQ(d.catalog->find_version("connect4_lua", 1), nullptr);
  EXPECT_EQ(v1->label(), "connect4_lua@1");
  // and the same row back is compiled again (a new object, the same game)
  auto e = lib.apply({row(1, "connect4_lua", 1, connect4())}, {});
  ASSERT_NE(e.catalog->find("connect4_lua"), nullptr);
  EXPECT_NE(e.catalog->find("connect4_lua"), v1);
}

TEST(ModuleLibrary, ABrokenVersionIsRefusedOnceAndThePreviousOneServes) {
  ModuleLibrary lib;
  const std::string broken = "return {name = ";
  std::vector<store::ModuleRow> rows{row(1, "connect4_lua", 1, connect4()), row(2, "connect4_lua", 2, broken)};
  auto a = lib.apply(rows, {});
  EXPECT_EQ(a.catalog->find("connect4_lua")->version(), 1);
  const auto* w = write_for(a, 2);
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->error);
  EXPECT_NE(w->error->find("connect4_lua@2"), std::string::npos) << *w->error;  // the chunk names the version
  EXPECT_EQ(write_for(a, 1), nullptr);
  EXPECT_EQ(a.catalog->modules()[1].error, *w->error);

  // The next poll reads the error it wrote: nothing to write, nothing compiled again.
  rows[1].error = w->error;
  auto b = lib.apply(rows, {});
  EXPECT_TRUE(b.writes.empty());
  EXPECT_TRUE(b.events.empty());

  // Fixed in place: it loads, serves, and its error is cleared.
  rows[1].source = connect4() + "\n-- fixed\n";
  auto c = lib.apply(rows, {});
  EXPECT_EQ(c.catalog->find("connect4_lua")->version(), 2);
  w = write_for(c, 2);
  ASSERT_NE(w, nullptr);
  EXPECT_FALSE(w->error);
}

TEST(ModuleLibrary, ALoadedVersionsSourceCannotChange) {
  ModuleLibrary lib;
  auto a = lib.apply({row(1, "connect4_lua", 1, connect4())}, {});
  GamePtr v1 = a.catalog->find("connect4_lua");
  auto b = lib.apply({row(1, "connect4_lua", 1, "return {}")}, {});
  EXPECT_EQ(b.catalog->find("connect4_lua"), v1) << "the loaded source stays in service";
  const auto* w = write_for(b, 1);
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->error);
  EXPECT_NE(w->error->find("cannot change"), std::string::npos) << *w->error;
  // Changed back (the row now carries the error written above): the error goes.
  store::ModuleRow back = row(1, "connect4_lua", 1, connect4());
  back.error = w->error;
  auto c = lib.apply({back}, {});
  EXPECT_EQ(c.catalog->find("connect4_lua"), v1);
  w = write_for(c, 1);
  ASSERT_NE(w, nullptr);
  EXPECT_FALSE(w->error);
}

TEST(ModuleLibrary, NamesThatCannotBeTakenAreRefused) {
  ModuleLibrary lib;
  std::string as_tictactoe = connect4();
  as_tictactoe.replace(as_tictactoe.find("\"connect4_lua\""), 14, "\"tictactoe\"");
  std::string alias_clash = module_source("tictactoe.lua");
  alias_clash.replace(alias_clash.find("\"ttt_lua\""), 9, "\"connectfour_lua\"");
  auto a = lib.apply({row(1, "connect4_lua", 1, connect4()),
                      row(2, "other", 1, connect4()),
                      row(3, "tictactoe", 1, as_tictactoe),
                      row(4, "Bad-Name", 1, connect4()),
                      row(5, "big", 1, std::string(ModuleLibrary::kMaxSourceBytes + 1, ' ')),
                      row(6, "tictactoe_lua", 1, alias_clash),
                      row(7, "zero", 0, connect4())},
                     {});
  auto error_of = [&](std::int64_t id) {
    const auto* w = write_for(a, id);
    return w && w->error ? *w->error : std::string("(none)");
  };
  EXPECT_NE(error_of(2).find("must agree"), std::string::npos) << error_of(2);
  EXPECT_NE(error_of(3).find("compiled-in"), std::string::npos) << error_of(3);
  EXPECT_NE(error_of(4).find("a-z"), std::string::npos) << error_of(4);
  EXPECT_NE(error_of(5).find("bytes"), std::string::npos) << error_of(5);
  EXPECT_NE(error_of(6).find("alias 'connectfour_lua'"), std::string::npos) << error_of(6);
  EXPECT_NE(error_of(7).find("version"), std::string::npos) << error_of(7);
  EXPECT_EQ(a.catalog->serving().size(), GameCatalog::builtin()->serving().size() + 1);
}

TEST(ModuleLibrary, ModuleNameRules) {
  EXPECT_FALSE(module_name_problem("connect4_lua"));
  EXPECT_TRUE(module_name_problem(""));
  EXPECT_TRUE(module_name_problem("UPPER"));
  EXPECT_TRUE(module_name_problem(std::string(33, 'a')));
  EXPECT_TRUE(module_name_problem("a b"));
}

}  // namespace
}  // namespace lobbyd::core
