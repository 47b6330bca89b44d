#pragma once
// Internal: business time as a sequence of daily windows [open, close) on business dates.
// Business hours use the calendar's hours; business days use whole days (00:00-24:00), which
// lets warn_at and elapsed fractions of a `N business_days` span skip weekends and holidays.
#include "slawatch/calendar/calendar.hpp"

namespace slawatch::calendar::detail {

struct daily_hours {
  int open_min = 0;
  int close_min = minutes_per_day;
};

inline daily_hours hours_of(const business_calendar& cal) { return {cal.open_min, cal.close_min}; }

/// The instants [open, close) of local date `d` under `h`.
std::pair<instant, instant> window_of(local_date d, daily_hours h, const business_calendar& cal);
/// Where counting starts for a start at `t`: `t` itself inside a window, else the next opening
/// (a non-business date or a start after the cutoff moves to the next business date).
instant counting_start(instant t, daily_hours h, const business_calendar& cal);
/// counting_start(t) advanced by `length` of window time.
instant advance(instant t, duration length, daily_hours h, const business_calendar& cal);
/// Window time within [from, to).
duration window_time_between(instant from, instant to, daily_hours h, const business_calendar& cal);

}  // namespace slawatch::calendar::detail
