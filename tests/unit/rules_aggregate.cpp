// Aggregate and objective rules in the loader: what a valid rule becomes, and the exact
// located error of every malformed input.
#include <catch2/catch.hpp>
#include "rules_test_support.hpp"

namespace {

using slawatch::rules::rule;

slawatch::rules::load_result load(const std::string& text) {
  slawatch::rules::load_options opts;
  opts.zones = [](std::string_view n) -> const date::time_zone* {
    try {
      const auto* z = date::locate_zone(n);
      z->get_info(date::sys_seconds{});
      return z;
    } catch (const std::exception&) {
      return nullptr;
    }
  };
  return slawatch::rules::load(
      {{"registry.yaml", std::string(rules_test::registry_yaml) + "macros:\n  big: '1000'\n"},
       {"r.yaml", text}},
      opts);
}

const std::string head =
    "rules:\n"
    "  - id: remit\n"
    "    kind: condition\n"
    "    category: timeliness\n"
    "    severity: major\n"
    "    description: d\n"
    "    require: 'true'\n";

/// An aggregate rule (id agg at line 8; line 13 is its first kind-specific line) after `head`.
std::string aggregate(const std::string& body) {
  return head +
         "  - id: agg\n"
         "    kind: aggregate\n"
         "    category: integrity\n"
         "    severity: critical\n"
         "    description: d\n" +
         body;
}

/// An objective rule `id`; after `head` alone, line 13 is its first kind-specific line.
std::string objective(const std::string& id, const std::string& body) {
  return "  - id: " + id +
         "\n"
         "    kind: objective\n"
         "    category: timeliness\n"
         "    severity: critical\n"
         "    description: d\n" +
         body;
}

const std::string sums =
    "    group: event.attributes.settlement_date\n"
    "    measures:\n"
    "      collected: { sum: event.attributes.amount, when: \"event.type == 'c'\" }\n"
    "      remitted:  { sum: event.attributes.amount, when: \"event.type == 'r'\" }\n";

}  // namespace

TEST_CASE("a settled aggregate and an objective load with their keys") {
  auto res = load(aggregate(sums +
                            "    settle: 2 business_days\n"
                            "    require: abs(collected - remitted) <= 0.01 && group != ''\n") +
                  objective("obj", "    of: [remit, agg]\n    target: 99.5%\n    window: 30d\n"
                                   "    min_outcomes: 20\n    calendar: ke-banking\n"));
  INFO((res.errors.empty() ? std::string() : res.errors[0].render()));
  REQUIRE(res.set);
  const auto* a = res.set->find_rule("agg");
  REQUIRE(a->measures.size() == 2);
  CHECK(a->measures[0].name == "collected");
  CHECK(a->measures[0].agg == rule::aggregation::sum);
  CHECK(a->measures[1].name == "remitted");
  REQUIRE(a->settle);
  CHECK(a->settle->count == 2);
  CHECK(a->window == slawatch::duration::zero());
  const auto* o = res.set->find_rule("obj");
  CHECK(o->of == std::vector<std::string>{"remit", "agg"});
  CHECK(o->target == Approx(0.995));
  CHECK(o->target_text == "99.5%");
  CHECK(o->period == rule::objective_period::rolling);
  CHECK(o->rolling_days == 30);
  CHECK(o->min_outcomes == 20);
  CHECK(o->calendar_name == "ke-banking");
}

TEST_CASE("a sliding aggregate counts; an objective target may be a fraction") {
  auto res = load(aggregate("    group: event.attributes.operator_id\n    window: 1h\n"
                            "    measures: { reads: { count: true, when: \"event.type == 'x'\" },\n"
                            "                top: { max: event.attributes.n } }\n"
                            "    require: reads <= 200 && (top == null || top < big)\n") +
                  objective("obj", "    of: [agg]\n    target: 0.99\n    window: week\n"));
  INFO((res.errors.empty() ? std::string() : res.errors[0].render()));
  REQUIRE(res.set);
  const auto* a = res.set->find_rule("agg");
  CHECK(a->window == std::chrono::hours(1));
  CHECK_FALSE(a->settle);
  CHECK(a->measures[0].agg == rule::aggregation::count);
  CHECK(a->measures[1].agg == rule::aggregation::max);
  const auto* o = res.set->find_rule("obj");
  CHECK(o->target == Approx(0.99));
  CHECK(o->period == rule::objective_period::week);
  CHECK(o->min_outcomes == 0);
}

