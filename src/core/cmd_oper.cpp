// Operator commands: OPER (operator accounts, or the settings' bootstrap
// operator; argon2id checks off the event loop) and KILL.
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <sodium.h>
#include <algorithm>
#include <cstdlib>
#include <thread>

#include "core/accounts.h"
#include "core/commands.h"
#include "core/profiling.h"
#include "proto/casemap.h"
#include "core/session.h"
#include "proto/format.h"
#include "proto/numerics.h"

namespace lobbyd::core::cmd {

namespace num = proto::num;

namespace {

void become_oper(const SessionPtr& self, bool ok) {
  self->oper_pending = false;
  if (!self->open()) return;
  if (ok) {
    self->oper = true;
    self->numeric(num::RPL_YOUREOPER, {}, "You are now an IRC operator");
  } else {
    self->numeric(num::ERR_PASSWDMISMATCH, {}, "Password incorrect");
  }
}

// The bootstrap operator of the settings (oper_name/oper_password_hash),
// for a server whose database has no operator account yet.
void settings_oper(const SessionPtr& s, std::string name, std::string password) {
  const Settings& st = s->settings();
  std::string hash = st.oper_password_hash;
  bool name_ok = !st.oper_name.empty() && name == st.oper_name && !hash.empty();
  s->server().run_blocking(
      s->worker(),
      [name_ok, hash = std::move(hash), password = std::move(password)] {
        return name_ok && verify_password(hash, password);
      },
      [s](bool ok) {
        if (ok) return become_oper(s, true);
        // A wrong password costs the caller a second, off the side thread.
        auto timer = std::make_shared<boost::asio::steady_timer>(s->worker().io(), std::chrono::seconds(1));
        timer->async_wait([timer, s](const auto&) {
          become_oper(s, false);
          s->worker().flush_now();
        });
      });
}

}  // namespace

void oper(Session& s, const proto::MessageView& m) {
  if (s.oper) {
    s.numeric(num::RPL_YOUREOPER, {}, "You are now an IRC operator");
    return;
  }
  if (s.oper_pending) return;  // one check at a time per client
  s.oper_pending = true;
  // Operators are accounts whose role is 'operator'; the password is
  // checked like a login's (never logged, failures slowed).
  std::string name(m.params[0]), password(m.params[1]);
  check_login(s.self(), name, password, [self = s.self(), name, password](AuthResult r) {
    if (r.status == AuthResult::Status::kOk && r.role == "operator") return become_oper(self, true);
    if (r.status == AuthResult::Status::kOk) return become_oper(self, false);
    settings_oper(self, name, password);
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
