#include "http/http_server.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <spdlog/spdlog.h>
#include <sstream>

#include "base/internal_error.h"
#include "base/json_text.h"
#include "core/admin_actions.h"
#include "core/game_catalog.h"
#include "core/server.h"
#include "core/lobby.h"
#include "http/request.h"
#include "core/profiling.h"
#include "net/ws_transport.h"
#include "prof/profiler.h"

namespace lobbyd::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using boost::system::error_code;
using asio::ip::tcp;
using nlohmann::json;

namespace {

using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

constexpr auto kWriteTimeout = std::chrono::seconds(30);

std::string_view sv(beast::string_view v) { return {v.data(), v.size()}; }

Response make(const Request& req, bhttp::status st, std::string body, std::string_view type) {
  Response res{st, req.version()};
  res.set(bhttp::field::server, "lobbyd");
  res.set(bhttp::field::content_type, std::string(type));
  res.set(bhttp::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  return res;
}

Response json_res(const Request& req, bhttp::status st, const json& j) {
  return make(req, st, base::json_text(j), "application/json");
}

Response error_res(const Request& req, bhttp::status st, std::string_view msg) {
  return json_res(req, st, json{{"error", msg}});
}

// nullopt: authorized. Otherwise the refusal to send.
std::optional<Response> check_auth(const Request& req, const std::string& token) {
  if (token.empty())
    return error_res(req, bhttp::status::forbidden,
                     "the HTTP API is disabled: set http_admin_token to enable it");
  auto it = req.find(bhttp::field::authorization);
  std::string_view h = it == req.end() ? std::string_view() : sv(it->value());
  constexpr std::string_view kBearer = "Bearer ";
  if (h.size() <= kBearer.size() || !beast::iequals(beast::string_view(h.data(), kBearer.size()), beast::string_view(kBearer.data(), kBearer.size()))) {
    auto res = error_res(req, bhttp::status::unauthorized,
                         "missing credentials: send Authorization: Bearer <http_admin_token>");
    res.set(bhttp::field::www_authenticate, "Bearer realm=\"lobbyd\"");
    return res;
  }
  if (!token_matches(h.substr(kBearer.size()), token))
    return error_res(req, bhttp::status::forbidden, "wrong token");
  return std::nullopt;
}

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(std::shared_ptr<HttpServer> srv, net::Worker& w, tcp::socket s)
      : srv_(std::move(srv)), w_(w), stream_(std::move(s)) {
    srv_->open.fetch_add(1, std::memory_order_relaxed);
  }
  ~HttpSession() { srv_->open.fetch_sub(1, std::memory_order_relaxed); }

  void run() { read(); }

 private:
  const core::Settings& settings() const { return *srv_->server().shard(w_).settings; }

  void read() {
    const auto& s = settings();
    parser_.emplace();
    parser_->header_limit(std::min<std::uint32_t>(s.http_max_request_bytes, 64 * 1024));
    parser_->body_limit(s.http_max_request_bytes);
    stream_.expires_after(std::chrono::seconds(s.http_header_timeout_s));
    bhttp::async_read(stream_, buf_, *parser_, [self = shared_from_this()](error_code ec, std::size_t) {
      net::Worker::BusyScope busy(self->w_);
      self->on_read(ec);
    });
  }

  void on_read(error_code ec) {
    if (ec == bhttp::error::end_of_stream) return close();
    if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit) {
      Request dummy;
      dummy.version(11);
      auto res = error_res(dummy, bhttp::status::payload_too_large, "request too large");
      res.keep_alive(false);
      return send(std::move(res));
    }
    if (ec) return close();  // timeout, reset, malformed: nothing to answer
    Request req = parser_->release();
    head_ = req.method() == bhttp::verb::head;
    std::string_view target = sv(req.target());
    std::string_view path = target.substr(0, target.find('?'));
    if (path == "/ws") {
      if (beast::websocket::is_upgrade(req)) return upgrade(std::move(req));
      auto res = error_res(req, bhttp::status::upgrade_required, "/ws is a WebSocket endpoint");
      res.set(bhttp::field::upgrade, "websocket");
      return send(std::move(res));
    }
    // The last line of defence for one request (issue 13): an exception
    // becomes a 500 for this client and a counted, logged error - never the
    // process. Nothing has been sent yet when route() throws before send();
    // if a response is already on its way, the connection is closed instead.
    unsigned version = req.version();
    std::uint64_t sent = sends_;
    try {
      base::fault_point(base::Where::kHttp);
      route(std::move(req));
    } catch (...) {
      base::internal_error(base::Where::kHttp, std::current_exception());
      if (sends_ != sent) return close();
      Request dummy;
      dummy.version(version);
      auto res = error_res(dummy, bhttp::status::internal_server_error, "internal error");
      res.keep_alive(false);
      send(std::move(res));
    }
  }

