#pragma once
// One sandboxed Lua 5.4 state with its budgets: the runtime of a game
// module (docs/modules.md). Internal to src/modules.
//
//   memory        a custom lua_Alloc counts every byte the state holds and
//                 refuses what would pass the cap: the script gets a memory
//                 error (string.rep of a gigabyte, a table that grows for
//                 ever), the process never sees the allocation
//   instructions  a count hook runs every kHookEvery VM instructions and
//                 raises an error once a call has used its budget (an
//                 infinite loop ends within one budget)
//   sandbox       only base (without load, loadfile, dofile, require,
//                 collectgarbage, print), string (without dump), table,
//                 math (without random, randomseed) and utf8; no io, os,
//                 package, debug; the string metatable is locked; pairs()
//                 visits keys in a fixed order (numbers, then strings, each
//                 sorted), so iteration cannot make two replays differ
//   randomness    random(n) and shuffle(t) draw from the table's own
//                 generator (games::Rng, seeded from the table's seed), and
//                 only while the host allows it (init, play, forfeit)
//
// Errors are values: every call runs protected and returns the Lua message
// ("tictactoe@3:12: attempt to index a nil value") or the budget that ran
// out. Not thread-safe: one owner at a time (a table holds it under its
// mutex).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "games/random.h"

struct lua_State;
struct lua_Debug;

namespace lobbyd::modules {

struct Limits {
  std::uint64_t instructions_per_call = 10'000'000;
  std::size_t memory_bytes = 8u << 20;
};

class LuaVm {
 public:
  // A fresh sandboxed state; nullptr only if the cap is too small for the
  // standard libraries themselves.
  static std::unique_ptr<LuaVm> create(const Limits& limits);
  ~LuaVm();
  LuaVm(const LuaVm&) = delete;
  LuaVm& operator=(const LuaVm&) = delete;

  lua_State* L() const noexcept { return L_; }
  const Limits& limits() const noexcept { return limits_; }
  std::size_t memory_used() const noexcept { return alloc_.used; }

  // Compiles `source` (text only; a binary chunk is refused) under
  // `chunkname` and runs it with the arguments on the stack (nargs) leaving
  // nresults values. nullopt on success, else the error text.
  std::optional<std::string> run_chunk(std::string_view source, const std::string& chunkname,
                                       int nresults);
  // lua_pcall under the budget: the function and its nargs arguments are on
  // the stack; leaves nresults values. nullopt on success, else the error.
  std::optional<std::string> pcall(int nargs, int nresults);

  // Runs f(L) as a protected C function under the budget, with the top
  // nargs values of the stack as its arguments 1..nargs: f returns how many
  // results it leaves, nresults of which stay on the stack. f is the host's
  // code inside Lua: while it calls anything in Lua that may raise, it must
  // hold no local with a destructor (an error is a longjmp).
  template <class F>
  std::optional<std::string> protect(F& f, int nresults = 0, int nargs = 0) {
    push_below_(&LuaVm::trampoline<F>, nargs);
    push_pointer_(&f);
    return pcall(nargs + 1, nresults);
  }

  // The generator random()/shuffle() draw from while `allow_random` is set.
  void set_rng(games::Rng* rng) noexcept { rng_ = rng; }
  void allow_random(bool on) noexcept { random_allowed_ = on; }

 private:
  struct Alloc {
    std::size_t used = 0;
    std::size_t cap = 0;
  };
  LuaVm(const Limits& limits) : limits_(limits) { alloc_.cap = limits.memory_bytes; }
  bool open_sandbox();
  static void* allocate(void* ud, void* ptr, std::size_t osize, std::size_t nsize) noexcept;
  static void count_hook(lua_State* L, lua_Debug* ar);
  static int lua_random(lua_State* L);
  static int lua_shuffle(lua_State* L);
  static LuaVm& of(lua_State* L) noexcept;
  template <class F>
  static int trampoline(lua_State* L) {
    F* f = static_cast<F*>(to_pointer_(L));
    return (*f)(L);
  }
  // lua.h stays out of this header; these wrap its three calls.
  void push_below_(int (*fn)(lua_State*), int nargs) noexcept;  // fn under the top nargs
  void push_pointer_(void* p) noexcept;
  static void* to_pointer_(lua_State* L) noexcept;  // the last argument, removed

  Limits limits_;
  Alloc alloc_;
  lua_State* L_ = nullptr;
  std::uint64_t used_instructions_ = 0;  // in the current call
  games::Rng* rng_ = nullptr;
  bool random_allowed_ = false;
  bool over_budget_ = false;
};

}  // namespace lobbyd::modules
