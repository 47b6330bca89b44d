// The deadline kind on a manual clock: every path an obligation can take, exact values.
#include "engine_support.hpp"

using namespace engine_test;

namespace {

const char* rules_text = R"(calendars:
  ke-banking: { timezone: Africa/Nairobi, holidays: [2026-12-25, 2026-12-26] }
partners:
  - { id: bank-a, name: Bank A, class: bank, timezone: Africa/Nairobi, calendar: ke-banking }
  - { id: bank-b, name: Bank B, class: bank, timezone: America/New_York }
  - { id: ngo-c, name: NGO C, class: ngo }
rules:
  - id: remit
    kind: deadline
    category: timeliness
    severity: major
    description: Collected contributions are remitted within 1 business day.
    partners: { classes: [bank] }
    labels: { team: finance }
    start: { when: "event.type == 'contribution.collected'", key: event.attributes.receipt_no }
    stop: { when: "event.type == 'contribution.remitted'", key: event.attributes.receipt_nos }
    cancel: { when: "event.type == 'contribution.reversed'", key: event.attributes.receipt_no }
    within: 1 business_days
    warn_at: [50%, 75%]
    exceptions:
      - { name: pilot, when: "has(event.attributes.pilot) && event.attributes.pilot", expires: 2027-01-31 }
  - id: ack
    kind: deadline
    category: timeliness
    severity: minor
    description: Tickets are acknowledged within 36 hours.
    partners: { ids: [ngo-c] }
    start: { when: "event.type == 'ticket.opened'", key: event.attributes.ticket }
    stop: { when: "event.type == 'ticket.acked'", key: event.attributes.ticket,
            at: event.attributes.acked_at }
    within: 36h
    allowed_lateness: 2h
)";

std::shared_ptr<const rules::rule_set> set() {
  static auto s = load(rules_text);
  return s;
}

model::event collected(const std::string& id, const std::string& receipt, const std::string& when,
                       const std::string& partner = "bank-a", nlohmann::json extra = {}) {
  nlohmann::json attrs = {{"receipt_no", receipt}};
  if (extra.is_object()) attrs.update(extra);
  return make_event(id, partner, "contribution.collected", when, attrs);
}

model::event remitted(const std::string& id, nlohmann::json receipts, const std::string& when,
                      const std::string& received = "") {
  return make_event(id, "bank-a", "contribution.remitted", when, {{"receipt_nos", receipts}},
                    received);
}

model::event ticket(const std::string& id, const std::string& type, const std::string& t,
                    const std::string& occurred, const std::string& received = "",
                    const std::string& acked_at = "") {
  nlohmann::json attrs = {{"ticket", t}};
  if (!acked_at.empty()) attrs["acked_at"] = acked_at;
  return make_event(id, "ngo-c", type, occurred, attrs, received);
}

const std::string fri = "2026-11-06T15:00:00+03:00";
const std::string due_mon = "2026-11-09T23:59:59.999+03:00";

}  // namespace

TEST_CASE("a Friday 15:00 start is due Monday 23:59:59.999 EAT and a Monday stop meets it") {
  harness h(set());
  auto fx = h.event(collected("c1", "R1", fri));
  REQUIRE(fx.upserts.size() == 1);
  const auto& e = fx.upserts[0];
  CHECK(e.id == "obligation/remit/bank-a/R1");
  CHECK(e.kind == "obligation");
  CHECK(e.data["due"].get<std::int64_t>() == at(due_mon).time_since_epoch().count());
  CHECK(e.data["start_event"] == "c1");
  CHECK(e.data["warned"] == 0);
  // 50% of the business time: 9 h left on Friday + 24 h on Monday = 33 h; half is 16.5 h.
  CHECK(utc(*e.fire_at) == "2026-11-09T04:30:00.000Z");
  CHECK(h.eng.next_due() == e.fire_at);

  auto stop = h.event(remitted("r1", {"R1"}, "2026-11-09T10:00:00+03:00"));
  REQUIRE(stop.outcomes.size() == 1);
  CHECK(stop.outcomes[0].kind == model::outcome_kind::met);
  CHECK(stop.outcomes[0].decided_at == at("2026-11-09T10:00:00+03:00"));
  CHECK(stop.breaches.empty());
  CHECK(stop.erased == std::vector<std::string>{"obligation/remit/bank-a/R1"});
  CHECK(h.stored.empty());
  CHECK_FALSE(h.eng.next_due().has_value());
}

