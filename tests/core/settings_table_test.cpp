// The settings table (core/settings_table.h) that the TOML file and the
// database's settings rows share: types, ranges, control characters and the
// cross-field rule.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/settings_table.h"

namespace lobbyd::core {
namespace {

TEST(SettingsTable, SetsEachKindAndReadsItBack) {
  Settings s;
  EXPECT_EQ(set_setting(s, "max_clients", " 42 "), "");
  EXPECT_EQ(s.max_clients, 42u);
  EXPECT_EQ(get_setting(s, "max_clients"), "42");
  EXPECT_EQ(set_setting(s, "flood_rate", "2.5"), "");
  EXPECT_DOUBLE_EQ(s.flood_rate, 2.5);
  EXPECT_EQ(set_setting(s, "allow_guests", "off"), "");
  EXPECT_FALSE(s.allow_guests);
  EXPECT_EQ(get_setting(s, "allow_guests"), "false");
  EXPECT_EQ(set_setting(s, "allow_guests", "yes"), "");
  EXPECT_EQ(get_setting(s, "allow_guests"), "true");
  EXPECT_EQ(set_setting(s, "server_name", "irc.example"), "");
  EXPECT_EQ(get_setting(s, "server_name"), "irc.example");
}

TEST(SettingsTable, RefusalsLeaveTheValueAlone) {
  Settings s;
  auto before = s.max_line_bytes;
  EXPECT_EQ(set_setting(s, "max_line_bytes", "10"), "max_line_bytes: expected an integer in [64, 8192], got '10'");
  EXPECT_EQ(set_setting(s, "max_line_bytes", "12x"), "max_line_bytes: expected an integer in [64, 8192], got '12x'");
  EXPECT_EQ(s.max_line_bytes, before);
  EXPECT_NE(set_setting(s, "flood_rate", "nan"), "");
  EXPECT_NE(set_setting(s, "flood_rate", "0"), "");
  EXPECT_EQ(set_setting(s, "metrics_public", "maybe"), "metrics_public: expected true/false (or 1/0), got 'maybe'");
  EXPECT_EQ(set_setting(s, "nope", "1"), "unknown setting 'nope'");
  EXPECT_EQ(get_setting(s, "nope"), "");
  EXPECT_EQ(set_setting(s, "server_name", std::string(64, 'x')), "server_name: longer than 63 bytes");
  EXPECT_EQ(set_setting(s, "network", "a\rb"), "network: contains a forbidden control character");
  EXPECT_EQ(set_setting(s, "network", "a\nb"), "network: contains a forbidden control character");
  EXPECT_EQ(set_setting(s, "motd", "line one\nline two"), "");  // the motd alone may have lines
}

TEST(SettingsTable, EveryKeyRoundTrips) {
  Settings s;
  const auto& keys = setting_keys();
  EXPECT_NE(std::find(keys.begin(), keys.end(), "db_poll_ms"), keys.end());
  for (auto key : keys) {
    Settings copy = s;
    EXPECT_EQ(set_setting(copy, key, get_setting(s, key)), "") << key;
    EXPECT_EQ(get_setting(copy, key), get_setting(s, key)) << key;
  }
}

TEST(SettingsTable, TimeoutMustExceedThePingInterval) {
  Settings s;
  EXPECT_EQ(check_settings(s), "");
  s.ping_interval_s = 60;
  s.client_timeout_s = 60;
  EXPECT_EQ(check_settings(s), "client_timeout_s (60) must be greater than ping_interval_s (60)");
}

}  // namespace
}  // namespace lobbyd::core
