#pragma once
// Internals of `slawatch test` (contract 5.4): the parsed test file, breach and metric
// expectations, and how they are matched. Format and texts: docs/rules.md "Testing rules".
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <nlohmann/json.hpp>
#include "slawatch/model/breach.hpp"
#include "slawatch/model/event.hpp"
#include "slawatch/model/result.hpp"
#include "slawatch/model/time.hpp"

namespace slawatch::app::detail {

/// One event of a test, validated when the file is read (its partner is checked at run time).
struct test_event {
  model::event ev;               ///< validated as stored: envelope + received_at + transport
  std::optional<instant> at;     ///< the clock advances to it before the event
  location where;                ///< where `event:` stands
};

/// One field an expected breach lists, with the expected value as written.
struct field_check {
  std::string name;              ///< rule, key, status, due_at, labels, message_contains, ...
  std::string text;              ///< the value as written (for the diff)
  std::optional<instant> at;     ///< instant fields
  std::optional<double> number;  ///< delay_seconds
  bool is_null = false;          ///< `null`: the field must be unset
  std::map<std::string, std::string> labels;
};

struct expected_breach {
  std::vector<field_check> fields;
  location where;
};

/// `name{label="value",...} value`: the sum over series of `name` whose labels include these.
struct expected_metric {
  std::string text;              ///< as written
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
  location where;
};

struct test_case {
  std::string name;
  location where;
  std::vector<test_event> events;
  std::optional<instant> advance_to;
  location advance_where;
  std::vector<expected_breach> expect_breaches;
  std::vector<std::string> expect_no_breaches;
  std::vector<expected_metric> expect_metrics;
};

struct test_file {
  std::string name;
  std::vector<std::string> rule_patterns;   ///< resolved against the test file's directory
  std::vector<test_case> tests;
};

/// Reads a test file; every error has file:line:col (strict keys, typed values, events
/// validated as stored events with the default test transport merged in).
struct parsed_test_file {
  std::optional<test_file> file;
  std::vector<error> errors;
};
parsed_test_file parse_test_file(const std::string& name, const std::string& text);

/// Parses 'name{a="x",b="y"} 3' (labels optional). Errors: "expected 'name{label=\"value\",...} value'".
result<expected_metric> parse_metric_expectation(std::string_view text);

/// Sums every series of a Prometheus text exposition that has the expectation's name and
/// includes its labels (0 when none matches).
double sum_metric(std::string_view exposition, const expected_metric& m);

/// True when breach `b` has every field `e` lists.
bool breach_matches(const model::breach& b, const expected_breach& e);

/// A maximum matching of expectations to distinct breaches (augmenting paths, so an entry
/// never steals the only breach another entry could take). result[i] = breach index or none.
std::vector<std::optional<std::size_t>> assign_breaches(const std::vector<model::breach>& breaches,
                                                        const std::vector<expected_breach>& expected);

/// "{rule: x, key: R1, status: closed}" as written.
std::string describe(const expected_breach& e);
/// "{rule: x, partner: p, key: k, kind: .., status: .., ...}" of an actual breach.
std::string describe(const model::breach& b);

}  // namespace slawatch::app::detail
