#pragma once
// Real sessions through the real command layer, in process: a core::Server
// with its workers stepped from the calling thread (Worker::poll_here) and
// clients that speak through memory pipes (net/memory_transport.h) instead
// of sockets. With `database`, the real store on an in-memory SQLite
// database (schema migrated), stepped from the same thread (Store::step):
// accounts, moves, results and ratings are written and read for real.
// settle() returns once no handler is ready, the store has nothing queued
// and no side-thread task (password hashing) is out, so the order of
// events is that of the calls. Used by fuzz/fuzz_session.cpp and by
// tests/core/session_harness_test.cpp, which checks that lines really reach
// the handlers.
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/server.h"
#include "core/table.h"
#include "net/memory_transport.h"
#include "net/worker.h"
#include "store/store.h"

namespace lobbyd::core {

class SessionHarness {
 public:
  explicit SessionHarness(std::shared_ptr<Settings> settings, bool database = false, unsigned workers = 2) {
    for (unsigned i = 0; i < workers; ++i) workers_.push_back(std::make_unique<net::Worker>(i));
    std::vector<net::Worker*> ptrs;
    for (auto& w : workers_) ptrs.push_back(w.get());
    server_ = std::make_unique<Server>(settings, ptrs);
    server_->load_lobbies(settings->lobbies);
    if (database) {
      store::StoreOptions opts;
      store::parse_db_url("sqlite::memory:", opts.url);
      store_ = std::make_unique<store::Store>(opts, listener_);
      store_->connect_now();  // throws if it cannot: a harness without its database is no test
      server_->set_store(store_.get());
    }
  }
  SessionHarness(const SessionHarness&) = delete;
  SessionHarness& operator=(const SessionHarness&) = delete;

  ~SessionHarness() {
    hang_up_all();
    // As in lobbyd's main(): the server (its tables, whose timers belong to
    // the workers' io_contexts) goes first, while the workers still exist;
    // the cancelled timers' handlers run; then the store and the workers.
    server_.reset();
    for (auto& w : workers_) w->poll_here();
    store_.reset();
    workers_.clear();
  }

  Server& server() noexcept { return *server_; }

  // A new client from `ip` on worker (index % workers); returns its index.
  std::size_t connect(const std::string& ip) {
    net::Worker& w = *workers_[clients_.size() % workers_.size()];
    auto pipe = std::make_shared<net::MemoryPipe>(w.io());
    clients_.push_back(pipe);
    boost::asio::ip::tcp::endpoint peer(boost::asio::ip::make_address(ip), 40000);
    w.post([this, &w, pipe, peer] {
      server_->accept(w, boost::asio::ip::tcp::socket(w.io()), peer,
                      [&w, pipe](boost::asio::ip::tcp::socket&) {
                        return std::make_unique<net::MemoryTransport>(w.io(), pipe);
                      });
    });
    settle();
    return clients_.size() - 1;
  }

  // A client on a real socket instead of a pipe (tests of the plain-TCP
  // engine: tests/core/broadcast_alloc_test.cpp). `socket` must belong to
  // worker(0).io(); the caller keeps the other end.
  void accept_socket(boost::asio::ip::tcp::socket socket, const boost::asio::ip::tcp::endpoint& peer) {
    net::Worker& w = *workers_[0];
    w.post([this, &w, socket = std::move(socket), peer]() mutable {
      server_->accept(w, std::move(socket), peer);
    });
    settle();
  }
  net::Worker& worker(std::size_t i) { return *workers_.at(i); }

  void send(std::size_t client, std::string_view bytes) {
    clients_.at(client)->push(bytes);
    settle();
  }
  void hang_up(std::size_t client) {
    clients_.at(client)->hang_up();
    settle();
  }
  void hang_up_all() {
    for (auto& c : clients_) c->hang_up();
    settle();
  }
  std::string take_output(std::size_t client) { return clients_.at(client)->take_output(); }
  bool closed(std::size_t client) const { return clients_.at(client)->closed_by_server(); }
  std::size_t clients() const noexcept { return clients_.size(); }

  // Steps every worker until none has a ready handler (bounded: a handler
  // that keeps posting itself would otherwise spin for ever). Returns false
  // if the bound was hit.
  bool settle(int max_rounds = 10000) {
    for (int round = 0; round < max_rounds; ++round) {
      // Read before polling: a side task that finished after the poll has
      // posted an answer this round did not run, so 0 counts only if it was
      // 0 before the poll (its answer is posted before the count drops).
      const int in_flight = server_->blocking_in_flight();
      std::size_t ran = 0;
      for (auto& w : workers_) ran += w->poll_here();
      if (store_) ran += store_->step();
      if (ran > 0) continue;
      if (in_flight == 0) return true;
      std::this_thread::yield();  // a side thread is hashing a password
      --round;  // waiting for it is not a round of work
    }
    return false;
  }

  std::size_t connections() const {
    std::size_t n = 0;
    for (auto& w : workers_) n += w->connection_count();
    return n;
  }

 private:
  // The control plane is not driven here: database rows changed by an
  // operator are the integration tests' part.
  struct NoListener final : store::StoreListener {
    void on_settings(std::vector<store::SettingRow>) override {}
    void on_lobbies(std::vector<store::LobbyRow>) override {}
    void on_bans(std::vector<store::BanRow>) override {}
    void on_modules(std::vector<store::ModuleRow>) override {}
    std::string on_command(const store::CommandRow&) override { return {}; }
  };

  std::vector<std::unique_ptr<net::Worker>> workers_;
  std::unique_ptr<Server> server_;
  NoListener listener_;
  std::unique_ptr<store::Store> store_;
  std::vector<std::shared_ptr<net::MemoryPipe>> clients_;
};

}  // namespace lobbyd::core
