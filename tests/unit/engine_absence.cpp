// The absence kind on a manual clock: periods, holidays, late reports, custom keys.
#include "engine_support.hpp"

using namespace engine_test;

namespace {

const char* rules_text = R"(calendars:
  ke-banking: { timezone: Africa/Nairobi, holidays: [2026-12-25, 2026-12-26, 2027-01-01] }
partners:
  - { id: bank-a, name: Bank A, class: bank, timezone: Africa/Nairobi, calendar: ke-banking }
  - { id: bank-b, name: Bank B, class: bank, timezone: Africa/Nairobi }
  - { id: ngo-c, name: NGO C, class: ngo }
rules:
  - id: recon
    kind: absence
    category: timeliness
    severity: major
    description: A reconciliation file every day by 10:00.
    partners: { ids: [bank-a] }
    expect: event.type == 'settlement.report_delivered'
    schedule: { every: day, due: "10:00" }
  - id: recon-bd
    kind: absence
    category: timeliness
    severity: major
    description: A reconciliation file every business day by 10:00.
    partners: { ids: [bank-b] }
    expect: event.type == 'settlement.report_delivered'
    schedule: { every: business_day, due: "10:00" }
    calendar: ke-banking
  - id: monthly
    kind: absence
    category: timeliness
    severity: minor
    description: A monthly statement by noon on the first business day.
    partners: { ids: [bank-a] }
    expect: event.type == 'statement.delivered'
    schedule: { every: month, business_day: "1", due: "12:00" }
  - id: branch-heartbeat
    kind: absence
    category: availability
    severity: info
    description: Every branch that reported once reports daily.
    partners: { ids: [ngo-c] }
    expect: event.type == 'branch.heartbeat'
    key: event.attributes.branch
    schedule: { every: day, due: "00:00" }
)";

std::shared_ptr<const rules::rule_set> set() {
  static auto s = load(rules_text);
  return s;
}

model::event report(const std::string& id, const std::string& occurred,
                     const std::string& partner = "bank-a",
                     const std::string& type = "settlement.report_delivered") {
  return make_event(id, partner, type, occurred);
}

std::vector<std::string> kinds(const engine::effects& fx) {
  std::vector<std::string> out;
  for (const auto& o : fx.outcomes) out.push_back(o.rule + ":" + std::string(model::to_string(o.kind)));
  return out;
}

std::size_t count(const engine::effects& fx, const std::string& what) {
  auto k = kinds(fx);
  return static_cast<std::size_t>(std::count(k.begin(), k.end(), what));
}

}  // namespace

TEST_CASE("absence periods start with the engine's clock: the period in progress is judged") {
  harness h(set());
  CHECK(h.eng.next_due() == instant{});  // asks for a first tick right away
  auto seed = h.tick("2026-11-02T08:00:00+03:00");
  CHECK(ids(seed.upserts) == std::vector<std::string>{"absence/recon/bank-a/bank-a",
                                                      "absence/recon-bd/bank-b/bank-b",
                                                      "absence/monthly/bank-a/bank-a"});
  // Monday 08:00: the day's period began yesterday 10:00, before the clock, and is judged all
  // the same (contract 5.3): Monday 10:00 is first. Monday 2 November is also the first
  // business day of the month, so the monthly statement is due today at noon.
  CHECK(seed.upserts[0].fire_at == at("2026-11-02T10:00:00+03:00"));
  CHECK(seed.upserts[1].fire_at == at("2026-11-02T10:00:00+03:00"));
  CHECK(seed.upserts[2].fire_at == at("2026-11-02T12:00:00+03:00"));
  CHECK(h.eng.next_due() == at("2026-11-02T10:00:00+03:00"));
}

