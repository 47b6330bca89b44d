// Business days: building a calendar, stepping over weekends and holidays, counting days.
#include <fmt/format.h>
#include <algorithm>
#include "slawatch/calendar/calendar.hpp"

namespace slawatch::calendar {

namespace {

error invalid(const std::string& name, std::string what) {
  return error{"invalid_value", fmt::format("calendar '{}': {}", name, what)};
}

bool is_workday(local_date d, const business_calendar& cal) {
  return cal.workdays[date::weekday{d}.c_encoding()];
}

// With at least one workday the next business date is at most 7 * (holidays + 1) days away;
// the bound only matters for a hand-made calendar without workdays, which must not hang.
std::int64_t search_bound(const business_calendar& cal) {
  return 7 * (static_cast<std::int64_t>(cal.holidays.size()) + 2);
}

local_date step_business_date(local_date d, const business_calendar& cal, int dir) {
  auto bound = search_bound(cal);
  for (std::int64_t i = 0; i < bound; ++i) {
    d += date::days{dir};
    if (is_business_date(d, cal)) return d;
  }
  return d;
}

// Business dates in (from, to], from <= to: whole weeks arithmetically, then the holidays.
std::int64_t count_business_dates(local_date from, local_date to, const business_calendar& cal) {
  auto days = (to - from).count();
  auto per_week = std::count(cal.workdays.begin(), cal.workdays.end(), true);
  std::int64_t n = (days / 7) * per_week;
  for (auto d = from + date::days{(days / 7) * 7 + 1}; d <= to; d += date::days{1}) {
    n += is_workday(d, cal) ? 1 : 0;
  }
  for (auto it = cal.holidays.upper_bound(from); it != cal.holidays.end() && *it <= to; ++it) {
    n -= is_workday(*it, cal) ? 1 : 0;
  }
  return n;
}

}  // namespace

result<business_calendar> build_calendar(const calendar_spec& spec, const zone_resolver& zones) {
  business_calendar cal;
  cal.name = spec.name;
  cal.zone = zones ? zones(spec.timezone) : nullptr;
  if (!cal.zone) return invalid(spec.name, fmt::format("unknown time zone '{}'", spec.timezone));
  if (spec.workdays.empty()) return invalid(spec.name, "no workdays");
  cal.workdays.fill(false);
  for (int w : spec.workdays) {
    if (w < 0 || w > 6)
      return invalid(spec.name, fmt::format("workday {} is not 0 (sun) .. 6 (sat)", w));
    cal.workdays[static_cast<std::size_t>(w)] = true;
  }
  if (spec.hours_start_min != 0 || spec.hours_end_min != 0) {
    if (spec.hours_start_min < 0 || spec.hours_start_min >= spec.hours_end_min ||
        spec.hours_end_min > minutes_per_day) {
      return invalid(spec.name, "hours must be HH:MM-HH:MM with start before end");
    }
    cal.open_min = spec.hours_start_min;
    cal.close_min = spec.hours_end_min;
  }
  for (const auto& text : spec.holidays) {
    auto day = text.size() == 10 ? timefmt::parse_date(text) : std::nullopt;
    if (!day) return invalid(spec.name, fmt::format("holiday '{}' is not a date YYYY-MM-DD", text));
    cal.holidays.insert(local_date{date::floor<date::days>(*day).time_since_epoch()});
  }
  if (spec.cutoff_min && (*spec.cutoff_min < 0 || *spec.cutoff_min >= minutes_per_day)) {
    return invalid(spec.name, "cutoff must be between 00:00 and 23:59");
  }
  cal.cutoff_min = spec.cutoff_min;
  return cal;
}

bool is_business_date(local_date d, const business_calendar& cal) {
  return is_workday(d, cal) && !cal.holidays.count(d);
}

bool is_business_day(instant t, const business_calendar& cal) {
  return is_business_date(local_date_of(t, *cal.zone), cal);
}

local_date next_business_date(local_date d, const business_calendar& cal) {
  return step_business_date(d, cal, +1);
}

local_date previous_business_date(local_date d, const business_calendar& cal) {
  return step_business_date(d, cal, -1);
}

local_date base_business_date(instant t, const business_calendar& cal) {
  auto d = local_date_of(t, *cal.zone);
  if (!is_business_date(d, cal)) return next_business_date(d, cal);
  // "After the cutoff" is strictly after: a start at 16:00:00.000 with cutoff 16:00 still
  // counts from the same day; 16:00:00.001 does not.
  if (cal.cutoff_min && t > at_local(d, *cal.cutoff_min, *cal.zone, true)) {
    return next_business_date(d, cal);
  }
  return d;
}

instant add_business_days(instant t, std::int64_t n, const business_calendar& cal) {
  n = std::clamp(n, -max_business_days, max_business_days);
  auto d = base_business_date(t, cal);
  for (std::int64_t i = 0; i < n; ++i) d = next_business_date(d, cal);
  for (std::int64_t i = 0; i > n; --i) d = previous_business_date(d, cal);
  return end_of_day(d, *cal.zone);
}

std::int64_t business_days_between(instant a, instant b, const business_calendar& cal) {
  auto da = local_date_of(a, *cal.zone);
  auto db = local_date_of(b, *cal.zone);
  if (db >= da) return count_business_dates(da, db, cal);
  return -count_business_dates(db, da, cal);
}

bool covers_year(const business_calendar& cal, int year) {
  auto first = local_date{date::year{year} / date::January / 1};
  auto it = cal.holidays.lower_bound(first);
  return it != cal.holidays.end() && *it < local_date{date::year{year + 1} / date::January / 1};
}

}  // namespace slawatch::calendar
