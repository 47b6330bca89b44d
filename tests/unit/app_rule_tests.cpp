// The pieces of `slawatch test`: metric expectations, breach assignment, test file errors.
#include <catch2/catch.hpp>
#include "../../daemon/app/rule_test.hpp"

using namespace slawatch;
using namespace slawatch::app::detail;

namespace {

model::breach make_breach(std::string rule, std::string key, model::breach_status st) {
  model::breach b;
  b.rule = std::move(rule);
  b.key = std::move(key);
  b.partner = "bank-a";
  b.status = st;
  return b;
}

expected_breach expect(std::vector<std::pair<std::string, std::string>> fields) {
  expected_breach e;
  for (auto& [n, t] : fields) e.fields.push_back(field_check{n, t, {}, {}, false, {}});
  return e;
}

const char* exposition =
    "# HELP slawatch_breaches_total Breaches recorded.\n"
    "# TYPE slawatch_breaches_total counter\n"
    "slawatch_breaches_total{category=\"purpose\",partner=\"bank-a\",rule=\"x\",severity=\"major\"} 2\n"
    "slawatch_breaches_total{category=\"purpose\",partner=\"posta-ke\",rule=\"x\",severity=\"major\"} 3\n"
    "slawatch_breaches_total{category=\"purpose\",partner=\"bank-a\",rule=\"y\",severity=\"minor\"} 5\n"
    "slawatch_breaches_totally{rule=\"x\"} 100\n"
    "slawatch_odd{v=\"a\\\"b,c}\"} 7\n";

}  // namespace

TEST_CASE("a metric expectation sums every series that includes its labels") {
  struct row {
    const char* text;
    double sum;
  };
  const row rows[] = {
      {"slawatch_breaches_total 0", 10},
      {"slawatch_breaches_total{rule=\"x\"} 0", 5},
      {"slawatch_breaches_total{rule=\"x\",partner=\"bank-a\"} 0", 2},
      {"slawatch_breaches_total{ rule = \"x\" , partner=\"bank-z\", } 0", 0},
      {"slawatch_nothing_here 0", 0},
      {"slawatch_odd{v=\"a\\\"b,c}\"} 0", 7},
  };
  for (const auto& r : rows) {
    auto m = parse_metric_expectation(r.text);
    REQUIRE(m);
    CHECK(sum_metric(exposition, *m) == r.sum);
  }
}

TEST_CASE("a metric expectation without a value or with a broken label set is rejected") {
  for (const char* text : {"slawatch_breaches_total", "slawatch_x{rule=x} 1", "{rule=\"x\"} 1",
                           "slawatch_x{rule=\"x\" 1", "slawatch_x 1 2", "slawatch_x one"}) {
    auto m = parse_metric_expectation(text);
    REQUIRE_FALSE(m);
    CHECK(m.err().message == "expected 'name{label=\"value\",...} value'");
  }
}

TEST_CASE("breach expectations are assigned to distinct breaches, not greedily") {
  // Entry 0 matches both breaches, entry 1 only the first: a greedy pass would give entry 0
  // the first breach and fail entry 1.
  std::vector<model::breach> breaches = {make_breach("r", "k1", model::breach_status::closed),
                                         make_breach("r", "k2", model::breach_status::closed)};
  std::vector<expected_breach> expected = {expect({{"rule", "r"}}), expect({{"key", "k1"}})};
  auto got = assign_breaches(breaches, expected);
  REQUIRE(got.size() == 2);
  CHECK(got[0] == std::optional<std::size_t>(1));
  CHECK(got[1] == std::optional<std::size_t>(0));
}

TEST_CASE("two entries cannot both take the only matching breach") {
  std::vector<model::breach> breaches = {make_breach("r", "k1", model::breach_status::open)};
  std::vector<expected_breach> expected = {expect({{"rule", "r"}, {"status", "open"}}),
                                           expect({{"rule", "r"}})};
  auto got = assign_breaches(breaches, expected);
  CHECK(got[0].has_value() != got[1].has_value());
  CHECK_FALSE(breach_matches(breaches[0], expect({{"status", "closed"}})));
  CHECK(describe(expected[0]) == "{rule: r, status: open}");
}

TEST_CASE("instant fields compare as instants, whatever the offset") {
  auto b = make_breach("r", "k", model::breach_status::open);
  b.due_at = timefmt::parse_rfc3339("2026-11-09T20:59:59.999Z");
  field_check c{"due_at", "2026-11-09T23:59:59.999+03:00",
                timefmt::parse_rfc3339("2026-11-09T23:59:59.999+03:00"), {}, false, {}};
  CHECK(breach_matches(b, expected_breach{{c}, {}}));
  field_check none{"completed_at", "null", {}, {}, true, {}};
  CHECK(breach_matches(b, expected_breach{{none}, {}}));
}

TEST_CASE("a test file with an unknown key reports it with its position") {
  auto parsed = parse_test_file("t.yaml",
                                "rule_files: [r.yaml]\n"
                                "tests:\n"
                                "  - name: one\n"
                                "    advance_too: 2026-11-02T00:00:00Z\n"
                                "    events:\n"
                                "      - { at: nope, event: { id: e1 } }\n");
  REQUIRE_FALSE(parsed.file);
  REQUIRE(parsed.errors.size() == 3);
  CHECK(parsed.errors[0].render() ==
        "t.yaml:4:5: tests[0]: unknown key 'advance_too' (did you mean 'advance_to'?)");
  CHECK(parsed.errors[1].render() == "t.yaml:6:15: tests[0].events[0].at: not an RFC 3339 timestamp");
  CHECK(parsed.errors[2].render() == "t.yaml:6:28: tests[0].events[0].event: partner: required");
}
