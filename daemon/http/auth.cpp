// Authentication, request signatures and the per-partner rate limit (contract 2.3, 8).
#include "slawatch/http/auth.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

namespace slawatch::http {

namespace detail {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Decodes exactly 2*N hex digits; false on anything else.
template <std::size_t N>
bool decode_hex(std::string_view hex, std::array<unsigned char, N>& out) {
  if (hex.size() != 2 * N) return false;
  for (std::size_t i = 0; i < N; ++i) {
    int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return true;
}

std::string to_hex(const unsigned char* p, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[p[i] >> 4]);
    out.push_back(digits[p[i] & 15]);
  }
  return out;
}

std::array<unsigned char, 32> sha256(std::string_view text) {
  std::array<unsigned char, 32> d{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), d.data());
  return d;
}

std::array<unsigned char, 32> hmac_sha256(std::string_view body, std::string_view secret) {
  std::array<unsigned char, 32> d{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), d.data(), &len);
  return d;
}

principal principal_of(const std::string& name, const std::string& role,
                       const std::string& partner) {
  return principal{name, role, role == "partner" ? partner : std::string{}};
}

/// "Bearer <token>" (scheme case-insensitive, RFC 7235); empty when malformed.
std::string_view bearer_token(std::string_view header) {
  constexpr std::string_view scheme = "bearer ";
  if (header.size() <= scheme.size()) return {};
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != scheme[i]) return {};
  }
  auto token = header.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.find(' ') != std::string_view::npos) return {};
  return token;
}

}  // namespace detail

authenticator::authenticator(const std::vector<config::token>& tokens,
                             const std::vector<config::certificate>& certificates) {
  for (const auto& t : tokens) {
    token_entry e;
    // config::parse guarantees 64 hex digits; an entry that still fails to decode keeps an
    // all-zero hash no token can produce (finding a preimage of zero is infeasible).
    (void)detail::decode_hex(t.sha256, e.hash);
    e.who = detail::principal_of(t.name, t.role, t.partner);
    tokens_.push_back(std::move(e));
  }
  for (const auto& c : certificates) {
    certificates_[c.subject] = detail::principal_of(c.name, c.role, c.partner);
  }
}

result<principal> authenticator::authenticate(const request& req) const {
  if (!req.authorization.empty()) {
    auto token = detail::bearer_token(req.authorization);
    if (token.empty()) {
      return error{"unauthenticated", "unauthenticated: expected 'Authorization: Bearer <token>'"};
    }
    auto presented = detail::sha256(token);
    // Every configured hash is compared, match or not: the time taken says nothing about
    // which (or whether a) token matched.
    const token_entry* found = nullptr;
    for (const auto& e : tokens_) {
      bool same = CRYPTO_memcmp(presented.data(), e.hash.data(), e.hash.size()) == 0;
      if (same && found == nullptr) found = &e;
    }
    OPENSSL_cleanse(presented.data(), presented.size());
    if (found == nullptr) return error{"unauthenticated", "unauthenticated: unknown token"};
    return found->who;
  }
  if (!req.conn.client_cert.empty()) {
    auto it = certificates_.find(req.conn.client_cert);
    if (it == certificates_.end()) {
      return error{"unauthenticated", "unauthenticated: client certificate is not mapped to a principal"};
    }
    return it->second;
  }
  return error{"unauthenticated", "unauthenticated: a bearer token or a client certificate is required"};
}

std::string sha256_hex(std::string_view text) {
  auto d = detail::sha256(text);
  return detail::to_hex(d.data(), d.size());
}

std::string sign_body(std::string_view body, std::string_view secret) {
  auto d = detail::hmac_sha256(body, secret);
  return "sha256=" + detail::to_hex(d.data(), d.size());
}

signature_check verify_signature(std::string_view header, std::string_view body,
                                 std::string_view secret) {
  constexpr std::string_view prefix = "sha256=";
  std::array<unsigned char, 32> given{};
  if (!header.starts_with(prefix) || !detail::decode_hex(header.substr(prefix.size()), given)) {
    return signature_check::malformed;
  }
  auto expected = detail::hmac_sha256(body, secret);
  bool same = CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
  return same ? signature_check::valid : signature_check::mismatch;
}

rate_limiter::rate_limiter(std::uint64_t events_per_second, std::uint64_t burst, clock_fn clock)
    : rate_(static_cast<double>(events_per_second)),
      burst_(static_cast<double>(std::max(burst, events_per_second))),
      clock_(std::move(clock)) {}

std::uint64_t rate_limiter::admit(const std::map<std::string, std::uint64_t>& counts) {
  std::lock_guard lock(mu_);
  auto now = clock_();
  double wait = 0;
  for (const auto& [partner, n] : counts) {
    auto [it, fresh] = buckets_.try_emplace(partner, bucket{burst_, now});
    auto& b = it->second;
    double elapsed = std::chrono::duration<double>(now - b.at).count();
    if (elapsed > 0) b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
    b.at = std::max(b.at, now);
    double need = std::min(static_cast<double>(n), burst_);
    if (b.tokens < need) wait = std::max(wait, (need - b.tokens) / rate_);
  }
  if (wait > 0) return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(wait - 1e-9)));
  for (const auto& [partner, n] : counts) buckets_[partner].tokens -= static_cast<double>(n);
  return 0;
}

}  // namespace slawatch::http
