#pragma once
// Helpers shared by the rules_*.cpp tests.
#include <string>
#include <vector>
#include "slawatch/rules/rule_set.hpp"

namespace rules_test {

inline std::vector<std::string> rendered(const std::vector<slawatch::error>& errs) {
  std::vector<std::string> out;
  for (const auto& e : errs) out.push_back(e.render());
  return out;
}

/// A registry every rule snippet can use: one bank, one ngo, one calendar.
inline const char* registry_yaml = R"(calendars:
  ke-banking: { timezone: Africa/Nairobi, workdays: [mon, tue, wed, thu, fri],
                hours: "08:00-17:00", holidays: [2026-12-25, {date: 2026-12-26, name: Boxing Day}],
                cutoff: "16:00" }
partners:
  - id: bank-a
    name: Bank A
    class: bank
    timezone: Africa/Nairobi
    calendar: ke-banking
    allowed_purposes: [collect_contribution, remit]
    labels: { region: coast }
  - id: ngo-b
    name: NGO B
    class: ngo
)";

inline slawatch::rules::load_result load_with_registry(const std::string& rules_text,
                                                       const std::string& name = "r.yaml") {
  return slawatch::rules::load({{"registry.yaml", registry_yaml}, {name, rules_text}});
}

}  // namespace rules_test
