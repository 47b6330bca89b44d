#pragma once
/// A loaded, validated, immutable rule set (contract 4 and 5). Pure: built from file texts
/// handed in by the caller; never reads files or clocks.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>
#include "slawatch/calendar/calendar.hpp"
#include "slawatch/calendar/schedule.hpp"
#include "slawatch/calendar/span.hpp"
#include "slawatch/expr/expr.hpp"
#include "slawatch/model/partner.hpp"
#include "slawatch/model/result.hpp"
#include "slawatch/model/time.hpp"

namespace slawatch::rules {

enum class rule_kind { condition, deadline, absence, aggregate, objective };
std::string_view to_string(rule_kind k);

struct holiday {
  std::string date;         ///< YYYY-MM-DD
  std::string name;
};

/// Parsed and validated now; used by business time (next issue).
struct calendar {
  std::string name;
  std::string timezone;                 ///< IANA name (syntax-checked only here)
  std::vector<int> workdays;            ///< 0 = sun ... 6 = sat
  std::string hours;                    ///< "08:00-17:00" or empty
  int hours_start_min = 0, hours_end_min = 0;
  std::vector<holiday> holidays;
  std::optional<int> cutoff_min;        ///< minutes after local midnight
  location where;
  location timezone_where;              ///< where the `timezone` value stands
};

struct partner_selector {
  std::vector<std::string> ids;
  std::vector<std::string> classes;
  std::map<std::string, std::string> labels;
  /// True when every given criterion matches (empty criteria match all).
  [[nodiscard]] bool matches(const model::partner& p) const;
};

struct rule_exception {
  std::string name;
  std::shared_ptr<const expr::program> when;
  std::optional<instant> expires;       ///< end of the expiry date (exclusive: midnight after), UTC
  std::string expires_text;             ///< as written, YYYY-MM-DD
  std::string reference;
  location where;
};

struct rule {
  std::string id;
  rule_kind kind = rule_kind::condition;
  std::string category;                 ///< timeliness | security | purpose | integrity | availability
  std::string severity;                 ///< critical | major | minor | info
  std::string description;
  partner_selector partners;
  std::map<std::string, std::string> labels;
  std::string reference;
  bool enabled = true;
  std::vector<rule_exception> exceptions;
  std::string version;                  ///< sha256 hex of the rule's canonical definition
  location where;                       ///< where `- id:` stands

  // condition
  std::shared_ptr<const expr::program> when;      ///< null = true
  std::shared_ptr<const expr::program> require;

  // deadline (docs/rules.md "The deadline kind")
  struct trigger {
    std::shared_ptr<const expr::program> when;    ///< null: this trigger is not configured
    std::shared_ptr<const expr::program> key;     ///< string or list of strings
    std::shared_ptr<const expr::program> at;      ///< null = event.occurred_at
  };
  trigger start, stop, cancel;
  slawatch::calendar::span within;
  std::string calendar_name;            ///< empty = the partner's calendar (`calendar: partner`)
  std::vector<int> warn_at;             ///< percent thresholds, ascending, 1..99
  duration allowed_lateness{0};

  // absence (docs/rules.md "The absence kind"); uses calendar_name too
  std::shared_ptr<const expr::program> expect;
  std::shared_ptr<const expr::program> key;       ///< null = event.partner (expected keys = partners)
  slawatch::calendar::schedule schedule;

  // aggregate (docs/rules.md "The aggregate kind"); uses require (over the measure names,
  // `group` and `partner`) and calendar_name (for a business-time settle)
  enum class aggregation { sum, count, min, max };
  struct measure {
    std::string name;
    aggregation agg = aggregation::count;
    std::shared_ptr<const expr::program> value;   ///< sum/min/max operand; null for count
    std::shared_ptr<const expr::program> when;    ///< null = every event of the partner
  };
  std::shared_ptr<const expr::program> group;     ///< string or int
  std::vector<measure> measures;                  ///< in file order
  std::optional<slawatch::calendar::span> settle; ///< settled mode
  duration window{0};                             ///< sliding mode when > 0

  // objective (docs/rules.md "The objective kind"); uses calendar_name for its time zone
  enum class objective_period { month, week, day, rolling };
  std::vector<std::string> of;                    ///< rule ids whose outcomes count
  std::vector<location> of_where;                 ///< where each `of` entry stands
  double target = 1.0;                            ///< fraction, 0 < target <= 1
  std::string target_text;                        ///< as written: "99%"
  objective_period period = objective_period::month;
  std::int64_t rolling_days = 0;                  ///< period == rolling: window length in days
  std::int64_t min_outcomes = 0;
};

struct rule_set {
  std::map<std::string, model::partner> partners;
  std::map<std::string, calendar> calendars;
  std::shared_ptr<const nlohmann::json> lists;    ///< object: name → array
  std::map<std::string, std::shared_ptr<const expr::program>, std::less<>> macros;
  std::vector<rule> rules;                        ///< in file order, enabled and disabled
  std::map<std::string, std::string> file_hashes; ///< file name → sha256 of its text
  std::string version;                            ///< sha256 over all rule versions, sorted by id
  /// Built business calendars by calendar name (empty when loaded without a zone resolver).
  std::map<std::string, slawatch::calendar::business_calendar, std::less<>> business_calendars;
  /// Per partner id: its named calendar, or a mon-fri whole-day calendar in its time zone
  /// named "partner:<id>" (empty when loaded without a zone resolver).
  std::map<std::string, slawatch::calendar::business_calendar, std::less<>> partner_calendars;

  [[nodiscard]] const model::partner* find_partner(std::string_view id) const;
  [[nodiscard]] const rule* find_rule(std::string_view id) const;
  /// The calendar rule `r` uses for `partner`: the named one, else the partner's. Null when
  /// unknown (a set loaded without a zone resolver).
  [[nodiscard]] const slawatch::calendar::business_calendar* calendar_for(const rule& r,
                                                                std::string_view partner) const;
  /// A calendar by the name expressions use: a calendar name or "partner:<id>". Null when unknown.
  [[nodiscard]] const slawatch::calendar::business_calendar* find_calendar(std::string_view name) const;
};

/// Business-time functions of the expression language, bound to `set`'s calendars (which must
/// outlive the returned table): add_business_days(ts, n, cal), business_days_between(a, b,
/// cal), is_business_day(ts, cal). `ts` is a timestamp or an RFC 3339 string, `cal` a name
/// accepted by rule_set::find_calendar. Build once per rule set.
expr::host_functions business_functions(const rule_set& set);

/// Names and arities of business_functions(), for expr::declarations::functions.
const std::map<std::string, int, std::less<>>& business_function_arities();

struct source_file {
  std::string name;   ///< as shown in errors
  std::string text;
};

struct load_options {
  /// The day against which `exceptions[].expires` is judged by `check` (UTC instant); also
  /// the year for the "no holidays for <year>" check (skipped while today is the epoch).
  instant today{};
  /// Resolves calendar and partner time zones. Required for sets with deadline or absence
  /// rules; without it no business calendar is built (business functions then fail).
  slawatch::calendar::zone_resolver zones;
};

struct load_result {
  std::shared_ptr<const rule_set> set;   ///< null when errors is non-empty
  std::vector<error> errors;             ///< every error, each with file:line:col
  std::vector<error> warnings;           ///< e.g. expired exceptions
};

/// Parses, merges and compiles all files. Collects every error (never stops at the first).
/// Exact error texts are documented in docs/rules.md and tested.
load_result load(const std::vector<source_file>& files, const load_options& opts = {});

}  // namespace slawatch::rules