TEST_CASE("the first due time after the clock starts is judged") {
  harness h(set());
  h.tick("2026-11-02T08:00:00+03:00");
  auto first = h.tick("2026-11-02T10:00:00+03:00");  // no report by the first 10:00
  CHECK(kinds(first) == std::vector<std::string>{"recon:breached", "recon-bd:breached"});
  CHECK(first.outcomes[0].decided_at == at("2026-11-02T10:00:00+03:00"));
  REQUIRE(first.breaches.size() == 2);
  const auto& b = first.breaches[0];
  CHECK(b.id == model::breach_id("recon", "bank-a", "bank-a", "2026-11-02T07:00:00.000Z"));
  CHECK(b.status == model::breach_status::open);
  CHECK(b.due_at == at("2026-11-02T10:00:00+03:00"));
  CHECK(b.detected_at == at("2026-11-02T10:00:00+03:00"));
  CHECK(b.message == "No report for bank-a in the period ending 2026-11-02 10:00:00 EAT");
  CHECK(b.evidence["expected"] ==
        "an event matching event.type == 'settlement.report_delivered' after "
        "2026-11-01T10:00:00+03:00 and by 2026-11-02T10:00:00+03:00");
  CHECK(first.breaches[1].id ==
        model::breach_id("recon-bd", "bank-b", "bank-b", "2026-11-02T07:00:00.000Z"));
  CHECK(h.stored.count("open_breach/recon/bank-a/" + b.id + "/bank-a") == 1);
  CHECK(h.stored.at("absence/recon/bank-a/bank-a").fire_at == at("2026-11-03T10:00:00+03:00"));
}

TEST_CASE("a daily report in the period is met; a missing one is an open breach") {
  harness h(set());
  h.tick("2026-11-02T08:00:00+03:00");
  auto seen = h.event(report("f1", "2026-11-02T09:00:00+03:00"));
  REQUIRE(seen.upserts.size() == 1);
  CHECK(seen.upserts[0].data["seen"] == true);
  auto met = h.tick("2026-11-02T10:00:00+03:00");
  CHECK(kinds(met) == std::vector<std::string>{"recon:met", "recon-bd:breached"});
  CHECK(met.outcomes[0].decided_at == at("2026-11-02T10:00:00+03:00"));
  CHECK(kinds(h.tick("2026-11-02T12:00:00+03:00")) == std::vector<std::string>{"monthly:breached"});

  auto missed = h.tick("2026-11-03T10:00:00+03:00");
  CHECK(kinds(missed) == std::vector<std::string>{"recon:breached", "recon-bd:breached"});
  REQUIRE(missed.breaches.size() == 2);
  const auto& b = missed.breaches[0];
  CHECK(b.id == model::breach_id("recon", "bank-a", "bank-a", "2026-11-03T07:00:00.000Z"));
  CHECK(b.kind == "absence");
  CHECK(b.status == model::breach_status::open);
  CHECK(b.key == "bank-a");
  CHECK(b.due_at == at("2026-11-03T10:00:00+03:00"));
  CHECK(b.occurred_at == at("2026-11-03T10:00:00+03:00"));
  CHECK(b.occurred_offset == 10800);
  CHECK(b.detected_at == at("2026-11-03T10:00:00+03:00"));
  CHECK(b.message == "No report for bank-a in the period ending 2026-11-03 10:00:00 EAT");
  CHECK(b.evidence["expected"] ==
        "an event matching event.type == 'settlement.report_delivered' after "
        "2026-11-02T10:00:00+03:00 and by 2026-11-03T10:00:00+03:00");
  CHECK(b.evidence["observed"] == "no matching event");
}

