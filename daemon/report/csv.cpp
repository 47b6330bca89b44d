// The CSV rendering: one row per breach, RFC 4180, formula-like cells neutralised.
#include <array>
#include <fmt/format.h>
#include "slawatch/calendar/calendar.hpp"
#include "slawatch/report/render.hpp"

namespace slawatch::report {
namespace detail {

/// The stable column order (docs/reports.md "CSV columns"); append only.
constexpr std::array<std::string_view, 18> csv_columns{
    "partner", "period", "breach_id", "rule", "kind", "category", "severity", "status", "key",
    "occurred_at", "decided_at", "detected_at", "due_at", "completed_at", "delay_seconds",
    "message", "evidence_events", "waived_reason"};

std::string csv_time(const report& r, std::optional<instant> t) {
  if (!t) return {};
  return r.zone ? calendar::format_rfc3339_local(*t, *r.zone) : timefmt::format_utc_ms(*t);
}

std::string evidence_events(const model::breach& b) {
  std::string out;
  const auto it = b.evidence.find("events");
  if (it == b.evidence.end() || !it->is_array()) return out;
  for (const auto& e : *it) {
    if (!out.empty()) out += ' ';
    out += e.is_string() ? e.get<std::string>() : e.dump();
  }
  return out;
}

std::string delay(const std::optional<double>& d) {
  if (!d) return {};
  return fmt::format("{}", *d);
}

void row(std::string& out, const std::vector<std::string>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i) out += ',';
    out += csv_field(cells[i]);
  }
  out += "\r\n";
}

}  // namespace detail

std::string csv_field(std::string_view text) {
  std::string v(text);
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' ||
                     v[0] == '\r')) {
    v.insert(v.begin(), '\'');
  }
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string q = "\"";
  for (char c : v) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + '"';
}

std::string to_csv(const report& r) {
  std::string out;
  detail::row(out, {detail::csv_columns.begin(), detail::csv_columns.end()});
  for (const auto& b : r.breaches) {
    detail::row(out, {r.partner.id, r.month.text(), b.id, b.rule, b.kind, b.category, b.severity,
                      std::string(model::to_string(b.status)), b.key,
                      detail::csv_time(r, b.occurred_at),
                      detail::csv_time(r, store::breach_decided_at(b)),
                      timefmt::format_utc_ms(b.detected_at), detail::csv_time(r, b.due_at),
                      detail::csv_time(r, b.completed_at), detail::delay(b.delay_seconds),
                      b.message, detail::evidence_events(b), b.waived_reason.value_or("")});
  }
  return out;
}

}  // namespace slawatch::report
