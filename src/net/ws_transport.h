#pragma once
// WebSocket over a connection's socket (Boost.Beast), server side, for the
// IRCv3 WebSocket binding: subprotocol text.ircv3.net (or none), one IRC
// line per message without its CRLF; text and binary messages are both read
// as UTF-8 text, and lines are sent as text messages (invalid UTF-8 replaced
// by U+FFFD, which text frames require).
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>

#include "net/transport.h"

namespace lobbyd::net {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

inline constexpr std::string_view kIrcSubprotocol = "text.ircv3.net";

// True if the request's Sec-WebSocket-Protocol list offers text.ircv3.net.
bool offers_irc_subprotocol(const HttpRequest& req);

// The maker for Connection::use_transport(): completes the upgrade of `req`
// (already read by the HTTP server) as the handshake. max_message bounds one
// incoming message.
TransportMaker ws_transport(std::shared_ptr<const HttpRequest> req, std::size_t max_message);

}  // namespace lobbyd::net
