// Report periods: calendar months in the partner's time zone.
#include <fmt/format.h>
#include "slawatch/calendar/calendar.hpp"
#include "slawatch/report/report.hpp"

namespace slawatch::report {

std::string period::text() const { return fmt::format("{:04d}-{:02d}", year, month); }

period period::previous() const { return month == 1 ? period{year - 1, 12} : period{year, month - 1}; }

period period::next() const { return month == 12 ? period{year + 1, 1} : period{year, month + 1}; }

result<period> parse_period(std::string_view text) {
  const error bad{"bad_request", "period: expected YYYY-MM", {}};
  if (text.size() != 7 || text[4] != '-') return bad;
  int year = 0, month = 0;
  for (std::size_t i = 0; i < 7; ++i) {
    if (i == 4) continue;
    if (text[i] < '0' || text[i] > '9') return bad;
    (i < 4 ? year : month) = (i < 4 ? year : month) * 10 + (text[i] - '0');
  }
  if (year < 1970 || month < 1 || month > 12) return bad;
  return period{year, month};
}

namespace {
calendar::local_date first_day(period p) {
  return calendar::local_date{date::year{p.year} / date::month{static_cast<unsigned>(p.month)} / 1};
}
}  // namespace

bounds bounds_of(period p, const date::time_zone& zone) {
  return {calendar::start_of_day(first_day(p), zone), calendar::start_of_day(first_day(p.next()), zone)};
}

period period_of(instant t, const date::time_zone& zone) {
  const date::year_month_day ymd{calendar::local_date_of(t, zone)};
  return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month()))};
}

}  // namespace slawatch::report
