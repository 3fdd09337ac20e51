#include "core/accounts.h"

#include <boost/asio/steady_timer.hpp>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include "core/address_limits.h"
#include "core/table.h"
#include "core/unix_time.h"
#include "proto/casemap.h"
#include "proto/numerics.h"

namespace lobbyd::core {

namespace {

// Password checks in flight, server-wide: each costs 64 MiB and tens of ms
// on the side thread, so a login storm is refused instead of queued.
constexpr int kMaxAuthInFlight = 32;
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
// The session fuzzer's clock stands still and it runs thousands of logins a
// second: no delay, and the cheapest hash (never in a lobbyd binary: only
// the fuzz build defines this).
constexpr auto kFailureDelay = std::chrono::seconds(0);
constexpr auto kHashOps = crypto_pwhash_OPSLIMIT_MIN;
constexpr auto kHashMem = crypto_pwhash_MEMLIMIT_MIN;
#else
constexpr auto kFailureDelay = std::chrono::seconds(1);
constexpr auto kHashOps = crypto_pwhash_OPSLIMIT_INTERACTIVE;
constexpr auto kHashMem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
#endif
// Password checks one client address may have running at once, each counted
// until its answer is sent (for a failure, after kFailureDelay). Without it
// each connection had its own check going: 20 guessers from 4 addresses kept
// both side threads hashing (5.3 s of CPU in 6.9 s; a check is ~90 ms) and
// the account owner's login waited 1.2 s behind them (issue 13's hostile
// suite), and one address may hold 55 connections (5 unregistered, 50 in
// all), past the 32 checks after which everyone is told "try again later".
// With it, one address costs at most about 2 hashes a second when it
// guesses wrong; addresses on connection_limit_exempt (a proxy that all
// players come through) are not limited.
constexpr int kMaxAuthPerAddress = 2;

AuthResult only(AuthResult::Status status) {
  AuthResult r;
  r.status = status;
  return r;
}

struct InFlight {
  Server& server;
  bool ok;
  explicit InFlight(Server& s) : server(s), ok(s.auth_inflight.fetch_add(1) < kMaxAuthInFlight) {}
  ~InFlight() { server.auth_inflight.fetch_sub(1); }
};

// Runs done(r) on the session's worker, after kFailureDelay unless r is a
// success (or "busy"/"unavailable", which are not guesses worth slowing).
void answer(const SessionPtr& s, AuthResult r, std::function<void(AuthResult)> done) {
  net::Worker& w = s->worker();
  bool slow = r.status == AuthResult::Status::kBadCredentials ||
              r.status == AuthResult::Status::kDisabled;
  w.post([s, r = std::move(r), done = std::move(done), slow, &w]() mutable {
    if (!slow) {
      net::Worker::BusyScope busy(w);
      done(std::move(r));
      w.flush_now();
      return;
    }
    auto timer = std::make_shared<boost::asio::steady_timer>(w.io(), kFailureDelay);
    timer->async_wait([timer, s, r = std::move(r), done = std::move(done), &w](const auto&) mutable {
      net::Worker::BusyScope busy(w);
      done(std::move(r));
      w.flush_now();
    });
  });
}

// Holds one of the address's kMaxAuthPerAddress slots while alive.
struct AddressSlot {
  Server& server;
  std::string key;
  bool ok;
  AddressSlot(Server& s, const Session& session) : server(s), key(session.address_key()) {
    boost::system::error_code ec;
    auto addr = boost::asio::ip::make_address(session.host(), ec);
    bool exempt = !ec && AddressLimits::matches(
                             AddressLimits::parse_exempt(session.settings().connection_limit_exempt), addr);
    ok = exempt || server.auth_address_begin(key, kMaxAuthPerAddress);
    if (exempt) key.clear();  // nothing taken
  }
  ~AddressSlot() {
    if (ok && !key.empty()) server.auth_address_end(key);
  }
};

// Takes a slot of the session's address for the check; false (and `done`
// answered "busy" at once) if the address has its checks running already.
// Otherwise `done` is wrapped to hold the slot until it has run.
bool take_address_slot(const SessionPtr& s, std::function<void(AuthResult)>& done) {
  auto slot = std::make_shared<AddressSlot>(s->server(), *s);
  if (!slot->ok) {
    answer(s, only(AuthResult::Status::kBusy), std::move(done));
    return false;
  }
  done = [slot, inner = std::move(done)](AuthResult r) { inner(std::move(r)); };
  return true;
}

// The start of every password check: a slot of the client's address, one of
// the server's checks in flight, and a database to ask. Null (and `done`
// answered) if one of them is missing; else the in-flight count, held until
// the check's last step lets go of it.
std::shared_ptr<InFlight> begin_check(const SessionPtr& s, std::function<void(AuthResult)>& done) {
  if (!take_address_slot(s, done)) return nullptr;
  auto guard = std::make_shared<InFlight>(s->server());
  if (guard->ok && s->server().store()) return guard;
  answer(s, only(guard->ok ? AuthResult::Status::kUnavailable : AuthResult::Status::kBusy), std::move(done));
  return nullptr;
}

}  // namespace

std::string hash_password(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  if (sodium_init() < 0 ||
      crypto_pwhash_str(out, password.data(), password.size(), kHashOps, kHashMem) != 0)
    return {};  // out of memory
  return out;
}

bool verify_password(const std::string& hash, std::string_view password) {
  return !hash.empty() && sodium_init() >= 0 &&
         crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

void check_login(const SessionPtr& s, std::string account, std::string password,
                 std::function<void(AuthResult)> done) {
  Server& server = s->server();
  auto guard = begin_check(s, done);
  if (!guard) return;
  auto key = proto::fold(account);
  server.store()->find_account(
      key, [s, key, password = std::move(password), done = std::move(done),
            guard](store::Result<std::optional<store::Account>> found) mutable {
        if (!found) return answer(s, only(AuthResult::Status::kUnavailable), std::move(done));
        // Verified on the side thread, not here: the store thread serves
        // everyone's queries and polls.
        std::optional<store::Account> a = std::move(found.value());
        std::string hash = a ? a->password_hash : std::string();
        s->server().run_blocking(
            s->worker(),
            [hash = std::move(hash), password = std::move(password), known = a.has_value()] {
              // An unknown account costs the same hash as a wrong password.
              static const std::string dummy = hash_password("lobbyd-dummy-password");
              return verify_password(known ? hash : dummy, password) && known;
            },
            [s, key, a = std::move(a), done = std::move(done), guard](bool ok) mutable {
              AuthResult r;
              if (!ok) r.status = AuthResult::Status::kBadCredentials;
              else if (a->disabled) r.status = AuthResult::Status::kDisabled;
              else r = AuthResult{AuthResult::Status::kOk, key, a->role.empty() ? "player" : a->role};
              if (r.status == AuthResult::Status::kOk) s->server().store()->record_login(key, unix_now());
              answer(s, std::move(r), std::move(done));
            });
      });
}

void create_account(const SessionPtr& s, std::string account, std::string password,
                    std::function<void(AuthResult)> done) {
  Server& server = s->server();
  auto guard = begin_check(s, done);
  if (!guard) return;
  auto shared_done = std::make_shared<std::function<void(AuthResult)>>(std::move(done));
  std::string key = proto::fold(account);
  auto reply = [s, shared_done](AuthResult::Status status) { answer(s, only(status), std::move(*shared_done)); };
  // Is the name free? Asked before hashing: a REGISTER of a taken name used
  // to cost a whole argon2id hash (~90 ms of CPU, 64 MiB) to be refused, so
  // a client repeating it at its line rate kept a side thread busy for
  // nothing (issue 13's hostile suite). ACCOUNT_EXISTS tells that the name
  // is taken either way.
  server.store()->account_taken(key, [s, key, display = std::move(account), password = std::move(password),
                                      shared_done, guard, reply](store::Result<bool> taken) mutable {
    if (!taken) return reply(AuthResult::Status::kUnavailable);
    if (*taken) return reply(AuthResult::Status::kExists);
    // Hash on the side thread, then insert on the store thread.
    s->server().run_blocking(
        s->worker(), [password = std::move(password)] { return hash_password(password); },
        [s, key, display, shared_done, guard, reply](std::string hash) {
          if (hash.empty()) return reply(AuthResult::Status::kUnavailable);  // out of memory
          s->server().store()->create_account(
              store::Account{key, std::move(hash), "player", false}, display,
              [s, key, shared_done, guard, reply](store::Result<store::Created> created) {
                if (!created) return reply(AuthResult::Status::kUnavailable);
                if (*created == store::Created::kTaken) return reply(AuthResult::Status::kExists);
                answer(s, AuthResult{AuthResult::Status::kOk, key, "player"}, std::move(*shared_done));
              });
        });
  });
}

void logged_in(const SessionPtr& s, const AuthResult& r) {
  s->set_account(r.account, r.role);
  s->numeric(proto::num::RPL_LOGGEDIN, {s->prefix(), r.account}, "You are now logged in as " + r.account);
  Server& server = s->server();
  SessionPtr old = server.claim_account(r.account, s);
  if (!old) {
    if (s->registered()) resume_tables(server, s);
    return;
  }
  // One connection per account: the older one goes (often a dead link the
  // server has not noticed yet), its seats are held, and this one takes them.
  old->worker().post([old, s] {
    old->disconnect("Logged in from another connection");
    old->worker().flush_now();
    s->worker().post([s] {
      if (s->open() && s->registered()) {
        resume_tables(s->server(), s);
        s->worker().flush_now();
      }
    });
  });
}

}  // namespace lobbyd::core
