#pragma once
/// Owns the prometheus-cpp registry and every slawatch_* family (contract 7), plus the
/// process_* collector. All methods are thread-safe.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include "slawatch/model/breach.hpp"
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
  void rules_loaded(std::uint64_t n, bool successful, double unix_seconds);
  void storage_commit_seconds(double s);
  void ingest_request_seconds(double s);
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
