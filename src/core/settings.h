#pragma once
// Run-time settings. The names are the keys of the config file and of the
// database `settings` table (core/settings_table.cpp). A Settings object is immutable once
// published: changing a setting publishes a new snapshot, and each worker
// picks it up at its next tick, so no lock is taken to read one.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lobbyd::core {

struct LobbyConfig {
  std::string name;
  std::string topic;
  std::uint32_t capacity = 500;
};

struct Settings {
  std::string server_name = "lobbyd.local";
  std::string network = "lobbyd";
  std::string motd = "Welcome to lobbyd.";
  std::uint32_t stats_interval_s = 60;      // 0: no periodic stats line

  std::uint32_t ping_interval_s = 90;       // PING a client silent this long
  std::uint32_t client_timeout_s = 180;     // drop a client silent this long
  std::uint32_t registration_timeout_s = 30;
  std::uint32_t max_clients = 19000;
  // Per client address (an IPv4 address, or an IPv6 /64); see docs/operations.md.
  std::uint32_t max_clients_per_ip = 50;    // all connections (0: unlimited)
  std::uint32_t max_unregistered_per_ip = 5;  // connections that have not registered yet (0: unlimited)
  double connect_rate_per_ip = 2.0;         // new connections per second, sustained (0: unlimited)
  std::uint32_t connect_burst_per_ip = 20;  // new connections at once
  std::string connection_limit_exempt = "127.0.0.0/8 ::1";  // addresses/CIDRs without these limits
  std::uint32_t max_line_bytes = 512;       // without tags, CRLF included
  double flood_rate = 10.0;                 // lines per second, sustained
  std::uint32_t flood_burst = 20;           // lines accepted at once
  std::uint32_t reply_bytes_per_token = 1024;  // a command's replies cost one more line per this many bytes (0: off)
  std::uint32_t recvq_bytes = 16384;        // unprocessed input before "Excess Flood"
  std::uint32_t sendq_bytes = 1 << 20;      // queued output before "SendQ exceeded"
  bool allow_create_lobbies = false;
  std::uint32_t created_lobby_capacity = 500;  // capacity of a lobby a user creates
  std::uint32_t max_lobbies_per_client = 20;
  std::uint32_t nick_len = 30;
  std::uint32_t lobby_name_len = 50;
  std::uint32_t topic_len = 390;
  std::uint32_t away_len = 200;

  std::uint32_t turn_timeout_s = 60;        // a game table's move timer; running out forfeits
  std::uint32_t resume_grace_s = 120;       // a disconnected account keeps its seat this long (0: forfeit at once)
  bool durable_moves = true;                // announce a move only once its row is committed (docs/operations.md)
  std::uint32_t module_instructions_m = 10;  // a game module's budget per call, in millions of Lua instructions
  std::uint32_t module_memory_kb = 8192;     // a game module's memory cap per table (its Lua state)
  std::string modules_dir;                   // development: *.lua here become module versions (docs/modules.md)
  bool allow_guests = true;                 // nick-only players; false: SASL/PASS login required
  bool allow_registration = true;           // REGISTER creates accounts
  bool profiler_enabled = false;            // the live profiler's switch
  std::string profiler_dir;                 // reports written here at switch-off ("" = none)
  std::uint32_t profiler_auto_off_s = 0;    // switch off after N s (0 = never)
  std::uint32_t profiler_ring_events = 0;   // flight-recorder events per thread (0 = none)
  std::uint32_t db_poll_ms = 250;           // how often the database is checked for changes
  std::string oper_name;                    // OPER <oper_name> <password>; empty: no OPER
  std::string oper_password_hash;           // argon2id ($argon2id$...), from lobbyd --hash-password

  // TLS listener (--listen-tls) and the HTTP server (--http); see docs/operations.md.
  std::string tls_cert;                     // PEM certificate chain
  std::string tls_key;                      // PEM private key
  std::string http_root;                    // static files ("": the built-in web/dist)
  std::string http_admin_token;             // Bearer token for /api ("": /api disabled)
  bool metrics_public = true;               // false: /metrics needs the token too
  std::uint32_t http_max_connections = 256; // open HTTP connections (WebSockets not counted)
  std::uint32_t http_max_request_bytes = 65536;
  std::uint32_t http_header_timeout_s = 10; // to read one request

  std::vector<LobbyConfig> lobbies{{"#lobby", "Welcome to lobbyd", 500}};
};

using SettingsPtr = std::shared_ptr<const Settings>;

// Publishes settings snapshots to the workers.
class SettingsHolder {
 public:
  explicit SettingsHolder(SettingsPtr initial) : current_(std::move(initial)) {}

  SettingsPtr get() const { return std::atomic_load(&current_); }
  std::uint64_t version() const noexcept { return version_.load(std::memory_order_acquire); }
  void publish(SettingsPtr next) {
    std::atomic_store(&current_, std::move(next));
    version_.fetch_add(1, std::memory_order_acq_rel);
  }

 private:
  SettingsPtr current_;
  std::atomic<std::uint64_t> version_{1};
};

}  // namespace lobbyd::core
