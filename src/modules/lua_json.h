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
#include <span>
#include <string>
#include <string_view>

#include "games/game.h"

struct lua_State;

namespace lobbyd::modules {

inline constexpr int kMaxDepth = 32;
inline constexpr std::size_t kMaxNodes = 100'000;

// The value at `idx` into `out`; nullopt on success, else why not ("a
// function cannot be sent in a view (at .board[2])").
std::optional<std::string> lua_to_json(lua_State* L, int idx, games::Json& out);

// The same value as JSON text, appended to `out` (object keys sorted): what
// lua_to_json gives, without the tree. On an error `out` holds garbage.
std::optional<std::string> lua_to_json_text(lua_State* L, int idx, std::string& out);

// The members of the table at `idx` (string keys, or none), each appended as
// `,"key":value`, sorted by key, those in `skip` left out: a module's view
// fields after the host's. Anything but such a table is an error ("not a
// table" for a value that is not one, or a list).
std::optional<std::string> lua_to_json_members(lua_State* L, int idx, std::span<const std::string_view> skip,
                                               std::string& out);

}  // namespace lobbyd::modules
