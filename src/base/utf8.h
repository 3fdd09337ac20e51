#pragma once
// UTF-8 at the edges. IRC lines are bytes and are relayed as bytes; JSON,
// WebSocket text frames and web pages need UTF-8. These helpers decide
// (valid_utf8) and repair (append_utf8: each invalid sequence becomes one
// U+FFFD) without ever failing. Strict RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF. The policy per field is in
// docs/protocol.md ("Text encoding").
#include <cstddef>
#include <string>
#include <string_view>

namespace lobbyd::base {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if the bytes
// there are not one.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept;

bool valid_utf8(std::string_view s) noexcept;

// Appends s to out with every invalid sequence replaced by U+FFFD.
void append_utf8(std::string& out, std::string_view s);

// s itself when valid, else a repaired copy.
std::string to_utf8(std::string_view s);

}  // namespace lobbyd::base
