// The table's wire text: short lines through LineBuilder, JSON in MORE
// parts that join back to the whole (never cut).
#include "core/table_wire.h"

#include <gtest/gtest.h>

namespace lobbyd::core::table_wire {
namespace {

TEST(TableWire, ShortLines) {
  const Wire w{"srv", "&3", 512};
  EXPECT_EQ(table_line(w, "SEATED", {"ada", "0"}), ":srv TABLE SEATED &3 ada 0\r\n");
  EXPECT_EQ(table_line(w, "RESUMED", {"1", "4", "0"}), ":srv TABLE RESUMED &3 1 4 0\r\n");
  EXPECT_EQ(game_line(w, "TIMEOUT", {"bob"}), ":srv GAME &3 TIMEOUT bob\r\n");
  EXPECT_EQ(turn_line(w, "bob", 1700000000123), ":srv GAME &3 TURN bob 1700000000123\r\n");
}

TEST(TableWire, LongJsonGoesOutInMorePartsNotCut) {
  const Wire w{"srv", "&3", 100};
  std::string json = "{\"hand\":[";
  for (int i = 0; i < 60; ++i) json += (i ? ",\"" : "\"") + std::to_string(i) + "h\"";
  json += "]}";
  std::string lines = game_json_line(w, "STATE", json);
  std::string joined;
  std::size_t at = 0, parts = 0;
  while (at < lines.size()) {
    std::size_t end = lines.find("\r\n", at);
    ASSERT_NE(end, std::string::npos);
    std::string_view l(lines.data() + at, end - at);
    EXPECT_LE(l.size() + 2, 100u);
    bool more = l.starts_with(":srv GAME &3 MORE :");
    EXPECT_TRUE(more || l.starts_with(":srv GAME &3 STATE :")) << l;
    joined.append(l.substr(l.find(" :") + 2));
    at = end + 2;
    ++parts;
  }
  EXPECT_GT(parts, 1u);
  EXPECT_EQ(joined, json);
}

}  // namespace
}  // namespace lobbyd::core::table_wire
