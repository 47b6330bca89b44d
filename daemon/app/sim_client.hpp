#pragma once
// A minimal HTTP/1.1 client over POSIX sockets for `slawatch simulate`: one keep-alive
// connection, Content-Length bodies only (what slawatch answers), plain http:// only.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include "slawatch/model/result.hpp"
#include "slawatch/model/time.hpp"

namespace slawatch::app::detail {

struct http_url {
  std::string host;
  std::uint16_t port = 80;
  std::string base_path;   ///< without a trailing '/', may be empty
};

/// "http://host[:port][/path]". Errors: "--url: expected http://HOST[:PORT], got '<text>'",
/// "--url: https is not supported by simulate; use a local http listener".
result<http_url> parse_http_url(std::string_view text);

struct http_reply {
  int status = 0;
  std::string body;
};

class http_client {
 public:
  http_client(http_url url, std::string token, duration timeout);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Sends one request (reconnecting once if the kept-alive connection was closed).
  /// Errors: "<host>:<port>: <reason>".
  result<http_reply> request(std::string_view method, std::string_view path,
                             std::string_view content_type, std::string_view body);

 private:
  result<http_reply> attempt(const std::string& wire);
  bool connect_now(std::string& why);
  void close_now();

  http_url url_;
  std::string token_;
  duration timeout_;
  int fd_ = -1;
  std::string buffer_;   ///< bytes read past the previous response
};

}  // namespace slawatch::app::detail
