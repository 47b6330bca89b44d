// The effects → metrics mapping (see effects.hpp).
#include "slawatch/ingest/effects.hpp"

namespace slawatch::ingest {

void record_effects(metrics::registry& m, const engine::effects& fx,
                    const std::vector<const model::breach*>& new_breaches) {
  for (const auto& o : fx.outcomes) m.outcome(o);
  for (const auto* b : new_breaches) m.breach(*b);
  for (const auto& [rule, n] : fx.evaluation_errors) m.evaluation_errors(rule, n);
  for (const auto& o : fx.objectives) {
    m.objective(o.rule, o.partner, o.ratio, o.target, o.error_budget_remaining, o.window_start);
  }
}

void record_effects(metrics::registry& m, const engine::effects& fx, const committed_step& step) {
  record_effects(m, fx, step.new_breaches);
  for (const auto& w : fx.warnings) m.warning(w.rule, w.partner, w.threshold);
  for (const auto& b : step.closed_breaches) m.breach_closed(b);
  if (step.obligations) m.obligations_open(*step.obligations);
}

std::vector<store::obligation_count> obligation_counts(const engine::engine& e) {
  std::vector<store::obligation_count> out;
  for (const auto& [k, n] : e.obligation_counts()) out.push_back({k.first, k.second, n});
  return out;
}

}  // namespace slawatch::ingest
