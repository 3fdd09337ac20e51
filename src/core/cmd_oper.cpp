// Operator commands: OPER (operator accounts, or the settings' bootstrap
// operator; argon2id checks off the event loop) and KILL.
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <sodium.h>
#include <algorithm>
#include <boost/asio/post.hpp>
#include <stdexcept>
#include <cstdlib>
#include <fmt/format.h>
#include <thread>

#include "base/internal_error.h"
#include "core/accounts.h"
#include "core/admin_actions.h"
#include "core/commands.h"
#include "core/profiling.h"
#include "proto/casemap.h"
#include "core/server.h"
#include "core/session.h"
#include "proto/format.h"
#include "proto/numerics.h"

namespace lobbyd::core::cmd {

namespace num = proto::num;

namespace {

void send_notices(Session& s, const std::vector<std::string>& lines) {
  const auto& server_name = s.settings().server_name;
  const std::string& to = s.nick().empty() ? std::string("*") : s.nick();
  for (const auto& l : lines) {
    proto::LineBuilder b(s.line());
    b.source(server_name).command("NOTICE").param(to).trailing(l);
    s.send_line(b.finish());
  }
}

void become_oper(const SessionPtr& self, bool ok) {
  self->registration().end_oper_check(ok);
  if (!self->open()) return;
  if (ok) {
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
  if (s.registration().oper()) {
    s.numeric(num::RPL_YOUREOPER, {}, "You are now an IRC operator");
    return;
  }
  if (!s.registration().begin_oper_check()) return;  // one check at a time per client
  // Operators are accounts whose role is 'operator'; the password is
  // checked like a login's (never logged, failures slowed).
  std::string name(m.params[0]), password(m.params[1]);
  check_login(s.self(), name, password, [self = s.self(), name, password](AuthResult r) {
    if (r.status == AuthResult::Status::kOk && r.role == "operator") return become_oper(self, true);
    if (r.status == AuthResult::Status::kOk) return become_oper(self, false);
    if (r.status == AuthResult::Status::kBusy) {
      // The limit on checks in flight (per address or server-wide) holds
      // for the bootstrap operator's hash too, or OPER would bypass it.
      self->registration().end_oper_check(false);
      if (self->open()) self->numeric(num::ERR_PASSWDMISMATCH, {}, "Password checks are busy, try again later");
      return;
    }
    settings_oper(self, name, password);
  });
}

void kill(Session& s, const proto::MessageView& m) {
  if (!s.registration().oper()) {
    s.numeric(num::ERR_NOPRIVILEGES, {}, "Permission Denied- You're not an IRC operator");
    return;
  }
  // The IRC front-end of core/admin_actions.h: the reason is cut (not
  // refused) at 300 bytes, as before the shared rule.
  std::string_view text = m.param_count > 1 ? m.params[1].substr(0, 300) : std::string_view();
  std::string reason = "Killed by " + s.nick();
  if (m.param_count > 1) reason += fmt::format(": {}", text);
  AdminResult r = admin_kick(s.server(), m.params[0], text, reason);
  if (r.error == AdminError::kNoSuchNick || r.error == AdminError::kBadNick)
    s.numeric(num::ERR_NOSUCHNICK, {m.params[0]}, "No such nick/channel");
  else if (!r.ok())
    send_notices(s, {"error: " + r.text});
}

void profile(Session& s, const proto::MessageView& m) {
  if (!s.registration().oper()) {
    s.numeric(num::ERR_NOPRIVILEGES, {}, "Permission Denied- You're not an IRC operator");
    return;
  }
  std::string verb = proto::fold(m.params[0]);
  unsigned n = 15;
  if (verb == "report" && m.param_count > 1)
    n = std::clamp(std::atoi(std::string(m.params[1]).c_str()), 1, 200);
  if (verb != "report" && verb != "on" && verb != "off" && verb != "reset")
    return send_notices(s, {"error: PROFILE ON|OFF|RESET|REPORT [n]"});
  // OFF writes the export files and REPORT snapshots every zone: both on
  // the side threads, never on the event loop (issue 13). The client's next
  // lines wait meanwhile, so its replies stay in the order of its commands.
  Server& server = s.server();
  s.pause_input();
  server.run_blocking(
      s.worker(),
      [&server, verb, n] {
        if (verb == "report") return profiler_report(server, n);
        return std::vector<std::string>{profiler_switch(server, verb)};
      },
      [self = s.self()](std::vector<std::string> lines) {
        if (lines.empty()) lines.push_back("error: the profiler command failed (see the server log)");
        if (!self->open()) return;
        send_notices(*self, lines);
        self->resume_input();
      });
}

void fault(Session& s, const proto::MessageView& m) {
  // Invisible unless the server runs with --fault-injection (tests): to
  // everyone else this is an unknown command.
  if (!base::fault_injection_enabled()) {
    if (s.registered()) s.numeric(num::ERR_UNKNOWNCOMMAND, {"FAULT"}, "Unknown command");
    else s.numeric(num::ERR_NOTREGISTERED, {}, "You have not registered");
    return;
  }
  base::Where w = base::parse_where(proto::fold(m.params[0]));
  std::string name(base::where_name(w));
  auto boom = [name] { throw std::runtime_error("injected fault at " + name); };
  switch (w) {
    case base::Where::kTask:  // a posted task that throws: Worker::post's guard
      s.worker().post(boom);
      break;
    case base::Where::kLoop:  // past every guard but the loop's own
      boost::asio::post(s.worker().io(), boom);
      break;
    case base::Where::kCommand:  // the next command, HTTP request, store
    case base::Where::kHttp:     // callback or side-thread job throws
    case base::Where::kStore:
    case base::Where::kBlocking:
      base::arm_fault(w);
      break;
    default:
      return send_notices(s, {"error: FAULT command|http|task|store|blocking|loop"});
  }
  send_notices(s, {"armed " + name});
}

}  // namespace lobbyd::core::cmd
