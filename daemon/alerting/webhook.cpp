// Webhook signing, the retry schedule, answer classification and secret checks.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "slawatch/alerting/alerting.hpp"

namespace slawatch::alerting {

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) out += fmt::format("{:02x}", mac[i]);
  return out;
}

std::string signature(std::string_view secret, std::string_view body) {
  return "sha256=" + hmac_sha256_hex(secret, body);
}

http_request webhook_request(const std::string& url, const std::string& secret,
                             const store::outbox_item& item, duration timeout) {
  http_request r;
  r.url = url;
  r.body = item.payload;
  r.timeout = timeout;
  r.headers.emplace_back("Content-Type", "application/json");
  r.headers.emplace_back("X-Slawatch-Delivery", item.delivery_id);
  if (!secret.empty()) r.headers.emplace_back("X-Slawatch-Signature", signature(secret, item.payload));
  return r;
}

duration backoff_delay(int attempt, double jitter, const backoff& b) {
  jitter = std::clamp(jitter, 0.0, 1.0);
  // Doubling stops at the cap (and long before 2^n could overflow).
  duration d = b.base;
  for (int i = 1; i < attempt && d < b.cap; ++i) d *= 2;
  d = std::min(d, b.cap);
  return std::chrono::duration_cast<duration>(d * (0.5 + 0.5 * jitter));
}

verdict classify(unsigned status) {
  if (status >= 200 && status < 300) return verdict::delivered;
  if (status == 408 || status == 429) return verdict::retry;
  if (status >= 400 && status < 500) return verdict::dead;
  return verdict::retry;
}

std::vector<error> check_secrets(
    const config::config& c, const rules::rule_set& rules,
    const std::function<std::optional<std::string>(const std::string&)>& getenv) {
  std::vector<error> out;
  for (std::size_t i = 0; i < c.webhooks.size(); ++i) {
    const auto& name = c.webhooks[i].secret_env;
    if (!name.empty() && !getenv(name)) {
      out.push_back({"invalid_value",
                     fmt::format("alerting.webhooks[{}].secret_env: environment variable {} "
                                 "is not set", i, name), {}});
    }
  }
  (void)rules;
  return out;
}

std::vector<std::string> partner_secret_warnings(
    const rules::rule_set& rules,
    const std::function<std::optional<std::string>(const std::string&)>& getenv) {
  std::vector<std::string> out;
  for (const auto& [id, p] : rules.partners) {
    const auto& name = p.report.secret_env;
    if (!p.report.webhook.empty() && !name.empty() && !getenv(name)) {
      out.push_back(fmt::format("partner {}: report.secret_env: environment variable {} is not "
                                "set; breach notifications to this partner are off", id, name));
    }
  }
  return out;
}

std::optional<std::string> system_getenv(const std::string& name) {
  const char* v = std::getenv(name.c_str());   // NOLINT(concurrency-mt-unsafe): read-only use
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

}  // namespace slawatch::alerting
