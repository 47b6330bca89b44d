// Spans: parsing `within:` texts and turning a start into a due time or a progress instant.
#include "slawatch/calendar/span.hpp"
#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include "windows.hpp"

namespace slawatch::calendar {

namespace {

constexpr std::int64_t max_business_hours = 24 * max_business_days;

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

error malformed(std::string_view text) {
  return error{"invalid_value",
               fmt::format("expected a duration like 48h or N business_days / N business_hours, "
                           "got '{}'",
                           text)};
}

std::optional<span_unit> unit_of(std::string_view u) {
  if (u == "business_days" || u == "business_day") return span_unit::business_days;
  if (u == "business_hours" || u == "business_hour") return span_unit::business_hours;
  return std::nullopt;
}

result<span> parse_business(std::string_view text, std::string_view body) {
  std::size_t digits = 0;
  while (digits < body.size() && body[digits] >= '0' && body[digits] <= '9') ++digits;
  auto rest = body.substr(digits);
  if (digits == 0 || rest.empty() || !is_blank(rest.front())) return malformed(text);
  auto unit = unit_of(trim(rest));
  if (!unit) return malformed(text);
  // More than 7 digits is far beyond any limit; checking first keeps stoll in range.
  auto count =
      digits > 7 ? max_business_hours + 1 : std::stoll(std::string(body.substr(0, digits)));
  auto limit = *unit == span_unit::business_days ? max_business_days : max_business_hours;
  if (count > limit) {
    return error{"invalid_value",
                 fmt::format("'{}' is too long: at most {} business_days or {} business_hours",
                             text, max_business_days, max_business_hours)};
  }
  return span{*unit, duration{0}, count};
}

// Fraction of a duration, rounded to the nanosecond.
duration scaled(duration d, double fraction) {
  return duration{
      static_cast<duration::rep>(std::llround(static_cast<double>(d.count()) * fraction))};
}

detail::daily_hours hours_for(const span& s, const business_calendar& cal) {
  return s.unit == span_unit::business_hours ? detail::hours_of(cal) : detail::daily_hours{};
}

// The exclusive end of the measured time: a business-day due is the last millisecond of its
// day, and that millisecond belongs to the span (else 50% of a day would be 11:59:59.9995).
instant measured_end(instant due, const span& s) {
  return s.unit == span_unit::business_days ? due + std::chrono::milliseconds{1} : due;
}

}  // namespace

result<span> parse_span(std::string_view text) {
  auto body = trim(text);
  if (std::any_of(body.begin(), body.end(), is_blank)) return parse_business(text, body);
  auto d = timefmt::parse_duration(body);
  if (!d || *d < duration::zero()) return malformed(text);
  return span{span_unit::absolute, *d, 0};
}

std::string to_string(const span& s) {
  switch (s.unit) {
    case span_unit::business_days:
      return fmt::format("{} business_days", s.count);
    case span_unit::business_hours:
      return fmt::format("{} business_hours", s.count);
    case span_unit::absolute:
      break;
  }
  return timefmt::format_duration(s.length);
}

instant due_after(instant start, const span& s, const business_calendar& cal) {
  switch (s.unit) {
    case span_unit::business_days:
      return add_business_days(start, s.count, cal);
    case span_unit::business_hours:
      return add_business_hours(start, s.count, cal);
    case span_unit::absolute:
      break;
  }
  return start + s.length;
}

instant progress_instant(instant start, const span& s, double fraction,
                         const business_calendar& cal) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  if (!s.is_business()) return start + scaled(s.length, fraction);
  auto h = hours_for(s, cal);
  auto from = detail::counting_start(start, h, cal);
  auto due = due_after(start, s, cal);
  auto total = detail::window_time_between(from, measured_end(due, s), h, cal);
  return std::min(due, detail::advance(from, scaled(total, fraction), h, cal));
}

double elapsed_fraction(instant start, const span& s, instant now, const business_calendar& cal) {
  auto due = due_after(start, s, cal);
  duration total = s.length;
  duration done = std::max(now - start, duration::zero());
  if (s.is_business()) {
    auto h = hours_for(s, cal);
    auto from = detail::counting_start(start, h, cal);
    total = detail::window_time_between(from, measured_end(due, s), h, cal);
    done = detail::window_time_between(from, now, h, cal);
  }
  if (total <= duration::zero()) return now >= due ? 1.0 : 0.0;
  return static_cast<double>(done.count()) / static_cast<double>(total.count());
}

}  // namespace slawatch::calendar
