#include "core/lobby.h"
#include "core/unix_time.h"

#include <algorithm>

#include "core/session.h"
#include "prof/profiler.h"
#include "proto/casemap.h"

namespace lobbyd::core {

namespace {

// Per-thread scratch: one pending batch per remote worker, reused across
// broadcasts so a fan-out allocates only the batches it hands over.
struct RemoteBatches {
  std::vector<std::pair<net::Worker*, std::vector<net::ConnectionPtr>>> by_worker;
  std::vector<net::ConnectionPtr>& for_worker(net::Worker* w) {
    if (by_worker.size() <= w->index()) by_worker.resize(w->index() + 1);
    auto& slot = by_worker[w->index()];
    slot.first = w;
    return slot.second;
  }
  void send(const net::SharedBuf& msg) {
    for (auto& [w, targets] : by_worker)
      if (!targets.empty()) {
        std::vector<net::ConnectionPtr> batch;
        batch.reserve(targets.size());
        batch.swap(targets);
        w->deliver(msg, std::move(batch));
      }
  }
};
thread_local RemoteBatches tl_remote;
}  // namespace

Lobby::Lobby(std::string name, std::string topic, std::uint32_t capacity, bool persistent)
    : name_(std::move(name)),
      key_(proto::fold(name_)),
      persistent_(persistent),
      created_at_(unix_now()),
      topic_(std::move(topic)),
      topic_by_("lobbyd"),
      topic_at_(created_at_),
      capacity_(capacity) {}

std::vector<Lobby::Member>::iterator Lobby::find_locked(const Session* s) {
  return std::find_if(members_.begin(), members_.end(),
                      [s](const Member& m) { return m.session.get() == s; });
}

void Lobby::set_observer(std::function<void(const net::SharedBuf&)> f) {
  std::lock_guard lock(mu_);
  observer_ = std::move(f);
}

void Lobby::fan_out_locked(const net::SharedBuf& msg, const Session* except) {
  LOBBYD_ZONE("core.fanout");
  if (observer_) observer_(msg);
  net::Worker* here = net::Worker::current();
  for (const Member& m : members_) {
    if (m.session.get() == except) continue;
    net::Worker& w = m.session->worker();
    if (&w == here)
      m.session->send(msg);
    else
      tl_remote.for_worker(&w).push_back(m.session);
  }
  tl_remote.send(msg);
}

Lobby::JoinResult Lobby::join(const SessionPtr& s, const std::string& nick, bool op,
                              const net::SharedBuf& join_msg) {
  std::lock_guard lock(mu_);
  if (closed_) return JoinResult::kClosed;
  if (find_locked(s.get()) != members_.end()) return JoinResult::kAlreadyMember;
  if (members_.size() >= capacity_) return JoinResult::kFull;
  members_.push_back(Member{s, nick, op});
  fan_out_locked(join_msg, nullptr);
  return JoinResult::kJoined;
}

bool Lobby::part(const Session* s, const net::SharedBuf& part_msg) {
  std::lock_guard lock(mu_);
  auto it = find_locked(s);
  if (it == members_.end()) return false;
  fan_out_locked(part_msg, nullptr);
  members_.erase(it);
  return true;
}

std::size_t Lobby::remove(const Session* s) {
  std::lock_guard lock(mu_);
  auto it = find_locked(s);
  if (it != members_.end()) members_.erase(it);
  return members_.size();
}

void Lobby::rename(const Session* s, const std::string& nick) {
  std::lock_guard lock(mu_);
  auto it = find_locked(s);
  if (it != members_.end()) it->nick = nick;
}

void Lobby::broadcast(const net::SharedBuf& msg, const Session* except) {
  std::lock_guard lock(mu_);
  fan_out_locked(msg, except);
}

Lobby::View Lobby::view() const {
  std::lock_guard lock(mu_);
  return View{topic_, topic_by_, topic_at_, capacity_, members_};
}

std::size_t Lobby::member_count() const {
  std::lock_guard lock(mu_);
  return members_.size();
}

std::uint32_t Lobby::capacity() const {
  std::lock_guard lock(mu_);
  return capacity_;
}

void Lobby::set_capacity(std::uint32_t c) {
  std::lock_guard lock(mu_);
  capacity_ = c;
}

bool Lobby::is_member(const Session* s) const {
  std::lock_guard lock(mu_);
  return const_cast<Lobby*>(this)->find_locked(s) != members_.end();
}

bool Lobby::is_op(const Session* s) const {
  std::lock_guard lock(mu_);
  auto it = const_cast<Lobby*>(this)->find_locked(s);
  return it != members_.end() && it->op;
}

std::string Lobby::topic() const {
  std::lock_guard lock(mu_);
  return topic_;
}

std::string Lobby::games() const {
  std::lock_guard lock(mu_);
  return games_;
}

void Lobby::set_games(std::string games) {
  std::lock_guard lock(mu_);
  games_ = std::move(games);
}

void Lobby::set_topic(std::string topic, std::string by, const net::SharedBuf& announce) {
  std::lock_guard lock(mu_);
  topic_ = std::move(topic);
  topic_by_ = std::move(by);
  topic_at_ = unix_now();
  if (announce) fan_out_locked(announce, nullptr);
}

void Lobby::append_members(std::vector<SessionPtr>& out) const {
  std::lock_guard lock(mu_);
  for (const Member& m : members_) out.push_back(m.session);
}

std::vector<Lobby::Member> Lobby::close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  return std::move(members_);
}

bool Lobby::close_if_empty() {
  std::lock_guard lock(mu_);
  if (!members_.empty()) return false;
  closed_ = true;
  return true;
}

void deliver(const net::SharedBuf& msg, const std::vector<SessionPtr>& targets) {
  net::Worker* here = net::Worker::current();
  for (const SessionPtr& s : targets) {
    net::Worker& w = s->worker();
    if (&w == here)
      s->send(msg);
    else
      tl_remote.for_worker(&w).push_back(s);
  }
  tl_remote.send(msg);
}

}  // namespace lobbyd::core
