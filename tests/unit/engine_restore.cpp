// Durable state: upserts/erased mirror the engine's state, restore() rebuilds it exactly,
// and a reload keeps the state of surviving rules only.
#include "engine_support.hpp"

using namespace engine_test;

namespace {

std::string rules_text(bool with_absence = true) {
  std::string text = R"(calendars:
  ke-banking: { timezone: Africa/Nairobi, holidays: [2026-12-25] }
partners:
  - { id: bank-a, name: Bank A, class: bank, timezone: Africa/Nairobi, calendar: ke-banking }
rules:
  - id: remit
    kind: deadline
    category: timeliness
    severity: major
    description: Remitted within 1 business day.
    start: { when: "event.type == 'collected'", key: event.attributes.receipt_no }
    stop: { when: "event.type == 'remitted'", key: event.attributes.receipt_nos }
    within: 1 business_days
    warn_at: [50%]
    allowed_lateness: 1h
)";
  if (with_absence) {
    text += R"(  - id: recon
    kind: absence
    category: timeliness
    severity: major
    description: Daily file.
    expect: event.type == 'report'
    schedule: { every: business_day, due: "10:00" }
)";
  }
  return text;
}

model::event ev(const std::string& id, const std::string& type, const std::string& occurred,
                nlohmann::json attrs = nlohmann::json::object(), const std::string& received = "") {
  return make_event(id, "bank-a", type, occurred, std::move(attrs), received);
}

/// The first half of a day's traffic: obligations open, an early stop, a breach left open.
void first_half(harness& h) {
  h.tick("2026-11-02T08:00:00+03:00");
  h.event(ev("c1", "collected", "2026-11-02T09:00:00+03:00", {{"receipt_no", "R1"}}));
  h.event(ev("c2", "collected", "2026-11-02T09:30:00+03:00", {{"receipt_no", "R2"}}));
  h.event(ev("c3", "collected", "2026-11-03T09:30:00+03:00", {{"receipt_no", "R3"}}));
  // R1 and R2 breach open (due Tue 23:59:59.999 + 1h); no report by Monday 10:00 (the first
  // due after the clock started) nor by Tuesday 10:00 either
  h.tick("2026-11-04T01:30:00+03:00");
  h.event(ev("r9", "remitted", "2026-11-04T09:00:00+03:00", {{"receipt_nos", {"R9"}}}));
}

nlohmann::json second_half(harness& h) {
  nlohmann::json all = nlohmann::json::array();
  all.push_back(dump(h.event(ev("r1", "remitted", "2026-11-04T09:00:00+03:00",
                                {{"receipt_nos", {"R1", "R3"}}}))));
  all.push_back(dump(h.event(ev("c9", "collected", "2026-11-04T09:10:00+03:00",
                                {{"receipt_no", "R9"}}))));
  all.push_back(dump(h.event(ev("f1", "report", "2026-11-04T09:20:00+03:00"))));
  all.push_back(dump(h.tick("2026-11-06T00:00:00+03:00")));
  return all;
}

}  // namespace

TEST_CASE("the persisted upserts and erasures equal the engine's snapshot") {
  harness h(load(rules_text()));
  first_half(h);
  auto snap = h.eng.snapshot();
  CHECK(ids(snap) == ids(h.entries()));
  for (std::size_t i = 0; i < snap.size() && i < h.entries().size(); ++i) {
    CHECK(snap[i].data == h.entries()[i].data);
    CHECK(snap[i].fire_at == h.entries()[i].fire_at);
  }
  auto kinds = std::map<std::string, int>{};
  for (const auto& e : snap) ++kinds[e.kind];
  CHECK(kinds == std::map<std::string, int>{
                     {"absence", 1}, {"early_stop", 1}, {"obligation", 1}, {"open_breach", 4}});
}

TEST_CASE("restore from stored entries gives the same next_due and the same effects after") {
  auto set = load(rules_text());
  harness live(set);
  first_half(live);
  harness restarted(set);
  restarted.eng.restore(live.entries());
  restarted.stored = live.stored;
  CHECK(restarted.eng.next_due() == live.eng.next_due());
  CHECK(ids(restarted.eng.snapshot()) == ids(live.eng.snapshot()));
  auto a = second_half(live);
  auto b = second_half(restarted);
  CHECK(a == b);
  CHECK(a.dump().find("updates") != std::string::npos);   // the late stop closed a breach
  CHECK(live.stored == restarted.stored);
}

TEST_CASE("restore ignores entries of rules that no longer exist") {
  harness h(load(rules_text()));
  first_half(h);
  auto entries = h.entries();
  engine::state_entry stray = entries.front();
  stray.id = "obligation/gone/bank-a/R1";
  stray.rule = "gone";
  entries.push_back(stray);
  engine::engine other(load(rules_text()));
  other.restore(entries);
  CHECK(other.snapshot().size() == h.entries().size());
  // holds() answers per entry what a snapshot diff would (start-up finds orphans with it)
  for (const auto& e : h.entries()) {
    INFO(e.id);
    CHECK(other.holds(e));
  }
  CHECK_FALSE(other.holds(stray));
  auto other_key = h.entries().front();
  other_key.key = "no-such-key";
  CHECK_FALSE(other.holds(other_key));
}

TEST_CASE("a reload keeps the state of surviving rules and reports what it drops") {
  harness h(load(rules_text()));
  first_half(h);
  engine::effects fx;
  h.eng.set_rules(load(rules_text(false)), fx);
  auto monday = model::breach_id("recon", "bank-a", "bank-a", "2026-11-02T07:00:00.000Z");
  auto tuesday = model::breach_id("recon", "bank-a", "bank-a", "2026-11-03T07:00:00.000Z");
  CHECK(fx.erased == std::vector<std::string>{"absence/recon/bank-a/bank-a",
                                              "open_breach/recon/bank-a/" + monday + "/bank-a",
                                              "open_breach/recon/bank-a/" + tuesday + "/bank-a"});
  h.apply(fx);
  CHECK(ids(h.eng.snapshot()) == ids(h.entries()));
  auto late = h.event(ev("r1", "remitted", "2026-11-04T09:00:00+03:00", {{"receipt_nos", {"R1"}}}));
  CHECK(late.breach_updates.size() == 1);
}
