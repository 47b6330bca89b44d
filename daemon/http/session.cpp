// The connections of the HTTP server: one coroutine per connection on its own strand, a
// fresh parser per message. Templated on the stream: plain TCP or TLS over TCP (the OpenSSL
// side is tls_context.cpp). With server.cpp the only Beast/Asio translation units of the
// module (each costs ~30 s to compile).
#include <utility>   // must precede boost/asio with GCC 12 coroutines
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>
#include "server_state.hpp"

namespace slawatch::http::detail {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

using tls_stream = beast::ssl_stream<beast::tcp_stream>;
template <class Stream>
constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

/// Hands a request to the router and resumes the caller on its own executor when the
/// response is ready (the router may answer from the ingest writer thread).
template <class Token>
auto async_route(router& r, request req, Token&& token) {
  return asio::async_initiate<Token, void(response)>(
      [&r](auto handler, request rq) {
        auto ex = asio::get_associated_executor(handler);
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        r.handle(std::move(rq), [h, ex](response res) {
          asio::post(ex, [h, res = std::move(res)]() mutable { (*h)(std::move(res)); });
        });
      },
      token, std::move(req));
}

bhttp::response<bhttp::string_body> to_beast(response r, unsigned version, bool keep_alive) {
  bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(r.status), version};
  out.set(bhttp::field::server, "slawatch");
  out.set(bhttp::field::content_type, r.content_type);
  for (auto& [name, value] : r.headers) out.set(name, value);
  out.body() = std::move(r.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

/// The answer to a request that could not be read, or nullopt to just close.
std::optional<response> read_failure(const beast::error_code& ec, const server_options& o) {
  if (ec == bhttp::error::body_limit) {
    return error_response(413, fmt::format("body: larger than the limit of {} bytes", o.max_body_bytes));
  }
  if (ec == bhttp::error::header_limit) {
    return error_response(431, fmt::format("headers: larger than the limit of {} bytes", o.max_header_bytes));
  }
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return std::nullopt;
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
    return error_response(400, "request: " + ec.message());
  }
  return std::nullopt;   // timeouts, resets: nobody is listening for an answer
}

using awaitable = asio::awaitable<void>;
constexpr auto use_awaitable = asio::use_awaitable;

/// Sends a final answer and closes politely: half-close, then drain what the client is
/// still sending (bounded), so it reads our answer instead of a connection reset.
/// Ends our side: TLS sends close_notify first (bounded), then the TCP half-close.
template <class Stream>
awaitable close_send(Stream& stream) {
  beast::error_code ec;
  auto& tcp_layer = beast::get_lowest_layer(stream);
  if constexpr (is_tls<Stream>) {
    tcp_layer.expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(asio::redirect_error(use_awaitable, ec));
  }
  tcp_layer.socket().shutdown(tcp::socket::shutdown_send, ec);
}

template <class Stream>
awaitable answer_and_close(Stream& stream, response r, unsigned version) {
  beast::error_code ec;
  auto out = to_beast(std::move(r), version, false);
  auto& tcp_layer = beast::get_lowest_layer(stream);
  tcp_layer.expires_after(std::chrono::seconds(5));
  co_await bhttp::async_write(stream, out, asio::redirect_error(use_awaitable, ec));
  if (ec) co_return;
  co_await close_send(stream);
  tcp_layer.expires_after(std::chrono::seconds(2));
  std::vector<char> scratch(65536);
  for (;;) {
    co_await tcp_layer.async_read_some(asio::buffer(scratch), asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
  }
}

bool expects_continue(const bhttp::request<bhttp::string_body>& req) {
  return beast::iequals(req[bhttp::field::expect], "100-continue");
}

request to_plain(bhttp::request<bhttp::string_body>&& req, const connection_facts& facts) {
  request out;
  out.conn = facts;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  out.content_type = std::string(req[bhttp::field::content_type]);
  out.authorization = std::string(req[bhttp::field::authorization]);
  out.signature = std::string(req["X-Slawatch-Signature"]);
  out.accept = std::string(req[bhttp::field::accept]);
  out.body = std::move(req.body());
  return out;
}

/// Counts a request as in flight from its header until its answer is written, so a
/// graceful shutdown finishes requests whose body is still arriving.
class busy_guard {
 public:
  explicit busy_guard(std::atomic<std::uint64_t>& n) : n_(n) {}
  ~busy_guard() { release(); }
  busy_guard(const busy_guard&) = delete;
  busy_guard& operator=(const busy_guard&) = delete;
  void hold() {
    if (!held_) ++n_;
    held_ = true;
  }
  void release() {
    if (held_) --n_;
    held_ = false;
  }

 private:
  std::atomic<std::uint64_t>& n_;
  bool held_ = false;
};

/// Reads one request into `parser`; false with `ec` set on failure. The deadline covers the
/// whole header (a client sending a byte a second is cut off), then the whole body.
template <class Stream>
asio::awaitable<bool> read_request(Stream& stream, beast::flat_buffer& buffer,
                                   bhttp::request_parser<bhttp::string_body>& parser,
                                   const server_options& o, busy_guard& busy, beast::error_code& ec) {
  auto& tcp_layer = beast::get_lowest_layer(stream);
  tcp_layer.expires_after(o.read_timeout);
  co_await bhttp::async_read_header(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
  if (parser.is_header_done()) busy.hold();
  if (ec) co_return false;
  if (expects_continue(parser.get())) {
    bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, parser.get().version()};
    tcp_layer.expires_after(o.read_timeout);
    co_await bhttp::async_write(stream, cont, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return false;
  }
  tcp_layer.expires_after(o.read_timeout);
  co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
  co_return !ec;
}

template <class Stream>
awaitable serve_requests(server_state& s, Stream& stream, const connection_facts& facts) {
  beast::flat_buffer buffer;
  beast::error_code ec;
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;   // fresh per message: limits reset
    parser.body_limit(s.opts.max_body_bytes);
    parser.header_limit(s.opts.max_header_bytes);
    busy_guard busy(s.busy);
    if (!co_await read_request(stream, buffer, parser, s.opts, busy, ec)) {
      if (ec == bhttp::error::body_limit) s.routes.count_rejected("too_large");
      if (auto r = read_failure(ec, s.opts)) {
        co_await answer_and_close(stream, std::move(*r), parser.is_header_done() ? parser.get().version() : 11);
      }
      break;
    }
    auto req = parser.release();
    unsigned version = req.version();
    bool keep_alive = req.keep_alive();
    response res = co_await async_route(s.routes, to_plain(std::move(req), facts), use_awaitable);
    keep_alive = keep_alive && !res.close && !s.stopped;
    auto out = to_beast(std::move(res), version, keep_alive);
    beast::get_lowest_layer(stream).expires_after(s.opts.read_timeout);
    co_await bhttp::async_write(stream, out, asio::redirect_error(use_awaitable, ec));
    busy.release();
    if (ec) co_return;
    if (!keep_alive) break;
  }
  // We chose to end (no keep-alive, or the client closed or went quiet): say so politely.
  co_await close_send(stream);
}

std::string peer_of(const tcp::socket& socket) {
  beast::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec) return {};
  auto addr = ep.address();
  return addr.is_v6() ? fmt::format("[{}]:{}", addr.to_string(), ep.port())
                      : fmt::format("{}:{}", addr.to_string(), ep.port());
}

/// One connection: the TLS handshake when configured (bounded by read_timeout), then
/// requests until the client or a limit ends it.
awaitable session(server_state& s, tcp::socket socket, tls_context_ptr ctx) {
  open_guard counted(s.open);
  connection_facts facts;
  facts.peer = peer_of(socket);
  beast::tcp_stream plain(std::move(socket));
  if (!ctx) {
    co_await serve_requests(s, plain, facts);
    co_return;
  }
  tls_stream stream(std::move(plain), *ctx);
  beast::error_code ec;
  beast::get_lowest_layer(stream).expires_after(s.opts.read_timeout);
  co_await stream.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(use_awaitable, ec));
  if (ec) {
    // Scanners and clients without an accepted certificate end here: log one a second.
    if (server_state::may_log(s.handshake_logged_at, 1)) {
      s.note("info", "http: TLS handshake failed", {{"peer", facts.peer}, {"error", ec.message()}});
    }
    co_return;
  }
  read_tls_facts(stream.native_handle(), facts);
  co_await serve_requests(s, stream, facts);
}

