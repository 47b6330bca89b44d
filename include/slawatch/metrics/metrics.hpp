#pragma once
/// Owns the prometheus-cpp registry and every slawatch_* family (contract 7), plus the
/// process_* collector. All methods are thread-safe.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include "slawatch/model/breach.hpp"
#include "slawatch/model/time.hpp"
#include "slawatch/store/store.hpp"

namespace slawatch::metrics {

class registry {
 public:
  /// `max_event_types`: distinct `type` label values before new ones count as "other".
  registry(std::string version, std::string revision, std::uint64_t max_event_types = 200);
  ~registry();

  void event_received(std::string_view partner, std::string_view type);
  void event_duplicate(std::string_view partner);
  /// reason: malformed | invalid_field | unknown_partner | partner_mismatch | conflict |
  /// too_large | unauthenticated | signature_invalid | overloaded
  void event_rejected(std::string_view reason, std::uint64_t n = 1);
  void transmission_delay(std::string_view partner, double seconds);
  void outcome(const model::outcome& o);
  /// A new breach: breaches_total += 1, and breaches_open += 1 when status is open.
  void breach(const model::breach& b);
  /// A breach that was open became closed (late stop or report): breaches_open -= 1.
  void breach_closed(const model::breach& b);
  /// A deadline warning threshold ("50%") fired: warnings_total += 1.
  void warning(std::string_view rule, std::string_view partner, std::string_view threshold);
  /// Sets slawatch_obligations_open to the complete current counts: series given are set,
  /// series set earlier and missing from `counts` become 0.
  void obligations_open(const std::vector<store::obligation_count>& counts);
  void evaluation_errors(std::string_view rule, std::uint64_t n);
  /// An objective's numbers for one partner's window changed: sets slawatch_objective_ratio,
  /// slawatch_objective_target and slawatch_error_budget_remaining {rule, partner}. The
  /// gauges follow the newest window: numbers of a window that starts before the one shown
  /// (a late outcome of a kept, judged window) are ignored.
  void objective(std::string_view rule, std::string_view partner, double ratio, double target,
                 double error_budget_remaining, instant window_start);
  /// After a reload: removes the obligations_open and objective series whose (rule,
  /// partner) `keep` rejects (a rule that is gone, disabled or no longer selects the
  /// partner), so they disappear from the exposition instead of staying at a stale value.
  void remove_rule_series(const std::function<bool(const std::string& rule, const std::string& partner)>& keep);
  void rules_loaded(std::uint64_t n, bool successful, double unix_seconds);
  void storage_commit_seconds(double s);
  void ingest_request_seconds(double s);
  /// A notification delivery result: sink ("alertmanager", "webhook:<name>",
  /// "partner:<id>"), result sent | failed | dropped.
  void notification(std::string_view sink, std::string_view result, std::uint64_t n = 1);
  /// Sets slawatch_notification_queue_length for `sink` (pending outbox rows).
  void notification_queue_length(std::string_view sink, double n);
  /// Sets counters/gauges from stored totals at start-up (so they agree with the API).
  void restore(const std::vector<store::breach_count>& breaches,
               const std::vector<store::outcome_count>& outcomes);

  /// The Prometheus text exposition (format 0.0.4) of every family.
  [[nodiscard]] std::string serialize() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace slawatch::metrics
