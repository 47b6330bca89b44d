// The objective kind (contract 5.3): per (objective, partner, window) the met and breached
// outcomes of the listed rules, by decision time in the objective calendar's time zone; a
// window that closes below target (with at least min_outcomes decided) is a breach.
// Semantics and their reasons: docs/rules.md "The objective kind".
#include <fmt/format.h>
#include <algorithm>
#include "state.hpp"

namespace slawatch::engine::detail {
namespace {

namespace cal_ns = slawatch::calendar;
using period = rules::rule::objective_period;
constexpr auto last_ms = std::chrono::milliseconds(1);

struct window_id {
  std::string label;
  instant start{}, end{};
};

std::string date_label(cal_ns::local_date d) {
  date::year_month_day ymd{d};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

/// ISO 8601 week label of the week starting on Monday `monday`: "2026-W49".
std::string week_label(cal_ns::local_date monday) {
  auto thursday = monday + date::days{3};
  auto year = date::year_month_day{thursday}.year();
  auto week = (thursday - date::local_days{year / 1 / 1}).count() / 7 + 1;
  return fmt::format("{:04}-W{:02}", static_cast<int>(year), week);
}

/// The window holding instant `t`. Rolling objectives count per local day.
window_id window_of(const rules::rule& r, instant t, const date::time_zone& zone) {
  auto d = cal_ns::local_date_of(t, zone);
  cal_ns::local_date first = d, next = d + date::days{1};
  std::string label;
  if (r.period == period::week) {
    first = d - (date::weekday{d} - date::Monday);
    next = first + date::days{7};
    label = week_label(first);
  } else if (r.period == period::month) {
    date::year_month_day ymd{d};
    first = date::local_days{ymd.year() / ymd.month() / 1};
    next = date::local_days{(ymd.year() / ymd.month() / 1) + date::months{1}};
    label = fmt::format("{:04}-{:02}", static_cast<int>(ymd.year()),
                        static_cast<unsigned>(ymd.month()));
  } else {
    label = date_label(d);
  }
  return {label, cal_ns::start_of_day(first, zone), cal_ns::start_of_day(next, zone)};
}

const date::time_zone* zone_of(const engine_state& st, const rules::rule& r,
                               const std::string& partner) {
  const auto* cal = st.set->calendar_for(r, partner);
  return cal ? cal->zone : nullptr;
}

std::optional<std::uint32_t> partner_index(const engine_state& st, std::string_view id) {
  auto p = std::lower_bound(st.partner_ids.begin(), st.partner_ids.end(), id);
  if (p == st.partner_ids.end() || *p != id) return std::nullopt;
  return static_cast<std::uint32_t>(p - st.partner_ids.begin());
}

/// Calls fn(key, counter) for every counter of (rule, partner), in label order.
template <class F>
void each_counter(engine_state& st, std::uint32_t rule, std::uint32_t partner, F&& fn) {
  for (auto it = st.objectives.lower_bound(okey{rule, partner, {}});
       it != st.objectives.end() && it->first.rule == rule && it->first.partner == partner;) {
    auto next = std::next(it);
    fn(it->first, it->second);
    it = next;
  }
}

/// The numbers of the window ending with counter `k`: the counter itself, or for a rolling
/// objective the sum of the local days in the N days up to and including k's day.
objective_status status_of(engine_state& st, const okey& k) {
  const auto& r = st.rule_at(k);
  const auto& c = st.objectives.at(k);
  objective_status s{r.id, st.partner_at(k), 1.0, r.target, 1.0, c.start, c.end, 0, 0, 0, 0};
  if (r.period == period::rolling) {
    const auto& zone = *zone_of(st, r, s.partner);
    auto day = cal_ns::local_date_of(c.start, zone);
    s.window_start = cal_ns::start_of_day(day - date::days{r.rolling_days - 1}, zone);
  }
  each_counter(st, k.rule, k.partner, [&](const okey&, const objective_counter& x) {
    if (x.start < s.window_start || x.start >= s.window_end) return;
    s.met += x.met;
    s.breached += x.breached;
    s.waived += x.waived;
  });
  s.decided = s.met + s.breached;
  if (s.decided > 0) s.ratio = static_cast<double>(s.met) / static_cast<double>(s.decided);
  double spent = s.decided ? static_cast<double>(s.breached) / static_cast<double>(s.decided) : 0;
  if (r.target >= 1.0) {
    s.error_budget_remaining = s.breached ? 0.0 : 1.0;
  } else {
    s.error_budget_remaining = 1.0 - spent / (1.0 - r.target);
  }
  return s;
}

/// "97.5", "99", "66.67": a percentage with at most two decimals.
std::string percent(double fraction) {
  std::string s = fmt::format("{:.2f}", fraction * 100.0);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

/// A window's verdict at its end: an outcome for the objective and, below target, a breach.
void judge_window(const engine_state& st, const okey& k, const objective_status& s,
                  const std::string& key, instant now, effects& out) {
  const auto& r = st.rule_at(k);
  if (s.decided < static_cast<std::uint64_t>(r.min_outcomes)) return;  // too few to judge
  const instant decided_at = s.window_end - last_ms;   // the window's last millisecond
  if (s.ratio >= r.target) {
    out.outcomes.push_back({r.id, s.partner, model::outcome_kind::met, decided_at});
    return;
  }
  const auto& zone = *zone_of(st, r, s.partner);
  model::breach b;
  b.id = model::breach_id(r.id, s.partner, key, "");
  b.rule = r.id;
  b.rule_version = r.version;
  b.kind = "objective";
  b.category = r.category;
  b.severity = r.severity;
  b.partner = s.partner;
  b.key = key;
  b.occurred_at = decided_at;
  b.occurred_offset = cal_ns::offset_at(decided_at, zone);
  b.detected_at = now;
  b.status = model::breach_status::closed;
  b.labels = r.labels;
  auto observed = fmt::format("{}% ({} of {})", percent(s.ratio), s.met, s.decided);
  b.message = fmt::format("Objective {} for {} in {}: {} met, target {}%", r.id, s.partner, key,
                          observed, percent(r.target));
  b.evidence = {{"events", nlohmann::json::array()},
                {"expected", fmt::format("≥ {}% met of {} outcomes", percent(r.target), s.decided)},
                {"observed", observed}};
  out.outcomes.push_back({r.id, s.partner, model::outcome_kind::breached, decided_at});
  out.breaches.push_back(std::move(b));
}

void count_one(engine_state& st, std::uint32_t oi, const model::outcome& o, effects& out) {
  const auto& r = st.set->rules[oi];
  auto pi = partner_index(st, o.partner);
  const auto* p = st.set->find_partner(o.partner);
  const auto* zone = zone_of(st, r, o.partner);
  if (!pi || p == nullptr || zone == nullptr || !r.partners.matches(*p)) return;
  auto w = window_of(r, o.decided_at, *zone);
  okey k{oi, *pi, w.label};
  auto it = st.objectives.find(k);
  if (it == st.objectives.end()) {
    // An outcome for a window at or before one already judged is late: verdicts are final.
    bool late = false;
    each_counter(st, oi, *pi, [&](const okey&, const objective_counter& c) {
      late = late || (c.closed && c.start >= w.start);
    });
    if (late) return;
    it = st.objectives.emplace(std::move(k), objective_counter{w.start, w.end}).first;
    add_timer(st, w.end, timer_kind::objective, it->first);
  } else if (it->second.closed) {
    return;
  }
  ++(o.kind == model::outcome_kind::met ? it->second.met : it->second.breached);
  st.mark(engine_state::dirty_kind::objective, it->first);
  out.objectives.push_back(status_of(st, it->first));
}

}  // namespace

void index_objectives(engine_state& st) {
  st.objectives_of.clear();
  if (st.set == nullptr) return;
  for (std::uint32_t i = 0; i < st.set->rules.size(); ++i) {
    const auto& r = st.set->rules[i];
    if (r.kind != rules::rule_kind::objective || !r.enabled) continue;
    for (const auto& id : r.of) st.objectives_of[id].push_back(i);
  }
}

void count_outcomes(engine_state& st, std::size_t from, effects& out) {
  if (st.objectives_of.empty()) return;
  // Index loop: counting may append the objectives' own outcomes, which count in turn.
  for (std::size_t i = from; i < out.outcomes.size(); ++i) {
    const model::outcome o = out.outcomes[i];
    auto it = st.objectives_of.find(o.rule);
    if (it == st.objectives_of.end() || o.kind == model::outcome_kind::waived) continue;
    for (auto oi : it->second) count_one(st, oi, o, out);
  }
}

void fire_objective(engine_state& st, const okey& k, instant now, effects& out) {
  auto it = st.objectives.find(k);
  if (it == st.objectives.end() || it->second.closed) return;
  const auto& r = st.rule_at(k);
  auto s = status_of(st, k);
  std::string key = k.key;
  if (r.period == period::rolling) {
    const auto& zone = *zone_of(st, r, s.partner);
    key = date_label(cal_ns::local_date_of(s.window_start, zone)) + ".." + k.key;
  }
  judge_window(st, k, s, key, now, out);
  it->second.closed = true;
  st.mark(engine_state::dirty_kind::objective, k);
  // Only the newest judged window is kept (to recognise late outcomes); a rolling objective
  // keeps the judged days its later windows still sum.
  const instant keep_from = r.period == period::rolling ? s.window_start : it->second.start;
  each_counter(st, k.rule, k.partner, [&](const okey& x, const objective_counter& c) {
    if (!c.closed || c.start >= keep_from) return;
    out.erased.push_back(entry_id(st, "objective", x));
    st.objectives.erase(x);
  });
}

void waive_outcome(engine_state& st, const std::string& rule, const std::string& partner,
                   instant decided_at, effects& out) {
  auto it = st.objectives_of.find(rule);
  auto pi = partner_index(st, partner);
  if (it == st.objectives_of.end() || !pi) return;
  for (auto oi : it->second) {
    const auto& r = st.set->rules[oi];
    const auto* zone = zone_of(st, r, partner);
    if (zone == nullptr) continue;
    auto c = st.objectives.find(okey{oi, *pi, window_of(r, decided_at, *zone).label});
    if (c == st.objectives.end() || c->second.breached == 0) continue;
    --c->second.breached;
    ++c->second.waived;
    st.mark(engine_state::dirty_kind::objective, c->first);
    if (!c->second.closed) out.objectives.push_back(status_of(st, c->first));
  }
}

state_entry objective_entry(const engine_state& st, const okey& k, const objective_counter& c) {
  auto ns = [](instant t) { return t.time_since_epoch().count(); };
  state_entry e;
  e.id = entry_id(st, "objective", k);
  e.kind = "objective";
  e.rule = st.rule_at(k).id;
  e.partner = st.partner_at(k);
  e.key = k.key;
  if (!c.closed) e.fire_at = c.end;
  e.data = {{"start", ns(c.start)}, {"end", ns(c.end)},          {"met", c.met},
            {"breached", c.breached}, {"waived", c.waived}, {"closed", c.closed}};
  return e;
}

bool load_objective(engine_state& st, okey k, const state_entry& e) {
  const auto& d = e.data;
  for (const char* name : {"start", "end", "met", "breached", "waived"}) {
    auto it = d.find(name);
    if (it == d.end() || !it->is_number_integer()) return false;
  }
  auto closed = d.find("closed");
  if (closed == d.end() || !closed->is_boolean()) return false;
  objective_counter c{instant{duration{d["start"].get<std::int64_t>()}},
                      instant{duration{d["end"].get<std::int64_t>()}},
                      d["met"].get<std::uint64_t>(),
                      d["breached"].get<std::uint64_t>(),
                      d["waived"].get<std::uint64_t>(),
                      closed->get<bool>()};
  auto [it, fresh] = st.objectives.emplace(std::move(k), c);
  if (fresh && !c.closed) add_timer(st, c.end, timer_kind::objective, it->first);
  return fresh;
}

}  // namespace slawatch::engine::detail
