#pragma once
// Internals of the HTML rendering shared by html.cpp and html_chart.cpp.
#include <string>
#include "slawatch/report/render.hpp"

namespace slawatch::report::detail {

/// "97.5%": a fraction as a percentage with at most two decimals; "n/a" when absent.
std::string percent(std::optional<double> fraction);
/// The colour of a status (green | amber | red | none, also met | breached).
std::string_view status_colour(std::string_view status);
/// Local wall clock "2026-11-09 23:59 EAT" in the report's zone; "" when absent.
std::string local_text(const report& r, std::optional<instant> t);
/// Inline SVG: compliance per rule as horizontal bars with the target marked.
std::string compliance_chart(const report& r);
/// Inline SVG: breaches per day of the period.
std::string daily_chart(const report& r);

}  // namespace slawatch::report::detail
