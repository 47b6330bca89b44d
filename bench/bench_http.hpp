#pragma once
// A minimal HTTP/1.1 client over loopback sockets for bench_ingest: keep-alive connections,
// plain or TLS (OpenSSL, no certificate check: the bench's own self-signed certificate),
// pipelining off (one request in flight per connection), responses framed by Content-Length
// (what slawatch's Beast server sends). Not part of the daemon.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <fmt/format.h>
#include <openssl/ssl.h>

namespace slawatch::bench {

using steady = std::chrono::steady_clock;

/// The client TLS context when the daemon serves TLS (set by bench_ingest --tls 1), else null.
inline SSL_CTX*& tls_context() {
  static SSL_CTX* ctx = nullptr;
  return ctx;
}

inline void enable_tls() {
  tls_context() = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(tls_context(), SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_mode(tls_context(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

/// A connected socket, with its TLS session when TLS is on.
struct channel {
  int fd = -1;
  SSL* ssl = nullptr;

  /// Bytes written, 0 when the socket would block; throws on failure.
  std::size_t write(const char* data, std::size_t n) {
    if (ssl == nullptr) {
      const auto w = ::write(fd, data, n);
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
      if (w <= 0) throw std::runtime_error(fmt::format("write: {}", std::strerror(errno)));
      return static_cast<std::size_t>(w);
    }
    const int w = SSL_write(ssl, data, static_cast<int>(n));
    if (w > 0) return static_cast<std::size_t>(w);
    const int e = SSL_get_error(ssl, w);
    if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) return 0;
    throw std::runtime_error("TLS write failed");
  }

  /// Bytes read, 0 when nothing is there now; -1 when the peer closed.
  long read(char* buf, std::size_t n) {
    if (ssl == nullptr) {
      const auto r = ::read(fd, buf, n);
      if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
      return r <= 0 ? -1 : static_cast<long>(r);
    }
    const int r = SSL_read(ssl, buf, static_cast<int>(n));
    if (r > 0) return r;
    const int e = SSL_get_error(ssl, r);
    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
  }

  void close() {
    if (ssl != nullptr) SSL_free(ssl);
    if (fd >= 0) ::close(fd);
    ssl = nullptr;
    fd = -1;
  }
};

/// A blocking TCP connection to 127.0.0.1:port with Nagle off; throws when refused.
inline int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    throw std::runtime_error(fmt::format("connect 127.0.0.1:{}: {}", port, std::strerror(errno)));
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

inline void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

/// A blocking connection, TLS handshake done when TLS is on.
inline channel open_channel(int port) {
  channel c{connect_loopback(port), nullptr};
  if (tls_context() != nullptr) {
    c.ssl = SSL_new(tls_context());
    SSL_set_fd(c.ssl, c.fd);
    if (SSL_connect(c.ssl) != 1) {
      c.close();
      throw std::runtime_error("TLS handshake failed");
    }
  }
  return c;
}

inline std::string http_request(const char* method, const std::string& target, const char* content_type,
                                const std::string& body) {
  std::string head = fmt::format("{} {} HTTP/1.1\r\nHost: 127.0.0.1\r\n", method, target);
  if (content_type != nullptr) head += fmt::format("Content-Type: {}\r\n", content_type);
  return head + fmt::format("Content-Length: {}\r\n\r\n", body.size()) + body;
}

struct http_response {
  int status = 0;
  std::string body;
};

/// Takes one complete response off the front of `in`, if it holds one.
inline std::optional<http_response> take_response(std::string& in) {
  const auto end = in.find("\r\n\r\n");
  if (end == std::string::npos || in.size() < 12) return std::nullopt;
  std::size_t length = 0;
  for (std::size_t p = in.find("\r\n"); p < end; p = in.find("\r\n", p + 2)) {
    if (::strncasecmp(in.data() + p + 2, "content-length:", 15) == 0) {
      length = std::strtoull(in.data() + p + 17, nullptr, 10);
    }
  }
  if (in.size() < end + 4 + length) return std::nullopt;
  http_response r{std::atoi(in.data() + 9), in.substr(end + 4, length)};
  in.erase(0, end + 4 + length);
  return r;
}

/// The integer after "key": in a flat JSON body (the ingest response), or 0.
inline long json_count(const std::string& body, const char* key) {
  const auto at = body.find(fmt::format("\"{}\":", key));
  return at == std::string::npos ? 0 : std::strtol(body.c_str() + at + std::strlen(key) + 3, nullptr, 10);
}

/// One blocking request on a fresh connection (set-up and result collection, not timed).
inline http_response http_once(int port, const std::string& request) {
  channel c = open_channel(port);
  try {
    for (std::size_t off = 0; off < request.size();) off += c.write(request.data() + off, request.size() - off);
    std::string in;
    char buf[65536];
    for (;;) {
      if (auto r = take_response(in)) {
        c.close();
        return *r;
      }
      const auto n = c.read(buf, sizeof buf);
      if (n < 0) throw std::runtime_error("connection closed before a response");
      in.append(buf, static_cast<std::size_t>(n));
    }
  } catch (...) {
    c.close();
    throw;
  }
}

}  // namespace slawatch::bench