TEST_CASE("a late report closes the open absence breach and does not count for the next period") {
  harness h(set());
  h.tick("2026-11-02T08:00:00+03:00");
  auto missed = h.tick("2026-11-02T10:00:00+03:00");
  REQUIRE(missed.breaches.size() == 2);
  auto late = h.event(report("f1", "2026-11-02T12:00:00+03:00"));
  REQUIRE(late.breach_updates.size() == 1);
  CHECK(late.breach_updates[0].id == missed.breaches[0].id);
  CHECK(late.breach_updates[0].completed_at == at("2026-11-02T12:00:00+03:00"));
  CHECK(late.breach_updates[0].delay_seconds == Approx(7200.0));
  CHECK(late.outcomes.empty());
  auto next = h.tick("2026-11-03T10:00:00+03:00");  // Monday noon's statement fires first
  CHECK(kinds(next) ==
        std::vector<std::string>{"monthly:breached", "recon:breached", "recon-bd:breached"});
  // the next report is on time for its own period
  h.event(report("f2", "2026-11-03T12:00:00+03:00"));  // closes the 11-03 breach
  h.event(report("f3", "2026-11-03T13:00:00+03:00"));
  CHECK(kinds(h.tick("2026-11-04T10:00:00+03:00"))[0] == "recon:met");
}

TEST_CASE("several missed periods are closed oldest first by late reports") {
  harness h(set());
  h.tick("2026-11-02T08:00:00+03:00");
  auto fx = h.tick("2026-11-06T10:00:00+03:00");  // the clock jumps: five periods fire in order
  std::vector<std::string> recon;
  for (const auto& b : fx.breaches) {
    if (b.rule == "recon") recon.push_back(utc(*b.due_at));
  }
  CHECK(recon == std::vector<std::string>{"2026-11-02T07:00:00.000Z", "2026-11-03T07:00:00.000Z",
                                          "2026-11-04T07:00:00.000Z", "2026-11-05T07:00:00.000Z",
                                          "2026-11-06T07:00:00.000Z"});
  CHECK(fx.breaches[0].detected_at == at("2026-11-06T10:00:00+03:00"));
  auto late = h.event(report("f1", "2026-11-06T11:00:00+03:00"));
  REQUIRE(late.breach_updates.size() == 1);
  CHECK(late.breach_updates[0].id ==
        model::breach_id("recon", "bank-a", "bank-a", "2026-11-02T07:00:00.000Z"));
}

TEST_CASE("business_day periods skip a holiday on the due day") {
  harness h(set());
  h.tick("2026-12-23T12:00:00+03:00");   // Wednesday; Friday 25 and Saturday 26 are holidays
  CHECK(h.stored.at("absence/recon-bd/bank-b/bank-b").fire_at == at("2026-12-24T10:00:00+03:00"));
  h.event(report("f0", "2026-12-24T09:00:00+03:00", "bank-b"));
  CHECK(count(h.tick("2026-12-24T10:00:00+03:00"), "recon-bd:met") == 1);
  // Thursday's period is followed by Monday's: Friday is a holiday, then the weekend
  CHECK(h.stored.at("absence/recon-bd/bank-b/bank-b").fire_at == at("2026-12-28T10:00:00+03:00"));
  h.event(report("f1", "2026-12-24T11:00:00+03:00", "bank-b"));  // Thursday, inside the period
  auto fx = h.tick("2026-12-28T10:00:00+03:00");
  CHECK(count(fx, "recon-bd:met") == 1);
  CHECK(h.stored.at("absence/recon-bd/bank-b/bank-b").fire_at == at("2026-12-29T10:00:00+03:00"));
}

TEST_CASE("the monthly first business day moves past a New Year holiday") {
  harness h(set());
  h.tick("2026-12-01T00:00:00+03:00");
  // The period in progress ends Tuesday 1 December 12:00; the next due is January's first
  // business day: 1 January is a holiday, 2-3 a weekend, so Monday 4 January.
  CHECK(h.stored.at("absence/monthly/bank-a/bank-a").fire_at == at("2026-12-01T12:00:00+03:00"));
  h.event(report("s0", "2026-11-30T09:00:00+03:00", "bank-a", "statement.delivered"));
  CHECK(count(h.tick("2026-12-01T12:00:00+03:00"), "monthly:met") == 1);
  CHECK(h.stored.at("absence/monthly/bank-a/bank-a").fire_at == at("2027-01-04T12:00:00+03:00"));
  h.event(report("s1", "2026-12-31T09:00:00+03:00", "bank-a", "statement.delivered"));
  auto fx = h.tick("2027-01-04T12:00:00+03:00");
  CHECK(count(fx, "monthly:met") == 1);
  CHECK(h.stored.at("absence/monthly/bank-a/bank-a").fire_at == at("2027-02-01T12:00:00+03:00"));
}