TEST_CASE("malformed aggregate and objective rules give exact located errors") {
  struct error_case {
    const char* name;
    std::string text;
    std::vector<std::string> expected;
  };
  const std::string ok_obj = "    target: 99%\n    window: month\n";
  std::vector<error_case> cases = {
      {"objective listing an unknown rule",
       head + objective("obj", "    of: [remit, nope]\n" + ok_obj),
       {"r.yaml:13:17: of: unknown rule 'nope'"}},
      {"objective listing itself",
       head + objective("obj", "    of: [obj]\n" + ok_obj),
       {"r.yaml:13:10: of: an objective cannot include itself"}},
      {"objectives in a cycle",
       head + objective("o1", "    of: [o2]\n" + ok_obj) +
           objective("o2", "    of: [remit, o1]\n" + ok_obj),
       {"r.yaml:21:17: of: objectives form a cycle: o1 -> o2 -> o1"}},
      {"objective listing a rule twice",
       head + objective("obj", "    of: [remit, remit]\n" + ok_obj),
       {"r.yaml:13:17: of: rule 'remit' is listed twice"}},
      {"target above 100%",
       head + objective("obj", "    of: [remit]\n    target: 120%\n    window: month\n"),
       {"r.yaml:14:13: target: '120%' must be a percentage from 0% to 100%"}},
      {"target of zero",
       head + objective("obj", "    of: [remit]\n    target: 0\n    window: month\n"),
       {"r.yaml:14:13: target: '0' must be a percentage from 0% to 100%"}},
      {"objective window that is neither a period nor whole days",
       head + objective("obj", "    of: [remit]\n    target: 99%\n    window: 36h\n"),
       {"r.yaml:15:13: window: '36h' must be month, week, day or a whole number of days like "
        "30d"}},
      {"negative min_outcomes",
       head + objective("obj", "    of: [remit]\n" + ok_obj + "    min_outcomes: -1\n"),
       {"r.yaml:16:19: min_outcomes: '-1' must be an integer >= 0"}},
      {"objective without of and target",
       head + objective("obj", "    window: day\n"),
       {"r.yaml:8:5: of: required", "r.yaml:8:5: target: required"}},
      {"measure shadowing a scope name",
       aggregate("    group: event.x\n    measures: { partner: { count: true } }\n"
                 "    window: 1h\n    require: 'true'\n"),
       {"r.yaml:14:17: measures: name 'partner' shadows a name already in scope (event, "
        "partner, lists, group or a macro)"}},
      {"measure shadowing a macro",
       aggregate("    group: event.x\n    measures:\n      big: { count: true }\n"
                 "    window: 1h\n    require: 'true'\n"),
       {"r.yaml:15:7: measures: name 'big' shadows a name already in scope (event, partner, "
        "lists, group or a macro)"}},
      {"require using an undefined measure",
       aggregate(sums + "    settle: 48h\n    require: collected == remited\n"),
       {"r.yaml:18:27: unknown name 'remited'"}},
      {"require using event",
       aggregate(sums + "    settle: 48h\n    require: event.x == 1\n"),
       {"r.yaml:18:14: unknown name 'event'"}},
      {"sliding window of zero",
       aggregate(sums + "    window: 0s\n    require: 'true'\n"),
       {"r.yaml:17:13: window: '0s' must be a duration greater than 0 like 1h"}},
      {"both settle and window",
       aggregate(sums + "    settle: 48h\n    window: 1h\n    require: 'true'\n"),
       {"r.yaml:18:5: window: give either settle or window, not both"}},
      {"neither settle nor window",
       aggregate(sums + "    require: 'true'\n"),
       {"r.yaml:8:5: settle or window: required"}},
      {"bad settle span",
       aggregate(sums + "    settle: 2 busines_days\n    require: 'true'\n"),
       {"r.yaml:17:13: settle: expected a duration like 48h or N business_days / N "
        "business_hours, got '2 busines_days'"}},
      {"measure with no aggregation and one with two",
       aggregate("    group: event.x\n    measures:\n      a: { when: 'true' }\n"
                 "      b: { sum: event.n, max: event.n }\n    window: 1h\n    require: 'true'\n"),
       {"r.yaml:15:10: measures.a: exactly one of sum, count, min, max is required",
        "r.yaml:16:10: measures.b: exactly one of sum, count, min, max is required"}},
      {"count that is not true",
       aggregate("    group: event.x\n    measures: { n: { count: 1 } }\n"
                 "    window: 1h\n    require: 'true'\n"),
       {"r.yaml:14:29: measures.n.count: expected true"}},
      {"aggregate without group and measures",
       aggregate("    window: 1h\n    require: 'true'\n"),
       {"r.yaml:8:5: group: required", "r.yaml:8:5: measures: required"}},
      {"objective key on an aggregate",
       aggregate(sums + "    settle: 48h\n    require: 'true'\n    target: 99%\n"),
       {"r.yaml:19:5: key 'target' does not apply to kind: aggregate"}},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      auto res = load(c.text);
      CHECK(res.set == nullptr);
      CHECK(rules_test::rendered(res.errors) == c.expected);
    }
  }
}
