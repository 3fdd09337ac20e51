// The profiler's recorder: per-thread state, the zone hot path, switching,
// memory ownership and snapshots. Reports are in export.cpp.
//
// Memory model (see docs/profiler.md, "How it works"):
//  - g_hot is the only shared word the hot path reads. It changes on every
//    switch (enable, disable, reset), so a zone compares the word at its end
//    with the one at its begin and drops itself when they differ.
//  - Each thread records into its own Block (one per thread per session):
//    single-writer relaxed atomics, published to readers with release stores;
//    each zone record is a seqlock so a snapshot never sees half a zone.
//  - Only a block's owner may touch it on the hot path, so only the owner (or
//    the thread's exit) may free it: reset() frees the blocks of exited threads
//    and of the calling thread at once and retires the others; a retired
//    block's owner frees it on its next zone (the hot word keeps a "pending"
//    bit for up to 1 s so that even a switched-off zone looks), or at its exit.
#include "prof/profiler.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <new>
#include <optional>
#include <sstream>
#include <thread>

#include "prof/clock.h"

namespace lobbyd::prof {
namespace detail {

alignas(64) std::atomic<std::uint64_t> g_hot{0};

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::uint64_t kPendingBit = 1;
constexpr std::uint64_t kEnabledBit = 2;
constexpr std::uint32_t kNoNode = 0xffffffffu;
constexpr unsigned kHashBits = 13;
constexpr std::uint32_t kHashSlots = 1u << kHashBits;
constexpr auto kAckGrace = std::chrono::seconds(1);
static_assert(kHashSlots >= 2 * kMaxNodes, "node hash must stay at most half full");
static_assert(kMaxZones < 4096 && kMaxNodes <= 4096, "node keys pack parent<<12 | zone");
static_assert(kMaxDepth < 4096, "ring events pack the depth in 12 bits");

// Single-writer increment: a relaxed load and store, no locked instruction.
inline void bump(std::atomic<std::uint64_t>& a, std::uint64_t v) noexcept {
  a.store(a.load(std::memory_order_relaxed) + v, std::memory_order_relaxed);
}

}  // namespace

struct Frame {
  std::uint64_t key;    // g_hot (without the pending bit) when the zone began
  std::uint64_t t0;     // ticks
  std::uint64_t child;  // ticks spent in recorded child zones
  std::uint32_t zone;
  std::uint32_t node;  // call-tree node, kNoNode when outside the tree
};

// Figures of one zone on one thread. seq is odd while the owner updates them.
struct ZoneRec {
  std::atomic<std::uint64_t> seq;
  std::atomic<std::uint64_t> calls, total, self, max;
  std::atomic<std::uint64_t> hist[kHistBuckets];
};

struct Node {
  std::uint16_t parent;  // written once before node_count publishes the node
  std::uint16_t zone;
  std::atomic<std::uint64_t> calls, total;  // updated under the zone record's seq
};

struct RingEntry {
  std::atomic<std::uint64_t> t0;
  std::atomic<std::uint64_t> meta;  // dur (40 bits) << 24 | zone << 12 | depth
};

// One thread's figures for one session. Allocated by the owner's first zone
// after an enable; freed by reset() (see above).
struct Block {
  std::uint64_t session = 0;
  ThreadState* owner = nullptr;  // registry mutex; null once the thread exited
  std::uint32_t thread_index = 0;
  std::string thread_name;  // registry mutex
  std::size_t bytes = 0;    // this block and its ring
  bool mem_exhausted = false;  // owner only
  std::atomic<std::uint64_t> drop_depth, drop_nodes, drop_mem;
  std::atomic<std::uint32_t> node_count;
  std::uint64_t ring_mask = 0;
  RingEntry* ring = nullptr;
  std::atomic<std::uint64_t> ring_head;
  std::atomic<ZoneRec*> recs[kMaxZones + 1];
  Node nodes[kMaxNodes];
  std::uint32_t hkey[kHashSlots];  // owner only: (parent << 12 | zone) + 1, 0 = empty
  std::uint16_t hval[kHashSlots];  // owner only: node index
};

struct ThreadState {
  std::uint64_t cur_key = ~std::uint64_t{0};  // owner: the key it last synced to
  Block* block = nullptr;                     // owner (and the registry for the caller)
  std::uint32_t depth = 0;                    // owner
  std::uint32_t index = 0;
  std::uint64_t refused_session = 0;  // registry mutex
  std::string name;                   // registry mutex
  Frame frames[kMaxDepth];            // owner
};

namespace {

ThreadState g_initial;  // t_ts before a thread's first zone (never matches a key)
ThreadState g_dead;     // t_ts after the thread's exit hook ran
constinit thread_local ThreadState* t_ts = &g_initial;

struct ExitHook {
  bool armed = false;
  ~ExitHook();
};
thread_local ExitHook t_exit;

struct Registry {
  std::mutex mu;
  std::condition_variable cv;
  bool enabled = false;
  std::uint64_t gen = 1;
  std::uint64_t session = 1;
  std::uint64_t on_serial = 0;  // bumped by each enable (auto-off targets one on-period)
  std::vector<Block*> blocks;   // this session's
  std::vector<Block*> retired;  // earlier sessions', owner alive and not yet acknowledged
  std::vector<ThreadState*> threads;
  std::uint32_t next_thread = 0;
  std::atomic<std::size_t> bytes{0};
  std::atomic<std::size_t> limit{std::size_t{256} << 20};
  std::size_t ring_capacity = 0;
  std::uint32_t zone_count = 0;
  std::vector<ZoneInfo> zones{ZoneInfo{"<root>", "", 0}};
  std::uint64_t zones_dropped = 0;
  std::uint64_t threads_dropped = 0;
  // Time base.
  bool calibrated = false;
  std::uint64_t cal_ticks = 0;
  SteadyClock::time_point cal_time;
  double tpn = 1.0;  // ticks per ns
  std::uint64_t session_start = 0;  // ticks at the session's first enable; 0: none yet
  std::uint64_t on_since = 0;
  std::uint64_t on_accum = 0;
  std::function<std::uint64_t()> busy_source;
  std::uint64_t busy_at_on = 0;
  std::uint64_t busy_accum = 0;
  // Watchdog: auto-off and the end of the acknowledgement grace period.
  double auto_off_s = 0;
  std::optional<SteadyClock::time_point> off_deadline;
  std::optional<SteadyClock::time_point> grace_deadline;
  bool grace_over = false;
  bool watchdog_running = false;
  std::filesystem::path out_dir;
  std::vector<std::filesystem::path> last_written;
};

Registry& reg() {
  static Registry* r = new Registry;  // never destroyed: threads may exit after main
  return *r;
}

void publish_locked(Registry& r) {
  const bool pending = !r.retired.empty() && !r.grace_over;
  std::uint64_t w = 0;
  if (r.enabled || pending) {
    w = (r.gen << 2) | (r.enabled ? kEnabledBit : 0) | (pending ? kPendingBit : 0);
  }
  g_hot.store(w, std::memory_order_release);
}

void free_block_locked(Registry& r, Block* b) {
  std::size_t freed = b->bytes;
  for (auto& slot : b->recs) {
    if (ZoneRec* rec = slot.load(std::memory_order_acquire)) {
      delete rec;
      freed += sizeof(ZoneRec);
    }
  }
  delete[] b->ring;
  delete b;
  r.bytes.fetch_sub(freed, std::memory_order_relaxed);
}

void release_retired_locked(Registry& r, Block* b) {
  auto it = std::find(r.retired.begin(), r.retired.end(), b);
  if (it != r.retired.end()) r.retired.erase(it);
  free_block_locked(r, b);
  if (r.retired.empty()) {
    r.grace_deadline.reset();
    publish_locked(r);
  }
}

std::uint32_t new_node(Block* b, std::uint32_t parent, std::uint32_t zone, std::uint32_t slot,
                       std::uint32_t key) noexcept {
  const std::uint32_t n = b->node_count.load(std::memory_order_relaxed);
  if (n >= kMaxNodes) return kNoNode;
  b->nodes[n].parent = static_cast<std::uint16_t>(parent);
  b->nodes[n].zone = static_cast<std::uint16_t>(zone);
  b->node_count.store(n + 1, std::memory_order_release);
  b->hkey[slot] = key;
  b->hval[slot] = static_cast<std::uint16_t>(n);
  return n;
}

// The child of `parent` for `zone`, created on first use (owner only).
inline std::uint32_t child_node(Block* b, std::uint32_t parent, std::uint32_t zone) noexcept {
  const std::uint32_t key = ((parent << 12) | zone) + 1;
  std::uint32_t h = (key * 0x9E3779B1u) >> (32 - kHashBits);
  for (;;) {
    const std::uint32_t k = b->hkey[h];
    if (k == key) return b->hval[h];
    if (k == 0) return new_node(b, parent, zone, h, key);
    h = (h + 1) & (kHashSlots - 1);
  }
}

Block* new_block_locked(Registry& r, ThreadState* ts) {
  auto refuse = [&]() -> Block* {
    if (ts->refused_session != r.session) {
      ts->refused_session = r.session;
      ++r.threads_dropped;
    }
    return nullptr;
  };
  if (r.blocks.size() >= kMaxThreads) return refuse();
  const std::size_t ring_bytes = r.ring_capacity * sizeof(RingEntry);
  const std::size_t need = sizeof(Block) + ring_bytes;
  if (r.bytes.load(std::memory_order_relaxed) + need > r.limit.load(std::memory_order_relaxed)) {
    return refuse();
  }
  Block* b = new (std::nothrow) Block();  // value-initialised: zeroed
  if (b == nullptr) return refuse();
  if (r.ring_capacity != 0) {
    b->ring = new (std::nothrow) RingEntry[r.ring_capacity]();
    if (b->ring == nullptr) {
      delete b;
      return refuse();
    }
    b->ring_mask = r.ring_capacity - 1;
  }
  try {
    r.blocks.push_back(b);
  } catch (...) {
    delete[] b->ring;
    delete b;
    return refuse();
  }
  b->session = r.session;
  b->owner = ts;
  b->thread_index = ts->index;
  b->thread_name = ts->name;
  b->bytes = need;
  b->node_count.store(1, std::memory_order_release);  // node 0: the root
  r.bytes.fetch_add(need, std::memory_order_relaxed);
  return b;
}

// Re-derive the call-tree nodes of the zones still open on this thread in a
// new block, so zones begun now attach to the right path. (The open zones
// themselves began under an older key and will be dropped.)
void rebuild_frames(ThreadState* ts, Block* b) {
  std::uint32_t node = 0;
  for (std::uint32_t i = 0; i < ts->depth; ++i) {
    if (node != kNoNode) node = child_node(b, node, ts->frames[i].zone);
    ts->frames[i].node = node;
  }
}

ThreadState* register_thread_locked(Registry& r) {
  ThreadState* ts = new (std::nothrow) ThreadState();
  if (ts == nullptr) return nullptr;
  try {
    ts->name = "thread-" + std::to_string(r.next_thread);
    r.threads.push_back(ts);
  } catch (...) {
    delete ts;
    return nullptr;
  }
  ts->index = r.next_thread++;
  r.bytes.fetch_add(sizeof(ThreadState), std::memory_order_relaxed);
  t_ts = ts;
  t_exit.armed = true;
  return ts;
}

// Slow path of a zone's begin after a switch: registers the thread, frees its
// retired block, allocates its block for the current session.
ThreadState* sync_thread(ThreadState* ts) noexcept {
  if (ts == &g_dead) return nullptr;
  Registry& r = reg();
  std::lock_guard lk(r.mu);
  if (ts == &g_initial) {
    ts = register_thread_locked(r);
    if (ts == nullptr) return nullptr;
  }
  const std::uint64_t w = g_hot.load(std::memory_order_relaxed);
  const std::uint64_t key = w & ~kPendingBit;
  Block* b = ts->block;
  if (b != nullptr && b->session != r.session) {
    ts->block = nullptr;
    release_retired_locked(r, b);
    b = nullptr;
  }
  if ((key & kEnabledBit) != 0 && b == nullptr) {
    b = new_block_locked(r, ts);
    ts->block = b;
    if (b != nullptr) rebuild_frames(ts, b);
  }
  ts->cur_key = key;
  return ts;
}

void on_thread_exit() noexcept {
  ThreadState* ts = t_ts;
  if (ts == &g_initial || ts == &g_dead) return;
  Registry& r = reg();
  std::lock_guard lk(r.mu);
  if (Block* b = ts->block) {
    if (b->session == r.session) {
      b->owner = nullptr;  // the figures stay until reset()
    } else {
      release_retired_locked(r, b);
    }
  }
  auto it = std::find(r.threads.begin(), r.threads.end(), ts);
  if (it != r.threads.end()) r.threads.erase(it);
  delete ts;
  r.bytes.fetch_sub(sizeof(ThreadState), std::memory_order_relaxed);
  t_ts = &g_dead;
}

ExitHook::~ExitHook() {
  if (armed) on_thread_exit();
}

std::uint32_t register_zone(ZoneDesc& d) noexcept {
  Registry& r = reg();
  std::lock_guard lk(r.mu);
  std::uint32_t id = d.id.load(std::memory_order_relaxed);
  if (id != 0) return id;
  if (r.zone_count >= kMaxZones) {
    ++r.zones_dropped;
    id = ZoneDesc::kNoId;
  } else {
    try {
      r.zones.push_back(ZoneInfo{d.name ? d.name : "?", d.file ? d.file : "", d.line});
    } catch (...) {
      return ZoneDesc::kNoId;  // not stored: tried again next time
    }
    id = ++r.zone_count;
  }
  d.id.store(id, std::memory_order_relaxed);
  return id;
}

ZoneRec* alloc_rec(Block* b, std::uint32_t id) noexcept {
  if (!b->mem_exhausted) {
    Registry& r = reg();
    constexpr std::size_t sz = sizeof(ZoneRec);
    if (r.bytes.fetch_add(sz, std::memory_order_relaxed) + sz <=
        r.limit.load(std::memory_order_relaxed)) {
      if (ZoneRec* rec = new (std::nothrow) ZoneRec()) {
        b->recs[id].store(rec, std::memory_order_release);
        return rec;
      }
    }
    r.bytes.fetch_sub(sz, std::memory_order_relaxed);
    b->mem_exhausted = true;
  }
  bump(b->drop_mem, 1);
  return nullptr;
}

}  // namespace

Handle zone_begin(ZoneDesc& d, std::uint64_t w) noexcept {
  ThreadState* ts = t_ts;
  std::uint64_t key = w & ~kPendingBit;
  if (ts->cur_key != key) [[unlikely]] {
    ts = sync_thread(ts);
    if (ts == nullptr) return {nullptr, 0};
    key = ts->cur_key;
  }
  if ((key & kEnabledBit) == 0) return {nullptr, 0};
  Block* const b = ts->block;
  if (b == nullptr) return {nullptr, 0};
  std::uint32_t id = d.id.load(std::memory_order_relaxed);
  if (id == 0) [[unlikely]] id = register_zone(d);
  if (id > kMaxZones) [[unlikely]] return {nullptr, 0};
  const std::uint32_t depth = ts->depth;
  if (depth >= kMaxDepth) [[unlikely]] {
    bump(b->drop_depth, 1);
    return {nullptr, 0};
  }
  const std::uint32_t parent = depth != 0 ? ts->frames[depth - 1].node : 0;
  std::uint32_t node = kNoNode;
  if (parent != kNoNode) [[likely]] node = child_node(b, parent, id);
  if (node == kNoNode) [[unlikely]] bump(b->drop_nodes, 1);
  Frame& f = ts->frames[depth];
  f.key = key;
  f.zone = id;
  f.node = node;
  f.child = 0;
  ts->depth = depth + 1;
  f.t0 = ticks();
  return {ts, depth};
}

void zone_end(ThreadState* ts, std::uint32_t depth) noexcept {
  const std::uint64_t t1 = ticks();
  if (t_ts != ts) [[unlikely]] return;  // ended on another thread, or after thread exit
  if (ts->depth <= depth) [[unlikely]] return;  // already unwound
  ts->depth = depth;                            // also pops inner zones left open
  const Frame& f = ts->frames[depth];
  if ((g_hot.load(std::memory_order_relaxed) & ~kPendingBit) != f.key) return;  // straddled
  // Copies: the stores below are atomics the compiler must assume may alias.
  const std::uint64_t t0 = f.t0;
  const std::uint64_t child = f.child;
  const std::uint32_t zone = f.zone;
  const std::uint32_t node = f.node;
  const std::uint64_t dur = t1 > t0 ? t1 - t0 : 0;
  if (depth != 0) ts->frames[depth - 1].child += dur;
  Block* const b = ts->block;  // the block of f.key: a new block needs a new key
  ZoneRec* rec = b->recs[zone].load(std::memory_order_relaxed);
  if (rec == nullptr) [[unlikely]] {
    rec = alloc_rec(b, zone);
    if (rec == nullptr) return;
  }
  const std::uint64_t self = dur > child ? dur - child : 0;
  const std::uint64_t s = rec->seq.load(std::memory_order_relaxed);
  rec->seq.store(s + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  bump(rec->calls, 1);
  bump(rec->total, dur);
  bump(rec->self, self);
  if (dur > rec->max.load(std::memory_order_relaxed)) {
    rec->max.store(dur, std::memory_order_relaxed);
  }
  bump(rec->hist[hist::bucket_of(dur)], 1);
  if (node != kNoNode) [[likely]] {
    Node& n = b->nodes[node];
    bump(n.calls, 1);
    bump(n.total, dur);
  }
  rec->seq.store(s + 2, std::memory_order_release);
  if (RingEntry* const ring = b->ring) {
    const std::uint64_t h = b->ring_head.load(std::memory_order_relaxed);
    RingEntry& e = ring[h & b->ring_mask];
    std::atomic_thread_fence(std::memory_order_release);  // pairs with the reader's re-check
    constexpr std::uint64_t kDurMax = (std::uint64_t{1} << 40) - 1;
    e.t0.store(t0, std::memory_order_relaxed);
    e.meta.store((dur < kDurMax ? dur : kDurMax) << 24 | std::uint64_t{zone} << 12 | depth,
                 std::memory_order_relaxed);
    b->ring_head.store(h + 1, std::memory_order_release);
  }
}

namespace {

// ---------------------------------------------------------------------------
// Control side.

void calibrate_locked(Registry& r) {
  if (r.calibrated) return;
  r.calibrated = true;
  if constexpr (kTicksAreNs) {
    r.tpn = 1.0;
    return;
  }
  // A first estimate over 2 ms; refine_locked() improves it with the time
  // elapsed since (the error falls as 1 / interval).
  const auto t0 = SteadyClock::now();
  const std::uint64_t c0 = ticks();
  SteadyClock::time_point t1;
  do {
    t1 = SteadyClock::now();
  } while (t1 - t0 < std::chrono::milliseconds(2));
  const std::uint64_t c1 = ticks();
  const double ns = std::chrono::duration<double, std::nano>(t1 - t0).count();
  r.tpn = ns > 0 && c1 > c0 ? static_cast<double>(c1 - c0) / ns : 1.0;
  r.cal_ticks = c0;
  r.cal_time = t0;
}

void refine_locked(Registry& r) {
  if constexpr (kTicksAreNs) return;
  if (!r.calibrated) return;
  const auto now = SteadyClock::now();
  const std::uint64_t c = ticks();
  const double ns = std::chrono::duration<double, std::nano>(now - r.cal_time).count();
  if (ns >= 2e8 && c > r.cal_ticks) r.tpn = static_cast<double>(c - r.cal_ticks) / ns;
}

std::uint64_t sample_busy(Registry& r) {
  std::function<std::uint64_t()> src;
  {
    std::lock_guard lk(r.mu);
    src = r.busy_source;
  }
  return src ? src() : 0;
}

void disable_impl(Registry& r, std::optional<std::uint64_t> expect_serial);

void watchdog_main(Registry& r) {
  std::unique_lock lk(r.mu);
  for (;;) {
    std::optional<SteadyClock::time_point> next = r.off_deadline;
    if (r.grace_deadline && (!next || *r.grace_deadline < *next)) next = r.grace_deadline;
    if (!next) {
      r.cv.wait(lk);
      continue;
    }
    r.cv.wait_until(lk, *next);
    const auto now = SteadyClock::now();
    if (r.grace_deadline && now >= *r.grace_deadline) {
      r.grace_deadline.reset();
      r.grace_over = true;  // stragglers free their memory at their next sync or exit
      publish_locked(r);
    }
    if (r.off_deadline && now >= *r.off_deadline) {
      r.off_deadline.reset();
      const std::uint64_t serial = r.on_serial;
      lk.unlock();
      disable_impl(r, serial);
      lk.lock();
    }
  }
}

void ensure_watchdog_locked(Registry& r) {
  if (!r.watchdog_running) {
    r.watchdog_running = true;
    std::thread([&r] { watchdog_main(r); }).detach();
  }
  r.cv.notify_all();
}

Snapshot snapshot_of(Registry& r);

void disable_impl(Registry& r, std::optional<std::uint64_t> expect_serial) {
  const std::uint64_t busy = sample_busy(r);
  std::filesystem::path dir;
  {
    std::lock_guard lk(r.mu);
    if (!r.enabled) return;
    if (expect_serial && *expect_serial != r.on_serial) return;
    r.enabled = false;
    ++r.gen;
    publish_locked(r);
    const std::uint64_t now = ticks();
    r.on_accum += now > r.on_since ? now - r.on_since : 0;
    if (r.busy_source) r.busy_accum += busy > r.busy_at_on ? busy - r.busy_at_on : 0;
    r.off_deadline.reset();
    dir = r.out_dir;
  }
  if (!dir.empty()) {
    auto files = write_all(dir, snapshot_of(r), 0);
    std::lock_guard lk(r.mu);
    r.last_written = std::move(files);
  }
}

// Copies one block. Called with the registry mutex held, so the block cannot
// be freed; its owner may be writing concurrently.
ThreadProfile copy_block(const Registry& r, Block* b) {
  ThreadProfile t;
  t.index = b->thread_index;
  t.name = b->thread_name;
  t.exited = b->owner == nullptr;
  t.dropped_depth = b->drop_depth.load(std::memory_order_relaxed);
  t.dropped_nodes = b->drop_nodes.load(std::memory_order_relaxed);
  t.dropped_memory = b->drop_mem.load(std::memory_order_relaxed);
  const double tpn = r.tpn;
  auto to_ns = [tpn](std::uint64_t ticks) {
    return static_cast<std::uint64_t>(static_cast<double>(ticks) / tpn + 0.5);
  };

  // A node created after we listed the nodes may already hold calls counted
  // in its zone's record: if the node count moved while we copied, again.
  std::uint32_t nn = 0;
  std::vector<std::uint64_t> ncalls, ntotal;
  for (int pass = 0; pass < 8; ++pass) {
    nn = b->node_count.load(std::memory_order_acquire);
    ncalls.assign(nn, 0);
    ntotal.assign(nn, 0);
    t.nodes.assign(nn, TreeNode{});
    t.zones.clear();
    std::vector<std::vector<std::uint32_t>> nodes_of(r.zone_count + 1);
    for (std::uint32_t i = 0; i < nn; ++i) {
      t.nodes[i].parent = b->nodes[i].parent;
      t.nodes[i].zone = b->nodes[i].zone;
      if (i != 0 && t.nodes[i].zone <= r.zone_count) nodes_of[t.nodes[i].zone].push_back(i);
    }
    for (std::uint32_t id = 1; id <= r.zone_count; ++id) {
      ZoneRec* rec = b->recs[id].load(std::memory_order_acquire);
      if (rec == nullptr) continue;
      ZoneStats z;
      z.zone = id;
      std::uint64_t calls = 0, total = 0, self = 0, mx = 0;
      // Scalars and this zone's tree nodes: consistent (seqlock), retried.
      for (int attempt = 0; attempt < 1000; ++attempt) {
        const std::uint64_t s1 = rec->seq.load(std::memory_order_acquire);
        if (s1 & 1) {
          std::this_thread::yield();
          continue;
        }
        calls = rec->calls.load(std::memory_order_relaxed);
        total = rec->total.load(std::memory_order_relaxed);
        self = rec->self.load(std::memory_order_relaxed);
        mx = rec->max.load(std::memory_order_relaxed);
        for (std::uint32_t n : nodes_of[id]) {
          ncalls[n] = b->nodes[n].calls.load(std::memory_order_relaxed);
          ntotal[n] = b->nodes[n].total.load(std::memory_order_relaxed);
        }
        std::atomic_thread_fence(std::memory_order_acquire);
        if (rec->seq.load(std::memory_order_relaxed) == s1) break;
      }
      // The histogram: retried a few times; under a very hot writer it may be
      // a few calls apart from `calls` (percentiles use its own sum).
      for (int attempt = 0; attempt < 16; ++attempt) {
        const std::uint64_t s1 = rec->seq.load(std::memory_order_acquire);
        for (unsigned i = 0; i < kHistBuckets; ++i) {
          z.hist[i] = rec->hist[i].load(std::memory_order_relaxed);
        }
        std::atomic_thread_fence(std::memory_order_acquire);
        if ((s1 & 1) == 0 && rec->seq.load(std::memory_order_relaxed) == s1) break;
      }
      if (calls == 0) continue;
      z.calls = calls;
      z.total_ns = to_ns(total);
      z.self_ns = to_ns(self);
      z.max_ns = to_ns(mx);
      t.zones.push_back(z);
    }
    if (b->node_count.load(std::memory_order_acquire) == nn) break;
  }

  // Node figures; self = total - children's totals (in ticks, then ns).
  std::vector<std::uint64_t> child_total(nn, 0);
  for (std::uint32_t i = 1; i < nn; ++i) {
    if (t.nodes[i].parent < nn) child_total[t.nodes[i].parent] += ntotal[i];
  }
  for (std::uint32_t i = 1; i < nn; ++i) {
    t.nodes[i].calls = ncalls[i];
    t.nodes[i].total_ns = to_ns(ntotal[i]);
    t.nodes[i].self_ns = to_ns(ntotal[i] > child_total[i] ? ntotal[i] - child_total[i] : 0);
  }

  // The event ring: entries [head - cap, head) are candidates; those the
  // owner may have overwritten while we copied are discarded.
  if (b->ring != nullptr) {
    const std::uint64_t cap = b->ring_mask + 1;
    const std::uint64_t h1 = b->ring_head.load(std::memory_order_acquire);
    const std::uint64_t first = h1 > cap ? h1 - cap : 0;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> raw;
    raw.reserve(h1 - first);
    for (std::uint64_t i = first; i < h1; ++i) {
      const RingEntry& e = b->ring[i & b->ring_mask];
      raw.emplace_back(e.t0.load(std::memory_order_relaxed),
                       e.meta.load(std::memory_order_relaxed));
    }
    std::atomic_thread_fence(std::memory_order_acquire);
    const std::uint64_t h2 = b->ring_head.load(std::memory_order_relaxed);
    const std::uint64_t valid_from = h2 >= cap ? h2 - cap + 1 : 0;
    t.events.reserve(raw.size());
    for (std::uint64_t i = std::max(first, valid_from); i < h1; ++i) {
      const auto [t0, meta] = raw[i - first];
      Event ev;
      ev.start_ns = t0 > r.session_start ? to_ns(t0 - r.session_start) : 0;
      ev.dur_ns = to_ns(meta >> 24);
      ev.zone = static_cast<std::uint32_t>((meta >> 12) & 0xfff);
      ev.depth = static_cast<std::uint32_t>(meta & 0xfff);
      t.events.push_back(ev);
    }
    std::sort(t.events.begin(), t.events.end(), [](const Event& a, const Event& c) {
      return a.start_ns != c.start_ns ? a.start_ns < c.start_ns : a.depth < c.depth;
    });
  }
  return t;
}

Snapshot snapshot_of(Registry& r) {
  const std::uint64_t busy = sample_busy(r);
  Snapshot s;
  std::lock_guard lk(r.mu);
  refine_locked(r);
  const std::uint64_t now = ticks();
  s.enabled = r.enabled;
  s.ticks_per_ns = r.tpn;
  std::uint64_t on = r.on_accum;
  if (r.enabled && now > r.on_since) on += now - r.on_since;
  s.profiled_ns = static_cast<std::uint64_t>(static_cast<double>(on) / r.tpn);
  s.busy_ns = r.busy_accum;
  if (r.enabled && r.busy_source && busy > r.busy_at_on) s.busy_ns += busy - r.busy_at_on;
  s.now_ns = r.session_start != 0 && now > r.session_start
                 ? static_cast<std::uint64_t>(static_cast<double>(now - r.session_start) / r.tpn)
                 : 0;
  s.memory_bytes = r.bytes.load(std::memory_order_relaxed);
  s.memory_limit = r.limit.load(std::memory_order_relaxed);
  s.ring_capacity = r.ring_capacity;
  s.threads_dropped = r.threads_dropped;
  s.zones_dropped = r.zones_dropped;
  s.zones = r.zones;
  s.threads.reserve(r.blocks.size());
  for (Block* b : r.blocks) s.threads.push_back(copy_block(r, b));
  std::sort(s.threads.begin(), s.threads.end(),
            [](const ThreadProfile& a, const ThreadProfile& b) { return a.index < b.index; });
  return s;
}

}  // namespace
}  // namespace detail

// ---------------------------------------------------------------------------
// Public API.

using detail::reg;

Profiler& Profiler::instance() noexcept {
  static Profiler p;
  return p;
}

void Profiler::enable() {
  auto& r = reg();
  const std::uint64_t busy = detail::sample_busy(r);
  std::lock_guard lk(r.mu);
  if (r.enabled) return;
  detail::calibrate_locked(r);
  const std::uint64_t now = detail::ticks();
  if (r.session_start == 0) r.session_start = now;
  r.on_since = now;
  r.busy_at_on = busy;
  r.enabled = true;
  ++r.on_serial;
  ++r.gen;
  detail::publish_locked(r);
  if (r.auto_off_s > 0) {
    r.off_deadline = detail::SteadyClock::now() +
                     std::chrono::duration_cast<detail::SteadyClock::duration>(
                         std::chrono::duration<double>(r.auto_off_s));
    detail::ensure_watchdog_locked(r);
  }
}

void Profiler::disable() { detail::disable_impl(reg(), std::nullopt); }

void Profiler::reset() {
  auto& r = reg();
  const std::uint64_t busy = detail::sample_busy(r);
  std::lock_guard lk(r.mu);
  ++r.session;
  ++r.gen;
  detail::ThreadState* self = detail::t_ts;
  for (detail::Block* b : r.blocks) {
    if (b->owner == nullptr) {
      detail::free_block_locked(r, b);  // its thread has exited
    } else if (b->owner == self) {
      self->block = nullptr;  // ours: we are not inside our own hot path
      detail::free_block_locked(r, b);
    } else {
      r.retired.push_back(b);  // its owner frees it at its next zone or exit
    }
  }
  r.blocks.clear();
  if (self->block != nullptr && self->block->session != r.session) {
    detail::Block* mine = self->block;  // retired by an earlier reset, not yet released
    self->block = nullptr;
    detail::release_retired_locked(r, mine);
  }
  r.threads_dropped = 0;
  r.on_accum = 0;
  r.busy_accum = 0;
  r.session_start = r.enabled ? detail::ticks() : 0;
  r.on_since = r.session_start;
  r.busy_at_on = busy;
  if (!r.retired.empty()) {
    r.grace_over = false;
    r.grace_deadline = detail::SteadyClock::now() + detail::kAckGrace;
    detail::ensure_watchdog_locked(r);
  }
  detail::publish_locked(r);
}

bool Profiler::enabled() const noexcept {
  return (detail::g_hot.load(std::memory_order_relaxed) & detail::kEnabledBit) != 0;
}

Snapshot Profiler::snapshot() const { return detail::snapshot_of(reg()); }

std::string Profiler::report_text(std::size_t max_zones, std::uint64_t busy_ns) const {
  return format_text(snapshot(), max_zones, busy_ns);
}

std::string Profiler::report_json() const { return format_json(snapshot()); }

void Profiler::write_chrome_trace(std::ostream& os, double last_seconds) const {
  prof::write_chrome_trace(os, snapshot(), last_seconds);
}

void Profiler::write_folded(std::ostream& os, bool thread_roots) const {
  prof::write_folded(os, snapshot(), thread_roots);
}

void Profiler::write_callgrind(std::ostream& os) const { prof::write_callgrind(os, snapshot()); }

std::vector<std::filesystem::path> Profiler::write_all(const std::filesystem::path& dir,
                                                       std::uint64_t busy_ns) const {
  return prof::write_all(dir, snapshot(), busy_ns);
}

std::size_t Profiler::memory_used() const noexcept {
  return reg().bytes.load(std::memory_order_relaxed);
}

void Profiler::set_auto_off(double seconds) {
  auto& r = reg();
  std::lock_guard lk(r.mu);
  r.auto_off_s = seconds > 0 ? seconds : 0;
  if (!r.enabled) return;
  if (r.auto_off_s > 0) {
    r.off_deadline = detail::SteadyClock::now() +
                     std::chrono::duration_cast<detail::SteadyClock::duration>(
                         std::chrono::duration<double>(r.auto_off_s));
    detail::ensure_watchdog_locked(r);
  } else {
    r.off_deadline.reset();
  }
}

void Profiler::set_ring_capacity(std::size_t events_per_thread) {
  std::size_t cap = 0;
  if (events_per_thread != 0) {
    cap = std::bit_ceil(std::min<std::size_t>(events_per_thread, kMaxRingEvents));
  }
  auto& r = reg();
  std::lock_guard lk(r.mu);
  r.ring_capacity = cap;
}

std::size_t Profiler::ring_capacity() const noexcept {
  auto& r = reg();
  std::lock_guard lk(r.mu);
  return r.ring_capacity;
}

void Profiler::set_memory_limit(std::size_t bytes) {
  reg().limit.store(bytes, std::memory_order_relaxed);
}

void Profiler::set_output_dir(std::filesystem::path dir) {
  auto& r = reg();
  std::lock_guard lk(r.mu);
  r.out_dir = std::move(dir);
}

std::vector<std::filesystem::path> Profiler::last_written() const {
  auto& r = reg();
  std::lock_guard lk(r.mu);
  return r.last_written;
}

void Profiler::set_busy_source(std::function<std::uint64_t()> source) {
  auto& r = reg();
  std::lock_guard lk(r.mu);
  r.busy_source = std::move(source);
}

void Profiler::set_thread_name(std::string_view name) {
  detail::ThreadState* ts = detail::t_ts;
  if (ts == &detail::g_dead) return;
  auto& r = reg();
  std::lock_guard lk(r.mu);
  if (ts == &detail::g_initial) {
    ts = detail::register_thread_locked(r);
    if (ts == nullptr) return;
  }
  ts->name = std::string(name);
  if (ts->block != nullptr) ts->block->thread_name = ts->name;
}

}  // namespace lobbyd::prof
