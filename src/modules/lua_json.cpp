#include "modules/lua_json.h"

#include <lua.hpp>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string_view>

#include "base/utf8.h"

namespace lobbyd::modules {
namespace {

struct Walk {
  lua_State* L;
  std::size_t nodes = 0;
  std::string path;  // where we are, for the error: ".board[2]"

  std::optional<std::string> fail(std::string what) const {
    if (!path.empty()) what += " (at " + path + ")";
    return what;
  }

  std::optional<std::string> value(int idx, games::Json& out, int depth) {
    if (++nodes > kMaxNodes) return fail("more than " + std::to_string(kMaxNodes) + " values");
    switch (lua_type(L, idx)) {
      case LUA_TNIL:
        out = nullptr;
        return std::nullopt;
      case LUA_TBOOLEAN:
        out = lua_toboolean(L, idx) != 0;
        return std::nullopt;
      case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
          out = static_cast<std::int64_t>(lua_tointeger(L, idx));
        } else {
          const double d = lua_tonumber(L, idx);
          if (!std::isfinite(d)) return fail("a number that is not finite");
          out = d;
        }
        return std::nullopt;
      case LUA_TSTRING: {
        std::size_t n = 0;
        const char* s = lua_tolstring(L, idx, &n);  // a string already: no conversion
        if (!base::valid_utf8(std::string_view(s, n))) return fail("a string that is not UTF-8");
        out = std::string(s, n);
        return std::nullopt;
      }
      case LUA_TTABLE:
        if (depth >= kMaxDepth) return fail("tables nested deeper than " + std::to_string(kMaxDepth) + " (a cycle?)");
        return table(idx, out, depth);
      default:
        return fail(std::string("a ") + lua_typename(L, lua_type(L, idx)) + " cannot be sent");
    }
  }

  std::optional<std::string> table(int idx, games::Json& out, int depth) {
    idx = lua_absindex(L, idx);
    if (!lua_checkstack(L, 3)) return fail("tables nested too deeply");
    // What kind of keys: 1..n (an array) or strings (an object).
    const lua_Unsigned n = lua_rawlen(L, idx);
    std::size_t count = 0;
    bool strings = true, sequence = true;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
      ++count;
      if (lua_type(L, -2) == LUA_TSTRING) {
        sequence = false;
      } else {
        strings = false;
        if (!lua_isinteger(L, -2) || lua_tointeger(L, -2) < 1 ||
            static_cast<lua_Unsigned>(lua_tointeger(L, -2)) > n) {
          sequence = false;
        }
      }
      lua_pop(L, 1);
    }
    if (count == 0 || (sequence && count == n)) {
      out = games::Json::array();
      const std::size_t here = path.size();
      for (lua_Unsigned i = 1; i <= n; ++i) {
        path += "[" + std::to_string(i) + "]";
        lua_rawgeti(L, idx, static_cast<lua_Integer>(i));
        games::Json item;
        std::optional<std::string> e = value(-1, item, depth + 1);
        lua_pop(L, 1);
        if (e) return e;
        out.push_back(std::move(item));
        path.resize(here);
      }
      return std::nullopt;
    }
    if (!strings) return fail("a table with keys that are neither 1..n nor all strings");
    out = games::Json::object();
    const std::size_t here = path.size();
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
      std::size_t kn = 0;
      const char* k = lua_tolstring(L, -2, &kn);  // a string key: no conversion
      const std::string key(k, kn);
      path += "." + key;
      if (!base::valid_utf8(key)) {
        lua_pop(L, 2);
        return fail("a key that is not UTF-8");
      }
      games::Json item;
      std::optional<std::string> e = value(-1, item, depth + 1);
      if (e) {
        lua_pop(L, 2);
        return e;
      }
      out[key] = std::move(item);
      path.resize(here);
      lua_pop(L, 1);
    }
    return std::nullopt;
  }
};

}  // namespace

std::optional<std::string> lua_to_json(lua_State* L, int idx, games::Json& out) {
  Walk w{L, 0, {}};
  return w.value(lua_absindex(L, idx), out, 0);
}

}  // namespace lobbyd::modules
