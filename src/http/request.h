#pragma once
// The HTTP server's request parsing and checks, apart from Beast's session
// code so that tests/http reaches them without a socket.
#include <filesystem>
#include <string>
#include <string_view>

namespace lobbyd::http {

// The Bearer token check. Constant time in the token's content: both sides
// are hashed first, so neither the length nor a prefix of the token leaks
// through timing.
bool token_matches(std::string_view given, std::string_view token);

// Percent-decoding ('+' as a space in query strings); false on a malformed
// escape or a NUL.
bool url_decode(std::string_view in, std::string& out, bool plus_is_space);

// The value of one query parameter ("" if absent or malformed).
std::string query_param(std::string_view query, std::string_view key);

// The Content-Type of a static file, by its extension (any case).
std::string_view content_type(const std::filesystem::path& p);

}  // namespace lobbyd::http
