// The Alertmanager alert state: recomputed from the store's open and recent breaches and
// warned obligations, with the resend and resolve conventions of Prometheus.
#include <algorithm>
#include <set>
#include <fmt/format.h>
#include "slawatch/alerting/alerting.hpp"

namespace slawatch::alerting {
namespace {

/// A resolved alert is re-sent this long (Prometheus's convention), then forgotten.
constexpr auto resolved_retention = std::chrono::minutes(15);

bool valid_label_name(const std::string& n) {
  if (n.empty() || n.starts_with("__")) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

/// The identity labels plus the rule's labels (never overriding the identity ones).
nlohmann::json alert_labels(std::string_view alertname, const std::string& rule,
                            const std::string& partner, const std::string& category,
                            const std::string& severity,
                            const std::map<std::string, std::string>& extra) {
  nlohmann::json l{{"alertname", alertname}, {"rule", rule},         {"partner", partner},
                   {"category", category},   {"severity", severity}};
  for (const auto& [k, v] : extra) {
    if (valid_label_name(k) && !l.contains(k) && !v.empty()) l[k] = v;
  }
  return l;
}

void add_reference(nlohmann::json& annotations, const rules::rule* r) {
  // Contract 9 lists `reference` among the annotations: always present, "" when none.
  annotations["reference"] = r != nullptr ? r->reference : std::string();
}

}  // namespace

void alert_state::upsert(const std::string& key, nlohmann::json labels,
                         nlohmann::json annotations, std::optional<instant> ends_by,
                         instant now) {
  auto [it, fresh] = alerts_.try_emplace(key);
  auto& a = it->second;
  if (fresh || a.resolved_at) {
    a.starts_at = now;
    a.resolved_at.reset();
    changed_ = true;
  }
  if (a.labels != labels || a.annotations != annotations) changed_ = true;
  a.labels = std::move(labels);
  a.annotations = std::move(annotations);
  a.ends_by = ends_by;
}

void alert_state::update(const std::vector<store::alert_pair>& pairs,
                         const std::vector<store::obligation_row>& at_risk,
                         const rules::rule_set* rules, instant now) {
  std::set<std::string> active;
  update_breaches(pairs, rules, now, active);
  update_at_risk(at_risk, rules, now, active);
  for (auto it = alerts_.begin(); it != alerts_.end();) {
    auto& a = it->second;
    if (!active.count(it->first) && !a.resolved_at) {
      a.resolved_at = now;
      changed_ = true;
    }
    if (a.resolved_at && now - *a.resolved_at > resolved_retention) {
      it = alerts_.erase(it);
    } else {
      ++it;
    }
  }
}

void alert_state::update_breaches(const std::vector<store::alert_pair>& pairs,
                                  const rules::rule_set* rules, instant now,
                                  std::set<std::string>& active) {
  for (const auto& p : pairs) {
    const auto& b = p.latest;
    const rules::rule* r = rules ? rules->find_rule(p.rule) : nullptr;
    nlohmann::json ann{
        {"summary", r && !r->description.empty()
                        ? r->description
                        : fmt::format("SLA breach: rule {}, partner {}", p.rule, p.partner)},
        {"description", b.message},
        {"breaches", std::to_string(p.in_hold)},
        {"latest_breach", b.id}};
    add_reference(ann, r);
    const std::string key = "SLABreach/" + p.rule + "/" + p.partner;
    active.insert(key);
    upsert(key, alert_labels("SLABreach", p.rule, p.partner, b.category, b.severity, b.labels),
           std::move(ann), std::nullopt, now);
  }
}

void alert_state::update_at_risk(const std::vector<store::obligation_row>& at_risk,
                                 const rules::rule_set* rules, instant now,
                                 std::set<std::string>& active) {
  // Warned obligations, grouped per (rule, partner); rows come sorted by rule, partner, due.
  for (std::size_t i = 0; i < at_risk.size();) {
    std::size_t j = i;
    while (j < at_risk.size() && at_risk[j].rule == at_risk[i].rule &&
           at_risk[j].partner == at_risk[i].partner) {
      ++j;
    }
    const auto& o = at_risk[i];
    const rules::rule* r = rules ? rules->find_rule(o.rule) : nullptr;
    if (r != nullptr) {
      nlohmann::json ann{
          {"summary", fmt::format("SLA at risk: rule {}, partner {}", o.rule, o.partner)},
          {"description", fmt::format("{} open obligation(s) past a warning threshold; the "
                                      "earliest is due {}", j - i, timefmt::format_utc_ms(o.due))},
          {"obligations", std::to_string(j - i)}};
      add_reference(ann, r);
      const std::string key = "SLAAtRisk/" + o.rule + "/" + o.partner;
      active.insert(key);
      upsert(key, alert_labels("SLAAtRisk", o.rule, o.partner, r->category, "warning", r->labels),
             std::move(ann), at_risk[j - 1].due, now);
    }
    i = j;
  }
}

bool alert_state::send_due(instant now) const {
  if (alerts_.empty()) return false;
  return changed_ || !last_sent_ || now - *last_sent_ >= resend_;
}

std::vector<nlohmann::json> alert_state::payload(instant now) const {
  std::vector<nlohmann::json> out;
  for (const auto& [key, a] : alerts_) {
    instant ends = a.resolved_at ? *a.resolved_at : now + 4 * resend_;
    if (!a.resolved_at && a.ends_by) ends = std::min(ends, *a.ends_by);
    ends = std::max(ends, a.starts_at);   // Alertmanager refuses endsAt before startsAt
    out.push_back({{"labels", a.labels},
                   {"annotations", a.annotations},
                   {"startsAt", timefmt::format_utc_ms(a.starts_at)},
                   {"endsAt", timefmt::format_utc_ms(ends)}});
  }
  return out;
}

void alert_state::sent(instant now) {
  last_sent_ = now;
  changed_ = false;
}

}  // namespace slawatch::alerting
