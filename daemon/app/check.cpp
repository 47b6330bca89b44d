// `slawatch check`: validate configuration and rules without starting anything.
#include <iostream>
#include "slawatch/app/app.hpp"

namespace slawatch::app {

namespace detail {

void print_errors(const std::vector<error>& errors, std::string_view prefix) {
  for (auto e : errors) {
    e.message = std::string(prefix) + e.message;
    std::cerr << e.render() << '\n';
  }
}

}  // namespace detail

int check(const std::optional<std::string>& config_file, const std::vector<std::string>& rule_files) {
  auto cfg = load_config(config_file);
  detail::print_errors(cfg.errors, "");
  if (!cfg.cfg || !cfg.errors.empty()) {
    std::cerr << "FAILED: " << cfg.errors.size() << " error(s) in the configuration\n";
    return exit_failure;
  }
  const auto& patterns = rule_files.empty() ? cfg.cfg->rules : rule_files;
  auto loaded = load_rules(patterns, wall_clock_now());
  detail::print_errors(loaded.errors, "");
  detail::print_errors(loaded.warnings, "warning: ");
  if (!loaded.errors.empty() || !loaded.set) {
    std::cerr << "FAILED: " << loaded.errors.size() << " error(s)\n";
    return exit_failure;
  }
  const auto& set = *loaded.set;
  std::cout << "OK: " << set.rules.size() << " rules, " << set.partners.size() << " partners, "
            << set.calendars.size() << " calendars\n";
  return exit_ok;
}

}  // namespace slawatch::app