TEST_CASE("the timer breaches an unmet obligation open; a later stop closes it without met") {
  harness h(set());
  h.event(collected("c1", "R1", fri));
  auto before = h.tick("2026-11-09T23:59:59.998+03:00");
  CHECK(before.breaches.empty());
  CHECK(before.warnings.size() == 2);

  auto fx = h.tick(due_mon);
  REQUIRE(fx.breaches.size() == 1);
  const auto& b = fx.breaches[0];
  CHECK(b.id == model::breach_id("remit", "bank-a", "R1", "2026-11-06T12:00:00.000Z"));
  CHECK(b.kind == "deadline");
  CHECK(b.status == model::breach_status::open);
  CHECK(b.key == "R1");
  CHECK(b.occurred_at == at(due_mon));
  CHECK(b.occurred_offset == 10800);
  CHECK(b.due_at == at(due_mon));
  CHECK(b.detected_at == at(due_mon));
  CHECK_FALSE(b.completed_at.has_value());
  CHECK(b.labels == std::map<std::string, std::string>{{"team", "finance"}});
  CHECK(b.message ==
        "Obligation R1 (contribution.collected 2026-11-06 15:00 EAT) not met within 1 "
        "business_days (due 2026-11-09 23:59:59 EAT)");
  CHECK(b.evidence == nlohmann::json{{"events", {"c1"}},
                                     {"expected", "stop within 1 business_days"},
                                     {"observed", "no stop by due"}});
  CHECK(b.to_json()["occurred_at"] == "2026-11-09T23:59:59.999+03:00");
  REQUIRE(fx.outcomes.size() == 1);
  CHECK(fx.outcomes[0].kind == model::outcome_kind::breached);
  CHECK(fx.outcomes[0].decided_at == at(due_mon));
  CHECK(ids(h.entries()) ==
        std::vector<std::string>{"open_breach/remit/bank-a/" + b.id + "/R1"});

  auto late = h.event(remitted("r1", {"R1"}, "2026-11-11T09:00:00+03:00"));
  CHECK(late.outcomes.empty());
  CHECK(late.breaches.empty());
  REQUIRE(late.breach_updates.size() == 1);
  CHECK(late.breach_updates[0].id == b.id);
  CHECK(late.breach_updates[0].status == model::breach_status::closed);
  CHECK(late.breach_updates[0].completed_at == at("2026-11-11T09:00:00+03:00"));
  CHECK(late.breach_updates[0].delay_seconds == Approx(118800.001));
  CHECK(h.stored.empty());
}

TEST_CASE("a stop dated after due that arrives before the timer fired is a closed breach") {
  harness h(set());
  h.event(ticket("t1", "ticket.opened", "T1", "2026-11-02T08:00:00Z"));
  // due 2026-11-03T20:00Z; the timer fires at 22:00Z (allowed_lateness 2h)
  auto none = h.tick("2026-11-03T21:59:59Z");
  CHECK(none.breaches.empty());
  auto fx = h.event(ticket("a1", "ticket.acked", "T1", "2026-11-03T20:31:00Z", "",
                           "2026-11-03T20:30:00Z"));
  REQUIRE(fx.breaches.size() == 1);
  const auto& b = fx.breaches[0];
  CHECK(b.status == model::breach_status::closed);
  CHECK(b.completed_at == at("2026-11-03T20:30:00Z"));
  CHECK(b.delay_seconds == Approx(1800.0));
  CHECK(b.detected_at == at("2026-11-03T20:31:00Z"));
  CHECK(b.due_at == at("2026-11-03T20:00:00Z"));
  CHECK(b.occurred_offset == 0);
  CHECK(b.evidence["events"] == nlohmann::json{"t1", "a1"});
  CHECK(b.evidence["observed"] == "stop at 2026-11-03T20:30:00Z");
  REQUIRE(fx.outcomes.size() == 1);
  CHECK(fx.outcomes[0].kind == model::outcome_kind::breached);
  CHECK(fx.outcomes[0].decided_at == at("2026-11-03T20:00:00Z"));
  CHECK(h.tick("2026-11-04T00:00:00Z").breaches.empty());
}

TEST_CASE("allowed_lateness delays the timer, not the due time") {
  harness h(set());
  h.event(ticket("t1", "ticket.opened", "T1", "2026-11-02T08:00:00Z"));
  CHECK(h.eng.next_due() == at("2026-11-03T22:00:00Z"));
  CHECK(h.tick("2026-11-03T21:00:00Z").breaches.empty());
  auto fx = h.tick("2026-11-03T22:00:00Z");
  REQUIRE(fx.breaches.size() == 1);
  CHECK(fx.breaches[0].detected_at == at("2026-11-03T22:00:00Z"));
  CHECK(fx.breaches[0].due_at == at("2026-11-03T20:00:00Z"));
  CHECK(fx.breaches[0].message ==
        "Obligation T1 (ticket.opened 2026-11-02 08:00 UTC) not met within 1d12h (due "
        "2026-11-03 20:00:00 UTC)");
}