awaitable guarded_session(server_state& s, tcp::socket socket, tls_context_ptr ctx) {
  try {
    co_await session(s, std::move(socket), std::move(ctx));
  } catch (const std::exception& e) {
    // No exception leaves an Asio handler; a broken connection must not stop the server.
    s.note("error", "http: connection failed", {{"error", e.what()}});
  }
}

awaitable accept_loop(server_state& s) {
  for (;;) {
    beast::error_code ec;
    tcp::socket socket(asio::make_strand(s.ioc));
    co_await s.acceptor.async_accept(socket, asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (!s.acceptor.is_open()) co_return;
      if (s.may_log_limit()) s.note("warn", "http: accept failed", {{"error", ec.message()}});
      // Out of descriptors: pause instead of spinning; open connections keep being served.
      asio::steady_timer pause(s.ioc, std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    if (s.open.load() >= s.opts.max_connections) {
      if (s.may_log_limit()) {
        s.note("warn", "http: connection limit reached, closing new connections",
               {{"max_connections", s.opts.max_connections}});
      }
      socket.close(ec);
      continue;
    }
    ++s.open;
    auto ex = socket.get_executor();
    asio::co_spawn(ex, guarded_session(s, std::move(socket), s.current_tls()), asio::detached);
  }
}


}  // namespace slawatch::http::detail
