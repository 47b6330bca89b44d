// The HTTP server's lifecycle: listen, the io threads, signals, TLS context swaps and
// shutdown. Connections are served in session.cpp.
#include <utility>   // must precede boost/asio with GCC 12 coroutines
#include <future>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include "fd_limit.hpp"
#include "server_state.hpp"

namespace slawatch::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace detail {

/// Hands every caught signal to wait_for_signal(); SIGHUP re-arms (a reload can come again),
/// SIGINT/SIGTERM end the wait for good (the set stays installed: no default action).
void wait_signals(server_state& s) {
  s.signals.async_wait([&s](const error_code& e, int sig) {
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
  auto fail = [&](const error_code& ec) {
    return error{"listen", fmt::format("server.listen: cannot listen on {}:{}: {}", s.opts.host,
                                       s.opts.port, ec.message())};
  };
  if (s.opts.tls) {
    auto ctx = detail::make_tls_context(*s.opts.tls);
    if (!ctx) return ctx.err();
    s.tls = std::move(ctx.value());
  }
  if (auto raised = raise_fd_limit()) {
    s.note("info", "http: raised the open file limit",
           {{"from", raised->first}, {"to", raised->second}});
  }
  error_code ec;
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

result<bool> server::reload_tls() {
  auto& s = *impl_;
  if (!s.opts.tls) return false;
  auto ctx = detail::make_tls_context(*s.opts.tls);
  if (!ctx) return ctx.err();
  std::lock_guard lock(s.tls_mu);
  s.tls = std::move(ctx.value());
  return true;
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
      error_code ec;
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
    error_code ec;
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
