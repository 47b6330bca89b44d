#pragma once
/// Notifications (contract 9): webhook signing, retry schedule, the Alertmanager alert
/// state, and the delivery service that drains the durable outbox.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>
#include <nlohmann/json.hpp>
#include "slawatch/alerting/http_client.hpp"
#include "slawatch/config/config.hpp"
#include "slawatch/metrics/metrics.hpp"
#include "slawatch/rules/rule_set.hpp"
#include "slawatch/store/store.hpp"

namespace slawatch::alerting {

using log_fn = std::function<void(std::string_view level, std::string_view msg, nlohmann::json fields)>;
using clock_fn = std::function<instant()>;

// --- webhooks ---------------------------------------------------------------------------

/// Lowercase hex HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

/// The X-Slawatch-Signature value: "sha256=" + hmac_sha256_hex(secret, body).
std::string signature(std::string_view secret, std::string_view body);

/// The request for one webhook delivery: POST `url`, body = the outbox payload, headers
/// Content-Type: application/json, X-Slawatch-Delivery: <delivery id>, and
/// X-Slawatch-Signature when `secret` is not empty.
http_request webhook_request(const std::string& url, const std::string& secret,
                             const store::outbox_item& item, duration timeout);

/// Exponential backoff with jitter: the n-th failed attempt (n ≥ 1) waits
/// d = min(cap, base × 2^(n-1)) scaled by (0.5 + 0.5 × jitter), jitter in [0, 1].
struct backoff {
  duration base = std::chrono::seconds(1);
  duration cap = std::chrono::minutes(5);
};
duration backoff_delay(int attempt, double jitter, const backoff& b = {});

/// What an HTTP answer means for a delivery: 2xx delivered; 408, 429, 5xx (and anything
/// else) retried; other 4xx refused for good (dead letter).
enum class verdict { delivered, retry, dead };
verdict classify(unsigned status);

// --- Alertmanager ------------------------------------------------------------------------

/// The alerts Alertmanager should hold, derived from the store on every evaluation (so a
/// restart loses nothing): SLABreach per (rule, partner) with an open breach or one within
/// `hold`; SLAAtRisk per (rule, partner) with a warned obligation not yet due. Pairs that
/// stop being active are sent resolved (endsAt = when they resolved) for 15 minutes.
class alert_state {
 public:
  alert_state(duration resend_interval, duration hold)
      : resend_(resend_interval), hold_(hold) {}

  /// Recomputes the alerts at `now`. `rules` (may be null) gives summaries and references.
  void update(const std::vector<store::alert_pair>& pairs,
              const std::vector<store::obligation_row>& at_risk, const rules::rule_set* rules,
              instant now);
  /// True when something changed since the last successful send, or a resend is due.
  [[nodiscard]] bool send_due(instant now) const;
  /// The alerts to post (Alertmanager API v2 objects): every active one with endsAt =
  /// now + 4 × resend_interval (an at-risk alert: at most its latest due), every resolved
  /// one with endsAt = its resolution time.
  [[nodiscard]] std::vector<nlohmann::json> payload(instant now) const;
  /// Every Alertmanager took the payload of `now`.
  void sent(instant now);
  /// The start of the hold window at `now`.
  [[nodiscard]] instant hold_since(instant now) const { return now - hold_; }

  struct alert {
    nlohmann::json labels, annotations;
    instant starts_at{};
    std::optional<instant> resolved_at;
    std::optional<instant> ends_by;   ///< at-risk: the latest due of its obligations
  };
  [[nodiscard]] const std::map<std::string, alert>& alerts() const { return alerts_; }

 private:
  void upsert(const std::string& key, nlohmann::json labels, nlohmann::json annotations,
              std::optional<instant> ends_by, instant now);
  void update_breaches(const std::vector<store::alert_pair>& pairs, const rules::rule_set* rules,
                       instant now, std::set<std::string>& active);
  void update_at_risk(const std::vector<store::obligation_row>& at_risk,
                      const rules::rule_set* rules, instant now, std::set<std::string>& active);

  duration resend_, hold_;
  std::map<std::string, alert> alerts_;   ///< by identity "SLABreach/<rule>/<partner>"
  bool changed_ = false;
  std::optional<instant> last_sent_;
};

// --- the delivery service ----------------------------------------------------------------

struct service_options {
  std::vector<std::string> alertmanagers;
  duration resend_interval = std::chrono::minutes(1);
  duration hold = std::chrono::minutes(15);
  /// "webhook:<name>" → URL and secret (resolved at start-up).
  struct target {
    std::string url, secret;
  };
  std::map<std::string, target> webhooks;
  /// The current rule set (partners' report.webhook, rule descriptions).
  std::function<std::shared_ptr<const rules::rule_set>()> rules;
  /// Environment lookup for partners' report.secret_env (tests inject one).
  std::function<std::optional<std::string>(const std::string&)> getenv;
  clock_fn now;
  sender send;                         ///< empty = send_http
  std::function<double()> jitter;      ///< in [0, 1]; empty = random
  backoff retry;
  duration timeout = std::chrono::seconds(10);
  duration poll = std::chrono::milliseconds(200);
};

/// The delivery worker: its own thread and store connection; reads the outbox oldest first
/// per sink, sends, deletes what was delivered, backs off what failed, dead-letters what a
/// receiver refused, and keeps Alertmanager's alerts current.
class service {
 public:
  service(std::unique_ptr<store::store> s, metrics::registry* m, service_options o, log_fn log);
  ~service();   ///< stops
  /// Starts the worker thread.
  void start();
  /// Stops the worker (an in-flight request finishes or times out first). Idempotent.
  void stop();
  /// One pass of the worker at the options' clock (tests call it without start()).
  void run_once();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Every alerting.webhooks[i].secret_env the configuration names must be set: the operator
/// asked for signed deliveries explicitly. Errors (exact):
///   "alerting.webhooks[<i>].secret_env: environment variable <NAME> is not set"
std::vector<error> check_secrets(
    const config::config& c, const rules::rule_set& rules,
    const std::function<std::optional<std::string>(const std::string&)>& getenv);

/// Partners whose report webhook names a secret variable that is unset. Their breaches are
/// not sent (never unsigned, never queued for nothing); serve logs one warning each, exact:
///   "partner <id>: report.secret_env: environment variable <NAME> is not set; breach
///    notifications to this partner are off"
/// The rule packs name such variables for sample partners, so this must not stop start-up.
std::vector<std::string> partner_secret_warnings(
    const rules::rule_set& rules,
    const std::function<std::optional<std::string>(const std::string&)>& getenv);

/// Reads an environment variable (nullopt when unset).
std::optional<std::string> system_getenv(const std::string& name);

}  // namespace slawatch::alerting
