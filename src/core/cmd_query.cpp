// Queries about users and the server: WHO, WHOIS, AWAY, STATS, LUSERS,
// USERHOST, ISON.
#include <fmt/format.h>

#include "core/commands.h"
#include "core/unix_time.h"
#include "core/session.h"
#include "proto/casemap.h"
#include "proto/format.h"
#include "proto/numerics.h"

namespace lobbyd::core::cmd {

namespace num = proto::num;

namespace {

void who_line(Session& s, std::string_view lobby, const Session::Info& i, bool op) {
  std::string flags = i.away.empty() ? "H" : "G";
  if (op) flags += '@';
  s.numeric(num::RPL_WHOREPLY, {lobby, i.user, i.host, s.settings().server_name, i.nick, flags},
            "0 " + i.realname);
}
}  // namespace

void who(Session& s, const proto::MessageView& m) {
  std::string_view mask = m.param(0);
  if (!mask.empty() && mask[0] == '#') {
    if (LobbyPtr l = s.server().lobbies().find(mask)) {
      auto v = l->view();
      for (auto& member : v.members) who_line(s, l->name(), member.session->info(), member.op);
    }
  } else if (!mask.empty()) {
    if (SessionPtr p = s.server().nicks().find(mask)) who_line(s, "*", p->info(), false);
  }
  s.numeric(num::RPL_ENDOFWHO, {mask.empty() ? "*" : mask}, "End of WHO list");
}

void whois(Session& s, const proto::MessageView& m) {
  std::string_view nick = m.params[m.param_count - 1];  // WHOIS [server] nick
  SessionPtr p = s.server().nicks().find(nick);
  if (!p) {
    s.numeric(num::ERR_NOSUCHNICK, {nick}, "No such nick/channel");
    s.numeric(num::RPL_ENDOFWHOIS, {nick}, "End of /WHOIS list");
    return;
  }
  Session::Info i = p->info();
  s.numeric(num::RPL_WHOISUSER, {i.nick, i.user, i.host, "*"}, i.realname);
  if (!i.lobbies.empty()) s.numeric(num::RPL_WHOISCHANNELS, {i.nick}, i.lobbies);
  s.numeric(num::RPL_WHOISSERVER, {i.nick, s.settings().server_name}, s.settings().network);
  if (!i.account.empty()) s.numeric(num::RPL_WHOISACCOUNT, {i.nick, i.account}, "is logged in as");
  if (!i.away.empty()) s.numeric(num::RPL_AWAY, {i.nick}, i.away);
  s.numeric(num::RPL_WHOISIDLE,
            {i.nick, std::to_string(unix_now() - i.idle_since), std::to_string(i.signon)},
            "seconds idle, signon time");
  s.numeric(num::RPL_ENDOFWHOIS, {i.nick}, "End of /WHOIS list");
}

void away(Session& s, const proto::MessageView& m) {
  std::string_view text = m.param(0);
  if (text.empty()) {
    s.set_away({});
    s.numeric(num::RPL_UNAWAY, {}, "You are no longer marked as being away");
  } else {
    s.set_away(std::string(proto::utf8_prefix(text, s.settings().away_len)));
    s.numeric(num::RPL_NOWAWAY, {}, "You have been marked as being away");
  }
}

void stats(Session& s, const proto::MessageView& m) {
  for (const auto& l : s.server().stats_lines()) s.numeric(num::RPL_STATSDEBUG, {}, l);
  std::string_view q = m.param(0);
  s.numeric(num::RPL_ENDOFSTATS, {q.empty() ? "*" : q.substr(0, 1)}, "End of /STATS report");
}

void lusers(Session& s, const proto::MessageView&) {
  auto users = s.server().nicks().size();
  s.numeric(251, {}, fmt::format("There are {} users and 0 invisible on 1 servers", users));
  s.numeric(254, {std::to_string(s.server().lobbies().size())}, "channels formed");
  s.numeric(255, {}, fmt::format("I have {} clients and 0 servers", users));
}

void userhost(Session& s, const proto::MessageView& m) {
  std::string out;
  for (std::size_t i = 0; i < m.param_count && i < 5; ++i) {
    if (SessionPtr p = s.server().nicks().find(m.params[i])) {
      Session::Info info = p->info();
      if (!out.empty()) out += ' ';
      out += fmt::format("{}={}{}@{}", info.nick, info.away.empty() ? '+' : '-', info.user, info.host);
    }
  }
  s.numeric(302, {}, out);
}

void ison(Session& s, const proto::MessageView& m) {
  std::string out;
  for (std::size_t i = 0; i < m.param_count; ++i) {
    std::string_view list = m.params[i];
    while (!list.empty()) {
      auto sp = list.find(' ');
      std::string_view n = list.substr(0, sp);
      if (SessionPtr p = s.server().nicks().find(n)) {
        if (!out.empty()) out += ' ';
        out += p->info().nick;
      }
      if (sp == std::string_view::npos) break;
      list.remove_prefix(sp + 1);
    }
  }
  s.numeric(303, {}, out);
}

}  // namespace lobbyd::core::cmd
