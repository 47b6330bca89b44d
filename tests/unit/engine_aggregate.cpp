// The aggregate kind on a manual clock: exact sums, settling in business days, sliding
// windows at their edges, group values and durable state.
#include "engine_support.hpp"

using namespace engine_test;

namespace {

const char* rules_text = R"(calendars:
  ke-banking: { timezone: Africa/Nairobi, holidays: [2026-12-25] }
partners:
  - { id: bank-a, name: Bank A, class: bank, timezone: Africa/Nairobi, calendar: ke-banking }
rules:
  - id: remitted-equals-collected
    kind: aggregate
    category: integrity
    severity: critical
    description: What a partner remits for a day equals what it collected that day.
    group: event.attributes.settlement_date
    measures:
      collected: { sum: event.attributes.amount, when: "event.type == 'contribution.collected'" }
      remitted:  { sum: event.attributes.amount, when: "event.type == 'contribution.remitted'" }
    settle: 2 business_days
    require: abs(collected - remitted) <= 0.01
  - id: bulk
    kind: aggregate
    category: purpose
    severity: major
    description: No operator reads more than 3 records in an hour.
    group: event.attributes.operator_id
    window: 1h
    measures: { reads: { count: true, when: "event.type == 'data.accessed'" } }
    require: reads <= 3
  - id: totals
    kind: aggregate
    category: integrity
    severity: info
    description: Sums, minima and maxima as the requirement sees them.
    group: event.attributes.batch
    measures:
      total: { sum: event.attributes.amount, when: "event.type == 'sum'" }
      low: { min: event.attributes.amount, when: "event.type == 'sum'" }
      high: { max: event.attributes.amount, when: "event.type == 'sum'" }
    settle: 1h
    require: total == 3000.0
)";

std::shared_ptr<const rules::rule_set> set() {
  static auto s = load(rules_text);
  return s;
}

model::event money(const std::string& id, const std::string& type, const std::string& when,
                   nlohmann::json amount, const std::string& day = "2026-11-06",
                   const std::string& received = "") {
  return make_event(id, "bank-a", "contribution." + type, when,
                    {{"settlement_date", day}, {"amount", std::move(amount)}}, received);
}

model::event read(const std::string& id, const std::string& when, nlohmann::json op = "op-7") {
  return make_event(id, "bank-a", "data.accessed", when, {{"operator_id", std::move(op)}});
}

model::event summand(const std::string& id, nlohmann::json amount, const std::string& batch = "b1") {
  return make_event(id, "bank-a", "sum", "2026-11-02T09:00:00Z",
                    {{"batch", batch}, {"amount", std::move(amount)}});
}

std::vector<std::string> kinds(const engine::effects& fx, const std::string& rule) {
  std::vector<std::string> out;
  for (const auto& o : fx.outcomes) {
    if (o.rule == rule) out.emplace_back(model::to_string(o.kind));
  }
  return out;
}

const std::string fri = "2026-11-06T15:00:00+03:00";
const std::string due_tue = "2026-11-10T23:59:59.999+03:00";

}  // namespace

TEST_CASE("0.1 + 0.2 summed 10 000 times is exactly 3000.0") {
  harness h(set());
  for (int i = 0; i < 10000; ++i) {
    h.event(summand("a" + std::to_string(i), 0.1));
    h.event(summand("b" + std::to_string(i), 0.2));
  }
  auto fx = h.tick("2026-11-02T10:00:00Z");
  CHECK(kinds(fx, "totals") == std::vector<std::string>{"met"});
  CHECK(fx.breaches.empty());
  CHECK(fx.evaluation_errors.empty());
}

TEST_CASE("sums of ints stay exact ints; minima and maxima keep their type") {
  harness h(set());
  h.event(summand("a", 1250));
  h.event(summand("b", 1250.50));
  h.event(summand("c", -2.5));
  auto fx = h.tick("2026-11-02T10:00:00Z");
  REQUIRE(fx.breaches.size() == 1);
  CHECK(fx.breaches[0].evidence["observed"] == "total = 2498.0, low = -2.5, high = 1250.5");

  harness ints(set());
  ints.event(summand("a", 9007199254740993LL));
  ints.event(summand("b", 1));
  auto fx2 = ints.tick("2026-11-02T10:00:00Z");
  REQUIRE(fx2.breaches.size() == 1);
  CHECK(fx2.breaches[0].evidence["observed"] ==
        "total = 9007199254740994, low = 1, high = 9007199254740993");
}

