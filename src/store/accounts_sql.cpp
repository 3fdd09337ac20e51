// The accounts table behind the port (store/port.h): lookups and creation
// for logins and REGISTER, run on the store thread through the query queue.
#include <soci/soci.h>
#include <spdlog/spdlog.h>

#include "store/store.h"

namespace lobbyd::store {

namespace {

long long count_named(soci::session& sql, const std::string& name) {
  long long n = 0;
  sql << "SELECT COUNT(*) FROM accounts WHERE name = :name", soci::use(name, "name"), soci::into(n);
  return n;
}

}  // namespace

void Store::find_account(std::string name, std::function<void(Result<std::optional<Account>>)> done) {
  query(port_query<std::optional<Account>>(
      "account lookup", std::move(done), [name = std::move(name)](soci::session& sql, auto& answer) {
        Account a;
        long long disabled = 0;
        soci::indicator role_ind = soci::i_ok;
        sql << "SELECT password_hash, role, disabled FROM accounts WHERE name = :name", soci::use(name, "name"),
            soci::into(a.password_hash), soci::into(a.role, role_ind), soci::into(disabled);
        if (!sql.got_data()) return answer(std::optional<Account>{});
        a.name = name;
        if (role_ind != soci::i_ok) a.role.clear();
        a.disabled = disabled != 0;
        answer(std::optional<Account>(std::move(a)));
      }));
}

void Store::account_taken(std::string name, std::function<void(Result<bool>)> done) {
  query(port_query<bool>("account exists", std::move(done),
                         [name = std::move(name)](soci::session& sql, auto& answer) {
                           answer(count_named(sql, name) != 0);
                         }));
}

void Store::create_account(Account account, std::string display, std::function<void(Result<Created>)> done) {
  query(port_query<Created>(
      "account create", std::move(done),
      [a = std::move(account), display = std::move(display)](soci::session& sql, auto& answer) {
        if (count_named(sql, a.name) != 0) return answer(Created::kTaken);
        try {
          sql << "INSERT INTO accounts (name, display, password_hash) VALUES (:name, :display, :hash)",
              soci::use(a.name, "name"), soci::use(display, "display"), soci::use(a.password_hash, "hash");
        } catch (const soci::soci_error&) {
          // A concurrent REGISTER of the same name won the UNIQUE race;
          // anything else is the database's failure (kUnavailable).
          if (count_named(sql, a.name) == 0) throw;
          return answer(Created::kTaken);
        }
        spdlog::info("account {} created", a.name);
        answer(Created::kCreated);
      }));
}

void Store::record_login(std::string account, std::int64_t at) {
  enqueue(WriteOp{"accounts last_login", "UPDATE accounts SET last_login_at = :t WHERE name = :name",
                  {{"t", at}, {"name", std::move(account)}}});
}

}  // namespace lobbyd::store
