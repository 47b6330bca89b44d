#pragma once
/// Internals of the rule loader: shared by the per-section loaders in daemon/rules/.
/// Everything here collects user errors into a `loader` instead of throwing.
#include <yaml-cpp/yaml.h>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include "slawatch/rules/rule_set.hpp"

namespace slawatch::rules::detail {

/// One parsed input file.
struct parsed_file {
  const source_file* src = nullptr;
  std::vector<std::size_t> line_starts;  ///< byte offset of each line
  YAML::Node root;
  bool ok = false;  ///< parsed into a mapping (or empty)
};

/// A key/value pair found in a YAML mapping.
struct field {
  YAML::Node key;
  YAML::Node val;
};

/// Accumulates errors and warnings and the rule set under construction.
struct loader {
  load_options opts;
  std::vector<error> errors;
  std::vector<error> warnings;
  rule_set set;
  nlohmann::json lists = nlohmann::json::object();
  std::map<std::string, location> list_where, macro_where, partner_where, rule_where;
  std::map<std::string, location> partner_tz_where;  ///< where a partner's timezone stands
  expr::declarations decls;  ///< filled once lists and macros are known

  location at(const parsed_file& f, const YAML::Mark& m) const;
  location at_offset(const parsed_file& f, std::size_t offset) const;
  void fail(const parsed_file& f, const YAML::Mark& m, std::string code, std::string msg);
  void fail_at(location where, std::string code, std::string msg);
  void warn(const parsed_file& f, const YAML::Mark& m, std::string msg);
};

/// Finds `key` in mapping `map` (first occurrence).
std::optional<field> find(const YAML::Node& map, std::string_view key);

/// Reports keys of `map` not in `allowed` and keys given twice. Keys in `other_kinds`
/// (kind-specific keys of other rule kinds) get "does not apply" instead of "unknown".
void check_keys(loader& ld, const parsed_file& f, const YAML::Node& map,
                const std::vector<std::string_view>& allowed,
                const std::vector<std::string_view>& other_kinds = {},
                std::string_view kind_name = {});

/// Typed reads; `name` is the key as shown in messages (may be dotted, e.g. "report.webhook").
/// Each reports its own errors and returns nullopt when absent or wrong.
std::optional<std::string> read_string(loader& ld, const parsed_file& f, const YAML::Node& map,
                                       std::string_view key, bool required,
                                       std::string_view name = {});
std::optional<bool> read_bool(loader& ld, const parsed_file& f, const YAML::Node& map,
                              std::string_view key, std::string_view name = {});
std::optional<std::vector<std::string>> read_string_list(loader& ld, const parsed_file& f,
                                                         const YAML::Node& map,
                                                         std::string_view key,
                                                         std::string_view name = {});
std::optional<std::map<std::string, std::string>> read_string_map(loader& ld, const parsed_file& f,
                                                                  const YAML::Node& map,
                                                                  std::string_view key,
                                                                  std::string_view name = {});

/// True when `node` is a mapping; else reports "<name>: expected a mapping", or for a list
/// entry (name "rules[]") "rules: each entry must be a mapping".
bool expect_map(loader& ld, const parsed_file& f, const YAML::Node& node, std::string_view name);

/// Converts a YAML node to JSON: plain scalars become bool/int/double/null when they look
/// like one, quoted scalars stay strings; mappings become objects (sorted keys).
nlohmann::json to_json(const YAML::Node& node);

/// Compiles the expression held by `val` (the value of `key`), mapping compile error
/// positions back into the file. Null on error (already reported).
std::shared_ptr<const expr::program> compile_expr(loader& ld, const parsed_file& f, const field& fl,
                                                  std::string_view name);

bool is_id(std::string_view s);                     ///< [a-z0-9_.-]+
bool is_identifier(std::string_view s);             ///< [A-Za-z_][A-Za-z0-9_]*
bool is_timezone(std::string_view s);               ///< IANA-looking: UTC, GMT, Area/Location[/...]
std::optional<int> parse_hhmm(std::string_view s);  ///< "HH:MM" → minutes

/// Section loaders, run over all files in this order.
void load_lists(loader& ld, const parsed_file& f, const YAML::Node& node);
void load_macros(loader& ld, const parsed_file& f, const YAML::Node& node);
void load_calendars(loader& ld, const parsed_file& f, const YAML::Node& node);
void load_partners(loader& ld, const parsed_file& f, const YAML::Node& node);
void load_rules(loader& ld, const parsed_file& f, const YAML::Node& node);

std::string render_location(const location& l);  ///< "file:line:col"

/// Kind-specific parts of a rule (load_deadline.cpp).
void read_deadline(loader& ld, const parsed_file& f, const YAML::Node& map, rule& r);
void read_absence(loader& ld, const parsed_file& f, const YAML::Node& map, rule& r);
/// `calendar:`: `partner` (default) or a known calendar name into r.calendar_name.
void read_calendar_name(loader& ld, const parsed_file& f, const YAML::Node& map, rule& r);
/// Kind-specific parts of aggregate and objective rules (load_aggregate.cpp).
void read_aggregate(loader& ld, const parsed_file& f, const YAML::Node& map, rule& r);
void read_objective(loader& ld, const parsed_file& f, const YAML::Node& map, rule& r);
/// After all rules are loaded: objectives' `of` lists name existing rules, not themselves,
/// and objectives do not include each other in a cycle.
void check_objectives(loader& ld);

/// Builds rule_set::business_calendars and partner_calendars once calendars and partners are
/// loaded (no-op without a zone resolver); reports unknown time zones (business_time.cpp).
void build_business_calendars(loader& ld);
/// `check` warning: a calendar a deadline or absence rule uses has no holidays for the
/// current or the next year (relative to load_options.today).
void lint_holidays(loader& ld);

}  // namespace slawatch::rules::detail
