#include "modules/lua_vm.h"

#include <lua.hpp>

#include <cstdlib>
#include <cstring>

namespace lobbyd::modules {

// Lua is C: an error is a longjmp. Every function here that calls into Lua
// while an error may be raised holds no C++ object with a destructor; the
// host's own values live in the caller, outside the protected call.

namespace {

constexpr int kHookEvery = 1000;  // VM instructions between two budget checks

// Runs after the standard libraries are open: what a rules engine must not
// have goes, pairs() gets a fixed order, setmetatable refuses finalizers
// (a __gc would run at a time no replay can reproduce).
constexpr char kPrelude[] = R"lua(
local next, type, sort, tostring, rawget, rawsetmt = next, type, table.sort, tostring, rawget, setmetatable
load, loadfile, dofile, require, collectgarbage, print = nil, nil, nil, nil, nil, nil
string.dump = nil
math.random, math.randomseed = nil, nil
getmetatable("").__metatable = false
local function before(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then return ta < tb end
  if ta == "number" or ta == "string" then return a < b end
  return tostring(a) < tostring(b)
end
function pairs(t)
  local keys, n = {}, 0
  for k in next, t do n = n + 1; keys[n] = k end
  sort(keys, before)
  local i = 0
  return function()
    i = i + 1
    local k = keys[i]
    if k ~= nil then return k, t[k] end
  end
end
function setmetatable(t, mt)
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
    error("__gc metamethods are not allowed in game modules", 2)
  end
  return rawsetmt(t, mt)
end
)lua";

int open_libs(lua_State* L) {
  static constexpr luaL_Reg kLibs[] = {
      {LUA_GNAME, luaopen_base},       {LUA_STRLIBNAME, luaopen_string},
      {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
      {LUA_UTF8LIBNAME, luaopen_utf8},
  };
  for (const luaL_Reg& lib : kLibs) {
    luaL_requiref(L, lib.name, lib.func, 1);
    lua_pop(L, 1);
  }
  // The host's generator, as two globals (the prelude keeps them).
  lua_pushvalue(L, 1);
  lua_setglobal(L, "random");
  lua_pushvalue(L, 2);
  lua_setglobal(L, "shuffle");
  if (luaL_loadbufferx(L, kPrelude, sizeof kPrelude - 1, "=prelude", "t") != LUA_OK) lua_error(L);
  lua_call(L, 0, 0);
  return 0;
}

struct ChunkArgs {
  const char* source;
  std::size_t size;
  const char* name;
  int nresults;
};

int load_and_run(lua_State* L) {
  const auto* a = static_cast<const ChunkArgs*>(lua_touserdata(L, 1));
  lua_pop(L, 1);
  // Text only: a binary chunk could break the VM's own invariants.
  if (luaL_loadbufferx(L, a->source, a->size, a->name, "t") != LUA_OK) lua_error(L);
  lua_call(L, 0, a->nresults);
  return a->nresults;
}

}  // namespace

std::unique_ptr<LuaVm> LuaVm::create(const Limits& limits) {
  std::unique_ptr<LuaVm> vm(new LuaVm(limits));
  vm->L_ = lua_newstate(&LuaVm::allocate, &vm->alloc_);
  if (vm->L_ == nullptr) return nullptr;
  LuaVm* self = vm.get();
  std::memcpy(lua_getextraspace(vm->L_), &self, sizeof self);
  lua_sethook(vm->L_, &LuaVm::count_hook, LUA_MASKCOUNT, kHookEvery);
  if (!vm->open_sandbox()) return nullptr;
  return vm;
}

LuaVm::~LuaVm() {
  if (L_ != nullptr) lua_close(L_);
}

LuaVm& LuaVm::of(lua_State* L) noexcept {
  LuaVm* vm;
  std::memcpy(&vm, lua_getextraspace(L), sizeof vm);
  return *vm;
}

void LuaVm::push_below_(int (*fn)(lua_State*), int nargs) noexcept {
  lua_pushcfunction(L_, fn);
  lua_insert(L_, -(nargs + 1));
}
void LuaVm::push_pointer_(void* p) noexcept { lua_pushlightuserdata(L_, p); }
void* LuaVm::to_pointer_(lua_State* L) noexcept {
  void* p = lua_touserdata(L, -1);
  lua_pop(L, 1);
  return p;
}

bool LuaVm::open_sandbox() {
  lua_pushcfunction(L_, open_libs);
  lua_pushcfunction(L_, &LuaVm::lua_random);
  lua_pushcfunction(L_, &LuaVm::lua_shuffle);
  return !pcall(2, 0).has_value();
}

std::optional<std::string> LuaVm::run_chunk(std::string_view source, const std::string& chunkname,
                                            int nresults) {
  ChunkArgs args{source.data(), source.size(), chunkname.c_str(), nresults};
  lua_pushcfunction(L_, load_and_run);
  lua_pushlightuserdata(L_, &args);
  return pcall(1, nresults);
}

std::optional<std::string> LuaVm::pcall(int nargs, int nresults) {
  used_instructions_ = 0;
  over_budget_ = false;
  const int status = lua_pcall(L_, nargs, nresults, 0);
  if (over_budget_) lua_sethook(L_, &LuaVm::count_hook, LUA_MASKCOUNT, kHookEvery);
  if (status == LUA_OK) return std::nullopt;
  std::string why;
  if (over_budget_) {
    why = "instruction budget exceeded (" + std::to_string(limits_.instructions_per_call) +
          " per call)";
  } else if (status == LUA_ERRMEM) {
    why = "memory limit exceeded (" + std::to_string(limits_.memory_bytes) + " bytes)";
  } else if (lua_type(L_, -1) == LUA_TSTRING) {
    std::size_t n = 0;
    const char* s = lua_tolstring(L_, -1, &n);
    why.assign(s, n);
  } else {
    why = std::string("error object is a ") + luaL_typename(L_, -1) + " value";
  }
  lua_pop(L_, 1);
  return why;
}

void* LuaVm::allocate(void* ud, void* ptr, std::size_t osize, std::size_t nsize) noexcept {
  auto* a = static_cast<Alloc*>(ud);
  const std::size_t old = ptr != nullptr ? osize : 0;  // osize is a type tag for new blocks
  if (nsize == 0) {
    std::free(ptr);
    a->used -= old;
    return nullptr;
  }
  // Only growth can be refused: Lua assumes a shrink always succeeds.
  if (nsize > old && a->used - old + nsize > a->cap) return nullptr;
  void* p = std::realloc(ptr, nsize);
  if (p == nullptr) return nullptr;
  a->used = a->used - old + nsize;
  return p;
}

void LuaVm::count_hook(lua_State* L, lua_Debug*) {
  LuaVm& vm = of(L);
  vm.used_instructions_ += vm.over_budget_ ? 1 : kHookEvery;
  if (vm.used_instructions_ <= vm.limits_.instructions_per_call) return;
  if (!vm.over_budget_) {
    // From now on every instruction fails, so a script that catches the
    // error with pcall and loops cannot outlive its budget.
    vm.over_budget_ = true;
    lua_sethook(L, &LuaVm::count_hook, LUA_MASKCOUNT, 1);
  }
  luaL_error(L, "instruction budget exceeded");
}

int LuaVm::lua_random(lua_State* L) {
  LuaVm& vm = of(L);
  if (!vm.random_allowed_ || vm.rng_ == nullptr) {
    return luaL_error(L, "random() is available only in init, play and forfeit");
  }
  const lua_Integer n = luaL_checkinteger(L, 1);
  if (n < 1) return luaL_argerror(L, 1, "must be at least 1");
  lua_pushinteger(L, static_cast<lua_Integer>(vm.rng_->below(static_cast<std::uint64_t>(n))) + 1);
  return 1;
}

int LuaVm::lua_shuffle(lua_State* L) {
  LuaVm& vm = of(L);
  if (!vm.random_allowed_ || vm.rng_ == nullptr) {
    return luaL_error(L, "shuffle() is available only in init, play and forfeit");
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  // The library's Fisher-Yates (games::Rng::shuffle), on t[1..#t].
  const lua_Unsigned n = lua_rawlen(L, 1);
  for (lua_Unsigned i = n; i > 1; --i) {
    const auto j = static_cast<lua_Integer>(vm.rng_->below(i)) + 1;
    lua_rawgeti(L, 1, static_cast<lua_Integer>(i));
    lua_rawgeti(L, 1, j);
    lua_rawseti(L, 1, static_cast<lua_Integer>(i));
    lua_rawseti(L, 1, j);
  }
  lua_settop(L, 1);
  return 1;
}

}  // namespace lobbyd::modules
