#pragma once
/// The HTTP API (contract 2.3, 6, 7) as a pure handler: request in, response out through a
/// callback. Never touches a socket; everything with side effects is injected, so tests
/// drive it with fakes.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>
#include "slawatch/http/auth.hpp"
#include "slawatch/http/message.hpp"
#include "slawatch/http/reader_pool.hpp"
#include "slawatch/ingest/pipeline.hpp"
#include "slawatch/metrics/metrics.hpp"
#include "slawatch/model/time.hpp"
#include "slawatch/rules/rule_set.hpp"
#include "slawatch/store/store.hpp"

namespace slawatch::ingest {
struct prepared_batch;
struct raw_item;
}

namespace slawatch::http {

/// What a rule reload did (POST /-/reload). ok: 200 {"rules", "version", "added",
/// "changed", "removed"}; else 422 {"error": "reload failed", "errors": [...]}.
struct reload_outcome {
  bool ok = false;
  std::vector<std::string> errors;    ///< rendered "file:line:col: message", when !ok
  std::size_t rules = 0;              ///< rules in the new set
  std::string version;                ///< the new set's version
  std::vector<std::string> added, changed, removed;   ///< rule ids, sorted
};

/// Who may call a route (contract 8). Enforced in one place, router::dispatch.
enum class access {
  open,       ///< anyone: /-/healthy, /-/ready
  metrics,    ///< metrics, ops, officer, admin; anyone when metrics.public
  ingest,     ///< partner (own events only), admin
  read_own,   ///< ops, officer, admin: everything; partner: its own partner's data only
  read_all,   ///< ops, officer, admin
  report,     ///< officer, admin: every partner; partner: its own only (not ops: contract 6)
  officer,    ///< officer, admin
  admin,      ///< admin
};

namespace detail {
/// One route: a path pattern and the method it answers. `{id}` matches one path segment.
struct route_match {
  bool found = false;
  std::string_view allow;   ///< the method the path takes
  std::string id;           ///< the {id} segment (breach id, or partner for reports)
  bool waive = false;       ///< /v1/breaches/{id}/waive
  access needs = access::open;
  bool report = false;      ///< /v1/reports/{partner}
};
/// The 404 text of GET /v1/reports/{partner} for a partner the registry does not know, and
/// for another partner's report asked by a partner principal: the two must not differ.
inline constexpr std::string_view report_not_found = "partner not found";
/// The route of a percent-decoded path; found = false → 404.
route_match match_route(const std::string& path);
}  // namespace detail

/// Whether `who` may call a route needing `a` (contract 6 roles column, 8). Partner
/// isolation inside read_own/report/ingest routes is the handlers' job (request::caller).
bool allows(access a, const principal& who);

/// Everything the router reaches outside itself.
///
/// Authentication happens in router::dispatch, before any handler: with `auth` enabled a
/// request without valid credentials gets 401 {"error": "unauthenticated: ..."} with
/// `WWW-Authenticate: Bearer` (POST /v1/events also counts reason "unauthenticated"), a
/// principal whose role the route does not allow gets 403 {"error": "forbidden: role
/// '<role>' may not use <METHOD> <path>"}. Handlers then find the caller in
/// request::caller (nullopt when auth is off) and confine read_own/report answers to
/// request::partner_scope(): another partner's breach, report or partner entry is answered
/// exactly like an unknown one (404 / empty list).
struct router_deps {
  /// The current rule set; null while none is loaded.
  std::function<std::shared_ptr<const rules::rule_set>()> rules;
  /// Queues validated events (ingest::pipeline::submit); false = overloaded.
  std::function<bool(std::vector<model::event>, ingest::completion)> submit;
  /// Readers for GET /v1/breaches; null → 503.
  reader_pool* readers = nullptr;
  /// May be null (no metrics recorded, /metrics serves an empty body).
  metrics::registry* metrics = nullptr;
  /// The wall clock, read once per POST /v1/events for received_at.
  std::function<instant()> now;
  /// True once storage and rules are loaded (GET /-/ready).
  std::function<bool()> ready;
  std::uint64_t max_events_per_request = 10000;
  /// ingest.max_future_skew: events dated further ahead of their receipt are rejected
  /// (serve passes the configured value, default 5m; unset = no check).
  duration max_future_skew = duration::max();
  /// Where storage failures are logged; may be empty.
  log_fn log;
  /// Validates and swaps in the rule files (POST /-/reload); blocks until the new set is
  /// active or refused. Empty → 503 {"error": "reload: not available"}.
  std::function<reload_outcome()> reload;
  /// Queues a waive (ingest::pipeline::waive); false = stopping (503). Empty → 503
  /// {"error": "waive: not available"}.
  std::function<bool(std::string id, std::string reason, ingest::waive_completion)> waive;
  /// Tokens and client certificates (contract 8); null or !enabled() = authentication off:
  /// every caller is allowed and request::caller stays nullopt.
  std::shared_ptr<const authenticator> auth;
  /// metrics.public: GET /metrics needs no credentials even with auth on.
  bool metrics_public = false;
  /// ingest.rate_limit per partner; null = no limit (429 + Retry-After when over).
  std::shared_ptr<rate_limiter> rate_limit;
  /// Reads an environment variable (a partner's hmac_secret_env); empty = std::getenv.
  /// nullopt or "" = the variable is not set.
  std::function<std::optional<std::string>(const std::string& name)> env;
};

/// Called exactly once per request, possibly on another thread (the ingest writer thread
/// for POST /v1/events): the caller must hop back to its own executor.
using responder = std::function<void(response)>;

class router {
 public:
  explicit router(router_deps deps);

