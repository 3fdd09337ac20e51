#include "net/listener.h"

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <charconv>
#include <spdlog/spdlog.h>

namespace lobbyd::net {

namespace asio = boost::asio;
using asio::ip::tcp;

Listener::Listener(Worker& home, std::vector<Worker*> workers, const tcp::endpoint& ep,
                   Factory factory)
    : home_(home),
      workers_(std::move(workers)),
      factory_(std::move(factory)),
      acceptor_(home.io()),
      retry_timer_(home.io()) {
  acceptor_.open(ep.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  if (ep.address().is_v6()) acceptor_.set_option(asio::ip::v6_only(true));
  acceptor_.bind(ep);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

tcp::endpoint Listener::local_endpoint() const { return acceptor_.local_endpoint(); }

void Listener::start() {
  asio::post(home_.io(), [this] { accept_next(); });
}

void Listener::stop() {
  asio::post(home_.io(), [this] {
    boost::system::error_code ec;
    acceptor_.close(ec);
    retry_timer_.cancel();
  });
}

void Listener::accept_next() {
  Worker* target = workers_[next_++ % workers_.size()];
  acceptor_.async_accept(target->io(), peer_, [this, target](const boost::system::error_code& ec,
                                                             tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Typically EMFILE: back off instead of spinning on the error.
      spdlog::warn("accept on {}: {}", local_endpoint().port(), ec.message());
      retry_timer_.expires_after(std::chrono::milliseconds(100));
      retry_timer_.async_wait([this](const boost::system::error_code& e) {
        if (!e) accept_next();
      });
      return;
    }
    asio::post(target->io(), [this, target, s = std::move(socket), peer = peer_]() mutable {
      Worker::BusyScope busy(*target);
      factory_(*target, std::move(s), peer);
    });
    accept_next();
  });
}

bool parse_endpoint(std::string_view text, tcp::endpoint& out) {
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return false;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return false;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned p = 0;
  auto [ptr, err] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (err != std::errc() || ptr != port.data() + port.size() || p > 65535) return false;
  boost::system::error_code ec;
  auto addr = host.empty() ? asio::ip::address_v4::any()
                           : asio::ip::make_address(std::string(host), ec);
  if (ec) return false;
  out = tcp::endpoint(addr, static_cast<unsigned short>(p));
  return true;
}

}  // namespace lobbyd::net
