// The objective kind on a manual clock: windows in the partner's time zone, closing below
// target, min_outcomes, waived outcomes, rolling windows and durable counters.
#include "engine_support.hpp"

using namespace engine_test;

namespace {

const char* rules_text = R"(partners:
  - { id: bank-a, name: Bank A, class: bank, timezone: Africa/Nairobi }
  - { id: ngo-b, name: NGO B, class: ngo, timezone: UTC }
rules:
  - id: tls
    kind: condition
    category: security
    severity: major
    description: d
    when: event.type == 'tx'
    require: event.attributes.ok
  - id: tls-monthly
    kind: objective
    category: security
    severity: critical
    description: 75% of transmissions secure each month.
    partners: { classes: [bank] }
    of: [tls]
    target: 75%
    window: month
    min_outcomes: 2
  - id: tls-daily
    kind: objective
    category: security
    severity: minor
    description: Half of the transmissions secure each day.
    partners: { classes: [bank] }
    of: [tls]
    target: 50%
    window: day
  - id: tls-weekly
    kind: objective
    category: security
    severity: minor
    description: Weekly.
    partners: { classes: [bank] }
    of: [tls]
    target: 0.5
    window: week
  - id: tls-2d
    kind: objective
    category: security
    severity: minor
    description: 60% over two days.
    partners: { ids: [ngo-b] }
    of: [tls]
    target: 60%
    window: 2d
  - id: daily-of-daily
    kind: objective
    category: security
    severity: info
    description: The daily objective is met on most days.
    partners: { classes: [bank] }
    of: [tls-daily]
    target: 90%
    window: month
)";

std::shared_ptr<const rules::rule_set> set() {
  static auto s = load(rules_text);
  return s;
}

model::event tx(const std::string& id, const std::string& when, bool ok,
                const std::string& partner = "bank-a") {
  return make_event(id, partner, "tx", when, {{"ok", ok}});
}

const engine::objective_status* last_status(const engine::effects& fx, const std::string& rule) {
  const engine::objective_status* s = nullptr;
  for (const auto& x : fx.objectives) {
    if (x.rule == rule) s = &x;
  }
  return s;
}

std::vector<std::string> outcomes_of(const engine::effects& fx, const std::string& rule) {
  std::vector<std::string> out;
  for (const auto& o : fx.outcomes) {
    if (o.rule == rule) out.push_back(std::string(model::to_string(o.kind)) + "@" + utc(o.decided_at));
  }
  return out;
}

}  // namespace

TEST_CASE("an outcome belongs to the window of its decision time in the partner's zone") {
  struct window_case {
    const char* decided;
    const char* rule;
    const char* start;
    const char* end;
  };
  std::vector<window_case> cases = {
      // 22:30Z on 30 November is 01:30 on 1 December in Nairobi
      {"2026-11-30T22:30:00Z", "tls-monthly", "2026-11-30T21:00:00.000Z", "2026-12-31T21:00:00.000Z"},
      {"2026-11-30T20:59:59Z", "tls-monthly", "2026-10-31T21:00:00.000Z", "2026-11-30T21:00:00.000Z"},
      {"2028-02-29T12:00:00+03:00", "tls-daily", "2028-02-28T21:00:00.000Z", "2028-02-29T21:00:00.000Z"},
      {"2028-02-29T12:00:00+03:00", "tls-monthly", "2028-01-31T21:00:00.000Z", "2028-02-29T21:00:00.000Z"},
      // Tuesday 29 February 2028: the ISO week from Monday 28 February
      {"2028-02-29T12:00:00+03:00", "tls-weekly", "2028-02-27T21:00:00.000Z", "2028-03-05T21:00:00.000Z"},
      {"2026-12-31T23:00:00Z", "tls-weekly", "2026-12-27T21:00:00.000Z", "2027-01-03T21:00:00.000Z"},
  };
  for (const auto& c : cases) {
    INFO(c.decided << " " << c.rule);
    harness h(set());
    auto fx = h.event(tx("t1", c.decided, true));
    const auto* s = last_status(fx, c.rule);
    REQUIRE(s);
    CHECK(s->partner == "bank-a");
    CHECK(utc(s->window_start) == c.start);
    CHECK(utc(s->window_end) == c.end);
    CHECK(s->decided == 1);
    CHECK(s->ratio == 1.0);
    CHECK(s->target == Approx(std::string(c.rule) == "tls-monthly" ? 0.75 : 0.5));
  }
}

