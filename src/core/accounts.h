#pragma once
// Player accounts (the `accounts` table): argon2id password hashes
// (libsodium), looked up and created through the store's query queue, the
// hashing on the server's side thread. The event loops never wait: every
// step ends by posting its answer to the session's worker.
#include <functional>
#include <string>
#include <string_view>

#include "core/session.h"

namespace lobbyd::core {

struct AuthResult {
  enum class Status {
    kOk,
    kBadCredentials,  // no such account, wrong password (one answer for both)
    kDisabled,        // accounts.disabled != 0
    kExists,          // REGISTER: the name is taken
    kUnavailable,     // the database is away or the queue is full
    kBusy,            // too many password checks in flight: try again
  };
  Status status = Status::kUnavailable;
  std::string account;  // the account's name (case-folded key) when kOk
  std::string role;     // "player" or "operator"
};

// Minimum and maximum password length (bytes) for REGISTER.
inline constexpr std::size_t kMinPasswordBytes = 8;
inline constexpr std::size_t kMaxPasswordBytes = 256;

// argon2id ($argon2id$...) with libsodium's interactive limits. Slow on
// purpose (tens of ms, 64 MiB): side threads only.
std::string hash_password(std::string_view password);
bool verify_password(const std::string& hash, std::string_view password);

// Checks account + password. `done` runs on the session's worker thread;
// a failed check is answered after a delay (wrong passwords are slowed).
// Passwords are never logged.
void check_login(const SessionPtr& s, std::string account, std::string password,
                 std::function<void(AuthResult)> done);
// Creates an account (REGISTER); `done` as above (kOk: created).
void create_account(const SessionPtr& s, std::string account, std::string password,
                    std::function<void(AuthResult)> done);

// After a successful login: records it on the session, sends 900
// RPL_LOGGEDIN, ends any other connection logged in to the same account
// (its seats are held) and resumes the account's held seats.
void logged_in(const SessionPtr& s, const AuthResult& r);

}  // namespace lobbyd::core