  // The socket leaves HTTP and becomes a client Session (admission, bans and
  // limits as for TCP). The client waits for the 101 before sending frames,
  // so nothing is left in buf_.
  void upgrade(Request req) {
    srv_->ws_upgrades.fetch_add(1, std::memory_order_relaxed);
    stream_.expires_never();
    tcp::socket sock = stream_.release_socket();
    error_code ec;
    tcp::endpoint peer = sock.remote_endpoint(ec);
    if (ec) return;  // already gone
    auto r = std::make_shared<const net::HttpRequest>(std::move(req));
    srv_->server().accept(w_, std::move(sock), peer, net::ws_transport(r, settings().recvq_bytes,
                                                   {settings().flood_rate, double(settings().flood_burst)}));
  }

  void route(Request req) {
    std::string_view target = sv(req.target());
    auto q = target.find('?');
    std::string_view path = target.substr(0, q);
    std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    auto method = req.method();
    bool get = method == bhttp::verb::get || method == bhttp::verb::head;
    bool post = method == bhttp::verb::post;

    if (path == "/metrics") {
      if (!get) return method_not_allowed(req, "GET, HEAD");
      auto s = srv_->server().settings_holder().get();
      if (!s->metrics_public)
        if (auto refusal = check_auth(req, s->http_admin_token)) return send(std::move(*refusal));
      return send(make(req, bhttp::status::ok, srv_->metrics_text(),
                       "text/plain; version=0.0.4; charset=utf-8"));
    }
    if (path == "/api" || path.starts_with("/api/")) {
      auto s = srv_->server().settings_holder().get();
      if (auto refusal = check_auth(req, s->http_admin_token)) return send(std::move(*refusal));
      return api(std::move(req), path.substr(4), query, get, post);
    }
    if (!get) return method_not_allowed(req, "GET, HEAD");
    static_file(req, path);
  }

  void method_not_allowed(const Request& req, std::string_view allow) {
    auto res = error_res(req, bhttp::status::method_not_allowed, "method not allowed");
    res.set(bhttp::field::allow, std::string(allow));
    send(std::move(res));
  }

