// Local civil time over date/tz zones. Everything converts through the zone handed in; no
// zone is ever looked up here (that would read the tz database from disk).
#include <fmt/format.h>
#include "slawatch/calendar/calendar.hpp"

namespace slawatch::calendar {

namespace {

date::local_time<duration> to_local(instant t, const date::time_zone& zone) {
  return zone.to_local(t);
}

}  // namespace

local_date local_date_of(instant t, const date::time_zone& zone) {
  return date::floor<date::days>(to_local(t, zone));
}

int local_minute_of(instant t, const date::time_zone& zone) {
  auto lt = to_local(t, zone);
  auto since_midnight = lt - date::floor<date::days>(lt);
  return static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(since_midnight).count());
}

instant at_local(local_date d, int minute, const date::time_zone& zone, bool latest) {
  date::local_time<std::chrono::minutes> lt = d + std::chrono::minutes(minute);
  // date/tz maps a skipped (nonexistent) local time to the instant of the jump for both
  // choices, which is exactly "the first moment the wall clock shows this time or later".
  return zone.to_sys(lt, latest ? date::choose::latest : date::choose::earliest);
}

instant start_of_day(local_date d, const date::time_zone& zone) {
  return at_local(d, 0, zone, false);
}

instant end_of_day(local_date d, const date::time_zone& zone) {
  // Defined from the next day's start rather than by converting 23:59:59.999 directly, so a
  // fall-back that repeats the last hour still yields the real last moment of the date.
  return start_of_day(d + date::days{1}, zone) - std::chrono::milliseconds{1};
}

int offset_at(instant t, const date::time_zone& zone) {
  auto info = zone.get_info(date::floor<std::chrono::seconds>(t));
  return static_cast<int>(info.offset.count());
}

std::string format_local(instant t, const date::time_zone& zone) {
  auto secs = date::floor<std::chrono::seconds>(t);
  auto info = zone.get_info(secs);
  auto local = date::local_seconds{secs.time_since_epoch() + info.offset};
  auto day = date::floor<date::days>(local);
  date::year_month_day ymd{day};
  date::hh_mm_ss<std::chrono::seconds> tod{local - day};
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02} {}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     tod.hours().count(), tod.minutes().count(), tod.seconds().count(),
                     info.abbrev);
}

std::string format_rfc3339_local(instant t, const date::time_zone& zone) {
  return timefmt::format_with_offset(t, offset_at(t, zone));
}

}  // namespace slawatch::calendar
