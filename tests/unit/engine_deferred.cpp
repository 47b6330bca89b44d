// defer_state(true): entry changes are handed out once per flush instead of per event. What
// a store builds from the effects must still equal the engine's snapshot after every flush,
// and every decision (outcomes, breaches, updates) must be the same as without deferring.
#include <random>
#include <unordered_set>
#include <fmt/format.h>
#include "engine_support.hpp"

using namespace engine_test;

namespace {

const char* rules_text = R"(partners:
  - { id: bank-a, name: Bank A, class: bank, timezone: Africa/Nairobi }
  - { id: posta, name: Posta, class: post_office, timezone: Africa/Nairobi }
rules:
  - id: remit
    kind: deadline
    category: timeliness
    severity: major
    description: d
    start: { when: "event.type == 'collected'", key: event.attributes.r }
    stop: { when: "event.type == 'remitted'", key: event.attributes.r }
    within: 20m
    warn_at: [50%]
  - id: busy
    kind: aggregate
    category: purpose
    severity: minor
    description: d
    group: event.attributes.op
    window: 10m
    measures:
      n: { count: true, when: "event.type == 'accessed'" }
    require: n <= 4
  - id: remit-monthly
    kind: objective
    category: timeliness
    severity: major
    description: d
    of: [remit]
    target: 90%
    window: day
)";

/// A store as the pipeline keeps it: each step's changes netted (absorb), by id.
struct store_model {
  std::map<std::string, engine::state_entry> rows;
  std::size_t writes = 0;
  void apply(engine::effects& fx, const engine::engine& eng) {
    std::unordered_set<std::string> erased(fx.erased.begin(), fx.erased.end());
    std::unordered_set<std::string> upserted;
    for (auto& e : fx.upserts) {
      upserted.insert(e.id);
      if (erased.count(e.id) && !eng.holds(e)) continue;
      ++writes;
      rows[e.id] = e;
    }
    for (const auto& id : fx.erased) {
      if (!upserted.count(id)) rows.erase(id);
    }
  }
};

/// Decisions only: what must not depend on when state is written.
nlohmann::json decisions(const engine::effects& fx) {
  auto j = dump(fx);
  j.erase("upserts");
  j.erase("erased");
  return j;
}

}  // namespace

TEST_CASE("deferred state gives the same decisions and a store equal to the snapshot") {
  auto set = load(rules_text);
  engine::engine direct(set), deferred(set);
  deferred.defer_state(true);
  store_model direct_store, deferred_store;
  std::mt19937 rng(11);
  const char* types[] = {"collected", "remitted", "accessed", "accessed"};
  auto t = at("2026-11-02T06:00:00Z");
  std::size_t flushes = 0;
  for (int i = 0; i < 3000; ++i) {
    t += std::chrono::seconds(rng() % 30);
    engine::effects a, b;
    if (i % 50 == 0) {
      direct.on_tick(t, a);
      deferred.on_tick(t, b);
    } else {
      auto ev = make_event(fmt::format("E{}", i), rng() % 2 ? "bank-a" : "posta",
                           types[rng() % 4], timefmt::format_utc_ms(t),
                           {{"r", fmt::format("R{}", rng() % 40)}, {"op", fmt::format("op{}", rng() % 3)}});
      direct.on_event(ev, a);
      deferred.on_event(ev, b);
    }
    REQUIRE(decisions(a) == decisions(b));
    direct_store.apply(a, direct);
    deferred_store.apply(b, deferred);
    if (rng() % 20 == 0) {   // a write group ends
      engine::effects f;
      deferred.flush_state(f);
      CHECK(decisions(f) == decisions(engine::effects{}));
      deferred_store.apply(f, deferred);
      ++flushes;
      std::map<std::string, engine::state_entry> snap;
      for (auto& e : deferred.snapshot()) snap[e.id] = e;
      REQUIRE(deferred_store.rows == snap);
    }
  }
  std::map<std::string, engine::state_entry> snap;
  for (auto& e : direct.snapshot()) snap[e.id] = e;
  CHECK(direct_store.rows == snap);
  CHECK(flushes > 100);
  // Written once per group instead of once per event: here (groups of ~20 events, 80
  // deadline keys, 6 aggregate groups) about 40% fewer rows.
  CHECK(deferred_store.writes * 3 < direct_store.writes * 2);
}

TEST_CASE("an obligation opened and closed between two flushes is never written or erased") {
  auto set = load(rules_text);
  engine::engine eng(set);
  eng.defer_state(true);
  engine::effects fx;
  eng.on_event(make_event("S", "bank-a", "collected", "2026-11-02T09:00:00+03:00", {{"r", "R1"}}), fx);
  eng.on_event(make_event("T", "bank-a", "remitted", "2026-11-02T09:05:00+03:00", {{"r", "R1"}}), fx);
  eng.flush_state(fx);
  for (const auto& e : fx.upserts) CHECK(e.kind != "obligation");
  CHECK(fx.erased.empty());
  // Stored once flushed: closing it later erases the row.
  engine::effects later;
  eng.on_event(make_event("S2", "bank-a", "collected", "2026-11-02T09:10:00+03:00", {{"r", "R2"}}), later);
  eng.flush_state(later);
  CHECK(later.upserts.size() >= 1);
  engine::effects closing;
  eng.on_event(make_event("T2", "bank-a", "remitted", "2026-11-02T09:15:00+03:00", {{"r", "R2"}}), closing);
  CHECK(closing.erased == std::vector<std::string>{"obligation/remit/bank-a/R2"});
}
