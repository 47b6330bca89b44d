// The aggregate kind (contract 5.3): measures per (rule, partner, group value), checked once
// the group settles (`settle:`) or at every matching event over a sliding window (`window:`).
// Semantics and their reasons: docs/rules.md "The aggregate kind".
#include <fmt/format.h>
#include <algorithm>
#include "state.hpp"

namespace slawatch::engine::detail {
namespace {

namespace cal_ns = slawatch::calendar;
using agg_t = rules::rule::aggregation;

/// What one event gives each measure; `matched` when any measure's filter accepted it.
struct contribution {
  bool matched = false;
  std::vector<std::optional<number>> parts;
};

contribution contribute(const engine_state& st, const rules::rule& r, const expr::activation& act,
                        effects& out) {
  contribution c;
  c.parts.resize(r.measures.size());
  for (std::size_t i = 0; i < r.measures.size(); ++i) {
    const auto& m = r.measures[i];
    if (m.when && !matches(*m.when, r, act, st, out)) continue;
    c.matched = true;
    if (m.agg == agg_t::count) {
      c.parts[i] = number{true, 1, 0};
      continue;
    }
    auto res = expr::evaluate(*m.value, act, &st.fns);
    auto n = res.ok() ? to_number(res.val) : std::nullopt;
    if (!n) ++out.evaluation_errors[r.id];  // not a number: left out, counted
    c.parts[i] = n;
  }
  return c;
}

/// The group value: a string, or an int in its decimal form; anything else is counted.
std::optional<std::string> group_of(const engine_state& st, const rules::rule& r,
                                    const expr::activation& act, effects& out) {
  auto res = expr::evaluate(*r.group, act, &st.fns);
  if (res.ok() && res.val.kind() == expr::type::string_type) return std::string(res.val.as_string());
  if (res.ok() && res.val.kind() == expr::type::int_type) return std::to_string(res.val.as_int());
  ++out.evaluation_errors[r.id];
  return std::nullopt;
}

void add_parts(std::vector<measure_acc>& acc, const rules::rule& r,
               const std::vector<std::optional<number>>& parts, const std::string& rule_id,
               effects& out) {
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] && !fold(acc[i], r.measures[i].agg, *parts[i])) ++out.evaluation_errors[rule_id];
  }
}

struct verdict {
  bool met = false;
  std::string observed;
  std::string error;
};

/// Evaluates `require` over the measures; errors fail closed.
verdict judge(const engine_state& st, const okey& k, const std::vector<measure_acc>& acc,
              effects& out) {
  const auto& r = st.rule_at(k);
  expr::activation act;
  for (std::size_t i = 0; i < r.measures.size(); ++i) {
    act.bind(r.measures[i].name, measure_value(acc[i], r.measures[i].agg));
  }
  act.bind("group", expr::value(k.key));
  act.bind("partner", expr::value::borrow(*st.partner_docs[k.partner]));
  auto res = expr::evaluate_bool(*r.require, act, &st.fns);
  if (res.t == expr::truth::error) ++out.evaluation_errors[r.id];
  verdict v{res.t == expr::truth::yes, {}, res.error};
  // The rendering is evidence: only a breach needs it (most checks pass).
  for (std::size_t i = 0; !v.met && i < r.measures.size(); ++i) {
    if (!v.observed.empty()) v.observed += ", ";
    v.observed += fmt::format("{} = {}", r.measures[i].name,
                               measure_value(acc[i], r.measures[i].agg).debug_string());
  }
  return v;
}

