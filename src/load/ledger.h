#pragma once
// Delivery accounting for the chat and ramp scenarios.
//
// Every message belongs to an epoch (0: warm-up, 1..: measured windows). When a
// message is sent, the number of other members its lobby has at that moment is
// added to the epoch's `expected`; every delivery of it adds one to `received`.
// Once the controller closes an epoch (after the drain period), deliveries of
// it still arriving count as `late` instead.
//
// Ordering is checked per (receiver, sender) pair by a ReceiverOrder that each
// receiving client owns; the ledger only totals the verdicts per sender.
//
// The ledger is shared by all load-generator threads: counters are atomics.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace lobbyd::load {

// The last sequence number a receiver saw from each sender of its lobby.
// Sequence numbers start at 1 and grow by one per message of a sender.
class ReceiverOrder {
 public:
  enum class Verdict : std::uint8_t {
    kInOrder,     // seq == last + 1
    kGap,         // seq > last + 1: in order, but something in between is missing (so far)
    kDuplicate,   // seq == last
    kOutOfOrder,  // seq < last: arrived after a later message of the same sender
  };

  void resize(std::size_t senders) { last_.assign(senders, 0); }
  std::size_t size() const noexcept { return last_.size(); }
  // slot: the sender's index among the receiver's possible senders (< size()).
  Verdict observe(std::size_t slot, std::uint32_t seq) noexcept {
    std::uint32_t& last = last_[slot];
    if (seq == last + 1) {
      last = seq;
      return Verdict::kInOrder;
    }
    if (seq > last) {
      last = seq;
      return Verdict::kGap;
    }
    return seq == last ? Verdict::kDuplicate : Verdict::kOutOfOrder;
  }

 private:
  std::vector<std::uint32_t> last_;
};

struct EpochTally {
  std::uint64_t sent = 0;      // messages sent
  std::uint64_t expected = 0;  // sum over sent messages of (lobby members - 1) at send time
  std::uint64_t received = 0;  // deliveries counted while the epoch was open
  std::uint64_t late = 0;      // deliveries arriving after the epoch was closed
  double ratio() const noexcept {  // received / expected; NaN when nothing was expected
    return expected ? static_cast<double>(received) / static_cast<double>(expected) : 0.0 / 0.0;
  }
};

struct OrderStats {
  std::uint64_t out_of_order = 0;  // deliveries older than one already seen from that sender
  std::uint64_t duplicates = 0;
  std::uint64_t gaps = 0;          // deliveries that skipped sequence numbers when they arrived
  std::uint32_t senders_out_of_order = 0;         // senders with at least one out-of-order delivery
  std::uint32_t max_out_of_order_per_sender = 0;
};

class DeliveryLedger {
 public:
  static constexpr std::uint32_t kMaxEpochs = 64;

  DeliveryLedger(std::size_t senders, std::size_t lobbies);

  // Membership of our own clients (a lobby may hold others we cannot see).
  void member_joined(std::size_t lobby) noexcept;
  void member_left(std::size_t lobby) noexcept;
  std::uint32_t members(std::size_t lobby) const noexcept;

  // A message sent to `lobby`; returns the deliveries now expected for it.
  std::uint32_t on_sent(std::size_t lobby, std::uint32_t epoch) noexcept;
  // A well-formed delivery of `sender`'s message of `epoch`, with the verdict
  // of the receiver's ReceiverOrder. Returns false if it arrived late.
  bool on_received(std::uint32_t epoch, std::uint32_t sender, ReceiverOrder::Verdict v) noexcept;

  // Deliveries that do not fit the accounting at all.
  void on_malformed() noexcept { malformed_.fetch_add(1, std::memory_order_relaxed); }
  void on_misrouted() noexcept { misrouted_.fetch_add(1, std::memory_order_relaxed); }
  void on_echo() noexcept { echoed_.fetch_add(1, std::memory_order_relaxed); }

  void close_epoch(std::uint32_t epoch) noexcept;
  bool is_open(std::uint32_t epoch) const noexcept;
  EpochTally tally(std::uint32_t epoch) const noexcept;
  // Sums over epochs [first, last].
  EpochTally tally_range(std::uint32_t first, std::uint32_t last) const noexcept;
  OrderStats order_stats() const noexcept;
  std::uint64_t malformed() const noexcept { return malformed_.load(std::memory_order_relaxed); }
  std::uint64_t misrouted() const noexcept { return misrouted_.load(std::memory_order_relaxed); }
  std::uint64_t echoed() const noexcept { return echoed_.load(std::memory_order_relaxed); }
  std::size_t senders() const noexcept { return ooo_by_sender_.size(); }

 private:
  struct Epoch {
    std::atomic<std::uint64_t> sent{0}, expected{0}, received{0}, late{0};
    std::atomic<bool> closed{false};
  };
  std::array<Epoch, kMaxEpochs> epochs_;
  std::vector<std::atomic<std::uint32_t>> members_;
  std::vector<std::atomic<std::uint32_t>> ooo_by_sender_;
  std::atomic<std::uint64_t> duplicates_{0}, gaps_{0};
  std::atomic<std::uint64_t> malformed_{0}, misrouted_{0}, echoed_{0};
};

}  // namespace lobbyd::load
