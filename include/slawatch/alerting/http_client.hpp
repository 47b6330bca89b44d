#pragma once
/// A small blocking HTTP/1.1 client for notifications: plain http, and https through
/// OpenSSL with the system CA store and host name verification. One request per
/// connection; the whole exchange (resolve, connect, handshake, write, read) is bounded by
/// the request's timeout.
#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>
#include "slawatch/model/result.hpp"
#include "slawatch/model/time.hpp"

namespace slawatch::alerting {

struct http_request {
  std::string method = "POST";
  std::string url;                 ///< http://host[:port]/path or https://...
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  duration timeout = std::chrono::seconds(10);
};

struct http_response {
  unsigned status = 0;
  std::string body;
};

/// Sends one request. Transport failures are errors (code "transport") whose message names
/// the URL: "POST http://127.0.0.1:1/x: connection refused", "...: timed out after 10s",
/// "...: invalid URL". Any HTTP status, 5xx included, is a response.
result<http_response> send_http(const http_request& req);

/// How the delivery code sends (tests inject fakes).
using sender = std::function<result<http_response>(const http_request&)>;

/// Splits an http(s) URL. nullopt when it is not one.
struct url_parts {
  bool tls = false;
  std::string host, port, target;
};
std::optional<url_parts> split_url(std::string_view url);

}  // namespace slawatch::alerting
