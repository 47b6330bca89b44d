// Business-time functions inside rule expressions, with partner.calendar resolving for
// partners with and without a named calendar.
#include "engine_support.hpp"

using namespace engine_test;

namespace {

const char* rules_text = R"(calendars:
  ke-banking: { timezone: Africa/Nairobi, holidays: [2026-11-09] }
partners:
  - { id: bank-a, name: Bank A, class: bank, timezone: Africa/Nairobi, calendar: ke-banking }
  - { id: ngo-c, name: NGO C, class: ngo, timezone: Africa/Nairobi }
rules:
  - id: value-date
    kind: condition
    category: timeliness
    severity: minor
    description: Value date no later than the next business day.
    when: event.type == 'contribution.remitted'
    require: >
      timestamp(event.attributes.value_date)
      <= add_business_days(event.occurred_at, 1, partner.calendar)
  - id: weekday-only
    kind: condition
    category: timeliness
    severity: info
    description: Payouts happen on business days.
    when: event.type == 'benefit.paid'
    require: is_business_day(event.occurred_at, event.attributes.cal)
)";

model::event remit(const std::string& partner, const std::string& value_date) {
  return make_event("r1", partner, "contribution.remitted", "2026-11-06T15:00:00+03:00",
                    {{"value_date", value_date}});
}

std::string outcome(engine::engine& eng, const model::event& ev) {
  engine::effects fx;
  eng.on_event(ev, fx);
  if (!fx.evaluation_errors.empty()) return "error";
  return fx.outcomes.empty() ? "none" : std::string(model::to_string(fx.outcomes[0].kind));
}

}  // namespace

TEST_CASE("partner.calendar names the partner's calendar or its mon-fri default") {
  engine::engine eng(load(rules_text));
  // bank-a: Monday 9 November is a holiday, so Friday + 1 business day ends Tuesday.
  CHECK(outcome(eng, remit("bank-a", "2026-11-10T12:00:00+03:00")) == "met");
  CHECK(outcome(eng, remit("bank-a", "2026-11-11T00:00:00+03:00")) == "breached");
  // ngo-c has no calendar: partner:ngo-c, mon-fri in Nairobi, no holidays: Monday.
  CHECK(outcome(eng, remit("ngo-c", "2026-11-09T23:00:00+03:00")) == "met");
  CHECK(outcome(eng, remit("ngo-c", "2026-11-10T12:00:00+03:00")) == "breached");
}

TEST_CASE("an unknown calendar name in a requirement fails closed and is counted") {
  engine::engine eng(load(rules_text));
  auto paid = [](const std::string& cal, const std::string& when) {
    return make_event("p1", "bank-a", "benefit.paid", when, {{"cal", cal}});
  };
  CHECK(outcome(eng, paid("ke-banking", "2026-11-10T10:00:00+03:00")) == "met");
  CHECK(outcome(eng, paid("ke-banking", "2026-11-09T10:00:00+03:00")) == "breached");
  CHECK(outcome(eng, paid("partner:ngo-c", "2026-11-09T10:00:00+03:00")) == "met");
  CHECK(outcome(eng, paid("nope", "2026-11-10T10:00:00+03:00")) == "error");
}

TEST_CASE("a moved engine keeps its business-time functions") {
  engine::engine first(load(rules_text));
  engine::engine moved(std::move(first));
  CHECK(outcome(moved, remit("bank-a", "2026-11-10T12:00:00+03:00")) == "met");
}
