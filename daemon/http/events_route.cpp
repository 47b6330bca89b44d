// POST /v1/events (contract 2.3): parse, validate, queue to the pipeline, answer after commit.
#include <chrono>
#include <map>
#include <fmt/format.h>
#include "slawatch/http/router.hpp"
#include "slawatch/ingest/batch.hpp"

namespace slawatch::http {

namespace detail {

using steady = std::chrono::steady_clock;

response with_retry_after(response r) {
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

/// Answers and records how long the request took.
void finish_ingest(metrics::registry* m, steady::time_point started, const responder& done,
                   response r) {
  if (m != nullptr) {
    m->ingest_request_seconds(std::chrono::duration<double>(steady::now() - started).count());
  }
  done(std::move(r));
}

void count_item_errors(metrics::registry* m, const ingest::prepared_batch& b) {
  if (m == nullptr) return;
  for (const auto& e : b.errors) m->event_rejected(e.reason);
}

/// Moves the events' documents to the pipeline; the batch keeps each event without its
/// document, which is all the response body needs (ids for conflict entries).
std::vector<model::event> hand_over(ingest::prepared_batch& b) {
  std::vector<model::event> out;
  out.reserve(b.events.size());
  for (auto& ev : b.events) {
    out.push_back(std::move(ev));
    model::event& kept = ev;
    kept = model::event{};
    kept.id = out.back().id;
    kept.partner = out.back().partner;
    kept.type = out.back().type;
    kept.occurred_at = out.back().occurred_at;
    kept.received_at = out.back().received_at;
  }
  return out;
}

/// Transport facts (contract 2.2) from what the server and the router observed themselves.
ingest::sender sender_of(const request& req, std::string signature) {
  ingest::sender who;
  who.partner = std::string(req.partner_scope());   // prepare() rejects other partners' events
  who.transport.source = "http";
  who.transport.tls = req.conn.tls;
  if (req.conn.tls && !req.conn.tls_version.empty()) who.transport.tls_version = req.conn.tls_version;
  if (!req.conn.client_cert.empty()) who.transport.client_cert = req.conn.client_cert;
  if (req.caller) who.transport.authenticated_as = req.caller->name;
  who.transport.signature = std::move(signature);
  return who;
}

/// Events per partner of a prepared batch (what the rate limit charges).
std::map<std::string, std::uint64_t> events_per_partner(const ingest::prepared_batch& b) {
  std::map<std::string, std::uint64_t> out;
  for (const auto& ev : b.events) ++out[ev.partner];
  return out;
}

}  // namespace detail

void router::post_events(request& req, responder done) {
  auto started = detail::steady::now();
  auto* m = deps_.metrics;
  responder reply = [m, started, done](response r) { detail::finish_ingest(m, started, done, std::move(r)); };

  auto format = ingest::format_of(req.content_type);
  if (!format) {
    reply(error_response(415, "content-type: expected application/json or application/x-ndjson, got '" +
                                  req.content_type + "'"));
    return;
  }
  auto rules = deps_.rules ? deps_.rules() : nullptr;
  if (!rules) {
    reply(detail::with_retry_after(error_response(503, "rules: not loaded")));
    return;
  }
  auto items = ingest::parse_body(req.body, *format, deps_.max_events_per_request);
  if (!items) {
    bool too_large = items.err().code == "too_large";
    if (m != nullptr) m->event_rejected(too_large ? "too_large" : "malformed");
    reply(error_response(too_large ? 413 : 400, items.err().message));
    return;
  }
  std::string signature;
  if (auto refused = check_signature(req, items.value(), *rules, signature)) {
    reply(std::move(*refused));
    return;
  }
  std::size_t n_items = items->size();
  instant received_at = deps_.now ? deps_.now() : instant{};
  auto batch = std::make_shared<ingest::prepared_batch>(
      ingest::prepare(std::move(items.value()), *rules, detail::sender_of(req, std::move(signature)),
                      received_at, deps_.max_future_skew));
  if (deps_.rate_limit && !batch->events.empty()) {
    if (auto wait = deps_.rate_limit->admit(detail::events_per_partner(*batch)); wait > 0) {
      if (m != nullptr) m->event_rejected("overloaded", n_items);
      auto r = error_response(429, fmt::format("overloaded: partner rate limit exceeded, retry after {}s", wait));
      r.headers.emplace_back("Retry-After", std::to_string(wait));
      reply(std::move(r));
      return;
    }
  }
  detail::count_item_errors(m, *batch);
  submit_batch(std::move(batch), std::move(reply));
}

void router::submit_batch(std::shared_ptr<ingest::prepared_batch> batch, responder reply) {
  if (batch->events.empty()) {
    ingest::batch_result nothing;
    nothing.stored = true;
    reply(json_response(200, ingest::response_body(*batch, nothing)));
    return;
  }
  std::size_t n = batch->events.size();
  auto log = deps_.log;
  auto on_commit = [batch, reply, log](ingest::batch_result r) {
    if (!r.stored) {
      if (log) log("error", "storage: batch not stored", {{"error", r.error}, {"events", batch->events.size()}});
      reply(detail::with_retry_after(error_response(503, "storage: unavailable, nothing was stored")));
      return;
    }
    reply(json_response(200, ingest::response_body(*batch, r)));
  };
  if (deps_.submit && deps_.submit(detail::hand_over(*batch), std::move(on_commit))) return;
  if (deps_.metrics != nullptr) deps_.metrics->event_rejected("overloaded", n);
  reply(detail::with_retry_after(
      error_response(429, "overloaded: too many events waiting to be stored, retry later")));
}

}  // namespace slawatch::http