TEST_CASE("a report dated after the current due counts for the next period") {
  harness h(set());
  h.tick("2026-11-02T08:00:00+03:00");
  h.event(report("f1", "2026-11-02T09:00:00+03:00"));
  // dated after Monday 10:00 but processed before Monday's timer fired
  auto ahead = h.event(report("f2", "2026-11-02T10:00:01+03:00", "bank-a"));
  CHECK(ahead.upserts.at(0).data["ahead"] == at("2026-11-02T10:00:01+03:00").time_since_epoch().count());
  CHECK(kinds(h.tick("2026-11-02T10:00:05+03:00"))[0] == "recon:met");
  CHECK(kinds(h.tick("2026-11-03T10:00:00+03:00")) ==
        std::vector<std::string>{"monthly:breached", "recon:met", "recon-bd:breached"});
}

TEST_CASE("with a custom key the expected keys are those seen so far") {
  harness h(set());
  auto first = h.event(make_event("h1", "ngo-c", "branch.heartbeat", "2026-11-02T09:00:00Z",
                                  {{"branch", "nairobi-1"}}));
  CHECK(ids(first.upserts).back() == "absence/branch-heartbeat/ngo-c/nairobi-1");
  CHECK(first.upserts.back().data["seen"] == true);  // the period in progress counts
  auto day1 = h.tick("2026-11-03T00:00:00Z");
  CHECK(count(day1, "branch-heartbeat:met") == 1);
  auto day2 = h.tick("2026-11-04T00:00:00Z");
  CHECK(count(day2, "branch-heartbeat:breached") == 1);
  auto bad = h.event(make_event("h2", "ngo-c", "branch.heartbeat", "2026-11-04T09:00:00Z",
                                {{"branch", 7}}));
  CHECK(bad.evaluation_errors == std::map<std::string, std::uint64_t>{{"branch-heartbeat", 1}});
}

TEST_CASE("key: event.partner written out expects every selected partner") {
  harness h(load(R"(partners:
  - { id: bank-a, name: Bank A, class: bank, timezone: Africa/Nairobi }
  - { id: bank-b, name: Bank B, class: bank, timezone: Africa/Nairobi }
rules:
  - id: recon-keyed
    kind: absence
    category: timeliness
    severity: major
    description: A reconciliation file from every bank every day by 10:00.
    partners: { classes: [bank] }
    expect: event.type == 'settlement.report_delivered'
    key: event.partner
    schedule: { every: day, due: "10:00" }
    calendar: partner
)"));
  auto seed = h.tick("2026-11-02T08:00:00+03:00");
  CHECK(ids(seed.upserts) == std::vector<std::string>{"absence/recon-keyed/bank-a/bank-a",
                                                      "absence/recon-keyed/bank-b/bank-b"});
  h.event(report("f1", "2026-11-02T09:00:00+03:00"));  // bank-a reports; bank-b never sends
  auto fx = h.tick("2026-11-02T10:00:00+03:00");
  CHECK(kinds(fx) == std::vector<std::string>{"recon-keyed:met", "recon-keyed:breached"});
  REQUIRE(fx.breaches.size() == 1);
  CHECK(fx.breaches[0].partner == "bank-b");
  CHECK(fx.breaches[0].id ==
        model::breach_id("recon-keyed", "bank-b", "bank-b", "2026-11-02T07:00:00.000Z"));
}
