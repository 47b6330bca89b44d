// The JSON rendering: the complete report, schema "slawatch.report/v1" (docs/reports.md).
#include "slawatch/calendar/calendar.hpp"
#include "slawatch/report/render.hpp"

namespace slawatch::report {
namespace detail {

using nlohmann::json;

json optional_number(std::optional<double> v) { return v ? json(*v) : json(nullptr); }

std::string local(const report& r, instant t) {
  return r.zone ? calendar::format_rfc3339_local(t, *r.zone) : timefmt::format_utc_ms(t);
}

json rule_json(const rule_line& l) {
  return {{"rule", l.rule}, {"kind", l.kind}, {"category", l.category},
          {"severity", l.severity}, {"description", l.description}, {"reference", l.reference},
          {"in_rule_set", l.in_rule_set}, {"target", l.target}, {"target_source", l.target_source},
          {"outcomes", l.met + l.breached + l.waived}, {"met", l.met}, {"breached", l.breached},
          {"waived", l.waived}, {"breaches", l.breaches},
          {"compliance", optional_number(l.compliance)}, {"status", l.status},
          {"previous_compliance", optional_number(l.previous_compliance)}, {"trend", l.trend}};
}

json objective_json(const objective_line& o) {
  return {{"rule", o.rule}, {"description", o.description}, {"of", o.of},
          {"target", o.target}, {"target_text", o.target_text}, {"min_outcomes", o.min_outcomes},
          {"met", o.met}, {"breached", o.breached}, {"waived", o.waived},
          {"ratio", optional_number(o.ratio)},
          {"error_budget_remaining", o.error_budget_remaining}, {"status", o.status}};
}

json breach_json(const report& r, const model::breach& b) {
  json j = b.to_json();
  j["decided_at"] = local(r, store::breach_decided_at(b));
  return j;
}

json finding_json(const model::breach& b) {
  return {{"breach", b.id}, {"rule", b.rule}, {"category", b.category}, {"severity", b.severity},
          {"status", std::string(model::to_string(b.status))}, {"message", b.message}};
}

json summary_json(const report& r) {
  std::map<std::string, int> statuses{{"green", 0}, {"amber", 0}, {"red", 0}, {"none", 0}};
  std::uint64_t met = 0, breached = 0, waived = 0;
  for (const auto& l : r.rules) {
    ++statuses[l.status];
    met += l.met;
    breached += l.breached;
    waived += l.waived;
  }
  std::uint64_t open = 0, waived_breaches = 0;
  for (const auto& b : r.breaches) {
    open += b.status == model::breach_status::open;
    waived_breaches += b.status == model::breach_status::waived;
  }
  const auto decided = met + breached;
  return {{"rules", r.rules.size()}, {"green", statuses["green"]}, {"amber", statuses["amber"]},
          {"red", statuses["red"]}, {"no_data", statuses["none"]},
          {"met", met}, {"breached", breached}, {"waived", waived},
          {"compliance", decided ? json(static_cast<double>(met) / static_cast<double>(decided)) : json(nullptr)},
          {"breaches", r.breaches.size()}, {"open_breaches", open},
          {"waived_breaches", waived_breaches}, {"open_obligations", r.open_obligations.size()}};
}

json header_json(const report& r) {
  return {{"schema", "slawatch.report/v1"},
          {"partner", {{"id", r.partner.id}, {"name", r.partner.name}, {"class", r.partner.class_},
                       {"timezone", r.timezone}}},
          {"period", {{"month", r.month.text()}, {"from", local(r, r.range.from)},
                      {"to", local(r, r.range.to)}, {"partial", r.partial}}},
          {"generated_at", timefmt::format_utc_ms(r.generated_at)},
          {"rule_set_version", r.rule_set_version},
          {"audit_head", r.audit_head ? json(*r.audit_head) : json(nullptr)},
          {"audit_seq", r.audit_head ? json(r.audit_seq) : json(nullptr)},
          {"audit_note", r.audit_head ? json(nullptr) : json(r.audit_note)},
          {"thresholds", {{"green", "compliance >= target"},
                          {"amber_points", amber_points},
                          {"red", "compliance < target - amber_points"}}},
          {"completeness", {{"days", r.data.days}, {"days_elapsed", r.data.days_elapsed},
                            {"days_with_events", r.data.days_elapsed - static_cast<int>(r.data.silent_days.size())},
                            {"silent_days", r.data.silent_days}}}};
}

}  // namespace detail

nlohmann::json to_json(const report& r) {
  using nlohmann::json;
  json j = detail::header_json(r);
  j["summary"] = detail::summary_json(r);
  json rules = json::array(), objectives = json::array(), breaches = json::array();
  for (const auto& l : r.rules) rules.push_back(detail::rule_json(l));
  for (const auto& o : r.objectives) objectives.push_back(detail::objective_json(o));
  json security = json::array(), purpose = json::array(), waivers = json::array();
  for (const auto& b : r.breaches) {
    breaches.push_back(detail::breach_json(r, b));
    if (b.category == "security") security.push_back(detail::finding_json(b));
    if (b.category == "purpose") purpose.push_back(detail::finding_json(b));
    if (b.status == model::breach_status::waived) {
      waivers.push_back({{"breach", b.id}, {"rule", b.rule},
                         {"reason", b.waived_reason ? json(*b.waived_reason) : json(nullptr)},
                         {"waived_at", b.waived_at ? json(timefmt::format_utc_ms(*b.waived_at)) : json(nullptr)}});
    }
  }
  json obligations = json::array();
  for (const auto& o : r.open_obligations) {
    obligations.push_back({{"rule", o.rule}, {"key", o.key},
                           {"started_at", detail::local(r, o.started_at)},
                           {"due_at", detail::local(r, o.due)},
                           {"overdue_at_period_end", o.due < r.range.to}});
  }
  j["rules"] = std::move(rules);
  j["objectives"] = std::move(objectives);
  j["breaches"] = std::move(breaches);
  j["open_obligations"] = std::move(obligations);
  j["findings"] = {{"security", std::move(security)}, {"purpose", std::move(purpose)}};
  j["waivers"] = std::move(waivers);
  return j;
}

std::string file_name(const report& r, std::string_view ext) {
  return "report-" + r.partner.id + "-" + r.month.text() + "." + std::string(ext);
}

}  // namespace slawatch::report
