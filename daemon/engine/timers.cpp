// The timer set shared by deadline and absence rules, open breaches awaiting their late
// stop or report, and helpers both kinds use.
#include <fmt/format.h>
#include "state.hpp"

namespace slawatch::engine::detail {

void engine_state::clear_entries() {
  timers.clear();  // first: timers point into the maps below
  obligations.clear();
  obligation_tally.clear();
  dirty.clear();
  early_stops.clear();
  absences.clear();
  open_breaches.clear();
  aggregates.clear();
  objectives.clear();
  types.clear();
  seeded = false;
}

void add_timer(engine_state& st, instant at, timer_kind kind, const okey& k) {
  st.timers.insert(timer{at, kind, &k});
}

void remove_timer(engine_state& st, instant at, timer_kind kind, const okey& k) {
  st.timers.erase(timer{at, kind, &k});
}

void fire_due(engine_state& st, instant now, effects& out) {
  while (!st.timers.empty() && st.timers.begin()->at <= now) {
    timer t = *st.timers.begin();
    okey k = *t.k;  // copy: the handler may erase the node the timer points into
    st.timers.erase(st.timers.begin());
    const std::size_t from = out.outcomes.size();
    switch (t.kind) {
      case timer_kind::obligation:
        fire_obligation(st, k, now, out);
        break;
      case timer_kind::early_stop:
        expire_early_stop(st, k, out);
        break;
      case timer_kind::absence:
        fire_absence(st, k, now, out);
        break;
      case timer_kind::aggregate:
        fire_aggregate(st, k, now, out);
        break;
      case timer_kind::objective:
        fire_objective(st, k, now, out);
        break;
    }
    // Counted right away: a later timer in this loop may close the window they belong to.
    count_outcomes(st, from, out);
  }
}

double seconds(duration d) { return std::chrono::duration<double>(d).count(); }

bool close_open_breaches(engine_state& st, const okey& k, instant completed, bool all,
                         effects& out) {
  auto it = st.open_breaches.find(k);
  if (it == st.open_breaches.end() || it->second.empty()) return false;
  auto& list = it->second;
  std::size_t n = all ? list.size() : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& b = list[i];
    out.breach_updates.push_back(
        breach_update{b.breach_id, model::breach_status::closed, completed, seconds(completed - b.due)});
    out.erased.push_back(open_breach_id(st, k, b));
  }
  list.erase(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(n));
  if (list.empty()) st.open_breaches.erase(it);
  return true;
}

void record_open_breach(engine_state& st, const okey& k, open_breach b, effects& out) {
  out.upserts.push_back(open_breach_entry(st, k, b));
  auto& list = st.open_breaches[k];
  // Oldest due first, so a late report closes the oldest period; ties keep arrival order.
  auto pos = std::upper_bound(list.begin(), list.end(), b.due,
                              [](instant d, const open_breach& x) { return d < x.due; });
  list.insert(pos, std::move(b));
}

model::breach timer_breach(const rules::rule& r, const std::string& partner,
                           const std::string& key, instant due,
                           const slawatch::calendar::business_calendar& cal) {
  model::breach b;
  b.rule = r.id;
  b.rule_version = r.version;
  b.kind = std::string(rules::to_string(r.kind));
  b.category = r.category;
  b.severity = r.severity;
  b.partner = partner;
  b.key = key;
  b.occurred_at = due;
  b.occurred_offset = slawatch::calendar::offset_at(due, *cal.zone);
  b.due_at = due;
  b.labels = r.labels;
  return b;
}

bool matches(const expr::program& p, const rules::rule& r, const expr::activation& act,
             const engine_state& st, effects& out) {
  auto res = expr::evaluate_bool(p, act, &st.fns);
  if (res.t == expr::truth::error) ++out.evaluation_errors[r.id];
  return res.t == expr::truth::yes;
}

bool excepted(const rules::rule& r, instant now, const expr::activation& act,
              const engine_state& st, effects& out) {
  for (const auto& ex : r.exceptions) {
    if (!ex.when || (ex.expires && *ex.expires <= now)) continue;
    if (matches(*ex.when, r, act, st, out)) return true;
  }
  return false;
}

}  // namespace slawatch::engine::detail
