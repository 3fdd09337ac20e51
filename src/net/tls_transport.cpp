#include "net/tls_transport.h"

#include <array>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <fstream>
#include <stdexcept>

namespace lobbyd::net {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using boost::system::error_code;
using asio::ip::tcp;

namespace {

constexpr auto kCloseTimeout = std::chrono::seconds(2);

class TlsTransport final : public StreamTransport {
 public:
  TlsTransport(tcp::socket& sock, std::shared_ptr<ssl::context> ctx)
      : ctx_(std::move(ctx)), stream_(sock, *ctx_), timer_(sock.get_executor()) {}

  std::string_view name() const noexcept override { return "tls"; }
  TransportKind kind() const noexcept override { return TransportKind::kTls; }
  bool close_needs_idle_read() const noexcept override { return true; }

  void async_handshake(Done done) override {
    stream_.async_handshake(ssl::stream_base::server,
                            [done = std::move(done)](const error_code& ec) { done(ec); });
  }

  void async_read(ReadDone done) override {
    stream_.async_read_some(asio::buffer(rbuf_),
                            [this, done = std::move(done)](error_code ec, std::size_t n) {
                              // A peer that closes without close_notify has
                              // still closed.
                              if (ec == ssl::error::stream_truncated) ec = asio::error::eof;
                              done(ec, std::string_view(rbuf_.data(), ec ? 0 : n));
                            });
  }

  void async_write(std::vector<SharedBuf> bufs, WriteDone done) override {
    seq_.clear();
    for (const auto& b : bufs) seq_.push_back(asio::buffer(*b));
    asio::async_write(stream_, seq_,
                      [bufs = std::move(bufs), done = std::move(done)](const error_code& ec,
                                                                      std::size_t n) {
                        done(ec, n);
                      });
  }

  void async_close(std::function<void()> done) override {
    // close_notify, then the peer's; a peer that never answers gets the TCP
    // close after kCloseTimeout (the caller closes the socket after done).
    auto finished = std::make_shared<bool>(false);
    auto once = [finished, done](auto&&...) {
      if (*finished) return;
      *finished = true;
      done();
    };
    timer_.expires_after(kCloseTimeout);
    timer_.async_wait([this, once](const error_code& ec) {
      if (ec) return;
      error_code ignored;
      stream_.next_layer().cancel(ignored);
      once();
    });
    stream_.async_shutdown([this, once](const error_code&) {
      timer_.cancel();
      once();
    });
  }

 private:
  std::shared_ptr<ssl::context> ctx_;
  ssl::stream<tcp::socket&> stream_;
  asio::steady_timer timer_;
  std::array<char, 16 * 1024> rbuf_;  // one TLS record
  std::vector<asio::const_buffer> seq_;
};

void check_readable(const std::string& path, const char* setting) {
  if (path.empty())
    throw std::runtime_error(std::string("--listen-tls needs the setting ") + setting +
                             " (a PEM file)");
  std::ifstream f(path);
  if (!f) throw std::runtime_error(std::string(setting) + ": cannot read " + path);
}

}  // namespace

std::shared_ptr<ssl::context> make_tls_context(const std::string& cert_file,
                                               const std::string& key_file) {
  check_readable(cert_file, "tls_cert");
  check_readable(key_file, "tls_key");
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) throw std::runtime_error("tls_cert " + cert_file + ": " + ec.message());
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) throw std::runtime_error("tls_key " + key_file + ": " + ec.message());
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    throw std::runtime_error("tls_key " + key_file + " does not match tls_cert " + cert_file);
  return ctx;
}

TransportMaker tls_transport(std::shared_ptr<ssl::context> ctx) {
  return [ctx = std::move(ctx)](tcp::socket& sock) -> std::unique_ptr<StreamTransport> {
    return std::make_unique<TlsTransport>(sock, ctx);
  };
}

}  // namespace lobbyd::net
