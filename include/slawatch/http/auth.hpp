#pragma once
/// Authentication (contract 8) and request signatures (contract 2.3). Tokens are known only
/// by their SHA-256; a presented token is hashed and compared with every configured hash in
/// constant time, and is never logged or kept.
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>
#include "slawatch/config/config.hpp"
#include "slawatch/http/message.hpp"
#include "slawatch/model/result.hpp"

namespace slawatch::http {

/// Maps credentials to principals. Built once from the configuration; immutable, so any
/// number of HTTP threads may call authenticate() at once.
class authenticator {
 public:
  /// No credentials: authentication off.
  authenticator() = default;
  /// Tokens and certificates as validated by config::parse (sha256: 64 lowercase hex).
  authenticator(const std::vector<config::token>& tokens,
                const std::vector<config::certificate>& certificates);

  /// False when no token and no certificate is configured: every caller is allowed.
  [[nodiscard]] bool enabled() const { return !tokens_.empty() || !certificates_.empty(); }

  /// The principal behind `req`. An Authorization header, when present, decides alone
  /// (a bad token is refused even on a connection with a mapped client certificate);
  /// otherwise the verified client certificate subject (req.conn.client_cert) is looked up.
  /// Errors (code "unauthenticated", exact messages):
  ///   "unauthenticated: a bearer token or a client certificate is required"
  ///   "unauthenticated: expected 'Authorization: Bearer <token>'"
  ///   "unauthenticated: unknown token"
  ///   "unauthenticated: client certificate is not mapped to a principal"
  [[nodiscard]] result<principal> authenticate(const request& req) const;

 private:
  struct token_entry {
    std::array<unsigned char, 32> hash{};
    principal who;
  };
  std::vector<token_entry> tokens_;
  std::map<std::string, principal, std::less<>> certificates_;   // by subject
};

/// Lowercase hex SHA-256 of `text` (how a token's configured hash is made).
std::string sha256_hex(std::string_view text);

/// "sha256=" + lowercase hex HMAC-SHA256(secret, body): the X-Slawatch-Signature value.
std::string sign_body(std::string_view body, std::string_view secret);

enum class signature_check { valid, mismatch, malformed };

/// Checks an X-Slawatch-Signature header value against `body`: malformed unless it is
/// "sha256=" followed by 64 hex digits (either case); the digest comparison is constant time.
signature_check verify_signature(std::string_view header, std::string_view body,
                                 std::string_view secret);

/// ingest.rate_limit: one token bucket per partner (events per second, burst). A request
/// is admitted when its partner's bucket holds at least min(events, burst) tokens, and then
/// takes all its events (the bucket may go into debt), so a request larger than the burst
/// still gets through once the bucket is full but pays for every event. Thread-safe.
class rate_limiter {
 public:
  using clock_fn = std::function<std::chrono::steady_clock::time_point()>;
  rate_limiter(std::uint64_t events_per_second, std::uint64_t burst,
               clock_fn clock = [] { return std::chrono::steady_clock::now(); });

  /// Admits `counts` (partner → events in this request) for every partner at once, or for
  /// none. 0 = admitted; otherwise the seconds (rounded up, ≥ 1) until the request would
  /// be admitted: the Retry-After value.
  std::uint64_t admit(const std::map<std::string, std::uint64_t>& counts);

 private:
  struct bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point at{};
  };
  double rate_, burst_;
  clock_fn clock_;
  std::mutex mu_;
  std::map<std::string, bucket> buckets_;
};

}  // namespace slawatch::http
