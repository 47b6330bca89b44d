// The only Beast/Asio translation unit of the http module (each one costs ~30 s to compile).
// One coroutine per connection on its own strand; a fresh parser per message.
#include <utility>   // must precede boost/asio with GCC 12 coroutines
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <csignal>
#include <future>
#include <optional>
#include <thread>
#include <vector>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include "slawatch/http/server.hpp"

namespace slawatch::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace detail {

struct server_state {
  server_options opts;
  router& routes;
  log_fn log;
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  tcp::acceptor acceptor{ioc};
  asio::signal_set signals{ioc, SIGINT, SIGTERM};
  std::mutex signal_mu;
  std::condition_variable signal_cv;
  std::deque<int> caught;   ///< signals not yet returned by wait_for_signal()
  std::vector<std::thread> threads;
  std::atomic<std::uint64_t> busy{0};   ///< requests with a header read and no answer written yet
  std::atomic<bool> stopped{false};

  server_state(server_options o, router& r, log_fn l)
      : opts(std::move(o)), routes(r), log(std::move(l)), ioc(opts.threads) {}

  void note(std::string_view level, std::string_view msg, nlohmann::json fields = nlohmann::json::object()) {
    if (log) log(level, msg, std::move(fields));
  }
};

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
awaitable answer_and_close(beast::tcp_stream& stream, response r, unsigned version) {
  beast::error_code ec;
  auto out = to_beast(std::move(r), version, false);
  stream.expires_after(std::chrono::seconds(5));
  co_await bhttp::async_write(stream, out, asio::redirect_error(use_awaitable, ec));
  if (ec) co_return;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(std::chrono::seconds(2));
  std::vector<char> scratch(65536);
  for (;;) {
    co_await stream.async_read_some(asio::buffer(scratch), asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
  }
}

bool expects_continue(const bhttp::request<bhttp::string_body>& req) {
  return beast::iequals(req[bhttp::field::expect], "100-continue");
}

request to_plain(bhttp::request<bhttp::string_body>&& req) {
  request out;
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

/// Reads one request into `parser`; false with `ec` set on failure.
asio::awaitable<bool> read_request(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                   bhttp::request_parser<bhttp::string_body>& parser,
                                   const server_options& o, busy_guard& busy, beast::error_code& ec) {
  stream.expires_after(o.read_timeout);
  co_await bhttp::async_read_header(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
  if (parser.is_header_done()) busy.hold();
  if (ec) co_return false;
  if (expects_continue(parser.get())) {
    bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, parser.get().version()};
    stream.expires_after(o.read_timeout);
    co_await bhttp::async_write(stream, cont, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return false;
  }
  stream.expires_after(o.read_timeout);
  co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
  co_return !ec;
}

awaitable session(server_state& s, tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
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
    response res = co_await async_route(s.routes, to_plain(std::move(req)), use_awaitable);
    keep_alive = keep_alive && !res.close && !s.stopped;
    auto out = to_beast(std::move(res), version, keep_alive);
    stream.expires_after(s.opts.read_timeout);
    co_await bhttp::async_write(stream, out, asio::redirect_error(use_awaitable, ec));
    busy.release();
    if (ec || !keep_alive) break;
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

awaitable guarded_session(server_state& s, tcp::socket socket) {
  try {
    co_await session(s, std::move(socket));
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
      s.note("warn", "http: accept failed", {{"error", ec.message()}});
      continue;
    }
    auto ex = socket.get_executor();
    asio::co_spawn(ex, guarded_session(s, std::move(socket)), asio::detached);
  }
}

/// Hands every caught signal to wait_for_signal(); SIGHUP re-arms (a reload can come again),
/// SIGINT/SIGTERM end the wait for good (the set stays installed: no default action).
void wait_signals(server_state& s) {
  s.signals.async_wait([&s](const beast::error_code& e, int sig) {
    if (e) return;
    {
      std::lock_guard lock(s.signal_mu);
      s.caught.push_back(sig);
    }
    s.signal_cv.notify_all();
    if (sig == SIGHUP) wait_signals(s);
  });
}

}  // namespace detail

struct server::impl : detail::server_state {
  using server_state::server_state;
};

server::server(server_options opts, router& r, log_fn log)
    : impl_(std::make_unique<impl>(std::move(opts), r, std::move(log))) {}

server::~server() { stop(); }

result<std::uint16_t> server::start() {
  auto& s = *impl_;
  auto fail = [&](const beast::error_code& ec) {
    return error{"listen", fmt::format("server.listen: cannot listen on {}:{}: {}", s.opts.host,
                                       s.opts.port, ec.message())};
  };
  beast::error_code ec;
  tcp::resolver resolver(s.ioc);
  auto found = resolver.resolve(s.opts.host, std::to_string(s.opts.port),
                                tcp::resolver::numeric_service, ec);
  if (ec) return fail(ec);
  tcp::endpoint ep = found.begin()->endpoint();
  s.acceptor.open(ep.protocol(), ec);
  if (!ec) s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(ep, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail(ec);
  std::uint16_t port = s.acceptor.local_endpoint().port();
  if (s.opts.hangup_signal) s.signals.add(SIGHUP, ec);
  detail::wait_signals(s);
  s.work.emplace(s.ioc.get_executor());
  asio::co_spawn(s.ioc, detail::accept_loop(s), asio::detached);
  for (int i = 0; i < std::max(1, s.opts.threads); ++i) {
    s.threads.emplace_back([&s] {
      try {
        s.ioc.run();
      } catch (const std::exception& e) {
        s.note("error", "http: worker thread failed", {{"error", e.what()}});
      }
    });
  }
  return port;
}

int server::wait_for_signal() {
  auto& s = *impl_;
  std::unique_lock lock(s.signal_mu);
  s.signal_cv.wait(lock, [&s] { return !s.caught.empty(); });
  int sig = s.caught.front();
  s.caught.pop_front();
  return sig;
}

void server::every(duration period, std::function<void()> tick) {
  auto& s = *impl_;
  auto loop = [](duration p, std::function<void()> t) -> asio::awaitable<void> {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (;;) {
      timer.expires_after(p);
      beast::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      t();
    }
  };
  asio::co_spawn(s.ioc, loop(period, std::move(tick)), asio::detached);
}

void server::stop_accepting() {
  auto& s = *impl_;
  if (s.threads.empty()) return;
  std::promise<void> closed;
  // The acceptor belongs to the io threads: close it there.
  asio::post(s.ioc, [&s, &closed] {
    beast::error_code ec;
    s.acceptor.close(ec);
    closed.set_value();
  });
  closed.get_future().wait();
}

bool server::wait_idle(duration timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  impl_->stopped = true;   // answers from now on close their connection
  while (impl_->busy.load() != 0 || impl_->routes.in_flight() != 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

void server::stop() {
  auto& s = *impl_;
  s.stopped = true;
  s.work.reset();
  s.ioc.stop();
  for (auto& t : s.threads) {
    if (t.joinable()) t.join();
  }
  s.threads.clear();
}

}  // namespace slawatch::http
