// `slawatch test` and `replay` export what `serve` exports: the objective gauges too.
#include <cmath>
#include <catch2/catch.hpp>
#include "../../daemon/app/simulation.hpp"
#include "engine_support.hpp"

using namespace slawatch;

namespace {

const char* rules_text = R"(partners:
  - { id: bank-a, name: Bank A, class: bank, timezone: UTC }
rules:
  - id: positive
    kind: condition
    category: integrity
    severity: major
    description: Amounts are positive.
    when: event.type == 'contribution.collected'
    require: event.attributes.amount > 0
  - id: positive-90
    kind: objective
    category: integrity
    severity: major
    description: Nine in ten amounts are positive each month.
    of: [positive]
    target: 90%
    window: month
    min_outcomes: 1
)";

/// The value of the series named exactly `series` (name and labels), NaN when absent.
double value_of(const std::string& text, const std::string& series) {
  const auto at = ("\n" + text).find("\n" + series + " ");
  if (at == std::string::npos) return std::nan("");
  return std::stod(text.substr(at + series.size() + 1));
}

}  // namespace

TEST_CASE("the simulation sets the objective ratio, target and error budget gauges") {
  metrics::registry m("1.0.0", "test");
  app::detail::simulation sim(engine_test::load(rules_text), &m);
  const std::string at = "2026-11-06T10:00:00Z";
  sim.feed(engine_test::make_event("e1", "bank-a", "contribution.collected", at, {{"amount", 5}}));
  sim.feed(engine_test::make_event("e2", "bank-a", "contribution.collected", at, {{"amount", -5}}));
  const auto text = m.serialize();
  const std::string labels = R"({partner="bank-a",rule="positive-90"})";
  CHECK(value_of(text, "slawatch_objective_ratio" + labels) == Approx(0.5));
  CHECK(value_of(text, "slawatch_objective_target" + labels) == Approx(0.9));
  // 1 - (1 breached / 2 decided) / (1 - 0.9)
  CHECK(value_of(text, "slawatch_error_budget_remaining" + labels) == Approx(-4));
}
