#include "net/ws_transport.h"
#include "net/ws_lines.h"

#include "base/utf8.h"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <algorithm>
#include <chrono>

namespace lobbyd::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
using boost::system::error_code;
using asio::ip::tcp;

namespace {

class WsTransport final : public StreamTransport {
 public:
  WsTransport(tcp::socket& sock, std::shared_ptr<const HttpRequest> req, std::size_t max_message,
              WsControlBudget control)
      : ws_(sock), req_(std::move(req)), control_(control), tokens_(control.burst),
        tokens_at_(std::chrono::steady_clock::now()) {
    ws_.read_message_max(max_message);
    ws_.auto_fragment(false);
    ws_.text(true);
    // The session does its own PING/timeout; the handshake timeout also
    // bounds the closing handshake.
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(3);
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws_.set_option(t);
    // A ping is answered inside the read operation, never reaching the
    // session and its flood throttle: one client sent 800,000 pings in 3 s
    // and kept a worker 93 % busy answering them (issue 13's hostile suite).
    // Past the budget the socket is shut down and the connection closes.
    // (The budget is the flood settings at the upgrade; a later change of
    // them applies to new connections.)
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::close || control_flood_) return;
      auto now = std::chrono::steady_clock::now();
      tokens_ = std::min(control_.burst,
                         tokens_ + std::chrono::duration<double>(now - tokens_at_).count() * control_.rate);
      tokens_at_ = now;
      if (tokens_ >= 1.0) {
        tokens_ -= 1.0;
        return;
      }
      control_flood_ = true;
      // The read operation goes on to write this pong, and would answer
      // every ping already buffered: shut the socket down instead (a cancel
      // finds no operation pending while it runs through its buffer), so the
      // pong's write fails and the read ends with that error.
      error_code ignored;
      ws_.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
    });
  }

  const char* read_failure() const noexcept override { return failure_; }

  std::string_view name() const noexcept override { return "ws"; }
  bool close_needs_idle_read() const noexcept override { return false; }

  void async_handshake(Done done) override {
    bool irc = offers_irc_subprotocol(*req_);
    ws_.set_option(websocket::stream_base::decorator([irc](websocket::response_type& res) {
      res.set(http::field::server, "lobbyd");
      if (irc) res.set(http::field::sec_websocket_protocol, std::string(kIrcSubprotocol));
    }));
    ws_.async_accept(*req_, [this, done = std::move(done)](const error_code& ec) {
      req_.reset();  // not needed any more
      done(ec);
    });
  }

  void async_read(ReadDone done) override {
    ws_.async_read(rbuf_, [this, done = std::move(done)](error_code ec, std::size_t) {
      if (ec == websocket::error::closed) ec = asio::error::eof;
      if (control_flood_ && !ec) ec = asio::error::connection_aborted;
      if (ec) {
        failure_ = describe(ec);
        return done(ec, {});
      }
      auto d = rbuf_.cdata();
      std::string_view msg(static_cast<const char*>(d.data()), d.size());
      const bool ok = ws_message_to_line(msg, line_);
      rbuf_.consume(rbuf_.size());
      if (!ok) return done(make_error_code(boost::system::errc::bad_message), {});
      done({}, line_);
    });
  }

  void async_write(std::vector<SharedBuf> bufs, WriteDone done) override {
    out_.clear();
    for (const auto& b : bufs) out_ += *b;
    pos_ = 0;
    write_next(std::move(done));
  }

  void async_close(std::function<void()> done) override {
    ws_.async_close(websocket::close_code::normal,
                    [done = std::move(done)](const error_code&) { done(); });
  }

 private:
  // One message per line, in order; `done` travels with the operation so
  // that nothing is left holding the connection if the loop is destroyed.
  void write_next(WriteDone done) {
    if (!ws_next_frame(out_, pos_, frame_)) return done({}, out_.size());
    ws_.async_write(asio::buffer(frame_), [this, done = std::move(done)](const error_code& ec,
                                                                        std::size_t) mutable {
      if (ec) return done(ec, 0);
      write_next(std::move(done));
    });
  }

  const char* describe(const error_code& ec) const noexcept {
    if (control_flood_) return "Excess Flood";
    if (ec == websocket::error::message_too_big) return "WebSocket message too big";
    if (ec == websocket::error::bad_frame_payload) return "WebSocket text not UTF-8";
    // Every other error of Beast's WebSocket category is a frame the RFC
    // forbids (bad opcode, continuation, reserved bits, unmasked, ...).
    if (ec.category() == websocket::make_error_code(websocket::error::closed).category())
      return "WebSocket protocol error";
    return nullptr;
  }

  websocket::stream<tcp::socket&> ws_;
  std::shared_ptr<const HttpRequest> req_;
  WsControlBudget control_;
  double tokens_;
  std::chrono::steady_clock::time_point tokens_at_;
  bool control_flood_ = false;
  const char* failure_ = nullptr;
  beast::flat_buffer rbuf_;
  std::string line_;   // the last message read, CRLF appended
  std::string out_;    // the lines being written
  std::size_t pos_ = 0;
  std::string frame_;  // the message being written
};

}  // namespace

bool offers_irc_subprotocol(const HttpRequest& req) {
  auto it = req.find(http::field::sec_websocket_protocol);
  if (it == req.end()) return false;
  std::string_view v(it->value().data(), it->value().size());
  while (!v.empty()) {
    auto comma = v.find(',');
    std::string_view item = v.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item == kIrcSubprotocol) return true;
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  return false;
}

TransportMaker ws_transport(std::shared_ptr<const HttpRequest> req, std::size_t max_message,
                            WsControlBudget control) {
  return [req = std::move(req), max_message, control](tcp::socket& sock) -> std::unique_ptr<StreamTransport> {
    return std::make_unique<WsTransport>(sock, req, max_message, control);
  };
}

}  // namespace lobbyd::net
