#include "core/admin_actions.h"

#include <array>
#include <charconv>
#include <fmt/format.h>

#include "core/lobby.h"
#include "core/server.h"
#include "proto/casemap.h"
#include "proto/format.h"

namespace lobbyd::core {

namespace {

AdminResult fail(AdminError e, std::string text) { return {e, std::move(text)}; }

// Splits off the first space-separated word.
std::string_view next_word(std::string_view& s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  auto sp = s.find(' ');
  std::string_view w = s.substr(0, sp);
  s = sp == std::string_view::npos ? std::string_view{} : s.substr(sp + 1);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return w;
}

AdminResult row_kick(const AdminTarget& t, std::string_view args) {
  std::string_view nick = next_word(args);
  std::string reason = args.empty() ? "Kicked by an operator" : fmt::format("Kicked: {}", args);
  return admin_kick(t.server, nick, args, reason);
}

AdminResult row_broadcast(const AdminTarget& t, std::string_view args) {
  return admin_broadcast(t.server, args);
}

AdminResult row_announce(const AdminTarget& t, std::string_view args) {
  std::string_view name = next_word(args);
  return admin_announce(t.server, name, args);
}

AdminResult row_shutdown(const AdminTarget& t, std::string_view args) {
  return admin_shutdown(t, next_word(args));
}

AdminResult row_profiler(const AdminTarget& t, std::string_view args) {
  return admin_profiler(t, next_word(args));
}

constexpr std::array kAdminActions = {
    AdminAction{"kick", "kick <nick> [reason]", row_kick},
    AdminAction{"broadcast", "broadcast <text>", row_broadcast},
    AdminAction{"announce", "announce <#lobby> <text>", row_announce},
    AdminAction{"shutdown", "shutdown <seconds 0-3600>", row_shutdown},
    AdminAction{"profiler", "profiler on|off|reset", row_profiler},
};

AdminResult usage(std::string_view verb) {
  for (const auto& a : kAdminActions)
    if (a.verb == verb) return fail(AdminError::kUsage, fmt::format("usage: {}", a.usage));
  return fail(AdminError::kUsage, "usage");  // every caller names a verb of the table
}

// An operator's text: `what` says which verb's usage a missing one gets.
AdminResult text_problem(std::string_view verb, std::string_view text) {
  if (text.empty()) return usage(verb);
  if (std::string p = admin_text_problem(text); !p.empty()) return fail(AdminError::kBadText, std::move(p));
  return {};
}

}  // namespace

std::string admin_text_problem(std::string_view text) {
  if (text.empty()) return "the text is empty";
  if (text.size() > 400) return fmt::format("the text is {} bytes, at most 400", text.size());
  if (!proto::is_one_line(text)) return "the text must be one line (no CR, LF or NUL)";
  return {};
}

AdminResult admin_kick(Server& server, std::string_view nick, std::string_view text,
                       std::string_view reason) {
  if (nick.empty()) return usage("kick");
  // The HTTP API held the nick to the text rule from the start; now every
  // front-end does (a nick of two lines or 401 bytes cannot exist anyway).
  if (std::string p = admin_text_problem(nick); !p.empty())
    return fail(AdminError::kBadNick, "bad nick: " + p);
  if (!text.empty())
    if (AdminResult r = text_problem("kick", text); !r.ok()) return r;
  if (!server.kill(nick, reason)) return fail(AdminError::kNoSuchNick, fmt::format("no such nick '{}'", nick));
  return {AdminError::kNone, fmt::format("ok: kicked {}", nick)};
}

AdminResult admin_broadcast(Server& server, std::string_view text) {
  if (AdminResult r = text_problem("broadcast", text); !r.ok()) return r;
  server.notice_all(text);
  return {AdminError::kNone, "ok"};
}

AdminResult admin_announce(Server& server, std::string_view lobby, std::string_view text) {
  LobbyPtr l = lobby.empty() ? nullptr : server.lobbies().find(lobby);
  if (!l) return fail(AdminError::kNoSuchLobby, fmt::format("no such lobby '{}'", lobby));
  if (AdminResult r = text_problem("announce", text); !r.ok()) return r;
  l->broadcast(server.server_line("NOTICE", l->name(), text), nullptr);
  return {AdminError::kNone, "ok"};
}

AdminResult admin_shutdown(const AdminTarget& t, std::string_view secs) {
  unsigned n = 0;
  auto [p, ec] = std::from_chars(secs.data(), secs.data() + secs.size(), n);
  if (secs.empty()) n = 0, ec = std::errc();  // no argument: at once
  if (ec != std::errc() || (p != secs.data() + secs.size() && !secs.empty()) || n > 3600)
    return usage("shutdown");
  if (!t.shutdown) return fail(AdminError::kUnavailable, "shutdown not available");
  t.shutdown(std::chrono::seconds(n));
  return {AdminError::kNone, fmt::format("ok: shutting down, {} s to drain", n)};
}

AdminResult admin_profiler(const AdminTarget& t, std::string_view verb) {
  std::string sub = proto::fold(verb);
  if (sub != "on" && sub != "off" && sub != "reset") return usage("profiler");
  if (!t.profiler) return fail(AdminError::kUnavailable, "the profiler is not built in");
  std::string result = t.profiler(sub);
  constexpr std::string_view kError = "error: ";
  if (result.starts_with(kError)) return fail(AdminError::kUnavailable, result.substr(kError.size()));
  return {AdminError::kNone, std::move(result)};
}

std::span<const AdminAction> admin_actions() noexcept { return kAdminActions; }

AdminResult run_admin_command(const AdminTarget& t, std::string_view verb, std::string_view args) {
  std::string folded = proto::fold(verb);
  for (const auto& a : kAdminActions)
    if (a.verb == folded) return a.run(t, args);
  std::string known;
  for (const auto& a : kAdminActions) known += fmt::format("{}{}", known.empty() ? "" : ", ", a.verb);
  return fail(AdminError::kUsage, fmt::format("unknown verb '{}' ({})", verb, known));
}

}  // namespace lobbyd::core
