// Absence schedules: parsing `schedule:` and finding due instants.
#include "slawatch/calendar/schedule.hpp"
#include <fmt/format.h>
#include <algorithm>
#include <array>

namespace slawatch::calendar {

namespace {

error invalid(std::string message) { return error{"invalid_value", std::move(message)}; }

std::optional<int> parse_hhmm(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  for (std::size_t i : {0, 1, 3, 4}) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  int h = (s[0] - '0') * 10 + (s[1] - '0');
  int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 23 || m > 59) return std::nullopt;
  return h * 60 + m;
}

std::optional<int> parse_small_int(std::string_view s, int lo, int hi) {
  if (s.empty() || s.size() > 2) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v < lo || v > hi) return std::nullopt;
  return v;
}

std::optional<schedule_every> every_of(std::string_view s) {
  if (s == "day") return schedule_every::day;
  if (s == "business_day") return schedule_every::business_day;
  if (s == "week") return schedule_every::week;
  if (s == "month") return schedule_every::month;
  return std::nullopt;
}

std::optional<int> weekday_of(std::string_view s) {
  static constexpr std::array<std::string_view, 7> names = {"sun", "mon", "tue", "wed",
                                                            "thu", "fri", "sat"};
  auto it = std::find(names.begin(), names.end(), s);
  if (it == names.end()) return std::nullopt;
  return static_cast<int>(it - names.begin());
}

// Checks that week/month-only keys appear with their kind, then reads them.
std::optional<error> read_period_keys(const schedule_fields& f, schedule& s) {
  auto only = [](const char* key, const char* every) {
    return invalid(fmt::format("schedule.{}: only allowed with every: {}", key, every));
  };
  if (f.weekday && s.every != schedule_every::week) return only("weekday", "week");
  if (f.day && s.every != schedule_every::month) return only("day", "month");
  if (f.business_day && s.every != schedule_every::month) return only("business_day", "month");
  if (f.day && f.business_day)
    return invalid("schedule: give either day or business_day, not both");
  if (f.weekday) {
    auto w = weekday_of(*f.weekday);
    if (!w) {
      return invalid(fmt::format(
          "schedule.weekday: '{}' is not one of mon, tue, wed, thu, fri, sat, sun", *f.weekday));
    }
    s.weekday = *w;
  }
  if (f.day) {
    auto d = *f.day == "last" ? std::optional<int>(0) : parse_small_int(*f.day, 1, 28);
    if (!d) return invalid(fmt::format("schedule.day: '{}' must be 1 to 28 or last", *f.day));
    s.month_day = *d;
  }
  if (f.business_day) {
    auto n = parse_small_int(*f.business_day, 1, 23);
    if (!n)
      return invalid(fmt::format("schedule.business_day: '{}' must be 1 to 23", *f.business_day));
    s.nth_business_day = n;
  }
  return std::nullopt;
}

// The n-th business date of d's month, or the month's last one when it has fewer.
std::optional<local_date> nth_business_date(local_date d, int n, const business_calendar& cal) {
  date::year_month_day ymd{d};
  auto day = local_date{ymd.year() / ymd.month() / 1};
  auto end = local_date{ymd.year() / ymd.month() / date::last};
  std::optional<local_date> found;
  for (int seen = 0; day <= end && seen < n; day += date::days{1}) {
    if (is_business_date(day, cal)) found = day, ++seen;
  }
  return found;
}

bool is_due_date(const schedule& s, local_date d, const business_calendar& cal) {
  switch (s.every) {
    case schedule_every::day:
      return true;
    case schedule_every::business_day:
      return is_business_date(d, cal);
    case schedule_every::week:
      return date::weekday{d}.c_encoding() == static_cast<unsigned>(s.weekday);
    case schedule_every::month:
      break;
  }
  if (s.nth_business_day) return nth_business_date(d, *s.nth_business_day, cal) == d;
  date::year_month_day ymd{d};
  if (s.month_day == 0) return date::year_month_day{d + date::days{1}}.day() == date::day{1};
  return ymd.day() == date::day{static_cast<unsigned>(s.month_day)};
}

// Far enough for any schedule on a valid calendar: a month, or the next business date.
std::int64_t search_days(const business_calendar& cal) {
  return 400 + 7 * static_cast<std::int64_t>(cal.holidays.size());
}

}  // namespace

result<schedule> parse_schedule(const schedule_fields& f) {
  schedule s;
  if (!f.every) return invalid("schedule.every: required, one of day, business_day, week, month");
  auto every = every_of(*f.every);
  if (!every) {
    return invalid(
        fmt::format("schedule.every: '{}' is not one of day, business_day, week, month", *f.every));
  }
  s.every = *every;
  if (!f.due) return invalid("schedule.due: required, a local time HH:MM");
  auto due = parse_hhmm(*f.due);
  if (!due) {
    return invalid(fmt::format("schedule.due: '{}' must be HH:MM between 00:00 and 23:59", *f.due));
  }
  s.due_min = *due;
  if (auto e = read_period_keys(f, s)) return *e;
  return s;
}

instant next_due(const schedule& s, instant after, const business_calendar& cal) {
  auto d = local_date_of(after, *cal.zone);
  for (std::int64_t i = 0, n = search_days(cal); i < n; ++i, d += date::days{1}) {
    if (!is_due_date(s, d, cal)) continue;
    auto due = at_local(d, s.due_min, *cal.zone);
    if (due > after) return due;
  }
  return instant::max();
}

instant previous_due(const schedule& s, instant due, const business_calendar& cal) {
  auto d = local_date_of(due, *cal.zone);
  for (std::int64_t i = 0, n = search_days(cal); i < n; ++i, d -= date::days{1}) {
    if (!is_due_date(s, d, cal)) continue;
    auto at = at_local(d, s.due_min, *cal.zone);
    if (at < due) return at;
  }
  return instant::min();
}

}  // namespace slawatch::calendar