  void api(Request req, std::string_view path, std::string_view query, bool get, bool post) {
    core::Server& server = srv_->server();
    auto need = [&](bool ok, std::string_view allow) {
      if (!ok) method_not_allowed(req, allow);
      return ok;
    };
    if (path == "/status") {
      if (need(get, "GET")) send(make(req, bhttp::status::ok, srv_->status_json(), "application/json"));
      return;
    }
    if (path == "/lobby") {
      if (!need(get, "GET")) return;
      std::string name = query_param(query, "name");
      if (name.empty()) return send(error_res(req, bhttp::status::bad_request, "name is required"));
      core::LobbyPtr l = server.lobbies().find(name);
      if (!l) return send(error_res(req, bhttp::status::not_found, "no such lobby"));
      auto v = l->view();
      json members = json::array();
      for (const auto& m : v.members) members.push_back(m.nick);
      return send(json_res(req, bhttp::status::ok,
                           {{"name", l->name()}, {"topic", v.topic}, {"members", members}}));
    }
    if (path == "/kick" || path == "/broadcast") {
      if (!need(post, "POST")) return;
      json body = json::parse(req.body(), nullptr, false);
      if (body.is_discarded() || !body.is_object())
        return send(error_res(req, bhttp::status::bad_request, "expected a JSON object"));
      // The HTTP front-end of core/admin_actions.h: JSON in, the action's
      // own checks, a status and JSON out.
      auto text_field = [&](const char* k, std::string& out) {
        auto it = body.find(k);
        if (it == body.end()) return true;
        if (!it->is_string()) return false;
        out = it->get<std::string>();
        return true;
      };
      if (path == "/kick") {
        constexpr std::string_view kExpected = "expected {\"nick\": string, \"reason\": string}";
        std::string nick, text;
        if (!text_field("nick", nick) || !text_field("reason", text))
          return send(error_res(req, bhttp::status::bad_request, kExpected));
        std::string reason = text.empty() ? "Kicked by an operator" : text;
        core::AdminResult r = core::admin_kick(server, nick, text, reason);
        if (r.error == core::AdminError::kNoSuchNick)
          return send(error_res(req, bhttp::status::not_found, "no such nick"));
        if (!r.ok()) return send(error_res(req, bhttp::status::bad_request, kExpected));
        spdlog::info("http api: kicked {} ({})", nick, reason);
        return send(json_res(req, bhttp::status::ok, {{"ok", true}}));
      }
      std::string text;
      if (!text_field("text", text) || !core::admin_broadcast(server, text).ok())
        return send(error_res(req, bhttp::status::bad_request,
                              "expected {\"text\": one line of 1 to 400 bytes}"));
      spdlog::info("http api: broadcast: {}", text);
      return send(json_res(req, bhttp::status::ok, {{"ok", true}}));
    }
    if (path == "/modules") {
      if (need(get, "GET")) send(json_res(req, bhttp::status::ok, {{"modules", srv_->modules_json()}}));
      return;
    }
    if (path.starts_with("/modules/")) {
      if (!need(req.method() == bhttp::verb::put, "PUT")) return;
      return put_module(std::move(req), path.substr(9));
    }
    if (path == "/profile/start" || path == "/profile/stop" || path == "/profile/reset") {
      if (!need(post, "POST")) return;
      std::string_view verb = path == "/profile/start" ? "on" : path == "/profile/stop" ? "off" : "reset";
      // Stopping writes the export files: off the event loop.
      server.run_blocking(
          w_, [&server, verb] { return core::profiler_switch(server, verb); },
          [self = shared_from_this(), req = std::move(req)](std::string result) {
            bool ok = result.starts_with("ok");
            self->send(json_res(req, ok ? bhttp::status::ok : bhttp::status::internal_server_error,
                                {{"ok", ok},
                                 {"result", result},
                                 {"enabled", prof::Profiler::instance().enabled()}}));
          });
      return;
    }
    if (path == "/profile/report" || path == "/profile/trace" || path == "/profile/folded") {
      if (!need(get, "GET")) return;
      // Snapshots and exports can take milliseconds: off the event loop.
      std::string which(path);
      server.run_blocking(
          w_,
          [which] {
            auto& p = prof::Profiler::instance();
            if (which == "/profile/report") return p.report_json();
            std::ostringstream os;
            if (which == "/profile/trace") p.write_chrome_trace(os);
            else p.write_folded(os);
            return os.str();
          },
          [self = shared_from_this(), req = std::move(req), which](std::string body) {
            if (which == "/profile/folded") {
              return self->send(make(req, bhttp::status::ok, std::move(body), "text/plain; charset=utf-8"));
            }
            auto res = make(req, bhttp::status::ok, std::move(body), "application/json");
            if (which == "/profile/trace")
              res.set(bhttp::field::content_disposition, "attachment; filename=\"lobbyd-trace.json\"");
            self->send(std::move(res));
          });
      return;
    }
    send(error_res(req, bhttp::status::not_found, "no such API endpoint"));
  }

  // PUT /api/modules/<name>: the body is a new version's Lua source. It is
  // loaded (compiled and self-checked) on a side thread first, so that a
  // broken upload is refused with the Lua error instead of becoming a
  // refused version; then inserted, active, with the next version number.
  // The server then loads it from the row at its next poll, as any row.
  void put_module(Request req, std::string_view name_part) {
    core::Server& server = srv_->server();
    std::string name(name_part);
    if (auto why = core::module_name_problem(name)) return send(error_res(req, bhttp::status::bad_request, *why));
    if (!server.store()) return send(error_res(req, bhttp::status::service_unavailable, "no database"));
    std::string source = req.body();
    if (source.size() > core::ModuleLibrary::kMaxSourceBytes)
      return send(error_res(req, bhttp::status::payload_too_large, "the source is larger than 256 KiB"));
    auto st = server.settings_holder().get();
    modules::Limits limits;
    limits.instructions_per_call = std::uint64_t(st->module_instructions_m) * 1'000'000;
    limits.memory_bytes = std::size_t(st->module_memory_kb) * 1024;
    server.run_blocking(
        w_,
        [source, name, limits]() -> std::string {
          auto game = modules::LuaGame::load(source, 1, limits, name);
          if (!game) return game.error().reason;
          if ((*game)->name() != name)
            return fmt::format("the module calls itself '{}', the URL '{}': they must agree", (*game)->name(), name);
          return {};
        },
        [self = shared_from_this(), req = std::move(req), name, source](std::string error) mutable {
          if (!error.empty())
            return self->send(json_res(req, bhttp::status::unprocessable_entity, {{"error", error}}));
          core::Server& srv = self->srv_->server();
          if (!srv.store())
            return self->send(error_res(req, bhttp::status::service_unavailable, "no database"));
          srv.store()->add_module(name, std::move(source), [self, req, name](store::Result<std::int64_t> v) {
            // On the store thread: the answer goes out on the session's own loop.
            self->w_.post([self, req, name, v] {
              if (!v)
                return self->send(error_res(req, bhttp::status::service_unavailable, "the database is away"));
              spdlog::info("http api: game module {}@{} inserted", name, *v);
              self->send(json_res(req, bhttp::status::created, {{"name", name}, {"version", *v}}));
            });
          });
        });
  }