TEST_CASE("a stop before its start waits allowed_lateness for it") {
  SECTION("the start arrives in time: met at once, nothing left") {
    harness h(set());
    auto early = h.event(ticket("a1", "ticket.acked", "T1", "2026-11-02T09:00:00Z", "",
                                "2026-11-02T09:00:00Z"));
    REQUIRE(early.upserts.size() == 1);
    CHECK(early.upserts[0].id == "early_stop/ack/ngo-c/T1");
    CHECK(early.upserts[0].fire_at == at("2026-11-02T11:00:00Z"));
    auto fx = h.event(ticket("t1", "ticket.opened", "T1", "2026-11-02T08:00:00Z",
                             "2026-11-02T10:00:00Z"));
    REQUIRE(fx.outcomes.size() == 1);
    CHECK(fx.outcomes[0].kind == model::outcome_kind::met);
    CHECK(fx.outcomes[0].decided_at == at("2026-11-02T09:00:00Z"));
    CHECK(fx.erased == std::vector<std::string>{"early_stop/ack/ngo-c/T1"});
    CHECK(h.stored.empty());
  }
  SECTION("it expires: dropped, and a later start opens a normal obligation") {
    harness h(set());
    h.event(ticket("a1", "ticket.acked", "T1", "2026-11-02T09:00:00Z", "", "2026-11-02T09:00:00Z"));
    auto expiry = h.tick("2026-11-02T11:00:00Z");
    CHECK(expiry.erased == std::vector<std::string>{"early_stop/ack/ngo-c/T1"});
    CHECK(expiry.outcomes.empty());
    auto fx = h.event(ticket("t1", "ticket.opened", "T1", "2026-11-02T08:00:00Z",
                             "2026-11-02T12:00:00Z"));
    CHECK(fx.outcomes.empty());
    CHECK(ids(fx.upserts) == std::vector<std::string>{"obligation/ack/ngo-c/T1"});
  }
  SECTION("without allowed_lateness an early stop is not kept") {
    harness h(set());
    auto fx = h.event(remitted("r1", {"R9"}, fri));
    CHECK(fx.upserts.empty());
    CHECK(h.event(collected("c9", "R9", fri)).upserts.size() == 1);
  }
}

TEST_CASE("cancel drops the obligation without an outcome") {
  harness h(set());
  h.event(collected("c1", "R1", fri));
  auto fx = h.event(make_event("x1", "bank-a", "contribution.reversed",
                               "2026-11-06T16:00:00+03:00", {{"receipt_no", "R1"}}));
  CHECK(fx.outcomes.empty());
  CHECK(fx.erased == std::vector<std::string>{"obligation/remit/bank-a/R1"});
  auto later = h.tick("2026-11-20T00:00:00Z");
  CHECK(later.breaches.empty());
  CHECK(later.outcomes.empty());
}

TEST_CASE("one stop with a list of keys settles every obligation it names") {
  harness h(set());
  for (const char* r : {"R1", "R2", "R3"}) h.event(collected(std::string("c") + r, r, fri));
  h.event(collected("c4", "R4", fri));
  auto fx = h.event(remitted("r1", {"R1", "R2", "R3"}, "2026-11-09T10:00:00+03:00"));
  CHECK(fx.outcomes.size() == 3);
  CHECK(fx.erased == std::vector<std::string>{"obligation/remit/bank-a/R1",
                                              "obligation/remit/bank-a/R2",
                                              "obligation/remit/bank-a/R3"});
  CHECK(ids(h.entries()) == std::vector<std::string>{"obligation/remit/bank-a/R4"});
}

TEST_CASE("a key listed twice in one stop settles once and leaves no early stop") {
  harness h(set());
  h.event(ticket("t1", "ticket.opened", "T1", "2026-11-02T08:00:00Z"));
  auto fx = h.event(make_event("a1", "ngo-c", "ticket.acked", "2026-11-02T09:00:00Z",
                               {{"ticket", {"T1", "T1"}}, {"acked_at", "2026-11-02T09:00:00Z"}}));
  CHECK(fx.outcomes.size() == 1);
  CHECK(fx.upserts.empty());
  CHECK(h.stored.empty());
}

