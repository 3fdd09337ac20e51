// base/json and base/json_text: JSON text from arbitrary bytes, never a throw.
#include "base/json.h"
#include "base/json_text.h"
#include "base/utf8.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace lobbyd::base {
namespace {

TEST(JsonText, InvalidUtf8InAnyStringIsReplacedNotThrown) {
  nlohmann::json j = {{"name", "#\xFF\xFE"}, {"list", {"ok", "\xC0\xAF"}}, {"n", 3}};
  EXPECT_THROW((void)j.dump(), nlohmann::json::type_error);  // what crashed lobbyd
  std::string text = json_text(j);
  EXPECT_TRUE(valid_utf8(text));
  auto back = nlohmann::json::parse(text);
  EXPECT_EQ(back["name"], "#\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(back["list"][1], "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(back["n"], 3);
}

TEST(JsonText, ValidTextIsUnchangedAndIndentWorks) {
  nlohmann::json j = {{"topic", "Caf\xC3\xA9 \"quoted\"\n"}};
  EXPECT_EQ(json_text(j), j.dump());
  EXPECT_EQ(json_text(j, 2), j.dump(2));
}

TEST(JsonEscape, EscapesAndRepairs) {
  std::string out;
  json_string(out, "a\"b\\c\n\x01\xFF");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\xEF\xBF\xBD\"");
  // What json_string writes parses back to the repaired text.
  for (std::string s : {std::string("plain"), std::string("\x7F\x80\x1F", 3), std::string("\0x", 2),
                        std::string("\xF0\x9F\x8E\xB2 dice")}) {
    std::string lit;
    json_string(lit, s);
    EXPECT_EQ(nlohmann::json::parse(lit).get<std::string>(), to_utf8(s));
  }
}

}  // namespace
}  // namespace lobbyd::base
