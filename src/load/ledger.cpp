#include "load/ledger.h"

#include <algorithm>

namespace lobbyd::load {

namespace {
constexpr auto kRelaxed = std::memory_order_relaxed;
}

DeliveryLedger::DeliveryLedger(std::size_t senders, std::size_t lobbies)
    : members_(lobbies), ooo_by_sender_(senders) {}

void DeliveryLedger::member_joined(std::size_t lobby) noexcept {
  if (lobby < members_.size()) members_[lobby].fetch_add(1, kRelaxed);
}

void DeliveryLedger::member_left(std::size_t lobby) noexcept {
  if (lobby >= members_.size()) return;
  auto& m = members_[lobby];
  std::uint32_t cur = m.load(kRelaxed);
  while (cur > 0 && !m.compare_exchange_weak(cur, cur - 1, kRelaxed)) {
  }
}

std::uint32_t DeliveryLedger::members(std::size_t lobby) const noexcept {
  return lobby < members_.size() ? members_[lobby].load(kRelaxed) : 0;
}

std::uint32_t DeliveryLedger::on_sent(std::size_t lobby, std::uint32_t epoch) noexcept {
  if (epoch >= kMaxEpochs) return 0;
  std::uint32_t m = members(lobby);
  std::uint32_t recipients = m > 0 ? m - 1 : 0;
  epochs_[epoch].sent.fetch_add(1, kRelaxed);
  epochs_[epoch].expected.fetch_add(recipients, kRelaxed);
  return recipients;
}

bool DeliveryLedger::on_received(std::uint32_t epoch, std::uint32_t sender,
                                 ReceiverOrder::Verdict v) noexcept {
  switch (v) {
    case ReceiverOrder::Verdict::kInOrder:
      break;
    case ReceiverOrder::Verdict::kGap:
      gaps_.fetch_add(1, kRelaxed);
      break;
    case ReceiverOrder::Verdict::kDuplicate:
      duplicates_.fetch_add(1, kRelaxed);
      break;
    case ReceiverOrder::Verdict::kOutOfOrder:
      if (sender < ooo_by_sender_.size()) ooo_by_sender_[sender].fetch_add(1, kRelaxed);
      break;
  }
  if (epoch >= kMaxEpochs) {
    malformed_.fetch_add(1, kRelaxed);
    return false;
  }
  Epoch& e = epochs_[epoch];
  if (e.closed.load(std::memory_order_acquire)) {
    e.late.fetch_add(1, kRelaxed);
    return false;
  }
  e.received.fetch_add(1, kRelaxed);
  return true;
}

void DeliveryLedger::close_epoch(std::uint32_t epoch) noexcept {
  if (epoch < kMaxEpochs) epochs_[epoch].closed.store(true, std::memory_order_release);
}

bool DeliveryLedger::is_open(std::uint32_t epoch) const noexcept {
  return epoch < kMaxEpochs && !epochs_[epoch].closed.load(std::memory_order_acquire);
}

EpochTally DeliveryLedger::tally(std::uint32_t epoch) const noexcept {
  EpochTally t;
  if (epoch >= kMaxEpochs) return t;
  const Epoch& e = epochs_[epoch];
  t.sent = e.sent.load(kRelaxed);
  t.expected = e.expected.load(kRelaxed);
  t.received = e.received.load(kRelaxed);
  t.late = e.late.load(kRelaxed);
  return t;
}

EpochTally DeliveryLedger::tally_range(std::uint32_t first, std::uint32_t last) const noexcept {
  EpochTally sum;
  for (std::uint32_t e = first; e <= last && e < kMaxEpochs; ++e) {
    EpochTally t = tally(e);
    sum.sent += t.sent;
    sum.expected += t.expected;
    sum.received += t.received;
    sum.late += t.late;
  }
  return sum;
}

OrderStats DeliveryLedger::order_stats() const noexcept {
  OrderStats s;
  for (const auto& c : ooo_by_sender_) {
    std::uint32_t n = c.load(kRelaxed);
    if (n == 0) continue;
    s.out_of_order += n;
    ++s.senders_out_of_order;
    s.max_out_of_order_per_sender = std::max(s.max_out_of_order_per_sender, n);
  }
  s.duplicates = duplicates_.load(kRelaxed);
  s.gaps = gaps_.load(kRelaxed);
  return s;
}

}  // namespace lobbyd::load
