#pragma once
// Synthetic partner traffic for `slawatch simulate`: operations shaped after the shipped
// rules (contributions collected → reported → remitted, benefit payments ordered →
// acknowledged → credited, daily settlement reports, data access with purposes, TLS channel
// facts, service probes, complaints, custody reports). A fraction of operations violates a
// rule on purpose (late or missing stop, forbidden purpose, TLS 1.0, failed probe, unmasked
// ids). Deterministic for a seed.
#include <cstdint>
#include <random>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>
#include "slawatch/model/time.hpp"

namespace slawatch::app::detail {

struct sim_partner {
  std::string id, class_;
  std::vector<std::string> allowed_purposes, allowed_data_categories;
};

/// Partners from a GET /v1/partners body ({"partners": [...]}, or a bare array), sorted by id;
/// partners with `require_signature: true` are left out (simulate cannot sign for them).
std::vector<sim_partner> partners_from_json(const nlohmann::json& body);

/// Up to `n` partners, round-robin over classes (sorted) so that a small n still covers
/// several classes.
std::vector<sim_partner> choose_partners(std::vector<sim_partner> all, std::size_t n);

class traffic {
 public:
  traffic(std::vector<sim_partner> partners, double breach_rate, std::uint64_t seed);

  /// The events of one operation of a random partner (1–4 events, in order), event times
  /// around `now` (never after it). `breached` tells whether it was made to violate a rule.
  std::vector<nlohmann::json> next(instant now, bool& breached);

  /// Operations made so far, and how many of them violate a rule.
  [[nodiscard]] std::uint64_t operations() const { return operations_; }
  [[nodiscard]] std::uint64_t breach_operations() const { return breaches_; }

 private:
  using events = std::vector<nlohmann::json>;
  nlohmann::json envelope(const sim_partner& p, std::string_view type, instant at);
  std::string next_id(std::string_view prefix);
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  double amount(double lo, double hi);

  events contribution(const sim_partner& p, instant now, bool bad);
  events benefit(const sim_partner& p, instant now, bool bad);
  events settlement(const sim_partner& p, instant now, bool bad);
  events data_access(const sim_partner& p, instant now, bool bad);
  events channel(const sim_partner& p, instant now, bool bad);
  events probe(const sim_partner& p, instant now, bool bad);
  events complaint(const sim_partner& p, instant now, bool bad);
  events registration(const sim_partner& p, instant now, bool bad);
  events custody(const sim_partner& p, instant now, bool bad);

  std::vector<sim_partner> partners_;
  double breach_rate_;
  std::mt19937_64 rng_;
  std::uint64_t seq_ = 0, operations_ = 0, breaches_ = 0;
  std::string run_;   ///< distinguishes ids of runs with different seeds or start times
};

}  // namespace slawatch::app::detail
