#pragma once
/// Spans: how long an obligation may take (`within:`, `settle:`), either absolute time (`48h`)
/// or business time against a calendar (`2 business_days`, `4 business_hours`). Pure.
#include <cstdint>
#include <string>
#include <string_view>
#include "slawatch/calendar/calendar.hpp"
#include "slawatch/model/result.hpp"
#include "slawatch/model/time.hpp"

namespace slawatch::calendar {

enum class span_unit { absolute, business_days, business_hours };

struct span {
  span_unit unit = span_unit::absolute;
  duration length{0};      ///< absolute spans only, >= 0
  std::int64_t count = 0;  ///< business spans only, 0 .. max_business_days (days) or 24x (hours)

  [[nodiscard]] bool is_business() const { return unit != span_unit::absolute; }
  friend bool operator==(const span&, const span&) = default;
};

/// Parses `48h`, `90s`, `1h30m`, `2d` (timefmt::parse_duration, not negative), or
/// `N business_days` / `N business_hours` (also singular `business_day` / `business_hour`;
/// N a non-negative integer; spaces between N and the unit). Surrounding blanks are ignored.
/// Errors (code "invalid_value"), exact texts:
///   "expected a duration like 48h or N business_days / N business_hours, got '<text>'"
///   "'<text>' is too long: at most 36500 business_days or 876000 business_hours"
result<span> parse_span(std::string_view text);

/// Canonical text: "2 business_days", "1 business_hours", "1d12h" (format_duration).
std::string to_string(const span& s);

/// When an obligation started at `start` is due: start + length for absolute spans,
/// add_business_days / add_business_hours for business spans (`cal` unused for absolute ones).
instant due_after(instant start, const span& s, const business_calendar& cal);

/// The instant at which `fraction` (0..1, e.g. 0.5 for warn_at 50%) of the span has elapsed.
/// Absolute spans: real time. business_hours: business hours. business_days: time on business
/// dates (whole days), counted from the start (or from the base business date's midnight when
/// the start is on a non-business date or after the cutoff), so a warning never lands on a
/// weekend or holiday.
instant progress_instant(instant start, const span& s, double fraction,
                         const business_calendar& cal);

/// How much of the span has elapsed at `now`, in the same measure as progress_instant:
/// 0 before counting starts, 1 at the due time, more as business time passes after it (for
/// `elapsed` in GET /v1/obligations).
double elapsed_fraction(instant start, const span& s, instant now, const business_calendar& cal);

}  // namespace slawatch::calendar
