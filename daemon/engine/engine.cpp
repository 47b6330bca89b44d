// The engine's dispatch: which rules see an event, with what bound.
#include "slawatch/engine/engine.hpp"

namespace slawatch::engine {

void effects::clear() {
  outcomes.clear();
  breaches.clear();
  evaluation_errors.clear();
}

engine::engine(std::shared_ptr<const rules::rule_set> rules) { set_rules(std::move(rules)); }

void engine::set_rules(std::shared_ptr<const rules::rule_set> rules) {
  rules_ = std::move(rules);
  partners_.clear();
  if (!rules_) return;
  // Selectors are static per rule set, so matching is done once here instead of per event.
  for (const auto& [id, p] : rules_->partners) {
    partner_view view{p.to_json(), {}};
    for (const auto& r : rules_->rules) {
      if (r.enabled && r.kind == rules::rule_kind::condition && r.require &&
          r.partners.matches(p)) {
        view.conditions.push_back(&r);
      }
    }
    partners_.emplace(id, std::move(view));
  }
}

void engine::on_event(const model::event& ev, effects& out) {
  auto it = partners_.find(ev.partner);
  if (it == partners_.end()) return;  // precondition violated: unknown partners are rejected
  expr::activation act;
  act.bind("event", expr::value::borrow(ev.doc));
  act.bind("partner", expr::value::borrow(it->second.doc));
  for (const rules::rule* r : it->second.conditions) on_condition(*r, ev, act, out);
}

}  // namespace slawatch::engine
