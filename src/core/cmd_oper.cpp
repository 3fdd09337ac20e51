// Operator commands: OPER (argon2id check off the event loop) and KILL.
#include <chrono>
#include <sodium.h>
#include <algorithm>
#include <cstdlib>
#include <thread>

#include "core/commands.h"
#include "core/profiling.h"
#include "proto/casemap.h"
#include "core/session.h"
#include "proto/format.h"
#include "proto/numerics.h"

namespace lobbyd::core::cmd {

namespace num = proto::num;

void oper(Session& s, const proto::MessageView& m) {
  if (s.oper) {
    s.numeric(num::RPL_YOUREOPER, {}, "You are now an IRC operator");
    return;
  }
  if (s.oper_pending) return;  // one check at a time per client
  const Settings& st = s.settings();
  std::string hash = st.oper_password_hash;
  bool name_ok = !st.oper_name.empty() && m.params[0] == st.oper_name && !hash.empty();
  s.oper_pending = true;
  // The password is never logged; a wrong one costs the caller a second.
  s.server().run_blocking(
      s.worker(),
      [name_ok, hash = std::move(hash), password = std::string(m.params[1])] {
        bool ok = name_ok && sodium_init() >= 0 &&
                  crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
        if (!ok) std::this_thread::sleep_for(std::chrono::seconds(1));
        return ok;
      },
      [self = s.self()](bool ok) {
        self->oper_pending = false;
        if (!self->open()) return;
        if (ok) {
          self->oper = true;
          self->numeric(num::RPL_YOUREOPER, {}, "You are now an IRC operator");
        } else {
          self->numeric(num::ERR_PASSWDMISMATCH, {}, "Password incorrect");
        }
      });
}

void kill(Session& s, const proto::MessageView& m) {
  if (!s.oper) {
    s.numeric(num::ERR_NOPRIVILEGES, {}, "Permission Denied- You're not an IRC operator");
    return;
  }
  std::string reason = "Killed by " + s.nick();
  if (m.param_count > 1) reason += ": " + std::string(m.params[1].substr(0, 300));
  if (!s.server().kill(m.params[0], reason))
    s.numeric(num::ERR_NOSUCHNICK, {m.params[0]}, "No such nick/channel");
}

void profile(Session& s, const proto::MessageView& m) {
  if (!s.oper) {
    s.numeric(num::ERR_NOPRIVILEGES, {}, "Permission Denied- You're not an IRC operator");
    return;
  }
  std::string verb = proto::fold(m.params[0]);
  std::vector<std::string> lines;
  if (verb == "report") {
    unsigned n = 15;
    if (m.param_count > 1) n = std::clamp(std::atoi(std::string(m.params[1]).c_str()), 1, 200);
    lines = profiler_report(s.server(), n);
  } else if (verb == "on" || verb == "off" || verb == "reset") {
    lines.push_back(profiler_switch(s.server(), verb));
  } else {
    lines.push_back("error: PROFILE ON|OFF|RESET|REPORT [n]");
  }
  const auto& server_name = s.settings().server_name;
  for (const auto& l : lines) {
    proto::LineBuilder b(s.line());
    b.source(server_name).command("NOTICE").param(s.nick()).trailing(l);
    s.send_line(b.finish());
  }
}

}  // namespace lobbyd::core::cmd
