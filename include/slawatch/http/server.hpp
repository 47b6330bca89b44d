#pragma once
/// The HTTP/1.1 server (Boost.Beast) in front of a router. All Beast and Asio code lives in
/// daemon/http/server.cpp; this header is free of both.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <nlohmann/json.hpp>
#include "slawatch/http/router.hpp"
#include "slawatch/model/result.hpp"
#include "slawatch/model/time.hpp"

namespace slawatch::http {

/// Server-side TLS (OpenSSL). Files are PEM; they are read by start() and reload_tls().
struct tls_options {
  std::string cert;          ///< certificate chain, leaf first
  std::string key;           ///< private key of the leaf
  std::string client_ca;     ///< set: every client must present a certificate it signed
  std::string min_version = "1.2";   ///< "1.2" | "1.3"; TLS 1.1 and older are never offered
};

struct server_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 9780;                    ///< 0 = any free port (see start())
  std::uint64_t max_body_bytes = 16777216;      ///< over → 413 and close
  std::uint32_t max_header_bytes = 16384;       ///< over → 431 and close
  /// Deadline for a whole request header (also the keep-alive idle time and the TLS
  /// handshake), then again for the whole body: a client trickling bytes is cut off.
  duration read_timeout = std::chrono::seconds(30);
  int threads = 2;
  /// Open connections beyond this are accepted and closed at once (counted, logged).
  std::uint64_t max_connections = 4096;
  /// TLS when set (contract 8, server.tls); plain HTTP otherwise.
  std::optional<tls_options> tls;
  /// Also catch SIGHUP: wait_for_signal() then returns SIGHUP too (the caller reloads and
  /// waits again) instead of the default action (terminate).
  bool hangup_signal = false;
};

class server {
 public:
  /// `r` must outlive the server.
  server(server_options opts, router& r, log_fn log);
  ~server();   ///< stop()
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds, listens and starts the thread pool. Returns the bound port. Errors name the
  /// address: "server.listen: cannot listen on 127.0.0.1:9780: Address already in use".
  result<std::uint16_t> start();

  /// Re-reads the TLS certificate, key and client CA into a new context that connections
  /// accepted from now on use; open connections keep theirs. On error the old context stays
  /// and the error names the key and file ("server.tls.cert: cannot read certificate chain
  /// from /x.crt: ..."). False (no error) when TLS is not configured.
  result<bool> reload_tls();

  /// Blocks the calling thread until SIGINT or SIGTERM (or, with hangup_signal, SIGHUP)
  /// arrives; returns the signal number. May be called again after SIGHUP. The handler is
  /// installed by start().
  int wait_for_signal();

  /// Calls `tick` on the io threads every `period` from start() until stop() (the systemd
  /// watchdog: a stuck event loop stops ticking). Call after start().
  void every(duration period, std::function<void()> tick);

  /// Closes the listening socket; open connections keep being served.
  void stop_accepting();

  /// Waits until no request is in flight (or the timeout passes). True when idle.
  bool wait_idle(duration timeout);

  /// Stops the thread pool (open connections are dropped) and joins it. Idempotent.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace slawatch::http
