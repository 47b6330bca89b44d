// Objective gauges and the removal of series of rules a reload took away.
#include <catch2/catch.hpp>
#include "slawatch/metrics/metrics.hpp"

using namespace slawatch;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

instant day(int n) { return instant{std::chrono::hours(24 * n)}; }

}  // namespace

TEST_CASE("objective numbers become the ratio, target and error budget gauges") {
  metrics::registry m("1.0.0", "abc");
  m.objective("remit-99", "bank-a", 0.95, 0.99, -4, day(30));
  const auto text = m.serialize();
  CHECK(has_line(text, R"(slawatch_objective_ratio{partner="bank-a",rule="remit-99"} 0.95)"));
  CHECK(has_line(text, R"(slawatch_objective_target{partner="bank-a",rule="remit-99"} 0.99)"));
  CHECK(has_line(text, R"(slawatch_error_budget_remaining{partner="bank-a",rule="remit-99"} -4)"));
}

TEST_CASE("the objective gauges follow the newest window, not a late outcome of an older one") {
  metrics::registry m("1.0.0", "abc");
  m.objective("remit-99", "bank-a", 1, 0.99, 1, day(30));
  m.objective("remit-99", "bank-a", 0.5, 0.99, -49, day(0));   // the previous month, judged
  CHECK(has_line(m.serialize(), R"(slawatch_objective_ratio{partner="bank-a",rule="remit-99"} 1)"));
  m.objective("remit-99", "bank-a", 0.9, 0.99, -9, day(30));
  CHECK(has_line(m.serialize(), R"(slawatch_objective_ratio{partner="bank-a",rule="remit-99"} 0.9)"));
}

TEST_CASE("series of rules a reload removed disappear and the others stay") {
  metrics::registry m("1.0.0", "abc");
  m.objective("gone-objective", "bank-a", 1, 0.99, 1, day(0));
  m.objective("kept-objective", "bank-a", 1, 0.99, 1, day(0));
  m.obligations_open({{"gone-deadline", "bank-a", 2}, {"kept-deadline", "bank-a", 3}});
  m.remove_rule_series([](const std::string& rule, const std::string&) { return rule.starts_with("kept"); });
  auto text = m.serialize();
  CHECK(text.find("gone-") == std::string::npos);
  CHECK(has_line(text, R"(slawatch_objective_ratio{partner="bank-a",rule="kept-objective"} 1)"));
  CHECK(has_line(text, R"(slawatch_obligations_open{partner="bank-a",rule="kept-deadline"} 3)"));
  // Later complete counts do not bring a removed series back at 0.
  m.obligations_open({{"kept-deadline", "bank-a", 1}});
  text = m.serialize();
  CHECK(text.find("gone-deadline") == std::string::npos);
  CHECK(has_line(text, R"(slawatch_obligations_open{partner="bank-a",rule="kept-deadline"} 1)"));
}
