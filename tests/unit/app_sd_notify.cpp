// The sd_notify sender against sockets the test binds (a path and the abstract namespace).
#include <catch2/catch.hpp>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include "slawatch/app/sd_notify.hpp"

using namespace slawatch;

namespace {

/// A bound AF_UNIX datagram socket; `name` starting with '@' is abstract.
struct receiver {
  int fd = -1;
  std::string name;
  explicit receiver(std::string n) : name(std::move(n)) {
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, name.data(), name.size());
    socklen_t len = offsetof(sockaddr_un, sun_path) + name.size();
    if (name[0] == '@') a.sun_path[0] = '\0'; else len += 1;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), len) == 0);
    timeval tv{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~receiver() {
    ::close(fd);
    if (name[0] != '@') ::unlink(name.c_str());
  }
  std::string next() const {
    char buf[4096];
    auto n = ::recv(fd, buf, sizeof buf, 0);
    return n < 0 ? std::string("<nothing>") : std::string(buf, static_cast<std::size_t>(n));
  }
};

std::string unique_name() {
  std::random_device rd;
  return "slawatch-notify-" + std::to_string(rd());
}

}  // namespace

TEST_CASE("notify_to sends one datagram to a socket path") {
  receiver r((std::filesystem::temp_directory_path() / unique_name()).string());
  REQUIRE(app::notify_to(r.name, "READY=1\nSTATUS=ready").ok());
  CHECK(r.next() == "READY=1\nSTATUS=ready");
}

TEST_CASE("a leading @ addresses the abstract namespace") {
  receiver r("@" + unique_name());
  REQUIRE(app::notify_to(r.name, "WATCHDOG=1").ok());
  CHECK(r.next() == "WATCHDOG=1");
}

TEST_CASE("notify reads NOTIFY_SOCKET and is a no-op without it") {
  receiver r("@" + unique_name());
  ::setenv("NOTIFY_SOCKET", r.name.c_str(), 1);
  CHECK(app::notify("STOPPING=1"));
  CHECK(r.next() == "STOPPING=1");
  CHECK(app::notify_reloading());
  CHECK(r.next().starts_with("RELOADING=1\nMONOTONIC_USEC="));
  ::unsetenv("NOTIFY_SOCKET");
  CHECK(app::notify("READY=1"));
}

TEST_CASE("notify_to names what went wrong") {
  auto missing = app::notify_to("/nonexistent/slawatch.sock", "READY=1");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.err().message == "NOTIFY_SOCKET: No such file or directory");
  auto long_path = app::notify_to(std::string(200, 'x'), "READY=1");
  REQUIRE_FALSE(long_path.ok());
  CHECK(long_path.err().message == "NOTIFY_SOCKET: path too long: " + std::string(200, 'x'));
}

TEST_CASE("the watchdog interval is half of WATCHDOG_USEC, for this process only") {
  using std::chrono::milliseconds;
  struct row { const char* usec; const char* pid; std::optional<duration> want; };
  const row rows[] = {
      {"30000000", nullptr, milliseconds(15000)},
      {"30000000", "42", milliseconds(15000)},
      {"30000000", "43", std::nullopt},
      {nullptr, nullptr, std::nullopt},
      {"0", nullptr, std::nullopt},
      {"abc", nullptr, std::nullopt},
      {"1000x", nullptr, std::nullopt},
      {"30000000", "x", std::nullopt},
  };
  for (const auto& r : rows) {
    INFO((r.usec ? r.usec : "unset") << " " << (r.pid ? r.pid : "unset"));
    CHECK(app::watchdog_interval(r.usec, r.pid, 42) == r.want);
  }
}
