#include "core/settings_table.h"

#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <variant>

namespace lobbyd::core {

namespace {

struct UintField {
  std::uint32_t Settings::*member;
  std::uint64_t min, max;
};
struct DoubleField {
  double Settings::*member;
  double min, max;
};
struct BoolField {
  bool Settings::*member;
};
struct StringField {
  std::string Settings::*member;
  std::size_t max_len;
};
using Field = std::variant<UintField, DoubleField, BoolField, StringField>;

struct Entry {
  std::string_view key;
  Field field;
};

constexpr std::uint64_t kMax32 = 0xFFFFFFFFu;

const Entry kEntries[] = {
    {"server_name", StringField{&Settings::server_name, 63}},
    {"network", StringField{&Settings::network, 63}},
    {"motd", StringField{&Settings::motd, 4000}},
    {"stats_interval_s", UintField{&Settings::stats_interval_s, 0, kMax32}},
    {"ping_interval_s", UintField{&Settings::ping_interval_s, 1, kMax32}},
    {"client_timeout_s", UintField{&Settings::client_timeout_s, 1, kMax32}},
    {"registration_timeout_s", UintField{&Settings::registration_timeout_s, 1, kMax32}},
    {"max_clients", UintField{&Settings::max_clients, 1, kMax32}},
    {"max_clients_per_ip", UintField{&Settings::max_clients_per_ip, 0, kMax32}},
    {"max_unregistered_per_ip", UintField{&Settings::max_unregistered_per_ip, 0, kMax32}},
    {"connect_rate_per_ip", DoubleField{&Settings::connect_rate_per_ip, 0, 1e9}},
    {"connect_burst_per_ip", UintField{&Settings::connect_burst_per_ip, 1, kMax32}},
    {"connection_limit_exempt", StringField{&Settings::connection_limit_exempt, 4096}},
    {"max_line_bytes", UintField{&Settings::max_line_bytes, 64, 8192}},
    {"flood_rate", DoubleField{&Settings::flood_rate, 0.01, 1e9}},
    {"flood_burst", UintField{&Settings::flood_burst, 1, kMax32}},
    {"reply_bytes_per_token", UintField{&Settings::reply_bytes_per_token, 0, kMax32}},
    {"recvq_bytes", UintField{&Settings::recvq_bytes, 512, 1u << 30}},
    {"sendq_bytes", UintField{&Settings::sendq_bytes, 512, 1u << 30}},
    {"allow_create_lobbies", BoolField{&Settings::allow_create_lobbies}},
    {"created_lobby_capacity", UintField{&Settings::created_lobby_capacity, 1, kMax32}},
    {"max_lobbies_per_client", UintField{&Settings::max_lobbies_per_client, 1, 10000}},
    {"nick_len", UintField{&Settings::nick_len, 1, 64}},
    {"lobby_name_len", UintField{&Settings::lobby_name_len, 2, 200}},
    {"topic_len", UintField{&Settings::topic_len, 1, 400}},
    {"away_len", UintField{&Settings::away_len, 1, 400}},
    {"turn_timeout_s", UintField{&Settings::turn_timeout_s, 1, 86400}},
    {"resume_grace_s", UintField{&Settings::resume_grace_s, 0, 86400}},
    {"durable_moves", BoolField{&Settings::durable_moves}},
    {"module_instructions_m", UintField{&Settings::module_instructions_m, 1, 10000}},
    {"module_memory_kb", UintField{&Settings::module_memory_kb, 256, 1u << 20}},
    {"modules_dir", StringField{&Settings::modules_dir, 1024}},
    {"allow_guests", BoolField{&Settings::allow_guests}},
    {"allow_registration", BoolField{&Settings::allow_registration}},
    {"profiler_enabled", BoolField{&Settings::profiler_enabled}},
    {"profiler_dir", StringField{&Settings::profiler_dir, 1024}},
    {"profiler_auto_off_s", UintField{&Settings::profiler_auto_off_s, 0, 86400}},
    {"profiler_ring_events", UintField{&Settings::profiler_ring_events, 0, 1u << 20}},
    {"db_poll_ms", UintField{&Settings::db_poll_ms, 10, 60000}},
    {"oper_name", StringField{&Settings::oper_name, 64}},
    {"oper_password_hash", StringField{&Settings::oper_password_hash, 255}},
    {"tls_cert", StringField{&Settings::tls_cert, 1024}},
    {"tls_key", StringField{&Settings::tls_key, 1024}},
    {"http_root", StringField{&Settings::http_root, 1024}},
    {"http_admin_token", StringField{&Settings::http_admin_token, 256}},
    {"metrics_public", BoolField{&Settings::metrics_public}},
    {"http_max_connections", UintField{&Settings::http_max_connections, 1, 100000}},
    {"http_max_request_bytes", UintField{&Settings::http_max_request_bytes, 1024, 1u << 24}},
    {"http_header_timeout_s", UintField{&Settings::http_header_timeout_s, 1, 3600}},
};

const Entry* find_entry(std::string_view key) {
  for (const Entry& e : kEntries)
    if (e.key == key) return &e;
  return nullptr;
}

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\n' || v.back() == '\r'))
    v.remove_suffix(1);
  return v;
}

}  // namespace

