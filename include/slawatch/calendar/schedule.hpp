#pragma once
/// Absence schedules (contract 5.3 `schedule:`): when a periodic report is due. Pure.
#include <optional>
#include <string>
#include "slawatch/calendar/calendar.hpp"
#include "slawatch/model/result.hpp"

namespace slawatch::calendar {

enum class schedule_every { day, business_day, week, month };

struct schedule {
  schedule_every every = schedule_every::day;
  int due_min = 0;                      ///< local wall-clock minutes after midnight, 0..1439
  int weekday = 1;                      ///< week: 0 = sun .. 6 = sat (default mon)
  int month_day = 1;                    ///< month: 1..28; 0 = the last day of the month
  std::optional<int> nth_business_day;  ///< month: the n-th business date instead (1..23)
};

/// The fields as written: `{every, due, weekday, day, business_day}`; absent = nullopt.
struct schedule_fields {
  std::optional<std::string> every{};
  std::optional<std::string> due{};
  std::optional<std::string> weekday{};
  std::optional<std::string> day{};
  std::optional<std::string> business_day{};
};

/// Validates and parses. Errors (code "invalid_value"; the text starts with the key), exact:
///   "schedule.every: required, one of day, business_day, week, month"
///   "schedule.every: 'x' is not one of day, business_day, week, month"
///   "schedule.due: required, a local time HH:MM"
///   "schedule.due: 'x' must be HH:MM between 00:00 and 23:59"
///   "schedule.weekday: 'x' is not one of mon, tue, wed, thu, fri, sat, sun"
///   "schedule.day: 'x' must be 1 to 28 or last"
///   "schedule.business_day: 'x' must be 1 to 23"
///   "schedule.<key>: only allowed with every: <week|month>"
///   "schedule: give either day or business_day, not both"
result<schedule> parse_schedule(const schedule_fields& fields);

/// The first due instant strictly after `after`. The due time is local wall clock (a time
/// skipped by DST means the jump; a repeated one its first occurrence).
///  - day: every local date; business_day: every business date;
///  - week: the given weekday, holiday or not; month `day`: that date (or the last), holiday
///    or not; month `business_day: n`: the n-th business date of the month (the month's last
///    business date when it has fewer than n; no due in a month without any).
/// Returns instant::max() only for an invalid calendar (no workdays).
instant next_due(const schedule& s, instant after, const business_calendar& cal);

/// The last due instant strictly before `due`: for a due instant D, the report period is
/// (previous_due(D), D] — a report at exactly D is on time for the period ending at D.
/// Returns instant::min() only for an invalid calendar.
instant previous_due(const schedule& s, instant due, const business_calendar& cal);

/// Same as previous_due: the start (exclusive) of the period that ends at `due`.
inline instant period_start(const schedule& s, instant due, const business_calendar& cal) {
  return previous_due(s, due, cal);
}

}  // namespace slawatch::calendar
