#pragma once
/// What an engine step means for the metrics (contract 7): one mapping shared by the ingest
/// pipeline (after each commit) and the in-memory drivers (`slawatch replay`, `slawatch test`),
/// so a rule test's expect_metrics sees exactly what a running daemon would export.
#include <optional>
#include <vector>
#include "slawatch/engine/engine.hpp"
#include "slawatch/metrics/metrics.hpp"
#include "slawatch/model/breach.hpp"
#include "slawatch/store/store.hpp"

namespace slawatch::ingest {

/// Counts the effects of one engine step: every outcome (rule_outcomes_total), every breach
/// in `new_breaches` (breaches_total, and breaches_open when created open) and the
/// evaluation errors (rule_evaluation_errors_total), and sets the objective gauges
/// (objective_ratio, objective_target, error_budget_remaining) from `fx.objectives`. `new_breaches` are the breaches of
/// `fx.breaches` that were really inserted: a retried group or a replayed duplicate must not
/// count twice. The committed_step overload below also counts warnings, closed breaches
/// and the obligation gauges.
void record_effects(metrics::registry& m, const engine::effects& fx,
                    const std::vector<const model::breach*>& new_breaches);

/// What a committed step changed beyond `fx` itself (known only after writing it).
struct committed_step {
  std::vector<const model::breach*> new_breaches;   ///< of fx.breaches, really inserted
  std::vector<model::breach> closed_breaches;       ///< were open; a breach update closed them
  /// The complete open-obligation counts when the step changed obligations, else nullopt.
  std::optional<std::vector<store::obligation_count>> obligations;
};

/// Everything of the overload above, plus: every warning (warnings_total by rule, partner,
/// threshold), every closed breach (breaches_open -= 1) and, when given, the obligation
/// gauges (obligations_open set to the complete counts).
void record_effects(metrics::registry& m, const engine::effects& fx, const committed_step& step);

/// The engine's open obligations per (rule, partner), for registry::obligations_open.
std::vector<store::obligation_count> obligation_counts(const engine::engine& e);

}  // namespace slawatch::ingest