TEST_CASE("window labels: months, ISO weeks and days") {
  harness h(set());
  auto fx = h.event(tx("t1", "2027-01-01T10:00:00+03:00", true));
  std::vector<std::string> ids;
  for (const auto& e : fx.upserts) ids.push_back(e.id);
  CHECK(ids == std::vector<std::string>{"objective/tls-monthly/bank-a/2027-01",
                                        "objective/tls-daily/bank-a/2027-01-01",
                                        "objective/tls-weekly/bank-a/2026-W53"});
}

TEST_CASE("a month that closes below target is a closed objective breach") {
  harness h(set());
  h.event(tx("t1", "2026-11-02T10:00:00+03:00", true));
  h.event(tx("t2", "2026-11-10T10:00:00+03:00", false));
  h.event(tx("t3", "2026-11-20T10:00:00+03:00", true));
  auto last = h.event(tx("t4", "2026-11-30T20:59:59Z", false));
  const auto* s = last_status(last, "tls-monthly");
  REQUIRE(s);
  CHECK(s->decided == 4);
  CHECK(s->met == 2);
  CHECK(s->ratio == 0.5);
  CHECK(s->error_budget_remaining == Approx(-1.0));   // 50% breached of a 25% budget
  // December's first outcome arrives before the clock closes November: both windows count.
  h.event(tx("t5", "2026-11-30T22:30:00Z", true));
  CHECK(outcomes_of(h.tick("2026-11-30T20:59:59.999Z"), "tls-monthly").empty());
  auto fx = h.tick("2026-12-01T00:00:00+03:00");
  std::vector<const model::breach*> monthly;
  for (const auto& b : fx.breaches) {
    if (b.rule == "tls-monthly") monthly.push_back(&b);
  }
  REQUIRE(monthly.size() == 1);
  const auto& b = *monthly[0];
  CHECK(b.id == model::breach_id("tls-monthly", "bank-a", "2026-11", ""));
  CHECK(b.kind == "objective");
  CHECK(b.status == model::breach_status::closed);
  CHECK(b.key == "2026-11");
  CHECK(b.occurred_at == at("2026-11-30T23:59:59.999+03:00"));
  CHECK(b.occurred_offset == 10800);
  CHECK(b.message == "Objective tls-monthly for bank-a in 2026-11: 50% (2 of 4) met, target 75%");
  CHECK(b.evidence == nlohmann::json{{"events", nlohmann::json::array()},
                                     {"expected", "≥ 75% met of 4 outcomes"},
                                     {"observed", "50% (2 of 4)"}});
  CHECK(outcomes_of(fx, "tls-monthly") ==
        std::vector<std::string>{"breached@2026-11-30T20:59:59.999Z"});
  CHECK(h.stored.count("objective/tls-monthly/bank-a/2026-12"));
  CHECK(h.stored.at("objective/tls-monthly/bank-a/2026-11").data["closed"] == true);
  // A late outcome for the judged November is not counted.
  auto late = h.event(tx("t6", "2026-11-15T10:00:00+03:00", true));
  CHECK(last_status(late, "tls-monthly") == nullptr);
}

TEST_CASE("a window with fewer than min_outcomes decided is not judged") {
  harness h(set());
  h.event(tx("t1", "2026-11-10T10:00:00+03:00", false));
  auto fx = h.tick("2026-12-01T00:00:00+03:00");
  CHECK(outcomes_of(fx, "tls-monthly").empty());
  for (const auto& b : fx.breaches) CHECK(b.rule != "tls-monthly");
  // The daily objective has no minimum: 0 of 1 is below 50%.
  CHECK(outcomes_of(fx, "tls-daily") == std::vector<std::string>{"breached@2026-11-10T20:59:59.999Z"});
}

TEST_CASE("an objective's own outcomes count for the objectives that list it") {
  harness h(set());
  h.event(tx("t1", "2026-11-10T10:00:00+03:00", false));
  auto fx = h.tick("2026-11-11T00:00:00+03:00");
  const auto* s = last_status(fx, "daily-of-daily");
  REQUIRE(s);
  CHECK(s->decided == 1);
  CHECK(s->met == 0);
  CHECK(utc(s->window_start) == "2026-10-31T21:00:00.000Z");
}

