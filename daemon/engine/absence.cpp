// The absence kind (contract 5.3): every expected key must produce a matching event in every
// period (previous due, due]; at the due time a key without one gets an open breach, which
// its late report closes. Membership in a period is decided on the event's occurred_at;
// periods end on processing time (the timer fires when the clock passes the due time).
#include <fmt/format.h>
#include "state.hpp"

namespace slawatch::engine::detail {
namespace {

namespace cal_ns = slawatch::calendar;

const cal_ns::business_calendar* calendar_of(const engine_state& st, const okey& k) {
  return st.set->calendar_for(st.rule_at(k), st.partner_at(k));
}

/// The first period judged for a key seen at clock `now`: the one in progress (contract 5.3:
/// at each due time, every expected key without a matching event in the period ending then
/// is breached — also the first due time after the engine's clock starts).
instant first_due(const rules::rule& r, const cal_ns::business_calendar& cal, instant now) {
  return cal_ns::next_due(r.schedule, now, cal);
}

absence_slot* create_slot(engine_state& st, okey k, instant now, effects& out) {
  const auto* cal = calendar_of(st, k);
  if (cal == nullptr) return nullptr;
  absence_slot slot;
  slot.due = first_due(st.rule_at(k), *cal, now);
  if (slot.due == instant::max()) return nullptr;
  auto [it, fresh] = st.absences.emplace(std::move(k), slot);
  (void)fresh;
  add_timer(st, it->second.due, timer_kind::absence, it->first);
  out.upserts.push_back(absence_entry(st, it->first, it->second));
  return &it->second;
}

/// Exceptions of an absence rule see `event` as {partner, key, due_at}: there is no event.
bool absence_excepted(const engine_state& st, const okey& k, instant due, instant now,
                      effects& out) {
  const auto& r = st.rule_at(k);
  if (r.exceptions.empty()) return false;
  nlohmann::json doc = {{"partner", st.partner_at(k)},
                        {"key", k.key},
                        {"due_at", timefmt::format_utc_ms(due)}};
  expr::activation act;
  act.bind("event", expr::value::borrow(doc));
  act.bind("partner", expr::value::borrow(*st.partner_docs[k.partner]));
  return excepted(r, now, act, st, out);
}

model::breach absence_breach(const engine_state& st, const okey& k, instant due, instant now) {
  const auto& r = st.rule_at(k);
  const auto& cal = *calendar_of(st, k);
  auto b = timer_breach(r, st.partner_at(k), k.key, due, cal);
  b.id = model::breach_id(r.id, b.partner, k.key, timefmt::format_utc_ms(due));
  b.detected_at = now;
  b.status = model::breach_status::open;
  instant from = cal_ns::previous_due(r.schedule, due, cal);
  b.message = fmt::format("No report for {} in the period ending {}", k.key,
                          cal_ns::format_local(due, *cal.zone));
  b.evidence = {{"events", nlohmann::json::array()},
                {"expected", fmt::format("an event matching {} after {} and by {}",
                                         expr::source_of(*r.expect),
                                         cal_ns::format_rfc3339_local(from, *cal.zone),
                                         cal_ns::format_rfc3339_local(due, *cal.zone))},
                {"observed", "no matching event"}};
  return b;
}

std::optional<std::string> key_of(const rules::rule& r, const model::event& ev,
                                  const expr::activation& act, const engine_state& st,
                                  effects& out) {
  if (!r.key) return ev.partner;
  auto res = expr::evaluate(*r.key, act, &st.fns);
  if (res.ok() && res.val.kind() == expr::type::string_type) {
    return std::string(res.val.as_string());
  }
  ++out.evaluation_errors[r.id];
  return std::nullopt;
}

}  // namespace

bool absences_complete(const engine_state& st) {
  for (std::uint32_t ri = 0; ri < st.set->rules.size(); ++ri) {
    const auto& r = st.set->rules[ri];
    if (r.kind != rules::rule_kind::absence || !r.enabled || !r.expect || r.key) continue;
    for (std::uint32_t pi = 0; pi < st.partner_ids.size(); ++pi) {
      const auto* p = st.set->find_partner(st.partner_ids[pi]);
      if (p != nullptr && r.partners.matches(*p) && !st.absences.count(okey{ri, pi, p->id})) {
        return false;
      }
    }
  }
  return true;
}

void seed_absences(engine_state& st, instant now, effects& out) {
  st.seeded = true;
  for (std::uint32_t ri = 0; ri < st.set->rules.size(); ++ri) {
    const auto& r = st.set->rules[ri];
    if (r.kind != rules::rule_kind::absence || !r.enabled || !r.expect || r.key) continue;
    for (std::uint32_t pi = 0; pi < st.partner_ids.size(); ++pi) {
      const auto* p = st.set->find_partner(st.partner_ids[pi]);
      okey k{ri, pi, st.partner_ids[pi]};
      if (p == nullptr || !r.partners.matches(*p) || st.absences.count(k)) continue;
      create_slot(st, std::move(k), now, out);
    }
  }
}

void absence_event(engine_state& st, const rules::rule& r, std::uint32_t partner,
                   const model::event& ev, const expr::activation& act, effects& out) {
  if (!matches(*r.expect, r, act, st, out)) return;
  auto key = key_of(r, ev, act, st, out);
  if (!key) return;
  okey k{st.index_of(r), partner, std::move(*key)};
  // The late report: it closes the oldest open breach of the key and counts for nothing else.
  if (close_open_breaches(st, k, ev.occurred_at, false, out)) return;
  auto it = st.absences.find(k);
  absence_slot* slot = it != st.absences.end() ? &it->second
                                               : create_slot(st, k, *st.clock, out);
  if (slot == nullptr) return;
  const auto& cal = *calendar_of(st, k);
  bool changed = false;
  if (ev.occurred_at > slot->due) {
    if (!slot->ahead || ev.occurred_at < *slot->ahead) slot->ahead = ev.occurred_at, changed = true;
  } else if (!slot->seen && ev.occurred_at > cal_ns::previous_due(r.schedule, slot->due, cal)) {
    slot->seen = changed = true;
  }  // dated before the period: too late for a decided period, nothing to do
  if (changed) out.upserts.push_back(absence_entry(st, st.absences.find(k)->first, *slot));
}

void fire_absence(engine_state& st, const okey& k, instant now, effects& out) {
  auto it = st.absences.find(k);
  if (it == st.absences.end()) return;
  const auto& r = st.rule_at(k);
  const auto& cal = *calendar_of(st, k);
  absence_slot& slot = it->second;
  instant due = slot.due;
  if (absence_excepted(st, k, due, now, out)) {
    // neither met nor breached
  } else if (slot.seen) {
    out.outcomes.push_back({r.id, st.partner_at(k), model::outcome_kind::met, due});
  } else {
    auto b = absence_breach(st, k, due, now);
    out.outcomes.push_back({r.id, b.partner, model::outcome_kind::breached, due});
    open_breach ob{b.id, due};
    out.breaches.push_back(std::move(b));
    record_open_breach(st, k, std::move(ob), out);
  }
  slot.due = cal_ns::next_due(r.schedule, due, cal);
  slot.seen = slot.ahead && *slot.ahead <= slot.due;
  if (slot.seen) slot.ahead.reset();
  if (slot.due != instant::max()) add_timer(st, slot.due, timer_kind::absence, it->first);
  out.upserts.push_back(absence_entry(st, it->first, slot));
}

}  // namespace slawatch::engine::detail
