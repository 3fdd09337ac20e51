// PRIVMSG and NOTICE: the hot path. A lobby message is formatted once into a
// shared buffer and fanned out; NOTICE never triggers an error reply.
#include "core/commands.h"
#include "core/session.h"
#include "proto/format.h"
#include "proto/numerics.h"

namespace lobbyd::core::cmd {

namespace num = proto::num;

namespace {

void message(Session& s, const proto::MessageView& m, std::string_view verb, bool replies) {
  if (m.param_count == 0 || m.params[0].empty()) {
    if (replies) s.numeric(num::ERR_NORECIPIENT, {}, "No recipient given (" + std::string(verb) + ")");
    return;
  }
  if (m.param_count < 2 || m.params[1].empty()) {
    if (replies) s.numeric(num::ERR_NOTEXTTOSEND, {}, "No text to send");
    return;
  }
  std::string_view targets = m.params[0];
  std::string_view text = m.params[1];
  int budget = 4;  // MAXTARGETS
  while (!targets.empty() && budget-- > 0) {
    auto comma = targets.find(',');
    std::string_view target = targets.substr(0, comma);
    targets = comma == std::string_view::npos ? std::string_view{} : targets.substr(comma + 1);
    if (target.empty()) continue;

    if (target[0] == '#' || target[0] == '&') {
      LobbyPtr lobby = s.joined(target);
      if (!lobby) {
        if (!replies) continue;
        if (s.server().lobbies().find(target))
          s.numeric(num::ERR_CANNOTSENDTOCHAN, {target}, "Cannot send to channel");
        else
          s.numeric(num::ERR_NOSUCHCHANNEL, {target}, "No such channel");
        continue;
      }
      std::string line;
      line.reserve(s.prefix().size() + verb.size() + lobby->name().size() + text.size() + 8);
      proto::LineBuilder b(line);
      b.source(s.prefix()).command(verb).param(lobby->name()).trailing(text);
      lobby->broadcast(net::make_shared_buf(std::move(b.finish())), &s);
      continue;
    }
    SessionPtr peer = s.server().nicks().find(target);
    if (!peer) {
      if (replies) s.numeric(num::ERR_NOSUCHNICK, {target}, "No such nick/channel");
      continue;
    }
    std::string line;
    proto::LineBuilder b(line);
    b.source(s.prefix()).command(verb).param(target).trailing(text);
    peer->send_any(net::make_shared_buf(std::move(b.finish())));
    if (replies) {
      Session::Info info = peer->info();
      if (!info.away.empty()) s.numeric(num::RPL_AWAY, {info.nick}, info.away);
    }
  }
  s.mark_spoke();
}

}  // namespace

void privmsg(Session& s, const proto::MessageView& m) { message(s, m, "PRIVMSG", true); }
void notice(Session& s, const proto::MessageView& m) { message(s, m, "NOTICE", false); }

}  // namespace lobbyd::core::cmd
