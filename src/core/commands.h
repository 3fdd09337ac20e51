#pragma once
// The command table: one handler per command, registered with its minimum
// parameter count and whether registration is required. The dispatcher does
// the checks (451, 461, 421) so handlers only do their own work.
#include <initializer_list>
#include <string_view>

#include "proto/message.h"

namespace lobbyd::core {

class Session;

using CommandHandler = void (*)(Session&, const proto::MessageView&);

struct CommandSpec {
  std::string_view name;  // upper case
  std::uint8_t min_params;
  bool needs_registration;
  CommandHandler handler;
};

// Runs one parsed message for s.
void dispatch(Session& s, const proto::MessageView& m);

// Handler families, one file each (cmd_*.cpp).
namespace cmd {
void cap(Session&, const proto::MessageView&);
void pass(Session&, const proto::MessageView&);
void nick(Session&, const proto::MessageView&);
void user(Session&, const proto::MessageView&);
void ping(Session&, const proto::MessageView&);
void pong(Session&, const proto::MessageView&);
void quit(Session&, const proto::MessageView&);
void join(Session&, const proto::MessageView&);
void part(Session&, const proto::MessageView&);
void names(Session&, const proto::MessageView&);
void list(Session&, const proto::MessageView&);
void topic(Session&, const proto::MessageView&);
void mode(Session&, const proto::MessageView&);
void privmsg(Session&, const proto::MessageView&);
void notice(Session&, const proto::MessageView&);
void who(Session&, const proto::MessageView&);
void whois(Session&, const proto::MessageView&);
void away(Session&, const proto::MessageView&);
void motd(Session&, const proto::MessageView&);
void stats(Session&, const proto::MessageView&);
void lusers(Session&, const proto::MessageView&);
void userhost(Session&, const proto::MessageView&);
void ison(Session&, const proto::MessageView&);
void oper(Session&, const proto::MessageView&);
void profile(Session&, const proto::MessageView&);
// Tests only (lobbyd --fault-injection): arms one boundary's fault point.
void fault(Session&, const proto::MessageView&);
void kill(Session&, const proto::MessageView&);
void table(Session&, const proto::MessageView&);
void games_list(Session&, const proto::MessageView&);  // GAMES
void move(Session&, const proto::MessageView&);
void authenticate(Session&, const proto::MessageView&);
void register_account(Session&, const proto::MessageView&);
void top(Session&, const proto::MessageView&);
// JOIN of one channel name, with the replies of JOIN (cmd_lobby.cpp); TABLE
// NEW and TABLE SIT use it for the table's channel.
void join_channel(Session&, std::string_view name);
// An IRCv3 standard reply: "FAIL <command> <code> <context...> :<reason>"
// (an empty context parameter goes out as "*").
void send_fail(Session&, std::string_view command, std::string_view code,
               std::initializer_list<std::string_view> context, std::string_view reason);
// Sends 001-005 and the MOTD (registration completes).
void welcome(Session&);
void send_motd(Session&);
}  // namespace cmd

}  // namespace lobbyd::core
