#pragma once
/// The deterministic rule engine: fed validated events (and, later, clock ticks), it returns
/// outcomes, breaches and counts of evaluation errors. Pure: no I/O, clocks or threads; the
/// caller serialises calls. Processing time is the event's received_at.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>
#include "slawatch/model/breach.hpp"
#include "slawatch/model/event.hpp"
#include "slawatch/rules/rule_set.hpp"

namespace slawatch::engine {

/// What one step produced.
struct effects {
  std::vector<model::outcome> outcomes;
  std::vector<model::breach> breaches;
  std::map<std::string, std::uint64_t> evaluation_errors;   ///< rule id → count
  void clear();
};

class engine {
 public:
  explicit engine(std::shared_ptr<const rules::rule_set> rules);

  /// Replaces the rule set (reload). Caller guarantees no concurrent on_event.
  void set_rules(std::shared_ptr<const rules::rule_set> rules);
  [[nodiscard]] const rules::rule_set& rules() const { return *rules_; }

  /// Evaluates every enabled rule whose partner selector matches the event's partner.
  /// The event's partner must exist in the rule set (the caller rejected unknown partners).
  /// Appends to `out`.
  void on_event(const model::event& ev, effects& out);

 private:
  /// Per partner: its registry entry as rules see it (built once per rule set, not per
  /// event) and the enabled condition rules whose selector matches it, in file order.
  struct partner_view {
    nlohmann::json doc;
    std::vector<const rules::rule*> conditions;
  };
  void on_condition(const rules::rule& r, const model::event& ev, const expr::activation& act,
                    effects& out) const;

  std::shared_ptr<const rules::rule_set> rules_;
  std::map<std::string, partner_view, std::less<>> partners_;
};

}  // namespace slawatch::engine
