// The Beast server on a loopback port, driven with plain POSIX sockets: limits, keep-alive,
// timeouts and answers that come back from another thread.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <catch2/catch.hpp>
#include <thread>
#include "http_fakes.hpp"
#include "slawatch/http/server.hpp"

using namespace http_test;

namespace {

/// A blocking client socket with a receive timeout.
class client {
 public:
  explicit client(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{3, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~client() { ::close(fd_); }
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  [[nodiscard]] bool connected() const { return connected_; }
  void send(const std::string& data) { (void)!::send(fd_, data.data(), data.size(), MSG_NOSIGNAL); }

  /// Reads until `marker` has been seen (or the peer closed / 3 s passed).
  std::string read_until(const std::string& marker) {
    while (buffer_.find(marker) == std::string::npos && read_some()) {}
    return buffer_;
  }
  /// Reads until the peer closes; true when it did (not a timeout).
  bool read_to_close() {
    while (read_some()) {}
    return closed_;
  }
  const std::string& received() const { return buffer_; }

 private:
  bool read_some() {
    char chunk[4096];
    auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n == 0) closed_ = true;
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
  int fd_;
  bool connected_ = false;
  bool closed_ = false;
  std::string buffer_;
};

struct running_server {
  explicit running_server(harness& h, http::server_options o = {}) : srv(adjust(o), *h.router, nullptr) {
    auto p = srv.start();
    REQUIRE(p);
    port = p.value();
  }
  static http::server_options adjust(http::server_options o) {
    o.host = "127.0.0.1";
    o.port = 0;
    return o;
  }
  http::server srv;
  std::uint16_t port = 0;
};

std::string get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n";
}

}  // namespace

TEST_CASE("two requests on one connection are both answered") {
  harness h;
  running_server s(h);
  client c(s.port);
  REQUIRE(c.connected());
  c.send(get("/-/healthy") + get("/nope"));
  auto text = c.read_until("not found");
  CHECK(text.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(text.find("HTTP/1.1 404 Not Found\r\n") != std::string::npos);
  CHECK(text.find("Content-Type: application/json") != std::string::npos);
}

TEST_CASE("a body over max_body_bytes is 413 and the connection is closed") {
  harness h;
  http::server_options o;
  o.max_body_bytes = 100;
  running_server s(h, o);
  client c(s.port);
  c.send("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n" +
         std::string(1000, ' '));
  CHECK(c.read_to_close());
  CHECK(c.received().starts_with("HTTP/1.1 413 Payload Too Large\r\n"));
  CHECK(c.received().ends_with(R"({"error":"body: larger than the limit of 100 bytes"})"));
  CHECK(h.submitted.empty());
}

TEST_CASE("headers over the limit are 431 and the connection is closed") {
  harness h;
  http::server_options o;
  o.max_header_bytes = 1024;
  running_server s(h, o);
  client c(s.port);
  c.send(get("/-/healthy", "X-Big: " + std::string(2000, 'a') + "\r\n"));
  CHECK(c.read_to_close());
  CHECK(c.received().starts_with("HTTP/1.1 431 "));
  CHECK(c.received().ends_with(R"({"error":"headers: larger than the limit of 1024 bytes"})"));
}

TEST_CASE("a request that is not HTTP is 400") {
  harness h;
  running_server s(h);
  client c(s.port);
  c.send("HELLO THERE\r\n\r\n");
  CHECK(c.read_to_close());
  CHECK(c.received().starts_with("HTTP/1.1 400 Bad Request\r\n"));
  CHECK(c.received().find(R"({"error":"request: )") != std::string::npos);
}

TEST_CASE("an idle connection is closed after the read timeout") {
  harness h;
  http::server_options o;
  o.read_timeout = std::chrono::milliseconds(200);
  running_server s(h, o);
  client c(s.port);
  auto start = std::chrono::steady_clock::now();
  CHECK(c.read_to_close());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  CHECK(c.received().empty());
}

TEST_CASE("Expect: 100-continue gets an interim answer before the body is sent") {
  harness h;
  running_server s(h);
  client c(s.port);
  c.send("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
         "Expect: 100-continue\r\n\r\n");
  CHECK(c.read_until("\r\n\r\n").starts_with("HTTP/1.1 100 Continue\r\n"));
  c.send("{}");
  CHECK(c.read_until("got 'text/plain'").find("HTTP/1.1 415 ") != std::string::npos);
}

TEST_CASE("an answer produced on another thread reaches the client after the commit") {
  harness h;
  running_server s(h);
  client c(s.port);
  const std::string body =
      R"({"id": "e-1", "partner": "bank-a", "type": "a.b", "occurred_at": "2026-11-26T09:15:00+03:00"})";
  c.send("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body);
  // A server thread hands the batch to the pipeline double; complete it from another thread.
  for (int i = 0; i < 300 && h.submissions.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(h.submissions.load() == 1);
  CHECK(h.router->in_flight() == 1);
  std::thread writer([&h] { h.complete({st::put_status::accepted}); });
  writer.join();
  auto text = c.read_until(R"("rejected":0})");
  CHECK(text.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(text.find(R"("accepted":1)") != std::string::npos);
  CHECK(s.srv.wait_idle(std::chrono::seconds(2)));
}
