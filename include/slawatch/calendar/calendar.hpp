#pragma once
/// Business time over IANA time zones (contract section 3). Pure: nothing here reads a file
/// or a clock. Time zones come in as `const date::time_zone*` resolved by the caller (the app
/// calls date::locate_zone, which reads /usr/share/zoneinfo); see docs/calendars.md.
/// Thread-safety: every function only reads its arguments; a calendar may be shared freely.
#include <date/tz.h>
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>
#include "slawatch/model/result.hpp"
#include "slawatch/model/time.hpp"

namespace slawatch::calendar {

/// A civil date in a calendar's local time (days since 1970-01-01, local).
using local_date = date::local_days;

/// Turns an IANA name into a zone; nullptr when the name is unknown. The returned zone must
/// outlive every calendar built with it and must already hold its data: with Debian's
/// USE_OS_TZDB build a zone reads its file lazily on first use, so a resolver calls
/// `zone->get_info(date::sys_seconds{})` once before returning it. Example (app, not pure):
///   [](std::string_view n) -> const date::time_zone* {
///     try { auto* z = date::locate_zone(n); z->get_info(date::sys_seconds{}); return z; }
///     catch (const std::exception&) { return nullptr; } }
using zone_resolver = std::function<const date::time_zone*(std::string_view)>;

/// Largest |n| accepted for business days (about 100 years); larger values are clamped.
inline constexpr std::int64_t max_business_days = 36500;

constexpr int minutes_per_day = 24 * 60;

/// A business calendar. Build it with build_calendar(); a hand-made one must have a zone, at
/// least one workday and 0 <= open_min < close_min <= 1440, or the functions below misbehave.
struct business_calendar {
  std::string name;
  const date::time_zone* zone = nullptr;  ///< not owned; never null in a valid calendar
  std::array<bool, 7> workdays{false, true, true, true, true, true, false};  ///< [0]=sun .. [6]=sat
  int open_min = 0;                 ///< business hours start, minutes after local midnight
  int close_min = minutes_per_day;  ///< business hours end (exclusive); 1440 = midnight
  std::set<local_date> holidays;    ///< local dates that are never business days
  std::optional<int> cutoff_min;    ///< a start strictly after it counts from the next business day
};

/// The plain fields of a calendar as written in a rule file (mirrors rules::calendar without
/// depending on it).
struct calendar_spec {
  std::string name;
  std::string timezone;       ///< IANA name
  std::vector<int> workdays;  ///< 0 = sun ... 6 = sat
  int hours_start_min = 0;    ///< both 0: no `hours`, the whole day counts
  int hours_end_min = 0;
  std::vector<std::string> holidays;  ///< YYYY-MM-DD
  std::optional<int> cutoff_min;
};

/// Builds a calendar. Errors (code "invalid_value"), exact texts:
///   "calendar '<name>': unknown time zone '<tz>'"
///   "calendar '<name>': no workdays"
///   "calendar '<name>': workday <n> is not 0 (sun) .. 6 (sat)"
///   "calendar '<name>': hours must be HH:MM-HH:MM with start before end"
///   "calendar '<name>': holiday '<text>' is not a date YYYY-MM-DD"
///   "calendar '<name>': cutoff must be between 00:00 and 23:59"
result<business_calendar> build_calendar(const calendar_spec& spec, const zone_resolver& zones);

// ---- local time ----------------------------------------------------------------------------

/// The local civil date on which `t` falls.
local_date local_date_of(instant t, const date::time_zone& zone);
/// Minutes after local midnight of `t`'s local wall-clock time (seconds dropped).
int local_minute_of(instant t, const date::time_zone& zone);
/// The instant local wall-clock `minute` of date `d` means. A time skipped by a DST jump maps
/// to the instant of the jump; a time repeated by a fall-back maps to its first occurrence
/// (`latest` = false) or its second (`latest` = true).
instant at_local(local_date d, int minute, const date::time_zone& zone, bool latest = false);
/// The first instant of local date `d` (its local midnight, or the DST jump when it has none).
instant start_of_day(local_date d, const date::time_zone& zone);
/// The last millisecond of local date `d`: start_of_day(d + 1) - 1 ms, i.e. 23:59:59.999 local
/// (the second 23:59:59.999 when a fall-back repeats it).
instant end_of_day(local_date d, const date::time_zone& zone);
/// UTC offset in effect at `t`, in seconds east of UTC (Nairobi: 10800).
int offset_at(instant t, const date::time_zone& zone);
/// "2026-11-09 23:59:59 EAT": local wall clock, seconds truncated, the zone's abbreviation.
std::string format_local(instant t, const date::time_zone& zone);
/// RFC 3339 in the local offset: "2026-11-09T23:59:59.999+03:00".
std::string format_rfc3339_local(instant t, const date::time_zone& zone);

// ---- business days -------------------------------------------------------------------------

/// True when `d` is a workday and not a holiday.
bool is_business_date(local_date d, const business_calendar& cal);
/// True when the local date of `t` is a business date (the cutoff does not matter here).
bool is_business_day(instant t, const business_calendar& cal);
/// The first business date strictly after / before `d`.
local_date next_business_date(local_date d, const business_calendar& cal);
local_date previous_business_date(local_date d, const business_calendar& cal);
/// The business date a start at `t` counts from: t's local date when it is a business date and
/// t is not after the cutoff, else the next business date.
local_date base_business_date(instant t, const business_calendar& cal);

/// Contract 3: the end (23:59:59.999 local) of the n-th business date after the base business
/// date of `t`. n = 0: the end of the base date itself. n < 0 counts back from the base date
/// (the end of the |n|-th business date before it). |n| is clamped to max_business_days.
instant add_business_days(instant t, std::int64_t n, const business_calendar& cal);

/// Business dates d with local_date(a) < d <= local_date(b); negative (the count for b..a) when
/// b's date is before a's. The cutoff and the time of day do not matter. For t on a business
/// day before the cutoff: business_days_between(t, add_business_days(t, n)) == n.
std::int64_t business_days_between(instant a, instant b, const business_calendar& cal);

// ---- business hours ------------------------------------------------------------------------

/// The instant after `length` of time inside business hours on business dates, counted from
/// `t` (from the next opening when `t` is outside hours, on a non-business date, or after the
/// cutoff). Opening and closing are local wall-clock times, so on a DST day whose hours contain
/// the jump the window is an hour shorter or longer. length <= 0: the start position itself.
/// A span that ends exactly at a closing time returns that closing instant.
instant add_business_time(instant t, duration length, const business_calendar& cal);
/// add_business_time with n hours (n clamped to 0 .. 24 * max_business_days).
instant add_business_hours(instant t, std::int64_t n, const business_calendar& cal);
/// Time inside business hours on business dates within [from, to); 0 when to <= from.
duration business_time_between(instant from, instant to, const business_calendar& cal);

// ---- holidays ------------------------------------------------------------------------------

/// True when the calendar lists at least one holiday in `year` (for `slawatch check`:
/// "calendar 'ke-banking' has no holidays for 2028").
bool covers_year(const business_calendar& cal, int year);

}  // namespace slawatch::calendar