  /// Answers one request. Thread-safe (several HTTP threads call it at once). Never throws:
  /// an unexpected exception becomes a 500 {"error": "internal error"}.
  void handle(request req, responder done);

  /// Counts a request the server refused before it reached the router (a body over
  /// server.max_body_bytes → reason "too_large").
  void count_rejected(std::string_view reason) {
    if (deps_.metrics != nullptr) deps_.metrics->event_rejected(reason);
  }

  /// Requests whose response has not been produced yet (for graceful shutdown).
  [[nodiscard]] std::uint64_t in_flight() const { return in_flight_.load(); }

 private:
  void dispatch(request& req, const target& t, responder& done);
  /// Authentication and role check (router_auth.cpp); nullopt = go on, else the 401/403.
  std::optional<response> authorize(request& req, const target& t, const detail::route_match& m);
  /// X-Slawatch-Signature (contract 2.3) for a parsed body; nullopt = go on (sets
  /// `signature` to "valid" or "absent"), else the 401 (events_route.cpp).
  std::optional<response> check_signature(const request& req, const std::vector<ingest::raw_item>& items,
                                          const rules::rule_set& rules, std::string& signature);
  void post_events(request& req, responder done);
  void submit_batch(std::shared_ptr<ingest::prepared_batch> batch, responder reply);
  response get_breaches(const request& req, const target& t);
  response get_breach(const request& req, const std::string& id);
  /// POST /v1/breaches/{id}/waive (waive_route.cpp). Errors (exact): 400 "reason: required",
  /// "reason: expected a string", "reason: longer than 1000 characters", "body: expected a
  /// JSON object", "body: <parse error>"; 404 "breach not found"; 409 "breach already waived".
  void post_waive(request& req, const std::string& id, responder done);
  response get_obligations(const request& req, const target& t);
  /// GET /v1/reports/{partner}?period=YYYY-MM&format=json|csv|html (report_route.cpp).
  void get_report(request& req, const target& t, const std::string& partner, responder done);
  /// GET /v1/audit (audit_route.cpp): the audit trail, officer only.
  response get_audit(const target& t);
  response get_partners(const request& req);
  response get_rules();
  response post_reload();
  response get_metrics();
  response get_ready();

  router_deps deps_;
  std::atomic<std::uint64_t> in_flight_{0};
};

/// The GET /v1/rules body: {"version", "files": [{"name", "sha256"}], "rules": [{"id",
/// "kind", "category", "severity", "description", "reference", "enabled", "version",
/// "labels", "partners"}]}; "partners" is the selector with its non-empty criteria ({} =
/// every partner). No expressions, no registry secrets.
nlohmann::json rules_json(const rules::rule_set& set);

/// The POST /-/reload response for `o` (200 or 422).
response reload_response(const reload_outcome& o);

/// Parses the query of GET /v1/breaches into a store query. Errors (exact texts):
///   "limit: expected an integer from 1 to 1000"
///   "since: not an RFC 3339 timestamp"            (same for until)
///   "status: expected open, closed or waived"
///   "category: expected timeliness, security, purpose, integrity or availability"
///   "severity: expected critical, major, minor or info"
///   "<name>: unknown query parameter"
///   "<name>: given more than once"
/// Empty values count as absent (`?partner=` filters nothing).
result<store::breach_query> parse_breach_query(
    const std::vector<std::pair<std::string, std::string>>& query);

/// Parses the query of GET /v1/obligations (partner, rule, limit, cursor). Errors (exact):
///   "limit: expected an integer from 1 to 1000"
///   "<name>: unknown query parameter"
///   "<name>: given more than once"
/// Empty values count as absent. A cursor the store does not know is 400 "cursor: invalid".
result<store::obligation_query> parse_obligation_query(
    const std::vector<std::pair<std::string, std::string>>& query);

/// Parses the query of GET /v1/notifications (state, sink, limit, cursor). Errors (exact):
///   "state: expected dead or pending"
///   "limit: expected an integer from 1 to 1000"
///   "<name>: unknown query parameter"
///   "<name>: given more than once"
/// Empty values count as absent; state defaults to dead.
result<store::outbox_query> parse_notification_query(
    const std::vector<std::pair<std::string, std::string>>& query);

/// GET /v1/notifications (notifications_route.cpp): outbox items, oldest first,
/// `{"notifications": [...], "next_cursor": null}`.
response get_notifications(reader_pool* readers, const target& t, const log_fn& log);

/// Parses the query of GET /v1/audit (kind, since, limit, cursor). Errors (exact):
///   "kind: expected batch, breach, waiver, reload, config, report or retention"
///   "since: not an RFC 3339 timestamp"
///   "limit: expected an integer from 1 to 1000"
///   "<name>: unknown query parameter"
///   "<name>: given more than once"
/// Empty values count as absent. A cursor the store does not know is 400 "cursor: invalid".
result<store::audit_query> parse_audit_query(
    const std::vector<std::pair<std::string, std::string>>& query);

}  // namespace slawatch::http
