// Plain-socket HTTP/1.1 for the simulator: no Beast here keeps this translation unit cheap.
#include "sim_client.hpp"
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fmt/format.h>

namespace slawatch::app::detail {

result<http_url> parse_http_url(std::string_view text) {
  if (text.starts_with("https://")) {
    return error{"usage", "--url: https is not supported by simulate; use a local http listener"};
  }
  auto bad = [&] { return error{"usage", "--url: expected http://HOST[:PORT], got '" + std::string(text) + "'"}; };
  if (!text.starts_with("http://")) return bad();
  std::string_view rest = text.substr(7);
  http_url u;
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) u.base_path = std::string(rest.substr(slash));
  while (u.base_path.ends_with('/')) u.base_path.pop_back();
  auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    auto port = authority.substr(colon + 1);
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc{} || p != port.data() + port.size() || v == 0 || v > 65535) return bad();
    u.port = static_cast<std::uint16_t>(v);
    authority = authority.substr(0, colon);
  }
  if (authority.empty()) return bad();
  u.host = std::string(authority);
  return u;
}

http_client::http_client(http_url url, std::string token, duration timeout)
    : url_(std::move(url)), token_(std::move(token)), timeout_(timeout) {}

http_client::~http_client() { close_now(); }

void http_client::close_now() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

bool http_client::connect_now(std::string& why) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(url_.host.c_str(), std::to_string(url_.port).c_str(), &hints, &found); rc != 0) {
    why = ::gai_strerror(rc);
    return false;
  }
  for (addrinfo* a = found; a != nullptr && fd_ < 0; a = a->ai_next) {
    fd_ = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd_ < 0) continue;
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout_).count();
    timeval tv{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd_, a->ai_addr, a->ai_addrlen) != 0) {
      why = std::strerror(errno);
      ::close(fd_);
      fd_ = -1;
    }
  }
  ::freeaddrinfo(found);
  return fd_ >= 0;
}

namespace {

/// Reads until `buf` holds at least `n` bytes; false on EOF or error.
bool fill(int fd, std::string& buf, std::size_t n) {
  char chunk[65536];
  while (buf.size() < n) {
    auto got = ::recv(fd, chunk, sizeof chunk, 0);
    if (got <= 0) return false;
    buf.append(chunk, static_cast<std::size_t>(got));
  }
  return true;
}

std::optional<std::size_t> content_length(std::string_view head) {
  std::string lower(head);
  for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  auto at = lower.find("\r\ncontent-length:");
  if (at == std::string::npos) return std::nullopt;
  at += 17;
  while (at < lower.size() && lower[at] == ' ') ++at;
  std::size_t v = 0;
  auto [p, ec] = std::from_chars(lower.data() + at, lower.data() + lower.size(), v);
  if (ec != std::errc{}) return std::nullopt;
  return v;
}

}  // namespace

result<http_reply> http_client::attempt(const std::string& wire) {
  const auto where = fmt::format("{}:{}", url_.host, url_.port);
  std::string why;
  if (fd_ < 0 && !connect_now(why)) return error{"io", where + ": " + why};
  for (std::size_t sent = 0; sent < wire.size();) {
    auto n = ::send(fd_, wire.data() + sent, wire.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return error{"io", where + ": " + std::strerror(errno)};
    sent += static_cast<std::size_t>(n);
  }
  std::size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill(fd_, buffer_, buffer_.size() + 1)) return error{"io", where + ": connection closed"};
  }
  const std::string head = buffer_.substr(0, end);
  auto length = content_length(head);
  if (!length) return error{"io", where + ": response without Content-Length"};
  if (!fill(fd_, buffer_, end + 4 + *length)) return error{"io", where + ": connection closed"};
  http_reply r;
  r.status = head.size() > 12 ? std::atoi(head.c_str() + 9) : 0;
  r.body = buffer_.substr(end + 4, *length);
  buffer_.erase(0, end + 4 + *length);
  return r;
}

result<http_reply> http_client::request(std::string_view method, std::string_view path,
                                        std::string_view content_type, std::string_view body) {
  std::string wire = fmt::format("{} {}{} HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: slawatch-simulate\r\n",
                                 method, url_.base_path, path, url_.host, url_.port);
  if (!token_.empty()) wire += "Authorization: Bearer " + token_ + "\r\n";
  if (!content_type.empty()) wire += fmt::format("Content-Type: {}\r\n", content_type);
  wire += fmt::format("Content-Length: {}\r\n\r\n", body.size());
  wire.append(body);
  auto r = attempt(wire);
  if (r) return r;
  close_now();   // a kept-alive connection the server closed: one fresh try
  return attempt(wire);
}

}  // namespace slawatch::app::detail
