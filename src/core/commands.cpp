#include "core/commands.h"

#include <algorithm>
#include <array>

#include "base/internal_error.h"
#include "core/session.h"
#include "prof/profiler.h"
#include "proto/format.h"
#include "proto/numerics.h"

namespace lobbyd::core {

namespace {

// Sorted by name for binary search.
constexpr std::array kCommands = {
    CommandSpec{"AUTHENTICATE", 1, false, cmd::authenticate},
    CommandSpec{"AWAY", 0, true, cmd::away},
    CommandSpec{"CAP", 1, false, cmd::cap},
    CommandSpec{"FAULT", 1, false, cmd::fault},
    CommandSpec{"GAMES", 0, true, cmd::games_list},
    CommandSpec{"ISON", 1, true, cmd::ison},
    CommandSpec{"JOIN", 1, true, cmd::join},
    CommandSpec{"KILL", 1, true, cmd::kill},
    CommandSpec{"LIST", 0, true, cmd::list},
    CommandSpec{"LUSERS", 0, true, cmd::lusers},
    CommandSpec{"MODE", 1, true, cmd::mode},
    CommandSpec{"MOTD", 0, true, cmd::motd},
    CommandSpec{"MOVE", 2, true, cmd::move},
    CommandSpec{"NAMES", 0, true, cmd::names},
    CommandSpec{"NICK", 0, false, cmd::nick},
    CommandSpec{"NOTICE", 0, true, cmd::notice},
    CommandSpec{"OPER", 2, true, cmd::oper},
    CommandSpec{"PART", 1, true, cmd::part},
    CommandSpec{"PASS", 1, false, cmd::pass},
    CommandSpec{"PING", 1, false, cmd::ping},
    CommandSpec{"PONG", 0, false, cmd::pong},
    CommandSpec{"PRIVMSG", 0, true, cmd::privmsg},
    CommandSpec{"PROFILE", 1, true, cmd::profile},
    CommandSpec{"QUIT", 0, false, cmd::quit},
    CommandSpec{"REGISTER", 3, false, cmd::register_account},
    CommandSpec{"STATS", 0, true, cmd::stats},
    CommandSpec{"TABLE", 1, true, cmd::table},
    CommandSpec{"TOP", 1, true, cmd::top},
    CommandSpec{"TOPIC", 1, true, cmd::topic},
    CommandSpec{"USER", 4, false, cmd::user},
    CommandSpec{"USERHOST", 1, true, cmd::userhost},
    CommandSpec{"WHO", 0, true, cmd::who},
    CommandSpec{"WHOIS", 1, true, cmd::whois},
};

#ifndef LOBBYD_PROFILER_DISABLED
// One profiler zone per command, in the order of kCommands.
prof::ZoneDesc kCommandZones[] = {
    {"cmd.AUTHENTICATE", __FILE__, __LINE__},
    {"cmd.AWAY", __FILE__, __LINE__},
    {"cmd.CAP", __FILE__, __LINE__},
    {"cmd.FAULT", __FILE__, __LINE__},
    {"cmd.GAMES", __FILE__, __LINE__},
    {"cmd.ISON", __FILE__, __LINE__},
    {"cmd.JOIN", __FILE__, __LINE__},
    {"cmd.KILL", __FILE__, __LINE__},
    {"cmd.LIST", __FILE__, __LINE__},
    {"cmd.LUSERS", __FILE__, __LINE__},
    {"cmd.MODE", __FILE__, __LINE__},
    {"cmd.MOTD", __FILE__, __LINE__},
    {"cmd.MOVE", __FILE__, __LINE__},
    {"cmd.NAMES", __FILE__, __LINE__},
    {"cmd.NICK", __FILE__, __LINE__},
    {"cmd.NOTICE", __FILE__, __LINE__},
    {"cmd.OPER", __FILE__, __LINE__},
    {"cmd.PART", __FILE__, __LINE__},
    {"cmd.PASS", __FILE__, __LINE__},
    {"cmd.PING", __FILE__, __LINE__},
    {"cmd.PONG", __FILE__, __LINE__},
    {"cmd.PRIVMSG", __FILE__, __LINE__},
    {"cmd.PROFILE", __FILE__, __LINE__},
    {"cmd.QUIT", __FILE__, __LINE__},
    {"cmd.REGISTER", __FILE__, __LINE__},
    {"cmd.STATS", __FILE__, __LINE__},
    {"cmd.TABLE", __FILE__, __LINE__},
    {"cmd.TOP", __FILE__, __LINE__},
    {"cmd.TOPIC", __FILE__, __LINE__},
    {"cmd.USER", __FILE__, __LINE__},
    {"cmd.USERHOST", __FILE__, __LINE__},
    {"cmd.WHO", __FILE__, __LINE__},
    {"cmd.WHOIS", __FILE__, __LINE__},
};
static_assert(std::size(kCommandZones) == kCommands.size());
#endif

constexpr bool sorted() {
  for (std::size_t i = 1; i < kCommands.size(); ++i)
    if (!(kCommands[i - 1].name < kCommands[i].name)) return false;
  return true;
}
static_assert(sorted(), "kCommands must be sorted by name");

}  // namespace

void dispatch(Session& s, const proto::MessageView& m) {
  char upper[32];
  std::size_t n = m.command.size();  // the parser bounds commands to 32 bytes
  for (std::size_t i = 0; i < n; ++i) {
    char c = m.command[i];
    upper[i] = (c >= 'a' && c <= 'z') ? char(c - 32) : c;
  }
  std::string_view name(upper, n);
  auto it = std::lower_bound(kCommands.begin(), kCommands.end(), name,
                             [](const CommandSpec& c, std::string_view v) { return c.name < v; });
  if (it == kCommands.end() || it->name != name) {
    if (s.registered())
      s.numeric(proto::num::ERR_UNKNOWNCOMMAND, {name}, "Unknown command");
    else
      s.numeric(proto::num::ERR_NOTREGISTERED, {}, "You have not registered");
    return;
  }
  if (it->needs_registration && !s.registered()) {
    s.numeric(proto::num::ERR_NOTREGISTERED, {}, "You have not registered");
    return;
  }
  if (m.param_count < it->min_params) {
    s.numeric(proto::num::ERR_NEEDMOREPARAMS, {it->name}, "Not enough parameters");
    return;
  }
#ifndef LOBBYD_PROFILER_DISABLED
  prof::Zone zone(kCommandZones[it - kCommands.begin()]);
#endif
  // The last line of defence: handlers return errors as values, but should
  // one throw, only this session pays (issue 13). The session may be half
  // way through a state change, so it is closed rather than trusted further.
  try {
    base::fault_point(base::Where::kCommand);
    std::uint64_t before = s.bytes_appended();
    it->handler(s, m);
    s.charge_reply(s.bytes_appended() - before);
  } catch (...) {
    base::internal_error(base::Where::kCommand, std::current_exception());
    s.disconnect("Internal error");
  }
}

namespace cmd {

void send_fail(Session& s, std::string_view command, std::string_view code,
               std::initializer_list<std::string_view> context, std::string_view reason) {
  proto::LineBuilder b(s.line());
  b.source(s.settings().server_name).command("FAIL").param(command).param(code);
  for (auto a : context) b.param(a);
  b.trailing(reason);
  s.send_line(b.finish());
}

}  // namespace cmd

}  // namespace lobbyd::core
