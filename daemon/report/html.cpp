// The HTML rendering: one self-contained page, inline SVG charts, A4 print styles; every
// text that comes from partners, rules or breaches goes through html_escape.
#include <cmath>
#include <fmt/format.h>
#include "html_parts.hpp"
#include "slawatch/calendar/calendar.hpp"

namespace slawatch::report {
namespace detail {
namespace {

constexpr std::string_view style = R"css(
body{font-family:"DejaVu Sans",Arial,sans-serif;font-size:12px;color:#111;margin:24px;max-width:1000px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:22px 0 6px;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%;margin:4px 0}th,td{border:1px solid #bbb;padding:3px 5px;text-align:left;vertical-align:top}
th{background:#f0f0f0}td.num{text-align:right}.muted{color:#666}.mono{font-family:"DejaVu Sans Mono",monospace;font-size:11px;word-break:break-all}
.badge{display:inline-block;padding:1px 6px;border-radius:3px;color:#fff;font-weight:bold}
table.meta{width:auto}table.meta th{width:180px}
.sign{margin-top:10px}.sign td{height:40px}
@page{size:A4;margin:14mm}
@media print{body{margin:0;max-width:none;font-size:10px}h2{break-after:avoid}tr{break-inside:avoid}
thead{display:table-header-group}.chart{max-width:100%;height:auto}a{color:inherit;text-decoration:none}}
)css";

std::string esc(std::string_view s) { return html_escape(s); }

std::string badge(std::string_view status) {
  return fmt::format("<span class=\"badge status-{0}\" style=\"background:{1}\">{0}</span>",
                     esc(status), status_colour(status));
}

std::string trend_text(const rule_line& l) {
  if (l.trend == "none" || l.trend == "new") return l.trend == "new" ? "new (no previous data)" : "&#8212;";
  const char* arrow = l.trend == "up" ? "&#9650;" : l.trend == "down" ? "&#9660;" : "&#9654;";
  return fmt::format("{} {} (was {})", arrow, l.trend, esc(percent(l.previous_compliance)));
}

std::string delay_text(const std::optional<double>& s) {
  if (!s) return "";
  auto total = static_cast<long long>(std::llround(*s));
  const long long d = total / 86400, h = total % 86400 / 3600, m = total % 3600 / 60;
  if (d > 0) return fmt::format("{}d {}h {}m", d, h, m);
  if (h > 0) return fmt::format("{}h {}m", h, m);
  return fmt::format("{}m {}s", m, total % 60);
}

std::string header(const report& r) {
  const auto& c = r.data;
  std::string silent = c.silent_days.empty() ? "none" : "";
  for (const auto& d : c.silent_days) silent += (silent.empty() ? "" : ", ") + d;
  return fmt::format(
      "<h1>SLA report: {0}</h1><p class=\"muted\">Partner scorecard for {1}, period {2}</p>"
      "<table class=\"meta\"><tbody>"
      "<tr><th>Partner</th><td>{0} (<span class=\"mono\">{3}</span>)</td></tr>"
      "<tr><th>Class</th><td>{4}</td></tr>"
      "<tr><th>Period</th><td>{2}: {5} to {6} ({7}){8}</td></tr>"
      "<tr><th>Generated at</th><td>{9}</td></tr>"
      "<tr><th>Rule-set version</th><td class=\"mono\">{10}</td></tr>"
      "<tr><th>Audit-chain head</th><td class=\"mono\">{11}</td></tr>"
      "<tr><th>Data completeness</th><td>{12} of {13} elapsed days with events; silent days: {14}</td></tr>"
      "</tbody></table>",
      esc(r.partner.name.empty() ? r.partner.id : r.partner.name), esc(r.partner.id), esc(r.month.text()),
      esc(r.partner.id), esc(r.partner.class_), esc(local_text(r, r.range.from)),
      esc(local_text(r, r.range.to)), esc(r.timezone), r.partial ? ", partial: the period has not ended" : "",
      esc(timefmt::format_utc_ms(r.generated_at)), esc(r.rule_set_version),
      r.audit_head ? fmt::format("{} (entry {})", esc(*r.audit_head), r.audit_seq)
                   : "none (" + esc(r.audit_note) + ")",
      c.days_elapsed - static_cast<int>(c.silent_days.size()), c.days_elapsed, esc(silent));
}

std::string rules_section(const report& r) {
  std::string s =
      "<h2>Rules</h2><p class=\"muted\">Compliance = met / (met + breached); waived outcomes are "
      "excluded. Green: at or above target; amber: up to 5 points below; red: further below.</p>" +
      compliance_chart(r) +
      "<table id=\"rules\"><thead><tr><th>Rule</th><th>Category</th><th>Target</th><th>Outcomes</th>"
      "<th>Met</th><th>Breached</th><th>Waived</th><th>Compliance</th><th>Status</th><th>Trend</th>"
      "</tr></thead><tbody>";
  for (const auto& l : r.rules) {
    s += fmt::format(
        "<tr class=\"rule\"><td><b>{}</b>{}<br><span class=\"muted\">{}</span></td><td>{}<br>{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
        esc(l.rule), l.in_rule_set ? "" : " (no longer loaded)", esc(l.description), esc(l.category),
        esc(l.severity), esc(percent(l.target)), l.met + l.breached + l.waived, l.met, l.breached,
        l.waived, esc(percent(l.compliance)), badge(l.status), trend_text(l));
  }
  if (r.rules.empty()) s += "<tr><td colspan=\"10\">No rule applies to this partner.</td></tr>";
  return s + "</tbody></table>";
}

std::string objectives_section(const report& r) {
  std::string s = "<h2>Objectives and error budget</h2>";
  if (r.objectives.empty()) return s + "<p>No objective applies to this partner.</p>";
  s += "<table id=\"objectives\"><thead><tr><th>Objective</th><th>Counts</th><th>Target</th>"
       "<th>Met</th><th>Breached</th><th>Waived</th><th>Ratio</th><th>Error budget left</th>"
       "<th>Status</th></tr></thead><tbody>";
  for (const auto& o : r.objectives) {
    std::string of;
    for (const auto& id : o.of) of += (of.empty() ? "" : ", ") + esc(id);
    s += fmt::format(
        "<tr><td><b>{}</b><br><span class=\"muted\">{}</span></td><td>{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td>{}</td></tr>",
        esc(o.rule), esc(o.description), of, esc(percent(o.target)), o.met, o.breached, o.waived,
        esc(percent(o.ratio)), esc(percent(o.error_budget_remaining)), badge(o.status));
  }
  return s + "</tbody></table>";
}

std::string evidence_text(const model::breach& b) {
  std::string s;
  if (auto it = b.evidence.find("events"); it != b.evidence.end() && it->is_array()) {
    std::string ids;
    for (const auto& e : *it) ids += (ids.empty() ? "" : " ") + (e.is_string() ? e.get<std::string>() : e.dump());
    s += "events: <span class=\"mono\">" + esc(ids) + "</span>";
  }
  for (const char* k : {"expected", "observed", "error"}) {
    if (auto it = b.evidence.find(k); it != b.evidence.end() && !it->is_null()) {
      s += fmt::format("<br>{}: {}", k, esc(it->is_string() ? it->get<std::string>() : it->dump()));
    }
  }
  return s;
}

std::string breaches_section(const report& r) {
  std::string s = fmt::format(
      "<h2>Breaches ({})</h2>{}<table id=\"breaches\"><thead><tr><th>Breach</th><th>Rule</th>"
      "<th>Severity</th><th>Status</th><th>Due / occurred</th><th>Completed</th><th>Delay</th>"
      "<th>Message and evidence</th></tr></thead><tbody>",
      r.breaches.size(), daily_chart(r));
  for (const auto& b : r.breaches) {
    s += fmt::format(
        "<tr class=\"breach\"><td class=\"mono\">{}</td><td>{}<br><span class=\"muted\">{}</span></td>"
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}<br>{}</td></tr>",
        esc(b.id), esc(b.rule), esc(b.category), esc(b.severity), esc(model::to_string(b.status)),
        esc(local_text(r, b.due_at ? b.due_at : std::optional<instant>(b.occurred_at))),
        esc(local_text(r, b.completed_at)), esc(delay_text(b.delay_seconds)), esc(b.message),
        evidence_text(b));
  }
  if (r.breaches.empty()) s += "<tr><td colspan=\"8\">No breach in this period.</td></tr>";
  return s + "</tbody></table>";
}

}  // namespace
}  // namespace detail
}  // namespace slawatch::report

namespace slawatch::report {
namespace detail {

std::string percent(std::optional<double> fraction) {
  if (!fraction) return "n/a";
  std::string s = fmt::format("{:.2f}", *fraction * 100.0);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s + "%";
}

std::string local_text(const report& r, std::optional<instant> t) {
  if (!t) return "";
  return r.zone ? calendar::format_local(*t, *r.zone) : timefmt::format_utc_ms(*t);
}

namespace {

std::string obligations_section(const report& r) {
  std::string s = "<h2>Open obligations at period end</h2>";
  if (r.open_obligations.empty()) return s + "<p>None.</p>";
  s += "<table id=\"obligations\"><thead><tr><th>Rule</th><th>Key</th><th>Started</th><th>Due</th>"
       "</tr></thead><tbody>";
  for (const auto& o : r.open_obligations) {
    s += fmt::format("<tr><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}{}</td></tr>",
                     esc(o.rule), esc(o.key), esc(local_text(r, o.started_at)),
                     esc(local_text(r, o.due)), o.due < r.range.to ? " (overdue)" : "");
  }
  return s + "</tbody></table>";
}

std::string findings_section(const report& r) {
  std::string s = "<h2>Security and purpose findings</h2>";
  std::string rows;
  for (const auto& b : r.breaches) {
    if (b.category != "security" && b.category != "purpose") continue;
    rows += fmt::format("<tr><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(b.category), esc(b.id), esc(b.rule), esc(b.severity), esc(b.message));
  }
  if (rows.empty()) return s + "<p>No security or purpose finding in this period.</p>";
  return s + "<table id=\"findings\"><thead><tr><th>Category</th><th>Breach</th><th>Rule</th>"
             "<th>Severity</th><th>Message</th></tr></thead><tbody>" + rows + "</tbody></table>";
}

std::string waivers_section(const report& r) {
  std::string s = "<h2>Waivers</h2>";
  std::string rows;
  for (const auto& b : r.breaches) {
    if (b.status != model::breach_status::waived) continue;
    rows += fmt::format("<tr><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(b.id), esc(b.rule), esc(b.waived_reason.value_or("")),
                        b.waived_at ? esc(timefmt::format_utc_ms(*b.waived_at)) : "");
  }
  if (rows.empty()) return s + "<p>No breach of this period was waived.</p>";
  return s + "<table id=\"waivers\"><thead><tr><th>Breach</th><th>Rule</th><th>Reason</th>"
             "<th>Waived at</th></tr></thead><tbody>" + rows + "</tbody></table>";
}

std::string response_section() {
  return "<h2>Partner response</h2><p>Figures are traceable: every breach names its evidence "
         "events; the audit-chain head above anchors this report. Contest any line within the "
         "agreed dispute window.</p><table class=\"sign\"><tbody><tr><th>For the institution</th>"
         "<td></td><th>For the partner</th><td></td></tr></tbody></table>";
}

}  // namespace
}  // namespace detail

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string to_html(const report& r) {
  using namespace detail;
  const std::string name = r.partner.name.empty() ? r.partner.id : r.partner.name;
  std::string s = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>SLA report: {} {}</title><style>{}</style></head><body>",
      esc(name), esc(r.month.text()), style);
  s += header(r) + rules_section(r) + objectives_section(r) + breaches_section(r) +
       obligations_section(r) + findings_section(r) + waivers_section(r) + response_section();
  return s + "</body></html>\n";
}

}  // namespace slawatch::report