std::string one_line(std::string_view s) {
  std::string out;
  for (char c : s) {
    bool blank = c == '\n' || c == '\r' || c == '\t' || c == ' ';
    if (blank && (out.empty() || out.back() == ' ')) continue;
    out += blank ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

model::breach aggregate_breach(const engine_state& st, const okey& k, instant at,
                               std::vector<std::string> events, std::uint64_t count,
                               verdict v) {
  const auto& r = st.rule_at(k);
  const auto& zone = *st.set->calendar_for(r, st.partner_at(k))->zone;
  model::breach b;
  b.rule = r.id;
  b.rule_version = r.version;
  b.kind = "aggregate";
  b.category = r.category;
  b.severity = r.severity;
  b.partner = st.partner_at(k);
  b.key = k.key;
  b.occurred_at = at;
  b.occurred_offset = cal_ns::offset_at(at, zone);
  b.status = model::breach_status::closed;
  b.labels = r.labels;
  std::string expected = one_line(expr::source_of(*r.require));
  b.message = fmt::format("Group {} ({} events, {} {}) did not satisfy: {}", k.key, count,
                          r.settle ? "settled" : "window up to", cal_ns::format_local(at, zone),
                          expected);
  b.evidence = {{"events", std::move(events)},
                {"event_count", count},
                {"expected", std::move(expected)},
                {"observed", std::move(v.observed)}};
  if (!v.error.empty()) b.evidence["error"] = v.error;
  return b;
}

void settled_event(engine_state& st, okey k, const model::event& ev, const contribution& c,
                   effects& out) {
  const auto& r = st.rule_at(k);
  auto it = st.aggregates.find(k);
  if (it == st.aggregates.end()) {
    const auto* cal = st.set->calendar_for(r, st.partner_at(k));
    agg_group g;
    g.first_at = ev.occurred_at;
    g.first_event = ev.id;
    g.fire_at = cal_ns::due_after(ev.occurred_at, *r.settle, *cal);
    g.acc.resize(r.measures.size());
    it = st.aggregates.emplace(std::move(k), std::move(g)).first;
    add_timer(st, it->second.fire_at, timer_kind::aggregate, it->first);
  }
  agg_group& g = it->second;
  ++g.count;
  if (g.events.size() < max_evidence_events) g.events.push_back(ev.id);
  add_parts(g.acc, r, c.parts, r.id, out);
  st.mark(engine_state::dirty_kind::aggregate, it->first);
}

/// The measures over the kept events dated in (t - window, t] (an event older than the
/// newest: a scan of that window).
std::vector<measure_acc> window_measures(const rules::rule& r, const agg_group& g, instant t,
                                         std::vector<std::string>& events, std::uint64_t& count) {
  std::vector<measure_acc> acc(r.measures.size());
  effects ignored;  // out-of-range values were already counted when the event arrived
  auto after = [](instant x, const agg_entry& e) { return x < e.at; };
  auto from = std::upper_bound(g.entries.begin(), g.entries.end(), t - r.window, after);
  auto to = std::upper_bound(from, g.entries.end(), t, after);
  for (auto it = from; it != to; ++it) {
    ++count;
    if (events.size() < max_evidence_events) events.push_back(it->event);
    add_parts(acc, r, it->parts, r.id, ignored);
  }
  return acc;
}

/// In time order the window is every kept entry: the evidence is their first ids.
std::vector<std::string> first_events(const agg_group& g) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < g.entries.size() && i < max_evidence_events; ++i) {
    out.push_back(g.entries[i].event);
  }
  return out;
}

/// Adds the event to the kept entries and evicts those older than one window before the
/// newest; the measures over the window up to the event's time. `events` is filled only for
/// an event older than the newest (else the window is the first entries kept).
std::vector<measure_acc> slide(const engine_state& st, const okey& k, agg_group& g, agg_entry e,
                               std::vector<std::string>& events, std::uint64_t& count,
                               bool& scanned, effects& out) {
  const auto& r = st.rule_at(k);
  const instant t = e.at;
  // Events in time order (the normal case): the kept entries are exactly the window up to t,
  // so the running measures answer without a scan.
  const bool in_order = g.entries.empty() || t >= g.entries.back().at;
  // Counts and sums over the kept entries do not depend on their order; min and max keep
  // candidates in time order and are rebuilt after an insertion in the middle.
  const bool running = in_order || !has_extremes(r);
  e.seq = store_entry(g, e);
  if (in_order) {
    g.entries.push_back(std::move(e));
    window_add(r, g.win, g.entries.back());
  } else {
    auto pos = std::upper_bound(g.entries.begin(), g.entries.end(), t,
                                [](instant x, const agg_entry& y) { return x < y.at; });
    pos = g.entries.insert(pos, std::move(e));
    if (running) window_add(r, g.win, *pos);
  }
  // Entries older than one window before the newest can no longer fall in a window.
  const instant newest = g.entries.back().at;
  while (!g.entries.empty() && g.entries.front().at <= newest - r.window) {
    forget_entry(st, k, g, g.entries.front(), out);
    if (running) window_drop(r, g.win, g.entries.front());
    g.entries.pop_front();
  }
  seal_tail(st, k, g, out);
  if (!in_order) {
    if (!running) {
      window_reset(r, g.win);
      for (const auto& x : g.entries) window_add(r, g.win, x);
    }
    scanned = true;
    return window_measures(r, g, t, events, count);
  }
  count = g.entries.size();
  return window_current(r, g.win);
}

