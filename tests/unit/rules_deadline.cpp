// Loading deadline and absence rules, business calendars and the business-time functions.
#include <catch2/catch.hpp>
#include "rules_test_support.hpp"

using namespace slawatch;

namespace {

const date::time_zone* resolve_zone(std::string_view name) {
  try {
    const auto* z = date::locate_zone(name);
    z->get_info(date::sys_seconds{});
    return z;
  } catch (const std::exception&) {
    return nullptr;
  }
}

rules::load_result load_tz(const std::string& text) {
  rules::load_options opts;
  opts.zones = resolve_zone;
  opts.today = *timefmt::parse_rfc3339("2026-11-26T00:00:00Z");
  return rules::load({{"registry.yaml", rules_test::registry_yaml}, {"r.yaml", text}}, opts);
}

/// A rule of `kind` with the common keys on lines 2-6; `extra` starts on line 7.
std::string rule(const std::string& kind, const std::string& extra) {
  return "rules:\n  - id: r1\n    kind: " + kind +
         "\n    category: timeliness\n    severity: major\n    description: d\n" + extra;
}

const std::string start_stop =
    "    start: { when: \"event.type == 'a.b'\", key: event.id }\n"
    "    stop: { when: \"event.type == 'a.c'\", key: event.id }\n";

const char* remit = R"(rules:
  - id: remit
    kind: deadline
    category: timeliness
    severity: major
    description: Remitted within 1 business day.
    partners: { classes: [bank] }
    start:  { when: event.type == 'contribution.collected', key: event.attributes.receipt_no,
              at: event.occurred_at }
    stop:   { when: event.type == 'contribution.remitted', key: event.attributes.receipt_nos }
    cancel: { when: event.type == 'contribution.reversed', key: event.attributes.receipt_no }
    within: 1 business_days
    calendar: partner
    warn_at: [50%, 75%]
    allowed_lateness: 90m
  - id: recon
    kind: absence
    category: timeliness
    severity: major
    description: A reconciliation file by 10:00 on the next business day.
    expect: event.type == 'settlement.report_delivered'
    schedule: { every: business_day, due: "10:00" }
    calendar: ke-banking
)";

}  // namespace

TEST_CASE("deadline and absence rules load with their calendars") {
  auto res = load_tz(remit);
  for (const auto& e : res.errors) FAIL(e.render());
  REQUIRE(res.set);
  const auto& r = *res.set->find_rule("remit");
  CHECK(r.kind == rules::rule_kind::deadline);
  CHECK(r.within == calendar::span{calendar::span_unit::business_days, duration{0}, 1});
  CHECK(r.warn_at == std::vector<int>{50, 75});
  CHECK(r.allowed_lateness == std::chrono::minutes(90));
  CHECK(r.calendar_name.empty());
  CHECK(r.start.at);
  CHECK_FALSE(r.stop.at);
  CHECK(r.cancel.when);
  CHECK(res.set->calendar_for(r, "bank-a")->name == "ke-banking");
  const auto* ngo = res.set->calendar_for(r, "ngo-b");
  REQUIRE(ngo);
  CHECK(ngo->name == "partner:ngo-b");
  CHECK(ngo->zone->name() == "UTC");
  const auto& a = *res.set->find_rule("recon");
  CHECK(a.kind == rules::rule_kind::absence);
  CHECK(a.schedule.every == calendar::schedule_every::business_day);
  CHECK(a.schedule.due_min == 600);
  CHECK(res.set->calendar_for(a, "ngo-b")->name == "ke-banking");
  // The registry's calendar lists holidays for 2026 only.
  CHECK(rules_test::rendered(res.warnings) ==
        std::vector<std::string>{"registry.yaml:2:3: calendar 'ke-banking' has no holidays for 2027"});
}

TEST_CASE("business-time functions are known to expressions and use the set's calendars") {
  auto res = load_tz(rule("condition",
                          "    require: add_business_days(event.occurred_at, 1, partner.calendar)"
                          " > timestamp(event.occurred_at) && is_business_day(event.occurred_at,"
                          " 'ke-banking') && business_days_between(event.occurred_at,"
                          " event.occurred_at, 'ke-banking') == 0\n"));
  for (const auto& e : res.errors) FAIL(e.render());
  REQUIRE(res.set);
  auto fns = rules::business_functions(*res.set);
  auto fri = *timefmt::parse_rfc3339("2026-11-06T15:00:00+03:00");
  auto call = [&](const std::string& fn, std::vector<expr::value> args) {
    return fns.at(fn)(args);
  };
  auto due = call("add_business_days", {fri, 1, "ke-banking"});
  REQUIRE(std::holds_alternative<expr::value>(due));
  CHECK(std::get<expr::value>(due).as_timestamp() ==
        *timefmt::parse_rfc3339("2026-11-09T23:59:59.999+03:00"));
  auto between = call("business_days_between", {"2026-11-06T15:00:00+03:00",
                                                "2026-11-10T09:00:00+03:00", "ke-banking"});
  CHECK(std::get<expr::value>(between).as_int() == 2);
  auto sat = call("is_business_day", {"2026-11-07T12:00:00+03:00", "partner:ngo-b"});
  CHECK_FALSE(std::get<expr::value>(sat).as_bool());
  auto unknown = call("is_business_day", {fri, "nope"});
  CHECK(std::get<std::string>(unknown) == "is_business_day: unknown calendar 'nope'");
  auto empty = call("is_business_day", {fri, ""});
  CHECK(std::get<std::string>(empty) == "is_business_day: unknown calendar ''");
  auto bad_ts = call("add_business_days", {1, 1, "ke-banking"});
  CHECK(std::get<std::string>(bad_ts) ==
        "add_business_days: expected a timestamp or an RFC 3339 string, got 1");
  auto bad_n = call("add_business_days", {fri, "1", "ke-banking"});
  CHECK(std::get<std::string>(bad_n) == "add_business_days: expected an int day count, got \"1\"");
}