TEST_CASE("a group settles 2 business days after its first event, over a weekend") {
  harness h(set());
  auto first = h.event(money("c1", "collected", fri, 1250.50));
  REQUIRE(first.upserts.size() == 1);
  const auto& e = first.upserts[0];
  CHECK(e.id == "aggregate/remitted-equals-collected/bank-a/2026-11-06");
  CHECK(e.kind == "aggregate");
  CHECK(utc(*e.fire_at) == "2026-11-10T20:59:59.999Z");
  h.event(money("c2", "collected", "2026-11-06T16:00:00+03:00", 1250.50));
  h.event(money("c3", "collected", "2026-11-06T17:00:00+03:00", 1250.50));
  h.event(money("r1", "remitted", "2026-11-09T09:00:00+03:00", 3751.5));
  CHECK(h.tick("2026-11-10T23:59:59.998+03:00").outcomes.empty());
  auto fx = h.tick(due_tue);
  REQUIRE(fx.outcomes.size() == 1);
  CHECK(fx.outcomes[0].kind == model::outcome_kind::met);
  CHECK(fx.outcomes[0].decided_at == at(due_tue));
  CHECK(fx.erased == std::vector<std::string>{e.id});
  CHECK(h.stored.empty());
}

TEST_CASE("a settled group that fails its requirement is a closed breach with its evidence") {
  harness h(set());
  h.event(money("c1", "collected", fri, 1250.50));
  h.event(money("c2", "collected", "2026-11-06T16:00:00+03:00", 1250.50));
  h.event(money("r1", "remitted", "2026-11-09T09:00:00+03:00", 2500.0));
  h.event(money("r2", "remitted", "2026-11-09T09:00:00+03:00", 0.02));
  auto fx = h.tick("2026-11-11T08:00:00+03:00");
  REQUIRE(fx.breaches.size() == 1);
  const auto& b = fx.breaches[0];
  CHECK(b.id == model::breach_id("remitted-equals-collected", "bank-a", "2026-11-06",
                                 "2026-11-06T12:00:00.000Z/c1"));
  CHECK(b.kind == "aggregate");
  CHECK(b.status == model::breach_status::closed);
  CHECK(b.key == "2026-11-06");
  CHECK(b.occurred_at == at(due_tue));
  CHECK(b.occurred_offset == 10800);
  CHECK(b.due_at == at(due_tue));
  CHECK(b.detected_at == at("2026-11-11T08:00:00+03:00"));
  CHECK(b.message ==
        "Group 2026-11-06 (4 events, settled 2026-11-10 23:59:59 EAT) did not satisfy: "
        "abs(collected - remitted) <= 0.01");
  CHECK(b.evidence == nlohmann::json{{"events", {"c1", "c2", "r1", "r2"}},
                                     {"event_count", 4},
                                     {"expected", "abs(collected - remitted) <= 0.01"},
                                     {"observed", "collected = 2501.0, remitted = 2500.02"}});
  CHECK(kinds(fx, "remitted-equals-collected") == std::vector<std::string>{"breached"});
}

TEST_CASE("an event for a group that already settled starts a new group") {
  harness h(set());
  h.event(money("c1", "collected", fri, 10));
  h.event(money("r1", "remitted", fri, 10));
  h.tick("2026-11-11T00:00:00+03:00");
  auto late = h.event(money("r2", "remitted", "2026-11-06T18:00:00+03:00", 5, "2026-11-06",
                            "2026-11-11T09:00:00+03:00"));
  REQUIRE(late.upserts.size() == 1);
  CHECK(late.upserts[0].data["first_event"] == "r2");
  // Settled from the late event's own occurred_at: the timer is already due.
  CHECK(utc(*late.upserts[0].fire_at) == "2026-11-10T20:59:59.999Z");
  auto fx = h.tick("2026-11-11T09:00:00+03:00");
  REQUIRE(fx.breaches.size() == 1);
  CHECK(fx.breaches[0].id == model::breach_id("remitted-equals-collected", "bank-a", "2026-11-06",
                                              "2026-11-06T15:00:00.000Z/r2"));
  CHECK(fx.breaches[0].evidence["observed"] == "collected = 0, remitted = 5");
}

TEST_CASE("an event whose group value is not a string or int is a counted error") {
  harness h(set());
  auto fx = h.event(read("x1", "2026-11-02T10:00:00+03:00", nlohmann::json::array({"a"})));
  CHECK(fx.evaluation_errors == std::map<std::string, std::uint64_t>{{"bulk", 1}});
  CHECK(fx.upserts.empty());
  auto num = h.event(read("x2", "2026-11-02T10:00:00+03:00", 42));
  REQUIRE(num.upserts.size() == 1);
  CHECK(num.upserts[0].id == "aggregate/bulk/bank-a/42");
  auto missing = h.event(money("c1", "collected", fri, "12.5"));
  CHECK(missing.evaluation_errors ==
        std::map<std::string, std::uint64_t>{{"remitted-equals-collected", 1}});
}

