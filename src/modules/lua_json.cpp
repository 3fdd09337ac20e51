#include "modules/lua_json.h"

#include <lua.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <iterator>
#include <vector>
#include <nlohmann/json.hpp>
#include <string_view>

#include "base/json.h"
#include "base/utf8.h"

namespace lobbyd::modules {
namespace {

constexpr const char* kMixedKeys = "a table with keys that are neither 1..n nor all strings";

// What kind of keys a table has: 1..n (an array; an empty table too) or
// strings (an object). One pass of lua_next.
struct Shape {
  lua_Unsigned n = 0;      // lua_rawlen
  std::size_t count = 0;   // pairs
  bool strings = true, sequence = true;
  bool is_array() const noexcept { return count == 0 || (sequence && count == n); }
};

Shape shape(lua_State* L, int idx) {
  Shape sh;
  sh.n = lua_rawlen(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    ++sh.count;
    if (lua_type(L, -2) == LUA_TSTRING) {
      sh.sequence = false;
    } else {
      sh.strings = false;
      if (!lua_isinteger(L, -2) || lua_tointeger(L, -2) < 1 ||
          static_cast<lua_Unsigned>(lua_tointeger(L, -2)) > sh.n) {
        sh.sequence = false;
      }
    }
    lua_pop(L, 1);
  }
  return sh;
}

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
    const Shape sh = shape(L, idx);
    const lua_Unsigned n = sh.n;
    if (sh.is_array()) {
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
    if (!sh.strings) return fail(kMixedKeys);
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

// The same rules, writing JSON text: no tree, object keys sorted (the text
// of a state is the same in every Lua state, whatever its hash seed). On a
// failure `where` is built on the way out (".board[2]"); what was written
// is then garbage and the caller drops it.
struct TextWalk {
  lua_State* L;
  std::string& out;
  std::size_t nodes = 0;
  std::string where;

  std::optional<std::string> value(int idx, int depth) {
    if (++nodes > kMaxNodes) return "more than " + std::to_string(kMaxNodes) + " values";
    switch (lua_type(L, idx)) {
      case LUA_TNIL:
        out += "null";
        return std::nullopt;
      case LUA_TBOOLEAN:
        out += lua_toboolean(L, idx) != 0 ? "true" : "false";
        return std::nullopt;
      case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
          char buf[24];
          auto r = std::to_chars(buf, buf + sizeof buf, static_cast<long long>(lua_tointeger(L, idx)));
          out.append(buf, r.ptr);
        } else {
          const double d = lua_tonumber(L, idx);
          if (!std::isfinite(d)) return std::string("a number that is not finite");
          fmt::format_to(std::back_inserter(out), "{}", d);
        }
        return std::nullopt;
      case LUA_TSTRING: {
        std::size_t n = 0;
        const char* p = lua_tolstring(L, idx, &n);
        return string(std::string_view(p, n), "a string that is not UTF-8");
      }
      case LUA_TTABLE:
        if (depth >= kMaxDepth) return "tables nested deeper than " + std::to_string(kMaxDepth) + " (a cycle?)";
        return table(lua_absindex(L, idx), depth);
      default:
        return std::string("a ") + lua_typename(L, lua_type(L, idx)) + " cannot be sent";
    }
  }

  std::optional<std::string> string(std::string_view v, const char* not_utf8) {
    if (!base::valid_utf8(v)) return std::string(not_utf8);
    base::json_string(out, v);
    return std::nullopt;
  }

  std::optional<std::string> table(int idx, int depth) {
    if (!lua_checkstack(L, 3)) return std::string("tables nested too deeply");
    const Shape sh = shape(L, idx);
    if (sh.is_array()) {
      out.push_back('[');
      for (lua_Unsigned i = 1; i <= sh.n; ++i) {
        if (i > 1) out.push_back(',');
        lua_rawgeti(L, idx, static_cast<lua_Integer>(i));
        std::optional<std::string> e = value(-1, depth + 1);
        lua_pop(L, 1);
        if (e) {
          where.insert(0, "[" + std::to_string(i) + "]");
          return e;
        }
      }
      out.push_back(']');
      return std::nullopt;
    }
    if (!sh.strings) return std::string(kMixedKeys);
    out.push_back('{');
    auto e = members(idx, sh.count, depth, {}, false);
    out.push_back('}');
    return e;
  }

  // The members of the object at idx (`count` string keys), sorted by key,
  // leaving out `skip`; `comma`: one is written before the first member.
  std::optional<std::string> members(int idx, std::size_t count, int depth, std::span<const std::string_view> skip,
                                     bool comma) {
    // Every key and value stays on the stack while they are written: no
    // lookup by key (which could allocate, and so raise, outside a
    // protected call).
    if (count > kMaxNodes || !lua_checkstack(L, static_cast<int>(2 * count + 3))) {
      return std::string("tables nested too deeply");
    }
    const int base = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) lua_pushvalue(L, -2);  // k1 v1 k2 v2 ... kn vn
    std::vector<std::pair<std::string_view, int>> keys;  // key, its value's slot
    keys.reserve(count);
    for (int slot = base + 1; slot < lua_gettop(L); slot += 2) {
      std::size_t kn = 0;
      const char* k = lua_tolstring(L, slot, &kn);  // a string key: no conversion
      keys.emplace_back(std::string_view(k, kn), slot + 1);
    }
    std::sort(keys.begin(), keys.end());
    std::optional<std::string> e;
    for (const auto& [key, slot] : keys) {
      if (std::find(skip.begin(), skip.end(), key) != skip.end()) continue;
      if (comma) out.push_back(',');
      comma = true;
      e = string(key, "a key that is not UTF-8");
      if (!e) {
        out.push_back(':');
        e = value(slot, depth + 1);
      }
      if (e) {
        where.insert(0, "." + std::string(key));
        break;
      }
    }
    lua_settop(L, base);
    return e;
  }
};

std::optional<std::string> with_where(std::optional<std::string> e, const std::string& where) {
  if (e && !where.empty()) *e += " (at " + where + ")";
  return e;
}

}  // namespace

std::optional<std::string> lua_to_json_text(lua_State* L, int idx, std::string& out) {
  TextWalk w{L, out, 0, {}};
  auto e = w.value(lua_absindex(L, idx), 0);
  return with_where(std::move(e), w.where);
}

std::optional<std::string> lua_to_json_members(lua_State* L, int idx, std::span<const std::string_view> skip,
                                               std::string& out) {
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) != LUA_TTABLE) return std::string("not a table");
  const Shape sh = shape(L, idx);
  if (sh.count == 0) return std::nullopt;
  if (!sh.strings) return std::string(sh.is_array() ? "not a table" : kMixedKeys);
  TextWalk w{L, out, 0, {}};
  auto e = w.members(idx, sh.count, 0, skip, true);
  return with_where(std::move(e), w.where);
}

std::optional<std::string> lua_to_json(lua_State* L, int idx, games::Json& out) {
  Walk w{L, 0, {}};
  return w.value(lua_absindex(L, idx), out, 0);
}

}  // namespace lobbyd::modules
