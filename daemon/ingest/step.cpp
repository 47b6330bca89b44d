// Netting an engine step's state changes per id, and writing a transaction's effects.
#include "step.hpp"
#include "slawatch/ingest/audit.hpp"
#include <algorithm>
#include <unordered_set>

namespace slawatch::ingest::detail {

void absorb(group_effects& g, engine::effects& step, const engine::engine& e) {
  auto& fx = g.fx;
  std::move(step.outcomes.begin(), step.outcomes.end(), std::back_inserter(fx.outcomes));
  std::move(step.breaches.begin(), step.breaches.end(), std::back_inserter(fx.breaches));
  std::move(step.breach_updates.begin(), step.breach_updates.end(),
            std::back_inserter(fx.breach_updates));
  std::move(step.warnings.begin(), step.warnings.end(), std::back_inserter(fx.warnings));
  for (const auto& [rule, n] : step.evaluation_errors) fx.evaluation_errors[rule] += n;
  std::move(step.objectives.begin(), step.objectives.end(), std::back_inserter(fx.objectives));
  // Within one call the vectors lose their relative order (a stop before its start is
  // upserted, then erased by the start; a cancel erases, then a start upserts). Ids in both
  // are rare: the engine's state after the call says which came last.
  if (step.upserts.empty() || step.erased.empty()) {
    for (auto& entry : step.upserts) g.state[entry.id] = std::move(entry);
    for (auto& id : step.erased) g.state[id] = std::nullopt;
  } else {
    std::unordered_set<std::string> erased(step.erased.begin(), step.erased.end());
    std::unordered_set<std::string> upserted;
    for (auto& entry : step.upserts) {
      upserted.insert(entry.id);
      if (erased.count(entry.id) && !e.holds(entry)) continue;
      g.state[entry.id] = std::move(entry);
    }
    for (auto& id : step.erased) {
      if (!upserted.count(id)) g.state[id] = std::nullopt;
    }
  }
  step.clear();
}

void absorb_erased(group_effects& g, const std::vector<std::string>& ids) {
  for (const auto& id : ids) g.state[id] = std::nullopt;
}

store::state_row to_row(engine::state_entry&& e) {
  return store::state_row{std::move(e.id),  std::move(e.kind), std::move(e.rule),
                          std::move(e.partner), std::move(e.key), e.fire_at,
                          std::move(e.data)};
}

engine::state_entry to_entry(store::state_row r) {
  return engine::state_entry{std::move(r.id),   std::move(r.kind), std::move(r.rule),
                             std::move(r.partner), std::move(r.key), r.fire_at,
                             std::move(r.data)};
}

namespace {

/// Last step of a group: the entries are moved out (a failed group is never written again;
/// the engine is restored from storage instead).
result<bool> persist_state(store::store& s, group_effects& g) {
  std::vector<store::state_row> rows;
  std::vector<std::string> gone;
  for (auto& [id, entry] : g.state) {
    if (entry) {
      if (entry->kind == "obligation") g.obligations_changed = true;
      rows.push_back(to_row(std::move(*entry)));
    } else {
      if (id.starts_with("obligation/")) g.obligations_changed = true;
      gone.push_back(id);
    }
  }
  if (auto r = s.put_state(rows); !r) return r;
  return s.erase_state(gone);
}

/// The closed breach as the update left it (the store's rule: status, completion, delay).
model::breach closed_copy(const model::breach& before, const engine::breach_update& u) {
  model::breach after = before;
  after.status = u.status;
  after.completed_at = u.completed_at;
  after.delay_seconds = u.delay_seconds;
  return after;
}

/// Outbox items for the new breaches and closures, written in the same transaction.
result<bool> enqueue_notifications(store::store& s, group_effects& g, const notify_context& n,
                                   const std::vector<model::breach>& closed_after) {
  if (n.routes == nullptr || n.rules == nullptr) return true;
  std::vector<store::outbox_item> items;
  auto add = [&](const model::breach& b, std::string_view event) {
    auto more = notifications(*n.routes, *n.rules, b, event, n.now);
    std::move(more.begin(), more.end(), std::back_inserter(items));
  };
  for (const auto* b : g.new_breaches) add(*b, "opened");
  for (const auto& b : closed_after) add(b, "closed");
  if (items.empty()) return true;
  auto dropped = s.enqueue(items, n.routes->outbox_capacity);
  if (!dropped) return dropped.err();
  g.dropped = std::move(dropped.value());
  return true;
}

/// A "breach" audit entry in the transaction that writes the breach (contract 8).
result<bool> audit_breach(store::store& s, const model::breach& b, std::string_view event, instant at) {
  auto e = s.append_audit("breach", breach_audit_detail(b, event), at);
  if (!e) return e.err();
  return true;
}

}  // namespace

result<bool> persist(store::store& s, group_effects& g, const notify_context& notify,
                     instant audit_at) {
  g.new_breaches.clear();
  g.closed_breaches.clear();
  g.dropped.clear();
  std::vector<model::breach> closed_after;
  if (auto r = s.add_outcomes(g.fx.outcomes); !r) return r;
  for (const auto& b : g.fx.breaches) {
    auto inserted = s.put_breach(b);
    if (!inserted) return inserted.err();
    if (!*inserted) continue;
    g.new_breaches.push_back(&b);   // a retried group never counts twice
    if (auto r = audit_breach(s, b, "opened", audit_at); !r) return r;
  }
  // After the inserts: a breach opened by a tick may be closed by a stop of the same group.
  for (const auto& u : g.fx.breach_updates) {
    auto before = s.update_breach({u.id, u.status, u.completed_at, u.delay_seconds});
    if (!before) return before.err();
    const auto& old = before.value();
    if (!old) continue;
    const bool closes = old->status == model::breach_status::open &&
                        u.status != model::breach_status::open;
    auto after = closed_copy(*old, u);
    if (old->status == model::breach_status::waived) after.status = old->status;   // never un-waived
    if (auto r = audit_breach(s, after, closes ? "closed" : "updated", audit_at); !r) return r;
    if (closes) {
      g.closed_breaches.push_back(*old);
      closed_after.push_back(std::move(after));
    }
  }
  if (auto r = enqueue_notifications(s, g, notify, closed_after); !r) return r;
  return persist_state(s, g);
}

}  // namespace slawatch::ingest::detail