void sliding_event(engine_state& st, okey k, const model::event& ev, contribution c,
                   effects& out) {
  const auto& r = st.rule_at(k);
  auto [it, fresh] = st.aggregates.try_emplace(std::move(k));
  agg_group& g = it->second;
  if (fresh) window_reset(r, g.win);
  if (!fresh) remove_timer(st, g.fire_at, timer_kind::aggregate, it->first);
  for (std::size_t i = 0; i < c.parts.size(); ++i) {  // counted here, once per event
    measure_acc probe;
    if (c.parts[i] && !fold(probe, r.measures[i].agg, *c.parts[i])) {
      ++out.evaluation_errors[r.id];
      c.parts[i].reset();
    }
  }
  const instant t = ev.occurred_at;
  std::vector<std::string> events;
  std::uint64_t count = 0;
  bool scanned = false;
  auto acc = slide(st, it->first, g, agg_entry{t, ev.id, std::move(c.parts)}, events, count,
                   scanned, out);
  auto v = judge(st, it->first, acc, out);
  const std::string& partner = st.partner_at(it->first);
  if (!v.met && (!g.quiet_until || t >= *g.quiet_until)) {
    if (!scanned) events = first_events(g);   // built only for a breach
    auto b = aggregate_breach(st, it->first, t, std::move(events), count, std::move(v));
    b.id = model::breach_id(r.id, partner, it->first.key, timefmt::format_utc_ms(t));
    b.detected_at = ev.received_at;
    out.outcomes.push_back({r.id, partner, model::outcome_kind::breached, t});
    out.breaches.push_back(std::move(b));
    g.quiet_until = g.met_until = t + r.window;
  } else if (v.met && (!g.met_until || t >= *g.met_until)) {
    out.outcomes.push_back({r.id, partner, model::outcome_kind::met, t});
    g.met_until = t + r.window;
  }
  g.fire_at = ev.received_at + r.window;
  add_timer(st, g.fire_at, timer_kind::aggregate, it->first);
  st.mark(engine_state::dirty_kind::aggregate, it->first);
}

}  // namespace

void aggregate_event(engine_state& st, const rules::rule& r, std::uint32_t partner,
                     const model::event& ev, const expr::activation& act, effects& out) {
  if (st.set->calendar_for(r, ev.partner) == nullptr) return;  // loaded without zones
  auto c = contribute(st, r, act, out);
  if (!c.matched || excepted(r, ev.received_at, act, st, out)) return;
  auto group = group_of(st, r, act, out);
  if (!group) return;
  okey k{st.index_of(r), partner, std::move(*group)};
  if (r.settle) {
    settled_event(st, std::move(k), ev, c, out);
  } else {
    sliding_event(st, std::move(k), ev, std::move(c), out);
  }
}

void fire_aggregate(engine_state& st, const okey& k, instant now, effects& out) {
  auto it = st.aggregates.find(k);
  if (it == st.aggregates.end()) return;
  const auto& r = st.rule_at(k);
  agg_group g = std::move(it->second);
  erase_group(st, k, g, out);
  st.aggregates.erase(it);  // timer already removed by fire_due
  if (!r.settle) return;    // a sliding group idle for a whole window is dropped
  auto v = judge(st, k, g.acc, out);
  const std::string& partner = st.partner_at(k);
  if (v.met) {
    out.outcomes.push_back({r.id, partner, model::outcome_kind::met, g.fire_at});
    return;
  }
  auto b = aggregate_breach(st, k, g.fire_at, std::move(g.events), g.count, std::move(v));
  b.id = model::breach_id(r.id, partner, k.key,
                          timefmt::format_utc_ms(g.first_at) + "/" + g.first_event);
  b.due_at = g.fire_at;
  b.detected_at = now;
  out.outcomes.push_back({r.id, partner, model::outcome_kind::breached, g.fire_at});
  out.breaches.push_back(std::move(b));
}

}  // namespace slawatch::engine::detail