TEST_CASE("a sliding window holds the last hour up to and including t: one breach and at most one met per window") {
  harness h(set());
  struct step {
    const char* id;
    const char* at;
    std::vector<std::string> outcomes;
  };
  // reads <= 3 within any hour
  std::vector<step> steps = {
      {"e1", "2026-11-02T10:00:00+03:00", {"met"}},
      {"e2", "2026-11-02T10:20:00+03:00", {}},
      {"e3", "2026-11-02T10:40:00+03:00", {}},
      {"e4", "2026-11-02T11:00:00+03:00", {"met"}},        // e1 is exactly 1h before: out
      {"e5", "2026-11-02T11:00:00+03:00", {"breached"}},   // e2..e5: 4 reads
      {"e6", "2026-11-02T11:30:00+03:00", {}},             // still 4, but one breach per window
      {"e7", "2026-11-02T12:00:00+03:00", {"met"}},        // (11:00, 12:00]: e6, e7
      {"e8", "2026-11-02T12:10:00+03:00", {}},
      {"e9", "2026-11-02T12:20:00+03:00", {"breached"}},   // e6..e9, after the quiet hour
  };
  for (const auto& s : steps) {
    INFO(s.id);
    auto fx = h.event(read(s.id, s.at));
    CHECK(kinds(fx, "bulk") == s.outcomes);
    if (std::string(s.id) == "e5") {
      REQUIRE(fx.breaches.size() == 1);
      const auto& b = fx.breaches[0];
      CHECK(b.id == model::breach_id("bulk", "bank-a", "op-7", "2026-11-02T08:00:00.000Z"));
      CHECK(b.key == "op-7");
      CHECK(b.status == model::breach_status::closed);
      CHECK(b.occurred_at == at(s.at));
      CHECK(b.evidence["events"] == nlohmann::json{"e2", "e3", "e4", "e5"});
      CHECK(b.evidence["observed"] == "reads = 4");
      CHECK(b.message ==
            "Group op-7 (4 events, window up to 2026-11-02 11:00:00 EAT) did not satisfy: "
            "reads <= 3");
    }
  }
  // Idle for a whole window of processing time: the group is dropped.
  CHECK(h.tick("2026-11-02T13:19:59+03:00").erased.empty());
  auto idle = h.tick("2026-11-02T13:20:00+03:00");
  CHECK(idle.erased == std::vector<std::string>{"aggregate/bulk/bank-a/op-7"});
  CHECK(idle.outcomes.empty());
  CHECK(h.stored.empty());
}

TEST_CASE("aggregate groups survive a restart exactly") {
  harness h(set());
  h.event(money("c1", "collected", fri, 1250.50));
  h.event(money("c2", "collected", "2026-11-06T16:00:00+03:00", 0.1));
  h.event(read("e1", "2026-11-06T10:00:00+03:00"));
  h.event(read("e2", "2026-11-06T10:30:00+03:00"));
  h.event(summand("s1", 9007199254740993LL));

  engine::engine restored(set());
  restored.restore(h.entries());
  CHECK(restored.snapshot() == h.eng.snapshot());
  CHECK(restored.next_due() == h.eng.next_due());
  for (const auto& e : h.entries()) {
    INFO(e.id);
    CHECK(restored.holds(e));
  }

  auto run = [](engine::engine& eng) {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& ev : {read("e3", "2026-11-06T10:40:00+03:00"),
                           read("e4", "2026-11-06T10:50:00+03:00"),
                           money("r1", "remitted", "2026-11-09T09:00:00+03:00", 1250.60)}) {
      engine::effects fx;
      eng.on_event(ev, fx);
      all.push_back(dump(fx));
    }
    engine::effects fx;
    eng.on_tick(at("2026-11-11T00:00:00+03:00"), fx);
    all.push_back(dump(fx));
    return all;
  };
  auto a = run(h.eng);
  auto b = run(restored);
  CHECK(a == b);
  CHECK(a[1]["breaches"].size() == 1);   // e4: 4 reads in the hour
  CHECK(a[3]["outcomes"].size() == 2);   // the money group met, totals breached
}

TEST_CASE("a reload keeps the groups of surviving aggregate rules and drops the others") {
  harness h(set());
  h.event(money("c1", "collected", fri, 10));
  h.event(read("e1", "2026-11-06T10:00:00+03:00"));
  std::string text = rules_text;
  auto cut = text.find("  - id: bulk");
  auto next = text.find("  - id: totals");
  auto smaller = load(text.substr(0, cut) + text.substr(next));
  engine::effects fx;
  h.eng.set_rules(smaller, fx);
  h.apply(fx);
  CHECK(fx.erased == std::vector<std::string>{"aggregate/bulk/bank-a/op-7"});
  CHECK(ids(h.eng.snapshot()) ==
        std::vector<std::string>{"aggregate/remitted-equals-collected/bank-a/2026-11-06"});
}
