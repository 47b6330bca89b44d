// The deadline kind (contract 5.3): a start opens an obligation per key, a stop with the same
// key meets it (or, after the due time, breaches it closed), the timer breaches it open.
// Per event the order is cancel, stop, start (docs/rules.md "The deadline kind").
#include <fmt/format.h>
#include <algorithm>
#include "state.hpp"

namespace slawatch::engine::detail {
namespace {

namespace cal_ns = slawatch::calendar;

/// "2026-11-06 15:00 EAT": format_local without the seconds.
std::string local_minutes(instant t, const date::time_zone& zone) {
  std::string s = cal_ns::format_local(t, zone);
  return s.size() > 19 && s[16] == ':' ? s.erase(16, 3) : s;
}

/// The keys an expression gives: a string or a list of strings; anything else is an
/// evaluation error (counted) and no key.
std::vector<std::string> keys_of(const expr::program& p, const rules::rule& r,
                                 const expr::activation& act, const engine_state& st,
                                 effects& out) {
  auto res = expr::evaluate(p, act, &st.fns);
  std::vector<std::string> keys;
  bool ok = res.ok();
  if (ok && res.val.kind() == expr::type::string_type) {
    keys.emplace_back(res.val.as_string());
  } else if (ok && res.val.kind() == expr::type::list_type) {
    if (const auto* j = res.val.json()) {
      for (const auto& item : *j) {
        if (!item.is_string()) ok = false;
        if (ok) keys.push_back(item.get<std::string>());
      }
    } else if (const auto* l = res.val.owned_list()) {
      for (const auto& item : *l) {
        if (item.kind() != expr::type::string_type) ok = false;
        if (ok) keys.emplace_back(item.as_string());
      }
    }
  } else {
    ok = false;
  }
  if (!ok) {
    ++out.evaluation_errors[r.id];
    keys.clear();
  }
  // A key listed twice settles once (the second would otherwise wait as an early stop).
  std::vector<std::string> unique;
  for (auto& k : keys) {
    if (std::find(unique.begin(), unique.end(), k) == unique.end()) unique.push_back(std::move(k));
  }
  return unique;
}

/// The `at` of a start or stop: the expression (a timestamp or an RFC 3339 string), or the
/// event's occurred_at. nullopt (counted) on an error.
std::optional<instant> at_of(const std::shared_ptr<const expr::program>& p, const rules::rule& r,
                             const model::event& ev, const expr::activation& act,
                             const engine_state& st, effects& out) {
  if (!p) return ev.occurred_at;
  auto res = expr::evaluate(*p, act, &st.fns);
  if (res.ok() && res.val.kind() == expr::type::timestamp_type) return res.val.as_timestamp();
  if (res.ok() && res.val.kind() == expr::type::string_type) {
    if (auto t = timefmt::parse_rfc3339(res.val.as_string())) return t;
  }
  ++out.evaluation_errors[r.id];
  return std::nullopt;
}

const cal_ns::business_calendar& calendar_of(const engine_state& st, const okey& k) {
  return *st.set->calendar_for(st.rule_at(k), st.partner_at(k));
}

instant next_fire(const rules::rule& r, const obligation& o, const cal_ns::business_calendar& cal) {
  if (o.warned < r.warn_at.size()) {
    return cal_ns::progress_instant(o.started_at, r.within, r.warn_at[o.warned] / 100.0, cal);
  }
  return o.due + r.allowed_lateness;
}

model::breach deadline_breach(const engine_state& st, const okey& k, const obligation& o) {
  const auto& r = st.rule_at(k);
  const auto& cal = calendar_of(st, k);
  auto b = timer_breach(r, st.partner_at(k), k.key, o.due, cal);
  b.id = model::breach_id(r.id, b.partner, k.key, timefmt::format_utc_ms(o.started_at));
  auto within = cal_ns::to_string(r.within);
  b.message = fmt::format("Obligation {} ({} {}) not met within {} (due {})", k.key,
                          o.start_type ? *o.start_type : std::string("start"),
                          local_minutes(o.started_at, *cal.zone), within,
                          cal_ns::format_local(o.due, *cal.zone));
  b.evidence = {{"events", nlohmann::json::array({o.start_event})},
                {"expected", "stop within " + within},
                {"observed", "no stop by due"}};
  return b;
}

/// Decides an obligation with a stop at `at` (the obligation is not stored or already
/// removed by the caller): met when at <= due, else a closed breach.
void decide(const engine_state& st, const okey& k, const obligation& o, instant at,
            const std::string& stop_event, instant now, effects& out) {
  const auto& r = st.rule_at(k);
  if (at <= o.due) {
    out.outcomes.push_back({r.id, st.partner_at(k), model::outcome_kind::met, at});
    return;
  }
  auto b = deadline_breach(st, k, o);
  b.detected_at = now;
  b.completed_at = at;
  b.delay_seconds = seconds(at - o.due);
  b.status = model::breach_status::closed;
  b.evidence["events"].push_back(stop_event);
  b.evidence["observed"] = "stop at " + cal_ns::format_rfc3339_local(at, *calendar_of(st, k).zone);
  out.outcomes.push_back({r.id, b.partner, model::outcome_kind::breached, o.due});
  out.breaches.push_back(std::move(b));
}

void erase_obligation(engine_state& st, obligation_map::iterator it, effects& out) {
  remove_timer(st, it->second.fire_at, timer_kind::obligation, it->first);
  if (it->second.stored) out.erased.push_back(entry_id(st, "obligation", it->first));
  st.obligation_removed(it->first);
  st.obligations.erase(it);
}

void erase_early_stop(engine_state& st, const okey& k, effects& out) {
  auto it = st.early_stops.find(k);
  if (it == st.early_stops.end()) return;
  remove_timer(st, it->second.fire_at, timer_kind::early_stop, it->first);
  out.erased.push_back(entry_id(st, "early_stop", it->first));
  st.early_stops.erase(it);
}

void on_stop(engine_state& st, const okey& k, instant at, const model::event& ev, effects& out) {
  // A stop settles everything its key has: late stops close open breaches, and it decides
  // the open obligation.
  bool any = close_open_breaches(st, k, at, true, out);
  if (auto it = st.obligations.find(k); it != st.obligations.end()) {
    obligation o = it->second;   // a copy: erase_obligation still reads the stored one
    erase_obligation(st, it, out);
    decide(st, k, o, at, ev.id, ev.received_at, out);
    any = true;
  }
  const auto& r = st.rule_at(k);
  if (any || r.allowed_lateness <= duration::zero() || st.early_stops.count(k)) return;
  // A stop before its start waits up to allowed_lateness (processing time) for the start.
  auto [it, fresh] =
      st.early_stops.emplace(k, early_stop{at, ev.received_at + r.allowed_lateness, ev.id});
  (void)fresh;
  add_timer(st, it->second.fire_at, timer_kind::early_stop, it->first);
  out.upserts.push_back(early_stop_entry(st, it->first, it->second));
}

void on_start(engine_state& st, okey k, instant started_at, const model::event& ev,
              effects& out) {
  if (st.obligations.count(k)) return;  // a second start for an open key changes nothing
  const auto& r = st.rule_at(k);
  const auto& cal = calendar_of(st, k);
  obligation o;
  o.started_at = started_at;
  o.due = cal_ns::due_after(started_at, r.within, cal);
  o.start_event = ev.id;
  o.start_type = &*st.types.insert(ev.type).first;
  if (auto es = st.early_stops.find(k); es != st.early_stops.end()) {
    early_stop stop = es->second;
    erase_early_stop(st, k, out);
    decide(st, k, o, stop.at, stop.stop_event, ev.received_at, out);
    return;
  }
  o.fire_at = next_fire(r, o, cal);
  auto [it, fresh] = st.obligations.emplace(std::move(k), std::move(o));
  if (fresh) st.obligation_added(it->first);
  add_timer(st, it->second.fire_at, timer_kind::obligation, it->first);
  st.mark(engine_state::dirty_kind::obligation, it->first);
}

}  // namespace

void deadline_event(engine_state& st, const rules::rule& r, std::uint32_t partner,
                    const model::event& ev, const expr::activation& act, effects& out) {
  if (st.set->calendar_for(r, ev.partner) == nullptr) return;  // loaded without zones
  const std::uint32_t ri = st.index_of(r);
  if (r.cancel.when && r.cancel.key && matches(*r.cancel.when, r, act, st, out)) {
    for (auto& key : keys_of(*r.cancel.key, r, act, st, out)) {
      okey k{ri, partner, std::move(key)};
      if (auto it = st.obligations.find(k); it != st.obligations.end()) erase_obligation(st, it, out);
    }
  }
  if (r.stop.key && matches(*r.stop.when, r, act, st, out)) {
    auto at = at_of(r.stop.at, r, ev, act, st, out);
    for (auto& key : at ? keys_of(*r.stop.key, r, act, st, out) : std::vector<std::string>{}) {
      on_stop(st, okey{ri, partner, std::move(key)}, *at, ev, out);
    }
  }
  if (r.start.key && matches(*r.start.when, r, act, st, out)) {
    if (excepted(r, ev.received_at, act, st, out)) return;
    auto at = at_of(r.start.at, r, ev, act, st, out);
    for (auto& key : at ? keys_of(*r.start.key, r, act, st, out) : std::vector<std::string>{}) {
      on_start(st, okey{ri, partner, std::move(key)}, *at, ev, out);
    }
  }
}

void fire_obligation(engine_state& st, const okey& k, instant now, effects& out) {
  auto it = st.obligations.find(k);
  if (it == st.obligations.end()) return;
  const auto& r = st.rule_at(k);
  obligation& o = it->second;
  bool overdue = now >= o.due + r.allowed_lateness;
  if (o.warned < r.warn_at.size() && !overdue) {
    out.warnings.push_back(warning{r.id, st.partner_at(k), k.key,
                                   fmt::format("{}%", r.warn_at[o.warned]), o.fire_at});
    ++o.warned;
    o.fire_at = next_fire(r, o, calendar_of(st, k));
    add_timer(st, o.fire_at, timer_kind::obligation, it->first);
    st.mark(engine_state::dirty_kind::obligation, it->first);
    return;
  }
  // Overdue: warnings not yet given are skipped (they would only repeat the breach).
  auto b = deadline_breach(st, k, o);
  b.detected_at = now;
  b.status = model::breach_status::open;
  out.outcomes.push_back({r.id, b.partner, model::outcome_kind::breached, o.due});
  open_breach ob{b.id, o.due};
  out.breaches.push_back(std::move(b));
  if (o.stored) out.erased.push_back(entry_id(st, "obligation", k));
  st.obligation_removed(k);
  st.obligations.erase(it);  // its timer was already taken off by fire_due
  record_open_breach(st, k, std::move(ob), out);
}

void expire_early_stop(engine_state& st, const okey& k, effects& out) {
  auto it = st.early_stops.find(k);
  if (it == st.early_stops.end()) return;
  out.erased.push_back(entry_id(st, "early_stop", k));
  st.early_stops.erase(it);  // timer already removed by fire_due
}

}  // namespace slawatch::engine::detail
