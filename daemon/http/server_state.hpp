#pragma once
// Private to the http module: the state shared by the server's lifecycle (server.cpp) and
// its connections (session.cpp). Both are Asio translation units; nothing else includes this.
#include <utility>   // must precede boost/asio with GCC 12 coroutines
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <csignal>
#include <optional>
#include <thread>
#include <vector>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include "slawatch/http/server.hpp"
#include "tls_context.hpp"

namespace slawatch::http::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

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
  std::atomic<std::uint64_t> open{0};    ///< connections being served
  std::atomic<std::int64_t> limit_logged_at{0};       ///< steady seconds of the last limit warning
  std::atomic<std::int64_t> handshake_logged_at{0};   ///< ... of the last handshake failure
  std::mutex tls_mu;
  tls_context_ptr tls;                   ///< new connections use this; null = plain HTTP

  server_state(server_options o, router& r, log_fn l)
      : opts(std::move(o)), routes(r), log(std::move(l)), ioc(opts.threads) {}

  void note(std::string_view level, std::string_view msg, nlohmann::json fields = nlohmann::json::object()) {
    if (log) log(level, msg, std::move(fields));
  }

  tls_context_ptr current_tls() {
    std::lock_guard lock(tls_mu);
    return tls;
  }

  /// True at most once per `every` seconds per stamp: a flood must not flood the log too.
  static bool may_log(std::atomic<std::int64_t>& logged_at, std::int64_t every) {
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::steady_clock::now().time_since_epoch()).count();
    auto last = logged_at.load();
    return now - last >= every && logged_at.compare_exchange_strong(last, now);
  }
  bool may_log_limit() { return may_log(limit_logged_at, 10); }
};

/// Releases a connection counted as open by the accept loop (counted there, so a burst of
/// accepts sees the sessions not started yet).
class open_guard {
 public:
  explicit open_guard(std::atomic<std::uint64_t>& n) : n_(n) {}
  ~open_guard() { --n_; }
  open_guard(const open_guard&) = delete;
  open_guard& operator=(const open_guard&) = delete;

 private:
  std::atomic<std::uint64_t>& n_;
};


/// Accepts connections until the acceptor closes; one coroutine per connection (session.cpp).
asio::awaitable<void> accept_loop(server_state& s);

}  // namespace slawatch::http::detail
