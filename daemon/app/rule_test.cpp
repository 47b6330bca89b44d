// `slawatch test`: rule unit tests (contract 5.4) on the simulated clock, in memory. Each test
// starts from empty state: a fresh engine and a fresh metrics registry.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include "rule_test.hpp"
#include "simulation.hpp"
#include "slawatch/app/app.hpp"

namespace slawatch::app {

namespace detail {

/// At most this many actual breaches are listed under a failed test.
constexpr std::size_t max_listed_breaches = 20;

struct test_totals {
  std::size_t passed = 0, failed = 0;
  bool broken = false;
};

void print_errors(std::vector<error> errors, const std::string& file) {
  for (auto& e : errors) {
    if (e.where.file.empty()) e.where.file = file;
    std::cerr << e.render() << '\n';
  }
}

/// Rule file patterns are relative to the test file's directory.
std::vector<std::string> resolve_patterns(const std::string& test_file, const std::vector<std::string>& patterns) {
  const auto dir = std::filesystem::path(test_file).parent_path();
  std::vector<std::string> out;
  for (const auto& p : patterns) {
    out.push_back(std::filesystem::path(p).is_absolute() || dir.empty() ? p : (dir / p).string());
  }
  return out;
}

void list_breaches(std::vector<std::string>& diff, const std::vector<const model::breach*>& list) {
  if (list.empty()) diff.emplace_back("    (none)");
  for (std::size_t i = 0; i < list.size() && i < max_listed_breaches; ++i) {
    diff.push_back("    " + describe(*list[i]));
  }
  if (list.size() > max_listed_breaches) {
    diff.push_back(fmt::format("    ... and {} more", list.size() - max_listed_breaches));
  }
}

/// Diff lines for expected breaches that found no distinct breach; true when any did not.
bool check_breaches(const test_case& tc, const std::vector<model::breach>& breaches,
                    std::vector<std::string>& diff) {
  const auto assigned = assign_breaches(breaches, tc.expect_breaches);
  bool missing = false;
  for (std::size_t i = 0; i < assigned.size(); ++i) {
    if (assigned[i]) continue;
    const auto& e = tc.expect_breaches[i];
    const auto n = std::count_if(breaches.begin(), breaches.end(),
                                 [&](const auto& b) { return breach_matches(b, e); });
    diff.push_back("  expected breach " + describe(e) +
                   (n == 0 ? ": no such breach"
                           : fmt::format(": the {} matching breach(es) are matched by other entries", n)));
    missing = true;
  }
  return missing;
}

/// The diff lines of a finished test (empty: it passed).
std::vector<std::string> check_expectations(const test_case& tc, const simulation& sim,
                                            const metrics::registry& reg) {
  std::vector<std::string> diff;
  const auto& breaches = sim.breaches();
  const bool list_all = check_breaches(tc, breaches, diff);
  for (const auto& rule : tc.expect_no_breaches) {
    std::vector<const model::breach*> found;
    for (const auto& b : breaches) {
      if (b.rule == rule) found.push_back(&b);
    }
    if (found.empty()) continue;
    diff.push_back(fmt::format("  expected no breach of rule {}, found {}:", rule, found.size()));
    list_breaches(diff, found);
  }
  const auto exposition = reg.serialize();
  for (const auto& m : tc.expect_metrics) {
    const double got = sum_metric(exposition, m);
    if (std::fabs(got - m.value) > 1e-9 * std::max(1.0, std::fabs(m.value))) {
      diff.push_back(fmt::format("  expected metric {}, found {}", m.text, got));
    }
  }
  if (list_all) {
    diff.emplace_back("  breaches were:");
    std::vector<const model::breach*> all;
    for (const auto& b : breaches) all.push_back(&b);
    list_breaches(diff, all);
  }
  return diff;
}

/// Runs one test; errors are test-file errors (the test could not run as written).
std::vector<std::string> run_test(const std::shared_ptr<const rules::rule_set>& set,
                                  const test_case& tc, std::vector<error>& errors) {
  metrics::registry reg("test", "test");
  simulation sim(set, &reg);
  for (const auto& te : tc.events) {
    if (te.at) sim.advance(*te.at);
    if (sim.feed(te.ev).status == admission::unknown_partner) {
      errors.push_back(error{"invalid_test", "event: partner: unknown partner '" + te.ev.partner + "'", te.where});
    }
  }
  for (const auto& rule : tc.expect_no_breaches) {
    if (set->find_rule(rule) == nullptr) {
      errors.push_back(error{"invalid_test", "expect_no_breaches: unknown rule '" + rule + "'", tc.where});
    }
  }
  if (tc.advance_to) {
    if (sim.clock() && *tc.advance_to < *sim.clock()) {
      errors.push_back(error{"invalid_test",
                             "advance_to: before the last event (clock " + timefmt::format_utc_ms(*sim.clock()) + ")",
                             tc.advance_where});
    }
    sim.advance(*tc.advance_to);
  }
  if (!errors.empty()) return {};
  return check_expectations(tc, sim, reg);
}

result<std::string> read_text(const std::string& name) {
  std::ifstream in(name, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) return error{"io", std::string("cannot read: ") + std::strerror(errno), {name, 0, 0}};
  return text.str();
}

/// Loads one test file and its rules, runs its tests. False: the file is broken.
bool run_file(const std::string& file, test_totals& totals) {
  auto text = read_text(file);
  if (!text) return print_errors({text.err()}, file), false;
  auto parsed = parse_test_file(file, *text);
  if (!parsed.file) return print_errors(std::move(parsed.errors), file), false;
  auto sources = read_rule_files(resolve_patterns(file, parsed.file->rule_patterns));
  if (!sources.errors.empty()) return print_errors(std::move(sources.errors), file), false;
  auto loaded = load_rules(sources.files, instant{});
  if (!loaded.set) return print_errors(std::move(loaded.errors), file), false;
  bool ok = true;
  for (const auto& tc : parsed.file->tests) {
    std::vector<error> errors;
    const auto diff = run_test(loaded.set, tc, errors);
    if (!errors.empty()) {
      print_errors(std::move(errors), file);
      ok = false;
      continue;
    }
    std::cout << (diff.empty() ? "PASS " : "FAIL ") << tc.name << '\n';
    for (const auto& line : diff) std::cout << line << '\n';
    ++(diff.empty() ? totals.passed : totals.failed);
  }
  return ok;
}

}  // namespace detail

int test(const std::vector<std::string>& test_files) {
  detail::test_totals totals;
  for (const auto& file : test_files) {
    if (!detail::run_file(file, totals)) totals.broken = true;
  }
  std::cout << totals.passed << " passed, " << totals.failed << " failed\n";
  if (totals.broken) return exit_usage;
  return totals.failed == 0 ? exit_ok : exit_failure;
}

}  // namespace slawatch::app
