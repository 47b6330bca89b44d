#pragma once
/// Plain HTTP request and response values. The router works on these, never on sockets or
/// Beast types, so it can be unit-tested without a network (and compiled without Beast).
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include <nlohmann/json.hpp>
#include "slawatch/model/result.hpp"

namespace slawatch::http {

inline constexpr std::string_view json_content_type = "application/json";
inline constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";
inline constexpr std::string_view text_content_type = "text/plain; charset=utf-8";

/// A structured log sink (the app's logger): level "info" | "warn" | "error"; `fields`
/// (an object) is merged into the log line. Must be thread-safe.
using log_fn = std::function<void(std::string_view level, std::string_view msg, nlohmann::json fields)>;

/// What the server observed about the connection a request came on (contract 2.2
/// transport facts); no client can forge these.
struct connection_facts {
  bool tls = false;
  std::string tls_version;    ///< "TLSv1.3", "TLSv1.2"; empty when not TLS
  std::string client_cert;    ///< verified client certificate subject, RFC 2253
                              ///< ("CN=bank-a.partners.example,O=Bank A"); empty when none
  std::string peer;           ///< "127.0.0.1:53211" (logs only)
};

/// Who made a request (contract 8): a configured token or client certificate. Set by
/// router::dispatch before any handler runs (see request::caller).
struct principal {
  std::string name;       ///< the token's or certificate's configured name (authenticated_as)
  std::string role;       ///< partner | metrics | ops | officer | admin
  std::string partner;    ///< the partner id for role partner; empty otherwise
};

struct request {
  std::string method;         ///< "GET", "POST", ... (upper case, as sent)
  std::string target;         ///< path plus optional "?query"
  std::string content_type;   ///< the Content-Type header, empty when absent
  std::string authorization;  ///< the Authorization header, empty when absent
  std::string signature;      ///< the X-Slawatch-Signature header, empty when absent
  std::string accept;         ///< the Accept header, empty when absent
  connection_facts conn;
  std::string body;
  /// The authenticated caller, set by router::dispatch; nullopt when authentication is off
  /// (no tokens/certificates configured) or the route is open. Handlers never see a request
  /// whose caller failed authentication or is not allowed on the route.
  std::optional<principal> caller;

  /// The partner a read_own handler must confine its answer to: the caller's partner when
  /// the caller has role partner, empty (= every partner) otherwise.
  [[nodiscard]] std::string_view partner_scope() const {
    return caller && caller->role == "partner" ? std::string_view(caller->partner) : std::string_view{};
  }
};

struct response {
  unsigned status = 200;
  std::string content_type{json_content_type};
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;   ///< extra: Retry-After, Allow
  bool close = false;                                         ///< close the connection after it

  /// The value of an extra header, nullopt when absent (tests).
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
};

/// A JSON response: body is `j.dump()`, content type application/json.
response json_response(unsigned status, const nlohmann::json& j);
/// `{"error": message}` with the given status.
response error_response(unsigned status, std::string_view message);

/// A request target split into its path and decoded query parameters (in order).
struct target {
  std::string path;                                          ///< percent-decoded
  std::vector<std::pair<std::string, std::string>> query;    ///< decoded; '+' is a space
};

/// Splits and percent-decodes a target. Errors (code "bad_request"):
///   "query: invalid percent-encoding"   (also for the path: "path: invalid percent-encoding")
result<target> parse_target(std::string_view raw);

}  // namespace slawatch::http