TEST_CASE("each warn_at threshold fires exactly once, then the breach") {
  harness h(set());
  h.event(collected("c1", "R1", fri));
  auto w50 = h.tick("2026-11-09T07:30:00+03:00");
  REQUIRE(w50.warnings.size() == 1);
  CHECK(w50.warnings[0].threshold == "50%");
  CHECK(w50.warnings[0].key == "R1");
  CHECK(w50.warnings[0].at == at("2026-11-09T07:30:00+03:00"));
  CHECK(h.tick("2026-11-09T07:30:00+03:00").warnings.empty());
  auto w75 = h.tick("2026-11-09T15:45:00+03:00");
  REQUIRE(w75.warnings.size() == 1);
  CHECK(w75.warnings[0].threshold == "75%");
  CHECK(w75.warnings[0].at == at("2026-11-09T15:45:00+03:00"));
  auto end = h.tick("2026-11-10T00:00:00+03:00");
  CHECK(end.warnings.empty());
  CHECK(end.breaches.size() == 1);
}

TEST_CASE("warnings already overtaken by the breach are skipped") {
  harness h(set());
  h.event(collected("c1", "R1", fri));
  auto fx = h.tick("2026-11-12T00:00:00Z");
  CHECK(fx.warnings.empty());
  CHECK(fx.breaches.size() == 1);
  CHECK(fx.breaches[0].detected_at == at("2026-11-12T00:00:00Z"));
}

TEST_CASE("a start matching an unexpired exception opens nothing") {
  harness h(set());
  CHECK(h.event(collected("c1", "R1", fri, "bank-a", {{"pilot", true}})).upserts.empty());
  // received after the exception expired (end of 2027-01-31): opened as usual
  auto ev = collected("c2", "R2", "2027-02-01T09:00:00+03:00", "bank-a", {{"pilot", true}});
  CHECK(h.event(ev).upserts.size() == 1);
}

TEST_CASE("a key that is not a string or list of strings is a counted evaluation error") {
  harness h(set());
  struct bad {
    const char* name;
    nlohmann::json attrs;
  };
  for (const auto& c : std::vector<bad>{{"number", {{"receipt_no", 42}}},
                                        {"null", {{"receipt_no", nullptr}}},
                                        {"missing", nlohmann::json::object()},
                                        {"list with a number", {{"receipt_no", {"R1", 2}}}}}) {
    INFO(c.name);
    auto fx = h.event(make_event("c1", "bank-a", "contribution.collected", fri, c.attrs));
    CHECK(fx.upserts.empty());
    CHECK(fx.evaluation_errors == std::map<std::string, std::uint64_t>{{"remit", 1}});
  }
}

TEST_CASE("a second start for an open key is ignored") {
  harness h(set());
  h.event(collected("c1", "R1", fri));
  auto fx = h.event(collected("c2", "R1", "2026-11-09T09:00:00+03:00"));
  CHECK(fx.upserts.empty());
  CHECK(h.stored.at("obligation/remit/bank-a/R1").data["start_event"] == "c1");
}

TEST_CASE("business days across a DST change end at local midnight of the due day") {
  harness h(set());
  // bank-b has no calendar: its default is mon-fri in America/New_York; DST ends 2026-11-01.
  auto fx = h.event(collected("c1", "R1", "2026-10-30T15:00:00-04:00", "bank-b"));
  REQUIRE(fx.upserts.size() == 1);
  CHECK(fx.upserts[0].data["due"].get<std::int64_t>() ==
        at("2026-11-02T23:59:59.999-05:00").time_since_epoch().count());
  auto b = h.tick("2026-11-03T05:00:00Z").breaches;
  REQUIRE(b.size() == 1);
  CHECK(b[0].occurred_offset == -5 * 3600);
  CHECK(b[0].to_json()["due_at"] == "2026-11-02T23:59:59.999-05:00");
}

TEST_CASE("same inputs give identical effects") {
  auto run = [] {
    harness h(set());
    nlohmann::json all = nlohmann::json::array();
    all.push_back(dump(h.event(collected("c1", "R1", fri))));
    all.push_back(dump(h.event(collected("c2", "R2", fri))));
    all.push_back(dump(h.event(ticket("t1", "ticket.opened", "T1", "2026-11-06T12:00:00Z"))));
    all.push_back(dump(h.tick("2026-11-09T12:00:00+03:00")));
    all.push_back(dump(h.event(remitted("r1", {"R2"}, "2026-11-09T13:00:00+03:00"))));
    all.push_back(dump(h.tick("2026-11-12T00:00:00Z")));
    all.push_back(dump(h.event(remitted("r2", {"R1"}, "2026-11-12T09:00:00+03:00"))));
    return all;
  };
  auto first = run();
  CHECK(first == run());
  CHECK(first.dump().find("breaches") != std::string::npos);
}
