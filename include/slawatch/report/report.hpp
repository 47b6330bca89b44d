#pragma once
/// Partner reports and scorecards (contract 9, issue 7): one model, built PURELY from a
/// partner, the rule set, the period bounds and rows the caller fetched (gather()), rendered
/// as JSON, CSV and HTML (render.hpp). Nothing here reads a clock: generated_at comes in.
/// docs/reports.md documents every section, the JSON schema, the CSV columns and thresholds.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <date/tz.h>
#include "slawatch/model/breach.hpp"
#include "slawatch/model/partner.hpp"
#include "slawatch/model/result.hpp"
#include "slawatch/rules/rule_set.hpp"
#include "slawatch/store/store.hpp"

namespace slawatch::report {

/// A calendar month.
struct period {
  int year = 1970;
  int month = 1;   ///< 1..12
  [[nodiscard]] std::string text() const;   ///< "2026-11"
  [[nodiscard]] period previous() const;
  [[nodiscard]] period next() const;
  friend bool operator==(const period&, const period&) = default;
};

/// Parses "YYYY-MM" (year 1970..9999, month 01..12). Error (code bad_request), exact:
///   "period: expected YYYY-MM"
result<period> parse_period(std::string_view text);

/// [first day 00:00, first day of the next month 00:00) local time in `zone`.
struct bounds {
  instant from{}, to{};
};
bounds bounds_of(period p, const date::time_zone& zone);

/// The period holding instant `t` in `zone`.
period period_of(instant t, const date::time_zone& zone);

/// Status thresholds: green at or above the target, amber up to this many percentage
/// points below it, red below that.
inline constexpr double amber_points = 5.0;

/// The rows of one period, fetched by the caller (gather()).
struct period_rows {
  std::vector<store::outcome_count> outcomes;        ///< per rule and kind
  std::vector<store::outcome_count> previous;        ///< the previous period's, for trends
  std::vector<model::breach> breaches;               ///< decided in the period
  std::vector<instant> event_buckets;                ///< 15-minute buckets with an event
  std::vector<store::obligation_row> obligations;    ///< open now, started before the end
  std::optional<std::string> audit_head;             ///< nullopt: no audit chain available
  std::int64_t audit_seq = 0;                        ///< the head entry's seq
  std::string audit_note;                            ///< why audit_head is null (when it is)
};

struct rule_line {
  std::string rule, kind, category, severity, description, reference;
  bool in_rule_set = true;          ///< false: outcomes of a rule no longer loaded
  double target = 1.0;              ///< fraction
  std::string target_source;        ///< "objective:<id>" or "default"
  std::uint64_t met = 0, breached = 0, waived = 0, breaches = 0;
  std::optional<double> compliance; ///< met / (met + breached); nullopt with no decision
  std::string status;               ///< green | amber | red | none
  std::optional<double> previous_compliance;
  std::string trend;                ///< up | down | flat | new | none
};

struct objective_line {
  std::string rule, description, target_text;
  std::vector<std::string> of;
  double target = 1.0;
  std::int64_t min_outcomes = 0;
  std::uint64_t met = 0, breached = 0, waived = 0;
  std::optional<double> ratio;
  double error_budget_remaining = 1.0;
  std::string status;               ///< met | breached | insufficient_data | none
};

struct completeness {
  int days = 0;                     ///< days in the period
  int days_elapsed = 0;             ///< days started before generated_at
  std::vector<std::string> silent_days;   ///< elapsed local dates without any event
};

struct report {
  model::partner partner;
  std::string timezone;
  period month;
  bounds range;
  bool partial = false;             ///< generated before the period ended
  instant generated_at{};
  std::string rule_set_version;
  std::optional<std::string> audit_head;
  std::int64_t audit_seq = 0;
  std::string audit_note;
  completeness data;
  std::vector<rule_line> rules;
  std::vector<objective_line> objectives;
  std::vector<model::breach> breaches;        ///< decision order
  std::vector<store::obligation_row> open_obligations;
  const date::time_zone* zone = nullptr;      ///< for rendering local times
};

/// Builds the report. `zone` is the partner's time zone; `rows` must be for `bounds_of(p, zone)`.
report build(const model::partner& partner, const rules::rule_set& set, period p,
             const date::time_zone& zone, instant generated_at, period_rows rows);

/// Status of a compliance against a target (fractions): green, amber or red; "none" when
/// nothing was decided.
std::string status_of(std::optional<double> compliance, double target);

/// Fetches the rows of `p` for `partner` from `s` (caller side: the store reads), with the
/// audit-chain head (null with a note when the store keeps none). Open obligations are those open now that started
/// before the period end. Storage errors pass through.
result<period_rows> gather(store::store& s, const std::string& partner, period p,
                           const date::time_zone& zone);

/// The partner's time zone (date::locate_zone on partner.timezone, UTC when unknown).
const date::time_zone& partner_zone(const model::partner& partner);

}  // namespace slawatch::report
