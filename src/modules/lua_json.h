#pragma once
// Lua values to JSON, for views, results and the module's description.
// Internal to src/modules. Raw reads only (lua_next, lua_rawgeti, strings
// as they are): no metamethod runs, nothing allocates inside Lua, nothing
// raises, so it may run outside a protected call.
//
//   nil -> null, boolean, integer, float (finite only), string (UTF-8 only),
//   table with keys 1..n -> array (an empty table too), table with string
//   keys -> object; anything else (a function, a mix of keys, a cycle or a
//   nesting deeper than kMaxDepth, more than kMaxNodes values) is an error.
#include <cstddef>
#include <optional>
#include <string>

#include "games/game.h"

struct lua_State;

namespace lobbyd::modules {

inline constexpr int kMaxDepth = 32;
inline constexpr std::size_t kMaxNodes = 100'000;

// The value at `idx` into `out`; nullopt on success, else why not ("a
// function cannot be sent in a view (at .board[2])").
std::optional<std::string> lua_to_json(lua_State* L, int idx, games::Json& out);

}  // namespace lobbyd::modules
