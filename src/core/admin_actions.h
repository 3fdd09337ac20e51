#pragma once
// Operator actions, one home for the three front-ends that reach them: the
// IRC commands (KILL), the HTTP API (/api/kick, /api/broadcast) and the
// database's admin_commands rows. Each action validates its arguments once
// (the same rules and the same error texts for every front-end) and runs
// through one function; a front-end only turns its input into the typed
// arguments below and the AdminResult into its own answer (a numeric or a
// NOTICE, an HTTP status and JSON, the row's `result` text).
//
// The row front-end, whose input is "verb args" text, goes through the
// table kAdminActions (verb, usage, parser), in the style of the command
// table (core/commands.h).
#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace lobbyd::core {

class Server;

// The rule for an operator's text (broadcast, announce, kick reason), from
// every front-end alike: one line of 1 to 400 bytes. Returns "" or what is
// wrong with it.
std::string admin_text_problem(std::string_view text);

// What went wrong, for a front-end to word in its own way.
enum class AdminError : std::uint8_t {
  kNone,
  kUsage,        // missing or malformed arguments
  kBadText,      // the operator's text breaks admin_text_problem's rule
  kBadNick,      // a nick that breaks it (no such nick can exist)
  kNoSuchNick,
  kNoSuchLobby,
  kUnavailable,  // the action is not wired in this process
};

struct AdminResult {
  AdminError error = AdminError::kNone;
  // On success the row's result ("ok", "ok: kicked bob"); on failure the
  // reason without the "error: " prefix ("the text is empty", ...).
  std::string text;
  bool ok() const noexcept { return error == AdminError::kNone; }
};

// What the actions act on. The hooks are empty where the process does not
// offer the action (tests, a server without a main loop).
struct AdminTarget {
  Server& server;
  // "shutdown <seconds>": drain and exit.
  std::function<void(std::chrono::seconds)> shutdown;
  // "profiler on|off|reset": returns the switch's result text.
  std::function<std::string(std::string_view verb)> profiler;
};

// Disconnects `nick` with `reason`. `text` is the operator's own part of
// the reason (empty: none given), checked by admin_text_problem; the
// front-end words `reason` around it ("Killed by boss: text", "Kicked: text").
AdminResult admin_kick(Server& server, std::string_view nick, std::string_view text,
                       std::string_view reason);
// "NOTICE * :text" to every registered client.
AdminResult admin_broadcast(Server& server, std::string_view text);
// "NOTICE #lobby :text" to the lobby's members.
AdminResult admin_announce(Server& server, std::string_view lobby, std::string_view text);
// seconds: 0 to 3600.
AdminResult admin_shutdown(const AdminTarget& t, std::string_view seconds);
// verb: on, off or reset (any case).
AdminResult admin_profiler(const AdminTarget& t, std::string_view verb);

// --- The text front-end (admin_commands rows). ---
struct AdminAction {
  std::string_view verb;   // lower case
  std::string_view usage;  // "kick <nick> [reason]": the row's usage error
  AdminResult (*run)(const AdminTarget&, std::string_view args);
};

// Every action a row may name, in the order the unknown-verb error lists them.
std::span<const AdminAction> admin_actions() noexcept;

// Runs "verb args" (verb in any case). Unknown verbs are kUsage with the
// list of known ones.
AdminResult run_admin_command(const AdminTarget& t, std::string_view verb, std::string_view args);

}  // namespace lobbyd::core
