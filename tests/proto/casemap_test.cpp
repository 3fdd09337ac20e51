// Tests for lobbyd::proto casemap helpers (CASEMAPPING=ascii).
#include "proto/casemap.h"

#include <gtest/gtest.h>

#include <string>

namespace lobbyd::proto {
namespace {

TEST(Casemap, FoldOnlyAsciiLetters) {
  EXPECT_EQ(fold("NiCk[]\\~^_-123"), "nick[]\\~^_-123");
  EXPECT_EQ(fold("#LOBBY"), "#lobby");
  EXPECT_EQ(fold(""), "");
  // ascii casemapping: no rfc1459 bracket folding, no non-ASCII folding.
  EXPECT_EQ(fold("[]\\^"), "[]\\^");
  EXPECT_EQ(fold("\xC3\x84"
                 "B"),
            "\xC3\x84"
            "b");
  EXPECT_EQ(fold("@Z"), "@z");  // '@' (0x40) and '[' (0x5B) border A-Z
  EXPECT_EQ(fold_char('A'), 'a');
  EXPECT_EQ(fold_char('Z'), 'z');
  EXPECT_EQ(fold_char('@'), '@');
  EXPECT_EQ(fold_char('['), '[');
  EXPECT_EQ(fold_char('a'), 'a');
  EXPECT_EQ(fold_char('\xC0'), '\xC0');
}

TEST(Casemap, IEquals) {
  EXPECT_TRUE(iequals("Nick", "nICK"));
  EXPECT_TRUE(iequals("#Lobby", "#lobby"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_TRUE(iequals("PRIVMSG", "privmsg"));
  EXPECT_FALSE(iequals("nick", "nick2"));
  EXPECT_FALSE(iequals("nick", "nicj"));
  EXPECT_FALSE(iequals("[", "{"));  // not rfc1459
  EXPECT_FALSE(iequals("\\", "|"));
  EXPECT_FALSE(iequals("@", "`"));  // 0x40 vs 0x60: only A-Z fold
  EXPECT_FALSE(iequals("\xC3\x84", "\xC3\xA4"));
  // Agrees with fold().
  for (const char* s : {"Alice", "BOB_", "c[a]r{o}l", "X-Y"}) EXPECT_TRUE(iequals(s, fold(s))) << s;
}

TEST(Casemap, ValidNick) {
  for (const char* ok :
       {"a", "Alice", "bob_", "[away]", "`x", "_", "^^", "{a}|b", "a-b", "a1", "Z9-"}) {
    EXPECT_TRUE(valid_nick(ok, 30)) << ok;
  }
  for (const char* bad : {"", "1abc", "-abc", "a b", "a,b", "a.b", "a!b", "a@b", "#chan", ":nick",
                          "*", "n\xC3\xA9", "a\tb"}) {
    EXPECT_FALSE(valid_nick(bad, 30)) << ::testing::PrintToString(std::string(bad));
  }
  EXPECT_FALSE(valid_nick(std::string("a\0b", 3), 30));
}

TEST(Casemap, ValidNickLength) {
  EXPECT_TRUE(valid_nick(std::string(30, 'n'), 30));
  EXPECT_FALSE(valid_nick(std::string(31, 'n'), 30));
  EXPECT_TRUE(valid_nick("n", 1));
  EXPECT_FALSE(valid_nick("nn", 1));
  EXPECT_FALSE(valid_nick("n", 0));
}

TEST(Casemap, ValidLobbyName) {
  for (const char* ok : {"#a", "#lobby", "#Lobby-1", "#a.b", "#c\xC3\xA9", "##", "#a:b", "#[x]"}) {
    EXPECT_TRUE(valid_lobby_name(ok, 50)) << ok;
  }
  for (const char* bad : {"", "#", "lobby", "&lobby", " #a", "#a b", "#a,b", "#a\x07", "#a\t",
                          "#a\x7F", "#a\r", "#a\n", "#a\x01",
                          // not UTF-8 (issue 13: such a name crashed /api/status)
                          "#\xFF\xFE", "#caf\xE9", "#\xC0\xAF", "#\xED\xA0\x80"}) {
    EXPECT_FALSE(valid_lobby_name(bad, 50)) << ::testing::PrintToString(std::string(bad));
  }
  EXPECT_FALSE(valid_lobby_name(std::string("#a\0b", 4), 50));
}

TEST(Casemap, ValidLobbyNameLength) {
  std::string name = "#" + std::string(49, 'x');  // '#' + max_len-1 bytes
  EXPECT_TRUE(valid_lobby_name(name, 50));
  EXPECT_FALSE(valid_lobby_name(name + "x", 50));
  EXPECT_TRUE(valid_lobby_name("#a", 2));
  EXPECT_FALSE(valid_lobby_name("#ab", 2));
  EXPECT_FALSE(valid_lobby_name("#a", 1));
}

}  // namespace
}  // namespace lobbyd::proto
