// Rule indexing: an event meets only the rules its type can match, and rules sharing a
// `when` text evaluate it once per event. Neither may change any outcome, breach or
// evaluation error count.
#include <fmt/format.h>
#include "engine_support.hpp"

using namespace engine_test;

namespace {

const char* partner_block = R"(partners:
  - { id: bank-a, name: Bank A, class: bank, timezone: Africa/Nairobi }
rules:
)";

std::string condition(const std::string& id, const std::string& when, const std::string& require) {
  return fmt::format(
      "  - {{ id: {}, kind: condition, category: integrity, severity: minor, description: d,\n"
      "      when: \"{}\", require: \"{}\" }}\n",
      id, when, require);
}

engine::effects on(engine::engine& eng, const model::event& ev) {
  engine::effects fx;
  eng.on_event(ev, fx);
  return fx;
}

std::vector<std::string> outcome_rules(const engine::effects& fx) {
  std::vector<std::string> ids;
  for (const auto& o : fx.outcomes) ids.push_back(o.rule + ":" + std::string(model::to_string(o.kind)));
  return ids;
}

}  // namespace

TEST_CASE("an event meets only the condition rules its type can match, in file order") {
  auto set = load(std::string(partner_block) +
                  condition("collected", "event.type == 'contribution.collected'", "event.attributes.amount > 0") +
                  condition("money", "event.type.startsWith('contribution.')", "event.attributes.amount < 100") +
                  condition("access", "event.type == 'data.accessed'", "has(event.purpose)") +
                  condition("everything", "event.id != ''", "true"));
  engine::engine eng(set);
  auto ev = make_event("E1", "bank-a", "contribution.collected", "2026-11-02T09:00:00+03:00",
                       {{"amount", 150}});
  CHECK(outcome_rules(on(eng, ev)) ==
        std::vector<std::string>{"collected:met", "money:breached", "everything:met"});
  auto other = make_event("E2", "bank-a", "contribution.remitted", "2026-11-02T09:00:00+03:00",
                          {{"amount", 5}});
  CHECK(outcome_rules(on(eng, other)) == std::vector<std::string>{"money:met", "everything:met"});
}

TEST_CASE("a skipped rule counts no evaluation error, an evaluated one still does") {
  auto set = load(std::string(partner_block) +
                  condition("guarded", "event.type == 'a.b' && event.attributes.missing > 1", "true"));
  engine::engine eng(set);
  auto fx = on(eng, make_event("E1", "bank-a", "c.d", "2026-11-02T09:00:00+03:00"));
  CHECK(fx.evaluation_errors.empty());
  CHECK(fx.outcomes.empty());
  fx = on(eng, make_event("E2", "bank-a", "a.b", "2026-11-02T09:00:00+03:00"));
  CHECK(fx.evaluation_errors == std::map<std::string, std::uint64_t>{{"guarded", 1}});
  CHECK(fx.outcomes.empty());
}

TEST_CASE("rules sharing a when text each count its evaluation error and outcome") {
  auto set = load(std::string(partner_block) +
                  condition("one", "event.attributes.level > 1", "true") +
                  condition("two", "event.attributes.level > 1", "false") +
                  condition("three", "event.attributes.level > 5", "true"));
  engine::engine eng(set);
  auto fx = on(eng, make_event("E1", "bank-a", "a.b", "2026-11-02T09:00:00+03:00"));
  CHECK(fx.evaluation_errors ==
        std::map<std::string, std::uint64_t>{{"one", 1}, {"two", 1}, {"three", 1}});
  fx = on(eng, make_event("E2", "bank-a", "a.b", "2026-11-02T09:00:00+03:00", {{"level", 3}}));
  CHECK(fx.evaluation_errors.empty());
  CHECK(outcome_rules(fx) == std::vector<std::string>{"one:met", "two:breached"});
}

TEST_CASE("more event types than the per-partner cache holds are judged the same") {
  auto set = load(std::string(partner_block) +
                  condition("typed", "event.type.startsWith('t.')", "event.attributes.n % 2 == 0"));
  engine::engine eng(set);
  std::size_t met = 0, breached = 0;
  for (int i = 0; i < 600; ++i) {
    // Every type is new: the first 256 are cached, the rest built per event; each seen twice.
    for (int round = 0; round < 2; ++round) {
      auto fx = on(eng, make_event(fmt::format("E{}-{}", i, round), "bank-a",
                                   fmt::format("t.type{}", i), "2026-11-02T09:00:00+03:00",
                                   {{"n", i}}));
      REQUIRE(fx.outcomes.size() == 1);
      (fx.outcomes[0].kind == model::outcome_kind::met ? met : breached) += 1;
    }
  }
  CHECK(met == 600);
  CHECK(breached == 600);
  auto fx = on(eng, make_event("X", "bank-a", "u.type", "2026-11-02T09:00:00+03:00", {{"n", 1}}));
  CHECK(fx.outcomes.empty());
}

TEST_CASE("a deadline rule still sees its start, stop and cancel types and nothing else") {
  auto set = load(std::string(partner_block) + R"(  - id: remit
    kind: deadline
    category: timeliness
    severity: major
    description: d
    start: { when: "event.type == 'contribution.collected'", key: event.attributes.r }
    stop: { when: "event.type == 'contribution.remitted'", key: event.attributes.r }
    cancel: { when: "event.type == 'contribution.reversed'", key: event.attributes.r }
    within: 2h
)");
  engine::engine eng(set);
  auto fx = on(eng, make_event("S", "bank-a", "contribution.collected", "2026-11-02T09:00:00+03:00",
                               {{"r", "R1"}}));
  CHECK(fx.upserts.size() == 1);
  fx = on(eng, make_event("O", "bank-a", "data.accessed", "2026-11-02T09:10:00+03:00"));
  CHECK(fx.upserts.empty());
  CHECK(fx.evaluation_errors.empty());
  fx = on(eng, make_event("C", "bank-a", "contribution.reversed", "2026-11-02T09:20:00+03:00",
                          {{"r", "R1"}}));
  CHECK(fx.erased.size() == 1);
}
