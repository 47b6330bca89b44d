// Table-driven: each malformed input gives exactly these `file:line:col: message` texts.
#include <catch2/catch.hpp>
#include "rules_test_support.hpp"

namespace {

struct error_case {
  const char* name;
  std::string text;
  std::vector<std::string> expected;
};

/// A valid condition rule; `extra` lines are appended at rule level (4 spaces).
std::string rule(const std::string& extra, const std::string& kind = "condition") {
  return "rules:\n"
         "  - id: r1\n"
         "    kind: " +
         kind +
         "\n"
         "    category: security\n"
         "    severity: major\n"
         "    description: d\n"
         "    require: true\n" +
         extra;
}

}  // namespace

TEST_CASE("malformed rule files give exact located errors") {
  std::vector<error_case> cases = {
      {"YAML syntax",
       "rules: [a, b\n",
       {"r.yaml:2:1: YAML syntax error: end of sequence flow not found"}},
      {"top level is not a mapping",
       "- a\n- b\n",
       {"r.yaml:1:1: expected a mapping with keys lists, macros, calendars, partners, rules"}},
      {"unknown top-level key",
       "rule:\n  - id: x\n",
       {"r.yaml:1:1: unknown key 'rule' (did you mean 'rules'?)"}},
      {"unknown key far from every known one",
       rule("    colour: red\n"),
       {"r.yaml:8:5: unknown key 'colour'"}},
      {"duplicate key", rule("    severity: minor\n"), {"r.yaml:8:5: duplicate key 'severity'"}},
      {"key of another kind",
       rule("    within: 2h\n"),
       {"r.yaml:8:5: key 'within' does not apply to kind: condition"}},
      {"missing description",
       "rules:\n  - id: r1\n    kind: condition\n    category: security\n    severity: major\n"
       "    require: true\n",
       {"r.yaml:2:5: description: required"}},
      {"missing require",
       "rules:\n  - id: r1\n    kind: condition\n    category: security\n    severity: major\n"
       "    description: d\n",
       {"r.yaml:2:5: require: required"}},
      {"unknown kind",
       rule("", "timer"),
       {"r.yaml:3:11: kind: 'timer' is not one of condition, deadline, absence, aggregate, "
        "objective"}},
      {"aggregate without a zone resolver",
       rule("    group: x\n", "aggregate"),
       {"r.yaml:3:11: kind: 'aggregate' rules need a time zone database (no zone resolver "
        "given)"}},
      {"unknown kind still reports typos in common keys",
       rule("    lables: {}\n", "timer"),
       {"r.yaml:3:11: kind: 'timer' is not one of condition, deadline, absence, aggregate, "
        "objective",
        "r.yaml:8:5: unknown key 'lables' (did you mean 'labels'?)"}},
      {"a rule that is not a mapping", "rules:\n  - 5\n",
       {"r.yaml:2:5: rules: each entry must be a mapping"}},
      {"a selector that is a list", rule("    partners: [bank-a]\n"),
       {"r.yaml:8:15: partners: expected a mapping"}},
      {"bad severity",
       "rules:\n  - id: r1\n    kind: condition\n    category: security\n    severity: high\n"
       "    description: d\n    require: true\n",
       {"r.yaml:5:15: severity: 'high' is not one of critical, major, minor, info"}},
      {"enabled is not a bool",
       rule("    enabled: maybe\n"),
       {"r.yaml:8:14: enabled: expected true or false"}},
      {"labels is not a map",
       rule("    labels: [a]\n"),
       {"r.yaml:8:13: labels: expected a mapping of strings to strings"}},
      {"require is not a string",
       rule("    when: [a]\n"),
       {"r.yaml:8:11: when: expected an expression string"}},
      {"selector with an unknown key",
       rule("    partners: { class: [bank] }\n"),
       {"r.yaml:8:17: unknown key 'class' (did you mean 'classes'?)"}},
      {"exception without when and with a bad date",
       rule("    exceptions:\n      - name: pilot\n        expires: 2026-02-30\n"),
       {"r.yaml:9:9: exceptions.when: required",
        "r.yaml:10:18: exceptions.expires: '2026-02-30' is not a date YYYY-MM-DD"}},
      {"duplicate exception name",
       rule("    exceptions:\n      - { name: a, when: 'true' }\n      - { name: a, when: 'false' "
            "}\n"),
       {"r.yaml:10:17: duplicate exception 'a', first defined at r.yaml:9:9"}},
      {"unknown name in a plain multi-line expression",
       rule("    when: event.type == 'a' &&\n      evnt.x == 1\n"),
       {"r.yaml:9:7: unknown name 'evnt'"}},
      {"unknown name in a block expression",
       rule("    when: |\n      event.type == 'a'\n        && evnt.x == 1\n"),
       {"r.yaml:10:12: unknown name 'evnt'"}},
      {"single-quoted expression",
       rule("    when: 'evnt.x'\n"),
       {"r.yaml:8:12: unknown name 'evnt'"}},
      {"macro used before it is defined",
       "macros:\n  a: b && true\n  b: event.x == 1\n",
       {"r.yaml:2:6: unknown name 'b'"}},
      {"reserved and malformed macro names",
       "macros:\n  event: 'true'\n  bad-name: 'true'\n",
       {"r.yaml:2:3: macros: name 'event' is reserved",
        "r.yaml:3:3: macros: name 'bad-name' must match [A-Za-z_][A-Za-z0-9_]*"}},
      {"list that is not a list",
       "lists:\n  purposes: marketing\n",
       {"r.yaml:2:13: lists.purposes: expected a list"}},
      {"unknown list",
       rule("    when: event.purpose in lists.nope\n"),
       {}},  // message is the expr module's; only the count is checked below
      {"bad partner",
       "partners:\n  - id: Bank A\n    class: bank\n    timezone: EAT\n"
       "    require_signature: 1\n",
       {"r.yaml:2:5: name: required", "r.yaml:2:9: id: 'Bank A' must match [a-z0-9_.-]+",
        "r.yaml:4:15: timezone: 'EAT' is not an IANA time zone name like Africa/Nairobi",
        "r.yaml:5:24: require_signature: expected true or false"}},
      {"bad calendar",
       "calendars:\n  c1: { timezone: UTC, cutoff: '4pm', holidays: [xmas] }\n",
       {"r.yaml:2:32: cutoff: '4pm' must be HH:MM",
        "r.yaml:2:50: holidays: 'xmas' is not a date YYYY-MM-DD"}},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      auto res = rules_test::load_with_registry(c.text);
      CHECK(res.set == nullptr);
      if (c.expected.empty()) {
        CHECK(res.errors.size() == 1);
      } else {
        CHECK(rules_test::rendered(res.errors) == c.expected);
      }
    }
  }
}

TEST_CASE("duplicates across files name both places") {
  std::string a =
      "partners:\n  - { id: p1, name: P, class: bank }\n"
      "calendars:\n  c1: { timezone: UTC }\nlists:\n  l1: [a]\nmacros:\n  m1: 'true'\n"
      "rules:\n  - { id: r1, kind: condition, category: security, severity: info,"
      " description: d, require: 'true' }\n";
  auto res = slawatch::rules::load({{"a.yaml", a}, {"b.yaml", a}});
  CHECK(rules_test::rendered(res.errors) ==
        std::vector<std::string>{
            "b.yaml:2:11: duplicate partner 'p1', first defined at a.yaml:2:11",
            "b.yaml:4:3: duplicate calendar 'c1', first defined at a.yaml:4:3",
            "b.yaml:6:3: duplicate list 'l1', first defined at a.yaml:6:3",
            "b.yaml:8:3: duplicate macro 'm1', first defined at a.yaml:8:3",
            "b.yaml:10:11: duplicate rule id 'r1', first defined at a.yaml:10:11",
        });
}
