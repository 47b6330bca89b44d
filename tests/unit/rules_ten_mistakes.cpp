// One rule file with ten different mistakes: every one is reported, with its exact position.
#include <catch2/catch.hpp>
#include "rules_test_support.hpp"

namespace {

const char* ten_mistakes = R"(calendars:
  ke-banking:
    timezone: Nairobi
    workdays: [mon, tue, wed, thu, fry]
    hours: "17:00-08:00"
partners:
  - id: bank-a
    name: Bank A
    class: bank
    calendar: ke-bankin
rules:
  - id: Transport_TLS
    kind: condition
    category: security
    severity: major
    description: Only TLS.
    require: event.transport.tls
  - id: purpose-allowed
    kind: condition
    category: privacy
    severity: critical
    sevrity: major
    description: Purpose allowed.
    when: "event.type.startsWith('data.') && evnt.purpose != ''"
    require: has(event.purpose)
  - id: purpose-allowed
    kind: condition
    category: purpose
    severity: minor
    description: Again.
    partners: { ids: [bank-a, bank-z] }
    require: true
)";

}  // namespace

TEST_CASE("a file with ten mistakes reports all ten with file:line:col") {
  struct mistake {
    const char* what;
    const char* expected;
  };
  const std::vector<mistake> mistakes = {
      {"time zone that is not an IANA name",
       "ten.yaml:3:15: timezone: 'Nairobi' is not an IANA time zone name like Africa/Nairobi"},
      {"misspelt weekday",
       "ten.yaml:4:36: workdays: 'fry' is not one of mon, tue, wed, thu, fri, sat, sun"},
      {"business hours ending before they start",
       "ten.yaml:5:12: hours: '17:00-08:00' must be HH:MM-HH:MM with start before end"},
      {"partner naming an unknown calendar",
       "ten.yaml:10:15: calendar: unknown calendar 'ke-bankin'"},
      {"rule id with capitals", "ten.yaml:12:9: id: 'Transport_TLS' must match [a-z0-9_.-]+"},
      {"unknown category",
       "ten.yaml:20:15: category: 'privacy' is not one of timeliness, security, purpose, "
       "integrity, availability"},
      {"misspelt key", "ten.yaml:22:5: unknown key 'sevrity' (did you mean 'severity'?)"},
      {"unknown name inside a quoted expression", "ten.yaml:24:46: unknown name 'evnt'"},
      {"duplicate rule id",
       "ten.yaml:26:9: duplicate rule id 'purpose-allowed', first defined at ten.yaml:18:9"},
      {"selector naming an unknown partner",
       "ten.yaml:31:31: partners.ids: unknown partner 'bank-z'"},
  };
  auto res = slawatch::rules::load({{"ten.yaml", ten_mistakes}});
  CHECK(res.set == nullptr);
  auto got = rules_test::rendered(res.errors);
  REQUIRE(got.size() == mistakes.size());
  for (std::size_t i = 0; i < mistakes.size(); ++i) {
    INFO(mistakes[i].what);
    CHECK(got[i] == mistakes[i].expected);
  }
}
