// Business hours: counting time inside the daily opening windows of business dates.
#include <algorithm>
#include "slawatch/calendar/calendar.hpp"
#include "windows.hpp"

namespace slawatch::calendar {

namespace detail {

namespace {

struct cursor {
  local_date day;
  instant pos;
};

bool after_cutoff(instant t, local_date d, const business_calendar& cal) {
  return cal.cutoff_min && t > at_local(d, *cal.cutoff_min, *cal.zone, true);
}

cursor start_cursor(instant t, daily_hours h, const business_calendar& cal) {
  auto d = local_date_of(t, *cal.zone);
  if (is_business_date(d, cal) && !after_cutoff(t, d, cal)) {
    auto [open, close] = window_of(d, h, cal);
    if (t < close) return {d, std::max(t, open)};
  }
  auto next = next_business_date(d, cal);
  return {next, window_of(next, h, cal).first};
}

}  // namespace

std::pair<instant, instant> window_of(local_date d, daily_hours h, const business_calendar& cal) {
  // Opening takes the first occurrence of a repeated wall-clock time and closing the last,
  // so the window holds every moment whose wall clock reads within [open, close).
  auto open = at_local(d, h.open_min, *cal.zone, false);
  auto close = h.close_min >= minutes_per_day ? start_of_day(d + date::days{1}, *cal.zone)
                                              : at_local(d, h.close_min, *cal.zone, true);
  return {open, std::max(open, close)};
}

instant counting_start(instant t, daily_hours h, const business_calendar& cal) {
  return start_cursor(t, h, cal).pos;
}

instant advance(instant t, duration length, daily_hours h, const business_calendar& cal) {
  auto [day, pos] = start_cursor(t, h, cal);
  auto remaining = std::max(length, duration::zero());
  for (;;) {
    auto [open, close] = window_of(day, h, cal);
    pos = std::max(pos, open);
    if (remaining <= close - pos || remaining == duration::zero()) return pos + remaining;
    remaining -= close - pos;
    day = next_business_date(day, cal);
    pos = window_of(day, h, cal).first;
  }
}

duration window_time_between(instant from, instant to, daily_hours h,
                             const business_calendar& cal) {
  duration total{0};
  if (to <= from) return total;
  auto last = local_date_of(to, *cal.zone);
  for (auto d = local_date_of(from, *cal.zone); d <= last; d += date::days{1}) {
    if (!is_business_date(d, cal)) continue;
    auto [open, close] = window_of(d, h, cal);
    auto a = std::max(open, from);
    auto b = std::min(close, to);
    if (a < b) total += b - a;
  }
  return total;
}

}  // namespace detail

instant add_business_time(instant t, duration length, const business_calendar& cal) {
  constexpr duration limit = std::chrono::hours{24} * max_business_days;
  return detail::advance(t, std::min(length, limit), detail::hours_of(cal), cal);
}

instant add_business_hours(instant t, std::int64_t n, const business_calendar& cal) {
  n = std::clamp<std::int64_t>(n, 0, 24 * max_business_days);
  return add_business_time(t, std::chrono::hours{n}, cal);
}

duration business_time_between(instant from, instant to, const business_calendar& cal) {
  return detail::window_time_between(from, to, detail::hours_of(cal), cal);
}

}  // namespace slawatch::calendar
