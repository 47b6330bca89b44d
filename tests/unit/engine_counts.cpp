// obligation_counts() is kept as obligations open and close (not recounted); it must equal
// a count of the obligation entries in snapshot() after every kind of step.
#include <random>
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
    cancel: { when: "event.type == 'reversed'", key: event.attributes.r }
    within: 30m
  - id: report
    kind: deadline
    category: timeliness
    severity: minor
    description: d
    partners: { ids: [bank-a] }
    start: { when: "event.type == 'collected'", key: event.attributes.r }
    stop: { when: "event.type == 'reported'", key: event.attributes.r }
    within: 10m
)";

std::map<std::pair<std::string, std::string>, std::uint64_t> counted(const engine::engine& eng) {
  std::map<std::pair<std::string, std::string>, std::uint64_t> out;
  for (const auto& e : eng.snapshot()) {
    if (e.kind == "obligation") ++out[{e.rule, e.partner}];
  }
  return out;
}

}  // namespace

TEST_CASE("open obligation counts follow starts, stops, cancels, timers, restores and reloads") {
  auto set = load(rules_text);
  engine::engine eng(set);
  std::mt19937 rng(7);
  const char* types[] = {"collected", "collected", "remitted", "reported", "reversed"};
  const char* partners[] = {"bank-a", "posta"};
  auto t = at("2026-11-02T06:00:00Z");
  for (int i = 0; i < 2000; ++i) {
    t += std::chrono::seconds(rng() % 40);
    engine::effects fx;
    if (i % 97 == 0) {
      eng.on_tick(t, fx);
    } else {
      auto ev = make_event(fmt::format("E{}", i), partners[rng() % 2], types[rng() % 5],
                           timefmt::format_utc_ms(t), {{"r", fmt::format("R{}", rng() % 60)}});
      eng.on_event(ev, fx);
    }
    REQUIRE(eng.obligation_counts() == counted(eng));
  }
  REQUIRE_FALSE(eng.obligation_counts().empty());
  engine::engine restored(set);
  restored.restore(eng.snapshot());
  CHECK(restored.obligation_counts() == eng.obligation_counts());
  // A reload without the `report` rule drops its obligations and their counts.
  std::string without(rules_text);
  without.erase(without.find("  - id: report"));
  eng.set_rules(load(without));
  CHECK(eng.obligation_counts() == counted(eng));
  for (const auto& [k, n] : eng.obligation_counts()) CHECK(k.first == "remit");
  engine::effects fx;
  eng.on_tick(t + std::chrono::hours(2), fx);   // everything falls due
  CHECK(eng.obligation_counts().empty());
}
