#pragma once
// One description of every run-time setting, shared by the TOML config file
// and the database `settings` table, so both accept the same keys, types and
// ranges and report errors the same way.
#include <string>
#include <string_view>
#include <vector>

#include "core/settings.h"

namespace lobbyd::core {

// Sets `key` from its text form. Returns an empty string on success, else a
// message saying what is wrong (unknown key, bad type, out of range); s is
// unchanged then.
std::string set_setting(Settings& s, std::string_view key, std::string_view value);

// The text form of a setting's current value ("" for an unknown key).
std::string get_setting(const Settings& s, std::string_view key);

// Every key set_setting() accepts.
const std::vector<std::string_view>& setting_keys();

// Cross-field rules (e.g. client_timeout_s > ping_interval_s). Empty if fine.
std::string check_settings(const Settings& s);

}  // namespace lobbyd::core
