#pragma once
// Internals of the pipeline: the effects of one transaction (a group of batches or a clock
// tick), with the engine's state changes netted per entry id, and how they are written.
#include <map>
#include <optional>
#include <string>
#include <vector>
#include "slawatch/engine/engine.hpp"
#include "slawatch/ingest/pipeline.hpp"
#include "slawatch/store/store.hpp"

namespace slawatch::ingest::detail {

/// What one transaction produced. `fx` holds outcomes, breaches, breach updates, warnings,
/// objective numbers and evaluation errors in engine order; its upserts/erased stay empty: state changes live
/// in `state`, one final change per id (an entry, or nullopt = delete).
struct group_effects {
  engine::effects fx;
  std::map<std::string, std::optional<engine::state_entry>> state;
  // Filled by persist(), read after the commit for metrics:
  std::vector<const model::breach*> new_breaches;   ///< into fx.breaches, really inserted
  std::vector<model::breach> closed_breaches;       ///< were open, an update closed them
  bool obligations_changed = false;                 ///< an obligation entry was written or erased
  std::map<std::string, std::uint64_t> dropped;     ///< notifications the full outbox refused

  [[nodiscard]] bool empty() const {
    return fx.outcomes.empty() && fx.breaches.empty() && fx.breach_updates.empty() &&
           fx.warnings.empty() && fx.evaluation_errors.empty() && fx.objectives.empty() &&
           state.empty();
  }
};

/// Moves one engine call's effects into `g` and clears `step`. An id both upserted and
/// erased in the call is settled by asking the engine whether it still holds the entry.
void absorb(group_effects& g, engine::effects& step, const engine::engine& e);

/// Adds deletions of `ids` (entries the engine dropped outside a step: reloads, restores).
void absorb_erased(group_effects& g, const std::vector<std::string>& ids);

/// Where the notifications of a transaction go (null routes: none).
struct notify_context {
  const notify_routes* routes = nullptr;
  const rules::rule_set* rules = nullptr;
  instant now{};
};

/// Writes every effect of `g` inside the caller's transaction: outcomes, new breaches,
/// breach updates, state upserts and deletes, and the outbox items of every new breach and
/// closure, and a "breach" audit entry (at `audit_at`) for every insert and applied update.
/// Fills new_breaches/closed_breaches/dropped.
result<bool> persist(store::store& s, group_effects& g, const notify_context& notify = {},
                     instant audit_at = {});

store::state_row to_row(engine::state_entry&& e);
engine::state_entry to_entry(store::state_row r);

}  // namespace slawatch::ingest::detail