std::string set_setting(Settings& s, std::string_view key, std::string_view value) {
  const Entry* e = find_entry(key);
  if (!e) return fmt::format("unknown setting '{}'", key);
  return std::visit(
      [&](auto&& f) -> std::string {
        using F = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<F, UintField>) {
          std::string_view v = trim(value);
          std::uint64_t n = 0;
          auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
          if (v.empty() || ec != std::errc() || p != v.data() + v.size() || n < f.min || n > f.max)
            return fmt::format("{}: expected an integer in [{}, {}], got '{}'", key, f.min, f.max,
                               value);
          s.*f.member = static_cast<std::uint32_t>(n);
        } else if constexpr (std::is_same_v<F, DoubleField>) {
          std::string v(trim(value));
          char* end = nullptr;
          double d = v.empty() ? NAN : std::strtod(v.c_str(), &end);
          if (v.empty() || end != v.c_str() + v.size() || !std::isfinite(d) || d < f.min || d > f.max)
            return fmt::format("{}: expected a number in [{}, {}], got '{}'", key, f.min, f.max,
                               value);
          s.*f.member = d;
        } else if constexpr (std::is_same_v<F, BoolField>) {
          std::string_view v = trim(value);
          if (v == "1" || v == "true" || v == "on" || v == "yes")
            s.*f.member = true;
          else if (v == "0" || v == "false" || v == "off" || v == "no")
            s.*f.member = false;
          else
            return fmt::format("{}: expected true/false (or 1/0), got '{}'", key, value);
        } else {
          if (value.size() > f.max_len)
            return fmt::format("{}: longer than {} bytes", key, f.max_len);
          for (char c : value)
            if (c == '\0' || c == '\r' || (c == '\n' && key != "motd"))
              return fmt::format("{}: contains a forbidden control character", key);
          s.*f.member = std::string(value);
        }
        return {};
      },
      e->field);
}

std::string get_setting(const Settings& s, std::string_view key) {
  const Entry* e = find_entry(key);
  if (!e) return {};
  return std::visit(
      [&](auto&& f) -> std::string {
        using F = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<F, BoolField>)
          return s.*f.member ? "true" : "false";
        else if constexpr (std::is_same_v<F, StringField>)
          return s.*f.member;
        else
          return fmt::format("{}", s.*f.member);
      },
      e->field);
}

const std::vector<std::string_view>& setting_keys() {
  static const std::vector<std::string_view> keys = [] {
    std::vector<std::string_view> k;
    for (const Entry& e : kEntries) k.push_back(e.key);
    return k;
  }();
  return keys;
}

std::string check_settings(const Settings& s) {
  if (s.client_timeout_s <= s.ping_interval_s)
    return fmt::format("client_timeout_s ({}) must be greater than ping_interval_s ({})",
                       s.client_timeout_s, s.ping_interval_s);
  return {};
}

}  // namespace lobbyd::core
