#pragma once
// What a connection negotiates before and around its login: CAP, a SASL
// exchange, PASS, the one password check it may have running, its failed
// logins, OPER. Owned by its Session and used on the owner's thread only
// (Session::registration() asserts it); the commands in cmd_account.cpp and
// cmd_oper.cpp step it through these methods, so that its rules (one check
// at a time, a bounded SASL buffer, the failure limit) are written once.
// Plain state: no I/O, unit-tested in tests/core/registration_test.cpp.
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace lobbyd::core {

class Registration {
 public:
  // AUTHENTICATE splits a payload into lines of this many bytes (a shorter
  // line, or "+", ends it); an account and a password fit in far less than
  // the bound.
  static constexpr std::size_t kSaslChunk = 400;
  static constexpr std::size_t kSaslMaxBytes = 1600;
  // Failed logins on one connection before it is closed.
  static constexpr int kMaxFailures = 3;

  // --- CAP. While negotiating, registration waits for CAP END. ---
  bool negotiating() const noexcept { return negotiating_; }
  void begin_negotiation() noexcept { negotiating_ = true; }
  void end_negotiation() noexcept { negotiating_ = false; }
  // CAP LS 302: capability values may be sent.
  bool cap_302() const noexcept { return cap_302_; }
  void set_cap_302() noexcept { cap_302_ = true; }
  bool sasl_acknowledged() const noexcept { return sasl_; }
  void set_sasl_acknowledged(bool on) noexcept { sasl_ = on; }

  // --- The password check (a login or REGISTER) in flight: one at a time. ---
  // False if one is running already.
  bool begin_check() noexcept {
    if (checking_) return false;
    checking_ = true;
    return true;
  }
  void end_check() noexcept { checking_ = false; }
  bool checking() const noexcept { return checking_; }
  // Counts a failed login; true once the connection has used up its tries.
  bool count_failure() noexcept { return ++failures_ >= kMaxFailures; }

  // --- A SASL PLAIN exchange (AUTHENTICATE). ---
  enum class SaslStep { kMore, kTooLong, kComplete };
  bool sasl_active() const noexcept { return sasl_active_; }
  void sasl_start() {
    sasl_active_ = true;
    sasl_buf_.clear();
  }
  void sasl_abort() {
    sasl_active_ = false;
    sasl_buf_.clear();
  }
  // One AUTHENTICATE line of the payload ("+": an empty one). With
  // kComplete the whole payload is moved into `payload` and the exchange
  // ends; with kTooLong it ends without one.
  SaslStep sasl_add(std::string_view chunk, std::string& payload);

  // --- PASS before registration: a login to try when it completes. ---
  void set_pass(std::string_view text) { pass_.assign(text); }
  bool has_pass() const noexcept { return !pass_.empty(); }
  std::string take_pass() { return std::exchange(pass_, {}); }

  // --- OPER: one check at a time (argon2 on the side thread). ---
  bool oper() const noexcept { return oper_ == Oper::kYes; }
  // False if the connection is an operator already or a check is running.
  bool begin_oper_check() noexcept {
    if (oper_ != Oper::kNo) return false;
    oper_ = Oper::kChecking;
    return true;
  }
  void end_oper_check(bool granted) noexcept { oper_ = granted ? Oper::kYes : Oper::kNo; }

 private:
  enum class Oper : unsigned char { kNo, kChecking, kYes };
  bool negotiating_ = false, cap_302_ = false, sasl_ = false;
  bool checking_ = false;
  int failures_ = 0;
  bool sasl_active_ = false;
  std::string sasl_buf_;  // the payload's base64 so far
  std::string pass_;
  Oper oper_ = Oper::kNo;
};

}  // namespace lobbyd::core
