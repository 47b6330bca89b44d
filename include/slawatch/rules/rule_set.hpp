#pragma once
/// A loaded, validated, immutable rule set (contract 4 and 5). Pure: built from file texts
/// handed in by the caller; never reads files or clocks.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>
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
};

struct rule_set {
  std::map<std::string, model::partner> partners;
  std::map<std::string, calendar> calendars;
  std::shared_ptr<const nlohmann::json> lists;    ///< object: name → array
  std::map<std::string, std::shared_ptr<const expr::program>, std::less<>> macros;
  std::vector<rule> rules;                        ///< in file order, enabled and disabled
  std::map<std::string, std::string> file_hashes; ///< file name → sha256 of its text
  std::string version;                            ///< sha256 over all rule versions, sorted by id

  [[nodiscard]] const model::partner* find_partner(std::string_view id) const;
  [[nodiscard]] const rule* find_rule(std::string_view id) const;
};

struct source_file {
  std::string name;   ///< as shown in errors
  std::string text;
};

struct load_options {
  /// The day against which `exceptions[].expires` is judged by `check` (UTC instant).
  instant today{};
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
