#pragma once
// A connection's queue of output buffers. A std::deque allocated a node
// every 32 elements pushed (libstdc++'s 512-byte nodes) and freed it again
// as the front passed it: with one line per recipient per flush, every
// connection of a lobby paid an allocation every 32 lines it was sent
// (0.06 allocations per delivery: tests/core/broadcast_alloc_test.cpp).
// This one keeps its storage: a vector with a read position that starts
// over when the queue empties (the usual case after a flush), compacted
// when a queue that never empties has used up half of it.
#include <cstddef>
#include <vector>

#include "net/shared_buffer.h"

namespace lobbyd::net {

class SendQueue {
 public:
  using const_iterator = std::vector<SharedBuf>::const_iterator;

  bool empty() const noexcept { return head_ == bufs_.size(); }
  std::size_t size() const noexcept { return bufs_.size() - head_; }
  const SharedBuf& front() const noexcept { return bufs_[head_]; }
  SharedBuf& front() noexcept { return bufs_[head_]; }
  const SharedBuf& back() const noexcept { return bufs_.back(); }
  const_iterator begin() const noexcept { return bufs_.begin() + static_cast<std::ptrdiff_t>(head_); }
  const_iterator end() const noexcept { return bufs_.end(); }

  void push_back(SharedBuf b) {
    if (head_ > kCompactAfter && head_ * 2 > bufs_.size()) {
      bufs_.erase(bufs_.begin(), bufs_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    bufs_.push_back(std::move(b));
  }
  void pop_front() noexcept {
    bufs_[head_++].reset();  // the buffer is freed now, not at the next compaction
    if (head_ == bufs_.size()) clear();
  }
  void pop_back() noexcept {
    bufs_.pop_back();
    if (head_ == bufs_.size()) clear();
  }
  void clear() noexcept {
    bufs_.clear();  // keeps the capacity
    head_ = 0;
  }

 private:
  static constexpr std::size_t kCompactAfter = 64;
  std::vector<SharedBuf> bufs_;
  std::size_t head_ = 0;
};

}  // namespace lobbyd::net
