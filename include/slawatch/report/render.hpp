#pragma once
/// The three renderings of a report (docs/reports.md). Pure functions of the model.
#include <string>
#include <string_view>
#include <nlohmann/json.hpp>
#include "slawatch/report/report.hpp"

namespace slawatch::report {

/// The complete machine-readable report, schema "slawatch.report/v1".
nlohmann::json to_json(const report& r);

/// One CSV row per breach (RFC 4180: CRLF line ends, every field quoted when it holds a
/// quote, comma, CR or LF), header row first. Cells starting with = + - @ TAB or CR get a
/// leading ' so spreadsheets never run them as formulas.
std::string to_csv(const report& r);

/// One self-contained HTML page (no external assets, inline SVG charts, A4 print styles).
std::string to_html(const report& r);

/// Escapes & < > " ' for HTML text and attribute values.
std::string html_escape(std::string_view text);

/// One CSV field: neutralised (leading ') when formula-like, quoted when needed.
std::string csv_field(std::string_view text);

/// "report-<partner>-<YYYY-MM>.<ext>": the file name used by the schedule and downloads.
std::string file_name(const report& r, std::string_view ext);

}  // namespace slawatch::report
