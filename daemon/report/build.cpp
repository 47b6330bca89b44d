// Builds the report model from rows the caller fetched (pure: no clock, no storage).
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include "slawatch/calendar/calendar.hpp"
#include "slawatch/report/report.hpp"

namespace slawatch::report {
namespace detail {

struct tally {
  std::uint64_t met = 0, breached = 0, waived = 0;
  void add(const store::outcome_count& c) {
    if (c.kind == model::outcome_kind::met) met += c.total;
    if (c.kind == model::outcome_kind::breached) breached += c.total;
    if (c.kind == model::outcome_kind::waived) waived += c.total;
  }
  [[nodiscard]] std::optional<double> ratio() const {
    if (met + breached == 0) return std::nullopt;
    return static_cast<double>(met) / static_cast<double>(met + breached);
  }
};

std::map<std::string, tally> by_rule(const std::vector<store::outcome_count>& rows) {
  std::map<std::string, tally> out;
  for (const auto& c : rows) out[c.rule].add(c);
  return out;
}

bool applies(const rules::rule& r, const model::partner& p) {
  return r.enabled && r.partners.matches(p);
}

/// The highest target of the objectives that count `rule`'s outcomes for the partner.
void target_for(rule_line& line, const rules::rule_set& set, const model::partner& p) {
  for (const auto& o : set.rules) {
    if (o.kind != rules::rule_kind::objective || !applies(o, p)) continue;
    if (std::find(o.of.begin(), o.of.end(), line.rule) == o.of.end()) continue;
    if (line.target_source == "default" || o.target > line.target) {
      line.target = o.target;
      line.target_source = "objective:" + o.id;
    }
  }
}

std::string trend_of(std::optional<double> now, std::optional<double> before) {
  if (!now) return "none";
  if (!before) return "new";
  const double delta = (*now - *before) * 100.0;
  if (std::abs(delta) < 0.01) return "flat";   // below a hundredth of a point
  return delta > 0 ? "up" : "down";
}

rule_line line_of(const rules::rule* r, const std::string& id, const model::breach* sample) {
  rule_line l;
  l.rule = id;
  l.target_source = "default";
  if (r) {
    l.kind = std::string(rules::to_string(r->kind));
    l.category = r->category;
    l.severity = r->severity;
    l.description = r->description;
    l.reference = r->reference;
  } else {
    l.in_rule_set = false;
    if (sample) {
      l.kind = sample->kind;
      l.category = sample->category;
      l.severity = sample->severity;
    }
  }
  return l;
}

std::vector<rule_line> rule_lines(const report& rep, const rules::rule_set& set,
                                  const period_rows& rows) {
  const auto now = by_rule(rows.outcomes), before = by_rule(rows.previous);
  std::map<std::string, const model::breach*> sample;
  std::map<std::string, std::uint64_t> breach_count;
  for (const auto& b : rows.breaches) {
    sample.emplace(b.rule, &b);
    ++breach_count[b.rule];
  }
  std::vector<std::string> ids;
  for (const auto& r : set.rules) {
    if (r.kind != rules::rule_kind::objective && applies(r, rep.partner)) ids.push_back(r.id);
  }
  std::set<std::string> extra;   // counted in the period by rules no longer listed
  for (const auto& [id, t] : now) extra.insert(id);
  for (const auto& [id, b] : sample) extra.insert(id);
  for (const auto& id : ids) extra.erase(id);
  ids.insert(ids.end(), extra.begin(), extra.end());

  std::vector<rule_line> out;
  for (const auto& id : ids) {
    const rules::rule* r = set.find_rule(id);
    if (r && r->kind == rules::rule_kind::objective) continue;
    auto s = sample.find(id);
    rule_line l = line_of(r, id, s == sample.end() ? nullptr : s->second);
    if (r) target_for(l, set, rep.partner);
    const tally t = now.contains(id) ? now.at(id) : tally{};
    l.met = t.met;
    l.breached = t.breached;
    l.waived = t.waived;
    l.breaches = breach_count[id];
    l.compliance = t.ratio();
    l.status = status_of(l.compliance, l.target);
    if (auto b = before.find(id); b != before.end()) l.previous_compliance = b->second.ratio();
    l.trend = trend_of(l.compliance, l.previous_compliance);
    out.push_back(std::move(l));
  }
  return out;
}

objective_line objective_of(const rules::rule& o, const std::map<std::string, tally>& now) {
  objective_line l;
  l.rule = o.id;
  l.description = o.description;
  l.target_text = o.target_text;
  l.of = o.of;
  l.target = o.target;
  l.min_outcomes = o.min_outcomes;
  for (const auto& id : o.of) {
    if (auto t = now.find(id); t != now.end()) {
      l.met += t->second.met;
      l.breached += t->second.breached;
      l.waived += t->second.waived;
    }
  }
  const std::uint64_t decided = l.met + l.breached;
  if (decided > 0) l.ratio = static_cast<double>(l.met) / static_cast<double>(decided);
  const double spent = decided ? static_cast<double>(l.breached) / static_cast<double>(decided) : 0;
  // The engine's formula (engine/objective.cpp), so the report and the gauge agree.
  l.error_budget_remaining = o.target >= 1.0 ? (l.breached ? 0.0 : 1.0) : 1.0 - spent / (1.0 - o.target);
  if (decided == 0) {
    l.status = "none";
  } else if (static_cast<std::int64_t>(decided) < o.min_outcomes) {
    l.status = "insufficient_data";
  } else {
    l.status = *l.ratio >= o.target ? "met" : "breached";
  }
  return l;
}

completeness completeness_of(const report& rep, const std::vector<instant>& buckets,
                             const date::time_zone& zone) {
  completeness c;
  std::set<calendar::local_date> covered;
  for (const auto b : buckets) covered.insert(calendar::local_date_of(b, zone));
  for (auto d = calendar::local_date_of(rep.range.from, zone);
       calendar::start_of_day(d, zone) < rep.range.to; d += date::days{1}) {
    ++c.days;
    if (calendar::start_of_day(d, zone) >= rep.generated_at) continue;   // not begun yet
    ++c.days_elapsed;
    if (!covered.contains(d)) c.silent_days.push_back(date::format("%F", d));
  }
  return c;
}

}  // namespace detail

std::string status_of(std::optional<double> compliance, double target) {
  if (!compliance) return "none";
  // Compare in hundredths of a point so 0.95 against a 95% target is not amber by rounding.
  const double pct = std::round(*compliance * 10000.0) / 100.0;
  const double goal = std::round(target * 10000.0) / 100.0;
  if (pct >= goal) return "green";
  if (pct >= goal - amber_points) return "amber";
  return "red";
}

report build(const model::partner& partner, const rules::rule_set& set, period p,
             const date::time_zone& zone, instant generated_at, period_rows rows) {
  report rep;
  rep.partner = partner;
  rep.timezone = std::string(zone.name());
  rep.zone = &zone;
  rep.month = p;
  rep.range = bounds_of(p, zone);
  rep.partial = generated_at < rep.range.to;
  rep.generated_at = generated_at;
  rep.rule_set_version = set.version;
  rep.audit_head = rows.audit_head;
  rep.audit_seq = rows.audit_seq;
  rep.audit_note = rows.audit_note;
  rep.data = detail::completeness_of(rep, rows.event_buckets, zone);
  rep.rules = detail::rule_lines(rep, set, rows);
  const auto now = detail::by_rule(rows.outcomes);
  for (const auto& r : set.rules) {
    if (r.kind == rules::rule_kind::objective && detail::applies(r, partner)) {
      rep.objectives.push_back(detail::objective_of(r, now));
    }
  }
  rep.breaches = std::move(rows.breaches);
  for (auto& o : rows.obligations) {
    if (o.partner == partner.id && o.started_at < rep.range.to) rep.open_obligations.push_back(std::move(o));
  }
  return rep;
}

}  // namespace slawatch::report
