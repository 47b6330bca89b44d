// The engine's dispatch: which rules see an event, with what bound; the processing clock,
// reloads and restores.
#include "slawatch/engine/engine.hpp"
#include <algorithm>
#include <iterator>
#include "state.hpp"

namespace slawatch::engine {

void effects::clear() {
  outcomes.clear();
  breaches.clear();
  breach_updates.clear();
  warnings.clear();
  upserts.clear();
  erased.clear();
  evaluation_errors.clear();
  objectives.clear();
}

engine::engine(std::shared_ptr<const rules::rule_set> rules)
    : st_(std::make_unique<detail::engine_state>()) {
  set_rules(std::move(rules));
}

engine::~engine() = default;
engine::engine(engine&&) noexcept = default;
engine& engine::operator=(engine&&) noexcept = default;

namespace {

/// At most this many event types get a cached typed view per partner: types are partner
/// input, so a partner sending endless new types costs time, never unbounded memory.
constexpr std::size_t max_cached_types = 256;

expr::string_guard type_guard(const expr::program* p) {
  return p == nullptr ? expr::string_guard{} : expr::guard_of(*p, "event", "type");
}

/// Which event types can make the rule do anything (see expr::string_guard).
expr::string_guard rule_guard(const rules::rule& r) {
  switch (r.kind) {
    case rules::rule_kind::condition: return type_guard(r.when.get());
    case rules::rule_kind::deadline: {
      auto g = expr::either(type_guard(r.start.when.get()), type_guard(r.stop.when.get()));
      return r.cancel.when ? expr::either(std::move(g), type_guard(r.cancel.when.get())) : g;
    }
    case rules::rule_kind::absence: return type_guard(r.expect.get());
    case rules::rule_kind::aggregate: {
      if (r.measures.empty()) return {};
      auto g = type_guard(r.measures.front().when.get());
      for (std::size_t i = 1; i < r.measures.size(); ++i) {
        g = expr::either(std::move(g), type_guard(r.measures[i].when.get()));
      }
      return g;
    }
    case rules::rule_kind::objective: return {};
  }
  return {};
}

}  // namespace

void engine::build_views() {
  partners_.clear();
  guards_.clear();
  st_->fns.clear();
  st_->set = rules_.get();
  st_->partner_ids.clear();
  st_->partner_docs.clear();
  st_->rule_index.clear();
  if (!rules_) return;
  st_->fns = rules::business_functions(*rules_);
  for (std::uint32_t i = 0; i < rules_->rules.size(); ++i) {
    st_->rule_index.emplace(rules_->rules[i].id, i);
    guards_.push_back(rule_guard(rules_->rules[i]));
  }
  // Selectors are static per rule set, so matching is done once here instead of per event.
  for (const auto& [id, p] : rules_->partners) {
    partner_view view;
    view.doc = p.to_json();
    // Rules see the calendar the partner's business time uses: a partner without a named
    // calendar has its mon-fri default, "partner:<id>" (docs/rules.md).
    if (p.calendar.empty()) view.doc["calendar"] = "partner:" + id;
    view.index = static_cast<std::uint32_t>(st_->partner_ids.size());
    for (const auto& r : rules_->rules) {
      if (!r.enabled || !r.partners.matches(p)) continue;
      if (r.kind == rules::rule_kind::condition && r.require) view.conditions.push_back(&r);
      if (r.kind == rules::rule_kind::deadline && r.start.when && r.stop.when) {
        view.deadlines.push_back(&r);
      }
      if (r.kind == rules::rule_kind::absence && r.expect) view.absences.push_back(&r);
      if (r.kind == rules::rule_kind::aggregate && r.group && r.require) {
        view.aggregates.push_back(&r);
      }
    }
    st_->partner_ids.push_back(id);
    auto [it, fresh] = partners_.emplace(id, std::move(view));
    (void)fresh;
    st_->partner_docs.push_back(&it->second.doc);
  }
  detail::index_objectives(*st_);
}

engine::typed_view engine::build_typed(const partner_view& view, std::string_view type) const {
  typed_view tv;
  auto admits = [&](const rules::rule* r) { return guards_[st_->index_of(*r)].admits(type); };
  std::map<std::string_view, int> slots;   // distinct `when` texts
  for (const rules::rule* r : view.conditions) {
    if (!admits(r)) continue;
    int slot = -1;
    if (r->when && !guards_[st_->index_of(*r)].decisive) {
      slot = slots.emplace(expr::source_of(*r->when), static_cast<int>(slots.size())).first->second;
    }
    tv.conditions.push_back({r, slot});
  }
  tv.when_slots = slots.size();
  std::copy_if(view.deadlines.begin(), view.deadlines.end(), std::back_inserter(tv.deadlines), admits);
  std::copy_if(view.absences.begin(), view.absences.end(), std::back_inserter(tv.absences), admits);
  std::copy_if(view.aggregates.begin(), view.aggregates.end(), std::back_inserter(tv.aggregates),
               admits);
  return tv;
}

const engine::typed_view& engine::typed(partner_view& view, const std::string& type,
                                        typed_view& scratch) const {
  if (auto it = view.by_type.find(type); it != view.by_type.end()) return it->second;
  if (view.by_type.size() >= max_cached_types) {
    scratch = build_typed(view, type);
    return scratch;
  }
  return view.by_type.emplace(type, build_typed(view, type)).first->second;
}

void engine::set_rules(std::shared_ptr<const rules::rule_set> rules) {
  effects ignored;
  set_rules(std::move(rules), ignored);
}

namespace {

/// Whether an entry of the old set may live on under `set`.
bool survives(const rules::rule_set& set, const state_entry& e) {
  const auto* r = set.find_rule(e.rule);
  const auto* p = set.find_partner(e.partner);
  if (r == nullptr || p == nullptr || !r->enabled || !r->partners.matches(*p)) return false;
  if (r->kind == rules::rule_kind::deadline) return e.kind != "absence";
  if (r->kind == rules::rule_kind::absence) return e.kind == "absence" || e.kind == "open_breach";
  if (r->kind == rules::rule_kind::aggregate) {
    return e.kind == "aggregate" || e.kind == "aggregate_chunk";
  }
  if (r->kind == rules::rule_kind::objective) return e.kind == "objective";
  return false;
}

}  // namespace

void engine::set_rules(std::shared_ptr<const rules::rule_set> rules, effects& out) {
  auto old_rules = rules_;   // keeps the old set alive while its entries are read
  std::vector<state_entry> entries = rules_ ? snapshot() : std::vector<state_entry>{};
  auto clock = st_->clock;
  st_->clear_entries();
  rules_ = std::move(rules);
  build_views();
  std::vector<state_entry> kept;
  for (auto& e : entries) {
    if (rules_ && survives(*rules_, e)) {
      kept.push_back(std::move(e));
    } else {
      out.erased.push_back(e.id);
    }
  }
  if (rules_) {
    // Entries of a surviving kind may still not load (an aggregate whose measures changed, a
    // window chunk emptied by a shorter window): reported as dropped too, so storage follows.
    restore_begin();
    restore_add(kept, out.erased);
    restore_end(out.erased);
  }
  st_->clock = clock;
  st_->seeded = rules_ && detail::absences_complete(*st_);
}

void engine::observe_clock(instant now, effects& out) {
  if (!st_->clock || *st_->clock < now) st_->clock = now;
  if (!st_->seeded && rules_) detail::seed_absences(*st_, *st_->clock, out);
}

void engine::on_event(const model::event& ev, effects& out) {
  auto it = partners_.find(ev.partner);
  if (it == partners_.end()) return;  // precondition violated: unknown partners are rejected
  observe_clock(ev.received_at, out);
  const std::size_t from = out.outcomes.size();
  expr::activation act;
  act.bind("event", expr::value::borrow(ev.doc));
  act.bind("partner", expr::value::borrow(it->second.doc));
  partner_view& view = it->second;
  typed_view scratch;
  const typed_view& tv = typed(view, ev.type, scratch);
  when_memo_.assign(tv.when_slots, when_unknown);
  for (const condition_ref& c : tv.conditions) on_condition(c, ev, act, when_memo_, out);
  for (const rules::rule* r : tv.deadlines) {
    detail::deadline_event(*st_, *r, view.index, ev, act, out);
  }
  for (const rules::rule* r : tv.absences) {
    detail::absence_event(*st_, *r, view.index, ev, act, out);
  }
  for (const rules::rule* r : tv.aggregates) {
    detail::aggregate_event(*st_, *r, view.index, ev, act, out);
  }
  detail::count_outcomes(*st_, from, out);
  if (!st_->defer) flush_state(out);
}

void engine::defer_state(bool on) { st_->defer = on; }

void engine::flush_state(effects& out) { detail::flush_dirty(*st_, out); }

void engine::on_waive(const std::string& rule, const std::string& partner, instant decided_at,
                      effects& out) {
  if (rules_) detail::waive_outcome(*st_, rule, partner, decided_at, out);
  if (!st_->defer) flush_state(out);
}

void engine::on_tick(instant now, effects& out) {
  if (!rules_) return;
  observe_clock(now, out);
  detail::fire_due(*st_, now, out);
  if (!st_->defer) flush_state(out);
}

std::optional<instant> engine::next_due() const {
  // Absence periods start on the first sight of the clock: ask for a tick right away.
  if (!st_->seeded && rules_ &&
      std::any_of(partners_.begin(), partners_.end(),
                  [](const auto& kv) { return !kv.second.absences.empty(); })) {
    return instant{};
  }
  if (st_->timers.empty()) return std::nullopt;
  return st_->timers.begin()->at;
}

void engine::restore(const std::vector<state_entry>& entries) {
  std::vector<std::string> ignored;   // the caller asks holds() itself
  restore_begin();
  restore_add(entries, ignored);
  restore_end(ignored);
}

void engine::restore_begin(std::size_t expected_obligations) {
  st_->clear_entries();
  if (expected_obligations > st_->obligations.bucket_count()) {
    st_->obligations.reserve(expected_obligations);
  }
  st_->clock.reset();
  st_->seeded = false;
  st_->restoring.emplace();
}

void engine::restore_add(const std::vector<state_entry>& chunk,
                         std::vector<std::string>& not_taken) {
  if (!st_->restoring) restore_begin();
  if (!rules_) {
    for (const auto& e : chunk) not_taken.push_back(e.id);
    return;
  }
  detail::load_chunk(*st_, *st_->restoring, chunk, not_taken);
}

void engine::restore_end(std::vector<std::string>& not_taken) {
  if (!st_->restoring) restore_begin();
  auto p = std::move(*st_->restoring);
  st_->restoring.reset();
  if (rules_) detail::finish_load(*st_, p);
  st_->seeded = rules_ && detail::absences_complete(*st_);
  for (auto& e : p.unsure) {   // rejected entries and aggregate chunks: few
    if (!holds(e)) not_taken.push_back(std::move(e.id));
  }
}

std::vector<state_entry> engine::snapshot() const { return detail::snapshot(*st_); }

}  // namespace slawatch::engine
