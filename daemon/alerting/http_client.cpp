// The only Beast translation unit of the alerting module (Beast compiles slowly): one
// request per connection, run on a private io_context bounded by the request's timeout.
#include <utility>   // before asio: GCC 12 coroutine support needs it first
#include <memory>
#include <optional>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>
#include "slawatch/alerting/http_client.hpp"

namespace slawatch::alerting {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

struct outcome {
  bool done = false;
  std::optional<http_response> response;
  std::string failure;
};

bhttp::request<bhttp::string_body> make_request(const http_request& req, const url_parts& u) {
  bhttp::request<bhttp::string_body> r;
  r.method(bhttp::string_to_verb(req.method));
  r.target(u.target);
  r.version(11);
  const bool default_port = (u.tls && u.port == "443") || (!u.tls && u.port == "80");
  r.set(bhttp::field::host, default_port ? u.host : u.host + ":" + u.port);
  r.set(bhttp::field::user_agent, "slawatch");
  r.set(bhttp::field::connection, "close");
  for (const auto& [name, value] : req.headers) r.set(name, value);
  r.body() = req.body;
  r.prepare_payload();
  return r;
}

template <class Stream>
asio::awaitable<void> exchange(Stream& stream, bhttp::request<bhttp::string_body>& r,
                               std::shared_ptr<outcome> out) {
  co_await bhttp::async_write(stream, r, asio::use_awaitable);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(1024 * 1024);
  co_await bhttp::async_read(stream, buffer, parser, asio::use_awaitable);
  out->response = http_response{parser.get().result_int(), parser.get().body()};
}

asio::awaitable<void> run(http_request req, url_parts u, asio::ssl::context* tls,
                          std::shared_ptr<outcome> out) {
  try {
    auto ex = co_await asio::this_coro::executor;
    tcp::resolver resolver(ex);
    auto endpoints = co_await resolver.async_resolve(u.host, u.port, asio::use_awaitable);
    auto r = make_request(req, u);
    if (tls == nullptr) {
      beast::tcp_stream stream(ex);
      co_await stream.async_connect(endpoints, asio::use_awaitable);
      co_await exchange(stream, r, out);
    } else {
      beast::ssl_stream<beast::tcp_stream> stream(ex, *tls);
      if (!SSL_set_tlsext_host_name(stream.native_handle(), u.host.c_str())) {
        throw std::runtime_error("cannot set TLS server name");
      }
      stream.set_verify_callback(asio::ssl::host_name_verification(u.host));
      co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::use_awaitable);
      co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
      co_await exchange(stream, r, out);
    }
  } catch (const boost::system::system_error& e) {
    out->failure = e.code().message();
  } catch (const std::exception& e) {
    out->failure = e.what();
  }
  out->done = true;
}

}  // namespace

std::optional<url_parts> split_url(std::string_view url) {
  url_parts u;
  if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else if (url.starts_with("https://")) {
    url.remove_prefix(8);
    u.tls = true;
  } else {
    return std::nullopt;
  }
  const auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  std::string_view host = authority, port;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return std::nullopt;
      port = authority.substr(close + 2);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return std::nullopt;
  u.host = std::string(host);
  u.port = port.empty() ? (u.tls ? "443" : "80") : std::string(port);
  return u;
}

result<http_response> send_http(const http_request& req) {
  const auto fail = [&](std::string_view what) {
    return error{"transport", fmt::format("{} {}: {}", req.method, req.url, what), {}};
  };
  auto u = split_url(req.url);
  if (!u) return fail("invalid URL");
  std::optional<asio::ssl::context> tls;
  if (u->tls) {
    tls.emplace(asio::ssl::context::tls_client);
    tls->set_default_verify_paths();
    tls->set_verify_mode(asio::ssl::verify_peer);
  }
  asio::io_context ioc;
  auto out = std::make_shared<outcome>();
  asio::co_spawn(ioc, run(req, *u, tls ? &*tls : nullptr, out), asio::detached);
  ioc.run_for(req.timeout);
  if (!out->done) {
    ioc.stop();
    return fail(fmt::format("timed out after {}", timefmt::format_duration(req.timeout)));
  }
  if (!out->response) return fail(out->failure);
  return *out->response;
}

}  // namespace slawatch::alerting
