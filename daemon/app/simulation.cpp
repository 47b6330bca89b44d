// The simulated-clock engine driver (see simulation.hpp).
#include "simulation.hpp"
#include <algorithm>
#include <charconv>
#include <chrono>
#include "slawatch/ingest/effects.hpp"

namespace slawatch::app::detail {

digest digest_of(std::string_view text) {
  const auto hex = model::sha256_hex(text);
  digest d;
  std::from_chars(hex.data(), hex.data() + 16, d.hi, 16);
  std::from_chars(hex.data() + 16, hex.data() + 32, d.lo, 16);
  return d;
}

simulation::simulation(std::shared_ptr<const rules::rule_set> rules, metrics::registry* metrics)
    : rules_(rules), engine_(std::move(rules)), metrics_(metrics) {}

void simulation::advance(instant t) {
  if (clock_ && t <= *clock_) return;
  // Like the daemon's scheduler, which sleeps until next_due(): each timer fires at its own
  // time (detected_at = its fire time), not at the end of a long jump.
  while (clock_) {
    const auto due = engine_.next_due();
    if (!due || *due <= *clock_ || *due >= t) break;
    tick(*due);
  }
  tick(t);   // the first sight of the clock also starts absence periods
}

void simulation::tick(instant t) {
  clock_ = t;
  engine_.on_tick(t, fx_);
  apply();
}

fed simulation::feed(model::event ev) {
  fed out;
  if (rules_->find_partner(ev.partner) == nullptr) {
    if (metrics_ != nullptr) metrics_->event_rejected("unknown_partner");
    out.status = admission::unknown_partner;
    return out;
  }
  const instant arrived = ev.received_at;
  if (clock_ && arrived < *clock_) {
    out.out_of_order = true;
    ev.received_at = *clock_;   // processing time; ev.doc keeps what was recorded
  }
  advance(ev.received_at);
  std::string pair = ev.partner;
  pair += '\x1f';
  pair += ev.id;
  const auto content = digest_of(ev.canonical_envelope());
  const auto [it, fresh] = seen_.try_emplace(digest_of(pair), content);
  if (!fresh) {
    out.status = it->second == content ? admission::duplicate : admission::conflict;
    if (metrics_ != nullptr) {
      if (out.status == admission::duplicate) metrics_->event_duplicate(ev.partner);
      else metrics_->event_rejected("conflict");
    }
    return out;
  }
  if (metrics_ != nullptr) {
    metrics_->event_received(ev.partner, ev.type);
    metrics_->transmission_delay(
        ev.partner, std::chrono::duration<double>(arrived - ev.occurred_at).count());
  }
  engine_.on_event(ev, fx_);
  apply();
  return out;
}

std::size_t simulation::open_obligations() const {
  const auto entries = engine_.snapshot();
  return static_cast<std::size_t>(std::count_if(
      entries.begin(), entries.end(), [](const auto& e) { return e.kind == "obligation"; }));
}

/// Takes the effects of one engine step: new breaches (a breach id seen before is not a new
/// breach, as in the store), updates of earlier ones, and metrics.
void simulation::apply() {
  ingest::committed_step step;
  for (const auto& b : fx_.breaches) {
    if (!breach_index_.try_emplace(b.id, breaches_.size()).second) continue;
    breaches_.push_back(b);
    step.new_breaches.push_back(&b);
  }
  for (const auto& u : fx_.breach_updates) {
    const auto it = breach_index_.find(u.id);
    if (it == breach_index_.end()) continue;
    auto& b = breaches_[it->second];
    if (b.status == model::breach_status::open && u.status != model::breach_status::open) {
      step.closed_breaches.push_back(b);
    }
    b.status = u.status;
    b.completed_at = u.completed_at;
    b.delay_seconds = u.delay_seconds;
  }
  if (metrics_ != nullptr) {
    if (!fx_.upserts.empty() || !fx_.erased.empty()) step.obligations = ingest::obligation_counts(engine_);
    ingest::record_effects(*metrics_, fx_, step);
  }
  fx_.clear();
}

}  // namespace slawatch::app::detail