TEST_CASE("a waived outcome leaves the ratio") {
  harness h(set());
  h.event(tx("t1", "2026-11-02T10:00:00+03:00", true));
  h.event(tx("t2", "2026-11-03T10:00:00+03:00", true));
  h.event(tx("t3", "2026-11-04T10:00:00+03:00", true));
  h.event(tx("t4", "2026-11-05T10:00:00+03:00", false));
  h.event(tx("t5", "2026-11-06T10:00:00+03:00", false));
  engine::effects fx;
  h.eng.on_waive("tls", "bank-a", at("2026-11-06T10:00:00+03:00"), fx);
  h.apply(fx);
  const auto* s = last_status(fx, "tls-monthly");
  REQUIRE(s);
  CHECK(s->decided == 4);
  CHECK(s->met == 3);
  CHECK(s->breached == 1);
  CHECK(s->waived == 1);
  CHECK(s->ratio == 0.75);
  CHECK(s->error_budget_remaining == Approx(0.0));
  CHECK(h.stored.at("objective/tls-monthly/bank-a/2026-11").data["waived"] == 1);
  auto close = h.tick("2026-12-01T00:00:00+03:00");
  CHECK(outcomes_of(close, "tls-monthly") == std::vector<std::string>{"met@2026-11-30T20:59:59.999Z"});
  // Waiving again where nothing is breached any more changes nothing.
  engine::effects none;
  h.eng.on_waive("tls", "bank-a", at("2026-11-06T10:00:00+03:00"), none);
  h.eng.on_waive("tls", "bank-a", at("2026-11-06T10:00:00+03:00"), none);
  CHECK(none.objectives.empty());
}

TEST_CASE("a rolling window sums the last N local days and is checked at each day end") {
  harness h(set());
  h.event(tx("n1", "2026-11-02T09:00:00Z", true, "ngo-b"));
  auto d1 = h.event(tx("n2", "2026-11-02T10:00:00Z", false, "ngo-b"));
  const auto* s1 = last_status(d1, "tls-2d");
  REQUIRE(s1);
  CHECK(utc(s1->window_start) == "2026-11-01T00:00:00.000Z");
  CHECK(utc(s1->window_end) == "2026-11-03T00:00:00.000Z");
  auto end1 = h.tick("2026-11-03T00:00:00Z");
  REQUIRE(end1.breaches.size() == 1);
  CHECK(end1.breaches[0].key == "2026-11-01..2026-11-02");
  CHECK(end1.breaches[0].evidence["observed"] == "50% (1 of 2)");
  auto d2 = h.event(tx("n3", "2026-11-03T10:00:00Z", true, "ngo-b"));
  const auto* s2 = last_status(d2, "tls-2d");
  REQUIRE(s2);
  CHECK(s2->decided == 3);
  CHECK(s2->ratio == Approx(2.0 / 3.0));
  auto end2 = h.tick("2026-11-04T00:00:00Z");
  CHECK(end2.breaches.empty());
  CHECK(outcomes_of(end2, "tls-2d") == std::vector<std::string>{"met@2026-11-03T23:59:59.999Z"});
  // Judged days outside every future window are dropped; the newest is kept.
  CHECK(h.stored.count("objective/tls-2d/ngo-b/2026-11-02"));
  h.event(tx("n4", "2026-11-05T10:00:00Z", true, "ngo-b"));
  auto end3 = h.tick("2026-11-06T00:00:00Z");
  CHECK(std::find(end3.erased.begin(), end3.erased.end(), "objective/tls-2d/ngo-b/2026-11-02") !=
        end3.erased.end());
}

TEST_CASE("objective counters survive a restart exactly") {
  harness h(set());
  h.event(tx("t1", "2026-11-02T10:00:00+03:00", true));
  h.event(tx("t2", "2026-11-10T10:00:00+03:00", false));
  h.event(tx("t3", "2026-11-30T10:00:00+03:00", false));
  h.tick("2026-11-11T00:00:00+03:00");
  engine::engine restored(set());
  restored.restore(h.entries());
  CHECK(restored.snapshot() == h.eng.snapshot());
  CHECK(restored.next_due() == h.eng.next_due());
  engine::effects a, b;
  h.eng.on_tick(at("2026-12-01T00:00:00+03:00"), a);
  restored.on_tick(at("2026-12-01T00:00:00+03:00"), b);
  CHECK(dump(a) == dump(b));
  CHECK(outcomes_of(a, "tls-monthly") == std::vector<std::string>{"breached@2026-11-30T20:59:59.999Z"});
}
