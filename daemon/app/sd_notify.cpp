// sd_notify(3) by hand: libsystemd is not needed for one datagram. A failure to notify is
// never fatal (systemd then times the unit out, which is the right signal).
#include "slawatch/app/sd_notify.hpp"
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

namespace slawatch::app {

namespace detail {

/// Closes the socket on every path out.
struct fd_guard {
  int fd;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

std::optional<long long> parse_positive(const char* text) {
  if (text == nullptr) return std::nullopt;
  long long v = 0;
  const char* end = text + std::strlen(text);
  auto [p, ec] = std::from_chars(text, end, v);
  if (ec != std::errc{} || p != end || p == text || v <= 0) return std::nullopt;
  return v;
}

}  // namespace detail

result<bool> notify_to(std::string_view socket_path, std::string_view message) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.empty() || socket_path.size() >= sizeof(addr.sun_path)) {
    return error{"io", "NOTIFY_SOCKET: path too long: " + std::string(socket_path)};
  }
  std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
  socklen_t len = offsetof(sockaddr_un, sun_path) + socket_path.size();
  if (addr.sun_path[0] == '@') {
    addr.sun_path[0] = '\0';   // abstract namespace: no terminating NUL counted
  } else {
    len += 1;
  }
  detail::fd_guard sock{::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  if (sock.fd < 0) return error{"io", std::string("NOTIFY_SOCKET: ") + std::strerror(errno)};
  auto sent = ::sendto(sock.fd, message.data(), message.size(), MSG_NOSIGNAL,
                       reinterpret_cast<const sockaddr*>(&addr), len);
  if (sent < 0) return error{"io", std::string("NOTIFY_SOCKET: ") + std::strerror(errno)};
  return true;
}

bool notify(std::string_view message) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || *path == '\0') return true;
  return notify_to(path, message).ok();
}

bool notify_reloading() {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now().time_since_epoch());   // CLOCK_MONOTONIC on Linux
  return notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(us.count()));
}

std::optional<duration> watchdog_interval(const char* usec, const char* pid, long self_pid) {
  auto us = detail::parse_positive(usec);
  if (!us) return std::nullopt;
  if (pid != nullptr) {
    auto owner = detail::parse_positive(pid);
    if (!owner || *owner != self_pid) return std::nullopt;
  }
  return std::chrono::duration_cast<duration>(std::chrono::microseconds(*us / 2));
}

std::optional<duration> watchdog_interval() {
  return watchdog_interval(std::getenv("WATCHDOG_USEC"), std::getenv("WATCHDOG_PID"),
                           static_cast<long>(::getpid()));
}

}  // namespace slawatch::app