  void static_file(const Request& req, std::string_view path) {
    std::string rel;
    if (!url_decode(path, rel, false) || rel.empty() || rel.front() != '/')
      return send(error_res(req, bhttp::status::bad_request, "bad path"));
    if (rel == "/") rel = "/index.html";
    else if (rel == "/admin" || rel == "/admin/") rel = "/admin.html";
    // No segment may climb out of the root (checked on the decoded path;
    // symbolic links inside the root are the operator's choice).
    for (std::size_t i = 0; i < rel.size();) {
      auto next = rel.find('/', i + 1);
      std::string_view seg = std::string_view(rel).substr(i + 1, next == std::string::npos ? std::string::npos : next - i - 1);
      if (seg == ".." || seg == "." || seg.find('\\') != std::string_view::npos)
        return send(error_res(req, bhttp::status::not_found, "not found"));
      if (next == std::string::npos) break;
      i = next;
    }
    std::filesystem::path file = srv_->root() / rel.substr(1);
    // The disk is read on the side threads, never on the event loop (a
    // slow or network file system would stall every client of the worker).
    struct Read {
      bhttp::status status{};  // value-initialised (0): the read threw
      std::string body;
    };
    srv_->server().run_blocking(
        w_,
        [file] {
          std::error_code sec;
          if (!std::filesystem::is_regular_file(file, sec)) return Read{bhttp::status::not_found, {}};
          std::ifstream in(file, std::ios::binary);
          std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
          if (!in.good() && !in.eof()) return Read{bhttp::status::internal_server_error, {}};
          return Read{bhttp::status::ok, std::move(body)};
        },
        [self = shared_from_this(), req, file](Read r) {
          if (r.status == bhttp::status::not_found)
            return self->send(error_res(req, bhttp::status::not_found, "not found"));
          if (r.status != bhttp::status::ok)
            return self->send(error_res(req, bhttp::status::internal_server_error, "cannot read the file"));
          auto res = make(req, bhttp::status::ok, std::move(r.body), content_type(file));
          res.set(bhttp::field::cache_control, "no-cache");
          self->send(std::move(res));
        });
  }

  void send(Response res) {
    ++sends_;
    srv_->requests.fetch_add(1, std::memory_order_relaxed);
    res.prepare_payload();
    if (head_) {  // same headers as GET, no body
      auto len = res.body().size();
      res.body().clear();
      res.content_length(len);
    }
    auto sp = std::make_shared<Response>(std::move(res));
    stream_.expires_after(kWriteTimeout);
    bhttp::async_write(stream_, *sp, [self = shared_from_this(), sp](error_code ec, std::size_t) {
      net::Worker::BusyScope busy(self->w_);
      if (ec || sp->need_eof()) return self->close();
      self->read();
    });
  }

  void close() {
    error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  std::shared_ptr<HttpServer> srv_;
  net::Worker& w_;
  beast::tcp_stream stream_;
  beast::flat_buffer buf_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool head_ = false;  // the request being answered is a HEAD
  std::uint64_t sends_ = 0;  // responses started (route()'s guard)
};

}  // namespace

void HttpServer::accept(net::Worker& w, tcp::socket socket) {
  auto s = server_.shard(w).settings;
  if (open.load(std::memory_order_relaxed) >= s->http_max_connections) {
    // Best effort, without blocking: the client learns why.
    static constexpr std::string_view kBusy =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
        "Content-Length: 38\r\nConnection: close\r\n\r\n{\"error\": \"too many HTTP connections\"}";
    error_code ec;
    socket.non_blocking(true, ec);
    socket.write_some(asio::buffer(kBusy.data(), kBusy.size()), ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
    return;
  }
  std::make_shared<HttpSession>(shared_from_this(), w, std::move(socket))->run();
}

}  // namespace lobbyd::http