TEST_CASE("bad deadline, absence and calendar input gives exact located errors") {
  struct error_case {
    const char* name;
    std::string text;
    std::vector<std::string> expected;
  };
  std::vector<error_case> cases = {
      {"unknown time zone of a calendar",
       "calendars:\n  c9: { timezone: Mars/Olympus }\n",
       {"r.yaml:2:19: calendar 'c9': unknown time zone 'Mars/Olympus'"}},
      {"unknown time zone of a partner",
       "partners:\n  - { id: p9, name: P, class: bank, timezone: Mars/Olympus }\n",
       {"r.yaml:2:47: partner 'p9': unknown time zone 'Mars/Olympus'"}},
      {"holiday not a date",
       "calendars:\n  c8: { timezone: UTC, holidays: [2026-13-01] }\n",
       {"r.yaml:2:35: holidays: '2026-13-01' is not a date YYYY-MM-DD"}},
      {"misspelt business_days",
       rule("deadline", start_stop + "    within: 2 busines_days\n"),
       {"r.yaml:9:13: within: expected a duration like 48h or N business_days / N "
        "business_hours, got '2 busines_days'"}},
      {"missing within", rule("deadline", start_stop), {"r.yaml:2:5: within: required"}},
      {"warn_at over 99%",
       rule("deadline", start_stop + "    within: 2h\n    warn_at: [50%, 150%]\n"),
       {"r.yaml:10:20: warn_at: '150%' must be a percentage from 1% to 99%"}},
      {"warn_at not ascending",
       rule("deadline", start_stop + "    within: 2h\n    warn_at: [75%, 50%]\n"),
       {"r.yaml:10:20: warn_at: '50%' must be greater than the threshold before it"}},
      {"unknown calendar",
       rule("deadline", start_stop + "    within: 2h\n    calendar: ke-bank\n"),
       {"r.yaml:10:15: calendar: unknown calendar 'ke-bank'"}},
      {"missing start.key",
       rule("deadline", "    start: { when: \"event.type == 'a.b'\" }\n"
                        "    stop: { when: \"event.type == 'a.c'\", key: event.id }\n"
                        "    within: 2h\n"),
       {"r.yaml:7:12: start.key: required"}},
      {"missing stop",
       rule("deadline", "    start: { when: \"event.type == 'a.b'\", key: event.id }\n"
                        "    within: 2h\n"),
       {"r.yaml:2:5: stop: required"}},
      {"stop identical to start",
       rule("deadline", "    start: { when: \"event.type == 'a.b'\", key: event.id }\n"
                        "    stop: { when: \"event.type=='a.b'\", key: event.id }\n"
                        "    within: 2h\n"),
       {"r.yaml:8:19: stop.when: identical to start.when, the obligation could never be met"}},
      {"bad allowed_lateness",
       rule("deadline", start_stop + "    within: 2h\n    allowed_lateness: soon\n"),
       {"r.yaml:10:23: allowed_lateness: 'soon' must be a duration like 0s, 15m or 2h"}},
      {"expression error inside a trigger",
       rule("deadline", "    start: { when: \"evnt.type == 'a.b'\", key: event.id }\n"
                        "    stop: { when: \"event.type == 'a.c'\", key: event.id }\n"
                        "    within: 2h\n"),
       {"r.yaml:7:21: unknown name 'evnt'"}},
      {"key of another kind",
       rule("deadline", start_stop + "    within: 2h\n    require: 'true'\n"),
       {"r.yaml:10:5: key 'require' does not apply to kind: deadline"}},
      {"absence without expect",
       rule("absence", "    schedule: { every: day, due: \"10:00\" }\n"),
       {"r.yaml:2:5: expect: required"}},
      {"absence with a bad schedule",
       rule("absence", "    expect: 'true'\n    schedule: { every: hourly, due: \"10:00\" }\n"),
       {"r.yaml:8:24: schedule.every: 'hourly' is not one of day, business_day, week, month"}},
      {"absence without schedule",
       rule("absence", "    expect: 'true'\n"),
       {"r.yaml:2:5: schedule: required"}},
      {"absence key of a deadline",
       rule("absence", "    expect: 'true'\n    schedule: { every: day, due: \"10:00\" }\n"
                       "    within: 2h\n"),
       {"r.yaml:9:5: key 'within' does not apply to kind: absence"}},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      auto res = load_tz(c.text);
      CHECK(res.set == nullptr);
      CHECK(rules_test::rendered(res.errors) == c.expected);
    }
  }
}

TEST_CASE("deadline rules need a zone resolver") {
  auto res = rules_test::load_with_registry(rule("deadline", start_stop + "    within: 2h\n"));
  CHECK(rules_test::rendered(res.errors) ==
        std::vector<std::string>{
            "r.yaml:3:11: kind: 'deadline' rules need a time zone database (no zone resolver given)"});
}

TEST_CASE("key: event.partner written out is the default: an absence rule expects its partners") {
  struct key_case {
    std::string key;
    bool is_default;
  };
  const std::vector<key_case> cases = {
      {"event.partner", true},
      {"\"event['partner']\"", true},
      {"event.attributes.branch", false},
  };
  for (const auto& c : cases) {
    SECTION(c.key) {
      auto res = load_tz(rule("absence", "    expect: 'true'\n    key: " + c.key +
                                             "\n    schedule: { every: day, due: \"10:00\" }\n"));
      for (const auto& e : res.errors) FAIL(e.render());
      REQUIRE(res.set);
      const auto& r = *res.set->find_rule("r1");
      CHECK((r.key == nullptr) == c.is_default);
    }
  }
}
