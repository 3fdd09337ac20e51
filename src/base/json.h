#pragma once
// The one JSON text helper of the tree. Nothing here throws on content:
// strings that are not UTF-8 are repaired (U+FFFD) instead of refused, so a
// nick, topic or chat line of arbitrary bytes can never take down the code
// that turns it into JSON (issue 13: nlohmann's dump() threw type_error 316
// on a lobby name and terminate() took the process).
//
//   json_string(out, v)  appends "v" as a JSON string literal (hand-written
//                        output: the profiler exports)
//   JsonWriter           a streaming writer built on it (base/json_writer.h:
//                        lobbyd-load's reports)
//   json_text(j)         nlohmann::json -> text (base/json_text.h)
#include <string>
#include <string_view>

namespace lobbyd::base {

// Appends the body of a JSON string literal for v (no quotes): ", \ and
// control characters escaped, invalid UTF-8 replaced by U+FFFD.
void json_escape(std::string& out, std::string_view v);

// Appends "v" with its quotes.
inline void json_string(std::string& out, std::string_view v) {
  out.push_back('"');
  json_escape(out, v);
  out.push_back('"');
}

}  // namespace lobbyd::base
