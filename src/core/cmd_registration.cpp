// Connection registration and liveness: NICK, USER, PING, PONG, QUIT, and
// the welcome burst (001-005 and the MOTD). CAP, PASS and the account
// commands are in cmd_account.cpp.
#include <chrono>
#include <ctime>
#include <fmt/format.h>

#include "core/commands.h"
#include "core/session.h"
#include "proto/casemap.h"
#include "proto/format.h"
#include "proto/numerics.h"

namespace lobbyd::core::cmd {

namespace num = proto::num;
inline constexpr std::string_view kVersion = "lobbyd-0.1.0";

void nick(Session& s, const proto::MessageView& m) {
  if (m.param_count == 0 || m.params[0].empty()) {
    s.numeric(num::ERR_NONICKNAMEGIVEN, {}, "No nickname given");
    return;
  }
  std::string_view want = m.params[0];
  if (!proto::valid_nick(want, s.settings().nick_len)) {
    s.numeric(num::ERR_ERRONEUSNICKNAME, {want}, "Erroneous nickname");
    return;
  }
  if (want == s.nick()) return;
  if (!s.server().nicks().claim(want, s.self())) {
    s.numeric(num::ERR_NICKNAMEINUSE, {want}, "Nickname is already in use");
    return;
  }
  std::string old = s.nick();
  bool same_key = proto::iequals(old, want);
  if (!s.registered()) {
    if (!old.empty() && !same_key) s.server().nicks().release(old, &s);
    s.set_nick(std::string(want));
    s.try_complete_registration();
    return;
  }
  std::string line;
  proto::LineBuilder b(line);
  b.source(s.prefix()).command("NICK").trailing(want);
  auto msg = net::make_shared_buf(std::move(b.finish()));
  if (!same_key) s.server().nicks().release(old, &s);
  s.set_nick(std::string(want));
  for (auto& l : s.lobbies()) l->rename(&s, s.nick());
  deliver(msg, s.peers());
}

void user(Session& s, const proto::MessageView& m) {
  if (s.registered() || s.has_user()) {
    s.numeric(num::ERR_ALREADYREGISTERED, {}, "You may not reregister");
    return;
  }
  std::string u(m.params[0].substr(0, 10));
  for (char& c : u)
    if (c == '@' || c == '!' || static_cast<unsigned char>(c) < 0x21) c = '_';
  s.set_user(std::move(u), std::string(m.params[3].substr(0, 100)));
  s.try_complete_registration();
}

void ping(Session& s, const proto::MessageView& m) {
  proto::LineBuilder b(s.line());
  const auto& name = s.settings().server_name;
  b.source(name).command("PONG").param(name).trailing(m.params[0]);
  s.send_line(b.finish());
}

void pong(Session&, const proto::MessageView&) {}  // any input resets the idle timer

void quit(Session& s, const proto::MessageView& m) {
  std::string_view text = m.param(0);
  s.disconnect(text.empty() ? std::string("Quit") : fmt::format("Quit: {}", text.substr(0, 300)));
}

void welcome(Session& s) {
  const Settings& st = s.settings();
  s.numeric(num::RPL_WELCOME, {}, fmt::format("Welcome to the {} network, {}", st.network, s.prefix()));
  s.numeric(num::RPL_YOURHOST, {}, fmt::format("Your host is {}, running version {}", st.server_name, kVersion));
  std::time_t t = s.server().started_at();
  // gmtime_r, not gmtime: gmtime's static result is shared by all threads
  // (two workers welcoming at once raced on it, found by TSan).
  std::tm tm{};
  char date[64];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&t, &tm));
  s.numeric(num::RPL_CREATED, {}, fmt::format("This server was created {}", date));
  s.numeric_no_trailing(num::RPL_MYINFO, {st.server_name, kVersion, "i", "lnt"});
  auto nicklen = std::to_string(st.nick_len), chanlen = std::to_string(st.lobby_name_len),
       topiclen = std::to_string(st.topic_len), awaylen = std::to_string(st.away_len),
       chanlimit = "#&:" + std::to_string(st.max_lobbies_per_client), network = "NETWORK=" + st.network;
  s.numeric(num::RPL_ISUPPORT,
            {"CASEMAPPING=ascii", "CHANTYPES=#&", "CHANMODES=,,l,nt", "PREFIX=(o)@",
             "NICKLEN=" + nicklen, "CHANNELLEN=" + chanlen, "TOPICLEN=" + topiclen,
             "AWAYLEN=" + awaylen, "CHANLIMIT=" + chanlimit, "MAXTARGETS=4", "MODES=1", network},
            "are supported by this server");
  send_motd(s);
}

void send_motd(Session& s) {
  const Settings& st = s.settings();
  if (st.motd.empty()) {
    s.numeric(num::ERR_NOMOTD, {}, "MOTD File is missing");
    return;
  }
  s.numeric(num::RPL_MOTDSTART, {}, fmt::format("- {} Message of the day - ", st.server_name));
  std::string_view text = st.motd;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view l = text.substr(0, nl);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);  // a motd written with CRLF
    s.numeric(num::RPL_MOTD, {}, fmt::format("- {}", l));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  s.numeric(num::RPL_ENDOFMOTD, {}, "End of /MOTD command.");
}

void motd(Session& s, const proto::MessageView&) { send_motd(s); }

}  // namespace lobbyd::core::cmd
