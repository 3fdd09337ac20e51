// WebSocket delivery, before and after issue 14 (docs/benchmarks.md, "WebSocket
// output from shared buffers"): the same batches of broadcast lines written
// over a loopback TCP pair by
//   Legacy: the transport's write path at 7caeee0, kept here as the baseline:
//           the batch joined into one string, each line copied again into a
//           frame buffer, one Beast async_write (one send) per line;
//   Shared: net::ws_transport(): frames from slices of the shared buffers
//           (WsFrameBuilder), one gather write per batch.
// Counters: copied_B_per_line, payload bytes copied per delivered line (the
// legacy copies counted where it makes them; the new path's from the frame
// builder it uses), and syscall-free time per line. A thread drains the
// client side.
#include <benchmark/benchmark.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/beast/websocket.hpp>
#include <thread>

#include "net/ws_lines.h"
#include "net/ws_transport.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using boost::system::error_code;
using namespace lobbyd::net;

std::shared_ptr<HttpRequest> upgrade() {
  auto req = std::make_shared<HttpRequest>(http::verb::get, "/ws", 11);
  req->set(http::field::host, "localhost");
  req->set(http::field::upgrade, "websocket");
  req->set(http::field::connection, "Upgrade");
  req->set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  req->set(http::field::sec_websocket_version, "13");
  return req;
}

// A connected pair; the client side is drained by a thread.
struct Pair {
  asio::io_context io;
  tcp::socket server{io}, client{io};
  std::thread drain;
  Pair() {
    tcp::acceptor acc(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    client.connect(acc.local_endpoint());
    acc.accept(server);
    server.set_option(tcp::no_delay(true));
  }
  void start_drain() {
    drain = std::thread([this] {
      std::string head;
      error_code ec;
      asio::read_until(client, asio::dynamic_buffer(head), "\r\n\r\n", ec);
      char buf[1 << 16];
      while (!ec) client.read_some(asio::buffer(buf), ec);
    });
  }
  ~Pair() {
    error_code ec;
    server.shutdown(tcp::socket::shutdown_both, ec);
    server.close(ec);
    if (drain.joinable()) drain.join();
  }
};

std::vector<SharedBuf> batch(std::size_t lines) {
  std::vector<SharedBuf> out;
  for (std::size_t i = 0; i < lines; ++i)
    out.push_back(make_shared_buf(":nick!user@host PRIVMSG #lobby :a chat line of a typical length " +
                                  std::to_string(i) + "\r\n"));
  return out;
}

void run_until(asio::io_context& io, const bool& done) {
  while (!done) io.run_one();
}

void Legacy(benchmark::State& state) {
  Pair p;
  websocket::stream<tcp::socket&> ws(p.server);
  ws.auto_fragment(false);
  ws.text(true);
  bool ok = false;
  ws.async_accept(*upgrade(), [&](const error_code&) { ok = true; });
  p.start_drain();
  run_until(p.io, ok);
  auto bufs = batch(state.range(0));
  std::string out, frame;
  std::size_t copied = 0, lines = 0;
  for (auto _ : state) {
    out.clear();
    for (const auto& b : bufs) out += *b;  // copy 1
    copied += out.size();
    std::size_t pos = 0;
    while (ws_next_frame(out, pos, frame)) {  // copy 2
      copied += frame.size();
      bool done = false;
      ws.async_write(asio::buffer(frame), [&](const error_code&, std::size_t) { done = true; });
      run_until(p.io, done);
      ++lines;
    }
  }
  state.counters["copied_B_per_line"] = double(copied) / lines;
  state.counters["lines/s"] = benchmark::Counter(double(lines), benchmark::Counter::kIsRate);
}

void Shared(benchmark::State& state) {
  Pair p;
  auto ws = ws_transport(upgrade(), 1 << 20)(p.server);
  bool ok = false;
  ws->async_handshake([&](const error_code&) { ok = true; });
  p.start_drain();
  run_until(p.io, ok);
  auto bufs = batch(state.range(0));
  WsFrameBuilder fb;  // what the transport builds, for the copy count
  for (const auto& b : bufs) fb.add(*b);
  fb.finish();
  std::size_t lines = 0;
  for (auto _ : state) {
    bool done = false;
    ws->async_write(bufs, [&](const error_code&, std::size_t) { done = true; });
    run_until(p.io, done);
    lines += bufs.size();
  }
  state.counters["copied_B_per_line"] = double(fb.payload_copied()) / bufs.size();
  state.counters["lines/s"] = benchmark::Counter(double(lines), benchmark::Counter::kIsRate);
}

}  // namespace

// Arg: lines per batch (1: one broadcast line per wake-up; 16: a busy lobby).
BENCHMARK(Legacy)->Arg(1)->Arg(16);
BENCHMARK(Shared)->Arg(1)->Arg(16);
