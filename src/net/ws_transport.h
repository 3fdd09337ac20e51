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

// Control frames (ping, pong) a client may send: Beast answers each ping
// itself, below the session's line throttle, so they get a budget of their
// own (the flood settings: rate per second sustained, burst at once).
struct WsControlBudget {
  double rate = 10.0;
  double burst = 20.0;
};

// The maker for Connection::use_transport(): completes the upgrade of `req`
// (already read by the HTTP server) as the handshake. max_message bounds one
// incoming message. Failures close the connection: a message over
// max_message with close code 1009, a text message that is not UTF-8 with
// 1007, any other protocol error with 1002 (Beast fails the connection as
// RFC 6455 says), control frames beyond the budget without a close frame
// (the session's QUIT says "Excess Flood").
TransportMaker ws_transport(std::shared_ptr<const HttpRequest> req, std::size_t max_message,
                            WsControlBudget control = {});

}  // namespace lobbyd::net
