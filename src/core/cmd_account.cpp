// Capabilities and accounts: CAP (sasl, draft/account-registration),
// AUTHENTICATE (SASL PLAIN), REGISTER, PASS, and TOP (ratings).
#include <charconv>
#include <sodium.h>

#include "core/accounts.h"
#include "core/commands.h"
#include "core/ratings.h"
#include "core/session.h"
#include "games/registry.h"
#include "proto/casemap.h"
#include "proto/format.h"
#include "proto/numerics.h"

namespace lobbyd::core::cmd {

namespace num = proto::num;

namespace {

constexpr std::string_view kCaps302 = "sasl=PLAIN draft/account-registration=before-connect";
constexpr std::string_view kCaps = "sasl draft/account-registration";

void cap_reply(Session& s, std::string_view sub, std::string_view caps) {
  proto::LineBuilder b(s.line());
  b.source(s.settings().server_name).command("CAP").param(s.nick().empty() ? "*" : s.nick());
  b.param(sub).trailing(caps);
  s.send_line(b.finish());
}

// Applies "sasl -draft/account-registration ..." if every name is known.
bool cap_request(Session& s, std::string_view list) {
  bool sasl = s.registration().sasl_acknowledged();
  bool any = false;
  while (!list.empty()) {
    auto sp = list.find(' ');
    std::string_view cap = list.substr(0, sp);
    list = sp == std::string_view::npos ? std::string_view{} : list.substr(sp + 1);
    if (cap.empty()) continue;
    any = true;
    bool off = cap[0] == '-';
    if (off) cap.remove_prefix(1);
    if (cap == "sasl") sasl = !off;
    else if (cap != "draft/account-registration") return false;
  }
  if (!any) return false;
  s.registration().set_sasl_acknowledged(sasl);
  return true;
}

// A failed login counts; past the limit the connection goes.
void count_failure(Session& s) {
  if (s.registration().count_failure()) s.disconnect("Too many failed logins");
}

void sasl_plain(Session& s, std::string_view payload) {
  std::string decoded(payload.size(), '\0');
  std::size_t len = 0;
  if (sodium_init() < 0 ||
      sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(), payload.data(),
                        payload.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    s.numeric(num::ERR_SASLFAIL, {}, "SASL authentication failed: invalid base64");
    return;
  }
  decoded.resize(len);
  // authzid \0 authcid \0 password
  auto z1 = decoded.find('\0');
  auto z2 = z1 == std::string::npos ? z1 : decoded.find('\0', z1 + 1);
  if (z2 == std::string::npos) {
    s.numeric(num::ERR_SASLFAIL, {}, "SASL authentication failed: expected authzid\\0authcid\\0password");
    return;
  }
  std::string authzid = decoded.substr(0, z1), account = decoded.substr(z1 + 1, z2 - z1 - 1),
              password = decoded.substr(z2 + 1);
  sodium_memzero(decoded.data(), decoded.size());
  if (!authzid.empty() && !proto::iequals(authzid, account)) {
    s.numeric(num::ERR_SASLFAIL, {}, "SASL authentication failed: authzid must be empty or the account");
    return;
  }
  s.registration().begin_check();  // authenticate() checked that none runs
  check_login(s.self(), std::move(account), std::move(password), [self = s.self()](AuthResult r) {
    self->registration().end_check();
    if (!self->open()) return;
    switch (r.status) {
      case AuthResult::Status::kOk:
        logged_in(self, r);
        self->numeric(num::RPL_SASLSUCCESS, {}, "SASL authentication successful");
        break;
      case AuthResult::Status::kUnavailable:
      case AuthResult::Status::kBusy:
        self->numeric(num::ERR_SASLFAIL, {}, "SASL authentication failed: accounts are unavailable, try again later");
        break;
      case AuthResult::Status::kDisabled:
        self->numeric(num::ERR_SASLFAIL, {}, "SASL authentication failed: account disabled");
        count_failure(*self);
        break;
      default:
        self->numeric(num::ERR_SASLFAIL, {}, "SASL authentication failed");
        count_failure(*self);
        break;
    }
    self->try_complete_registration();
  });
}

}  // namespace

void cap(Session& s, const proto::MessageView& m) {
  std::string_view sub = m.param(0);
  if (proto::iequals(sub, "LS")) {
    if (!s.registered()) s.registration().begin_negotiation();
    int version = 0;
    std::string_view v = m.param(1);
    std::from_chars(v.data(), v.data() + v.size(), version);
    if (version >= 302) s.registration().set_cap_302();
    cap_reply(s, "LS", s.registration().cap_302() ? kCaps302 : kCaps);
  } else if (proto::iequals(sub, "LIST")) {
    cap_reply(s, "LIST", s.registration().sasl_acknowledged() ? "sasl" : "");
  } else if (proto::iequals(sub, "REQ")) {
    if (!s.registered()) s.registration().begin_negotiation();
    cap_reply(s, cap_request(s, m.param(1)) ? "ACK" : "NAK", m.param(1));
  } else if (proto::iequals(sub, "END")) {
    s.registration().end_negotiation();
    s.try_complete_registration();
  } else {
    s.numeric(410, {sub}, "Invalid CAP command");
  }
}

void authenticate(Session& s, const proto::MessageView& m) {
  std::string_view arg = m.params[0];
  if (!s.account().empty()) {
    s.numeric(num::ERR_SASLALREADY, {}, "You have already authenticated using SASL");
    return;
  }
  Registration& reg = s.registration();
  if (reg.checking()) {
    s.numeric(num::ERR_SASLFAIL, {}, "SASL authentication failed: a check is already running");
    return;
  }
  if (arg == "*") {
    reg.sasl_abort();
    s.numeric(num::ERR_SASLABORTED, {}, "SASL authentication aborted");
    return;
  }
  if (!reg.sasl_active()) {
    if (!proto::iequals(arg, "PLAIN")) {
      s.numeric(num::RPL_SASLMECHS, {"PLAIN"}, "are available SASL mechanisms");
      s.numeric(num::ERR_SASLFAIL, {}, "SASL authentication failed: unsupported mechanism");
      return;
    }
    reg.sasl_start();
    proto::LineBuilder b(s.line());
    b.command("AUTHENTICATE").param("+");
    s.send_line(b.finish());
    return;
  }
  std::string payload;
  switch (reg.sasl_add(arg, payload)) {
    case Registration::SaslStep::kMore:
      return;
    case Registration::SaslStep::kTooLong:
      s.numeric(num::ERR_SASLTOOLONG, {}, "SASL message too long");
      return;
    case Registration::SaslStep::kComplete:
      break;
  }
  sasl_plain(s, payload);
  sodium_memzero(payload.data(), payload.size());
}

void register_account(Session& s, const proto::MessageView& m) {
  std::string_view name = m.params[0];
  std::string_view password = m.params[2];
  if (name == "*") name = s.nick();
  if (!s.account().empty()) {
    send_fail(s, "REGISTER", "ALREADY_AUTHENTICATED", {s.account()}, "You are already logged in");
    return;
  }
  if (name.empty()) {
    send_fail(s, "REGISTER", "NEED_NICK", {"*"}, "Send NICK first or name the account");
    return;
  }
  if (!proto::valid_nick(name, s.settings().nick_len)) {
    send_fail(s, "REGISTER", "BAD_ACCOUNT_NAME", {name}, "Account names follow the nickname rules");
    return;
  }
  if (!s.settings().allow_registration) {
    send_fail(s, "REGISTER", "TEMPORARILY_UNAVAILABLE", {name}, "Registration is disabled on this server");
    return;
  }
  if (password.size() < kMinPasswordBytes) {
    send_fail(s, "REGISTER", "WEAK_PASSWORD", {name},
         "Passwords need at least " + std::to_string(kMinPasswordBytes) + " bytes");
    return;
  }
  if (password.size() > kMaxPasswordBytes) {
    send_fail(s, "REGISTER", "UNACCEPTABLE_PASSWORD", {name},
         "Passwords have at most " + std::to_string(kMaxPasswordBytes) + " bytes");
    return;
  }
  if (!s.registration().begin_check()) {
    send_fail(s, "REGISTER", "TEMPORARILY_UNAVAILABLE", {name}, "A login or registration is already running");
    return;
  }
  std::string account(name);
  create_account(s.self(), account, std::string(password), [self = s.self(), account](AuthResult r) {
    self->registration().end_check();
    if (!self->open()) return;
    switch (r.status) {
      case AuthResult::Status::kOk: {
        proto::LineBuilder b(self->line());
        b.source(self->settings().server_name).command("REGISTER").param("SUCCESS").param(r.account)
            .trailing("Account created");
        self->send_line(b.finish());
        logged_in(self, r);
        break;
      }
      case AuthResult::Status::kExists:
        send_fail(*self, "REGISTER", "ACCOUNT_EXISTS", {account}, "That account name is taken");
        break;
      default:
        send_fail(*self, "REGISTER", "TEMPORARILY_UNAVAILABLE", {account}, "Accounts are unavailable, try again later");
        break;
    }
    self->try_complete_registration();
  });
}

void pass(Session& s, const proto::MessageView& m) {
  if (s.registered()) {
    s.numeric(num::ERR_ALREADYREGISTERED, {}, "You may not reregister");
    return;
  }
  s.registration().set_pass(m.params[0].substr(0, 64 + 1 + kMaxPasswordBytes));
}

void top(Session& s, const proto::MessageView& m) {
  auto game = s.server().catalog()->lookup(m.params[0]);
  if (!game) {
    send_fail(s, "TOP", "UNKNOWN_GAME", {m.params[0]}, "No such game");
    return;
  }
  std::size_t n = 10;
  if (m.param_count > 1) {
    std::string_view v = m.params[1];
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || p != v.data() + v.size() || n == 0) {
      send_fail(s, "TOP", "BAD_COUNT", {v}, "Usage: TOP <game> [1-100]");
      return;
    }
    n = std::min<std::size_t>(n, 100);
  }
  const std::string name((*game)->name());
  const std::string& server = s.settings().server_name;
  int rank = 0;
  for (const auto& e : s.server().ratings().top(name, n)) {
    proto::LineBuilder b(s.line());
    b.source(server).command("TOP").param("ENTRY").param(name).param(std::to_string(++rank)).param(e.account)
        .param(std::to_string(e.rating)).param(std::to_string(e.games)).param(std::to_string(e.wins))
        .param(std::to_string(e.losses)).param(std::to_string(e.draws));
    s.send_line(b.finish());
  }
  proto::LineBuilder b(s.line());
  b.source(server).command("TOP").param("END").param(name);
  s.send_line(b.finish());
}

}  // namespace lobbyd::core::cmd
