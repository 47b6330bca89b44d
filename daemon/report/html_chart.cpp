// Inline SVG charts of the HTML report (no scripts, no external assets).
#include <algorithm>
#include <map>
#include <fmt/format.h>
#include "html_parts.hpp"
#include "slawatch/calendar/calendar.hpp"

namespace slawatch::report::detail {

std::string_view status_colour(std::string_view status) {
  if (status == "green" || status == "met") return "#2e7d32";
  if (status == "amber" || status == "insufficient_data") return "#e6a100";
  if (status == "red" || status == "breached") return "#c62828";
  return "#9e9e9e";
}

std::string compliance_chart(const report& r) {
  constexpr int label_w = 230, bar_w = 420, row_h = 22, top = 24;
  const int height = top + static_cast<int>(r.rules.size()) * row_h + 24;
  std::string s = fmt::format(
      "<svg class=\"chart\" id=\"compliance-chart\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" "
      "width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\"><title>Compliance per rule</title>"
      "<text x=\"{2}\" y=\"14\" font-size=\"11\">0%</text>"
      "<text x=\"{3}\" y=\"14\" font-size=\"11\" text-anchor=\"end\">100%</text>",
      label_w + bar_w + 70, height, label_w, label_w + bar_w);
  int y = top;
  for (const auto& l : r.rules) {
    const double v = l.compliance.value_or(0.0);
    const int w = static_cast<int>(v * bar_w + 0.5);
    const int tx = label_w + static_cast<int>(l.target * bar_w + 0.5);
    s += fmt::format(
        "<text x=\"{0}\" y=\"{1}\" font-size=\"11\" text-anchor=\"end\">{2}</text>"
        "<rect x=\"{3}\" y=\"{4}\" width=\"{5}\" height=\"14\" fill=\"#eeeeee\"/>"
        "<rect class=\"bar\" x=\"{3}\" y=\"{4}\" width=\"{6}\" height=\"14\" fill=\"{7}\"/>"
        "<line x1=\"{8}\" x2=\"{8}\" y1=\"{9}\" y2=\"{10}\" stroke=\"#000\" stroke-width=\"2\"/>"
        "<text x=\"{11}\" y=\"{1}\" font-size=\"11\">{12}</text>",
        label_w - 6, y + 11, html_escape(l.rule), label_w, y, bar_w, w, status_colour(l.status),
        tx, y - 2, y + 16, label_w + bar_w + 6, html_escape(percent(l.compliance)));
    y += row_h;
  }
  s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\">black tick: target</text></svg>",
                   label_w, y + 12);
  return s;
}

std::string daily_chart(const report& r) {
  std::map<std::string, int> per_day;
  for (const auto& b : r.breaches) {
    const auto t = store::breach_decided_at(b);
    per_day[r.zone ? date::format("%F", calendar::local_date_of(t, *r.zone)) : timefmt::format_utc_ms(t).substr(0, 10)]++;
  }
  const int days = std::max(r.data.days, 1);
  int peak = 1;
  for (const auto& [d, n] : per_day) peak = std::max(peak, n);
  constexpr int w = 640, h = 120, left = 30, bottom = 20;
  const double col = static_cast<double>(w - left) / days;
  std::string s = fmt::format(
      "<svg class=\"chart\" id=\"daily-chart\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" "
      "width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\"><title>Breaches per day</title>"
      "<line x1=\"{2}\" x2=\"{0}\" y1=\"{3}\" y2=\"{3}\" stroke=\"#555\"/>"
      "<text x=\"0\" y=\"12\" font-size=\"10\">{4}</text><text x=\"0\" y=\"{3}\" font-size=\"10\">0</text>",
      w, h, left, h - bottom, peak);
  const auto first = r.zone ? calendar::local_date_of(r.range.from, *r.zone) : calendar::local_date{};
  for (int i = 0; i < days; ++i) {
    const auto key = date::format("%F", first + date::days{i});
    const int n = per_day.contains(key) ? per_day[key] : 0;
    const double x = left + i * col;
    if (n > 0) {
      const double bh = static_cast<double>(n) / peak * (h - bottom - 14);
      s += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#c62828\"><title>{}: {}</title></rect>",
                       x + 1, h - bottom - bh, std::max(col - 2, 1.0), bh, key, n);
    }
    if (i % 5 == 0) {
      s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" font-size=\"9\">{}</text>", x, h - 6, i + 1);
    }
  }
  return s + "</svg>";
}

}  // namespace slawatch::report::detail
