// Business hours: counting only time inside opening hours on business days.
#include <string>
#include <vector>
#include "calendar_support.hpp"

using namespace slawatch;
using namespace slawatch::calendar;
using calendar::test::at;
using calendar::test::local;
using calendar::test::make;
using calendar::test::spec;

namespace {

struct hours_case {
  std::string what;
  std::vector<std::string> holidays;
  std::optional<int> cutoff_min;
  std::string start;
  std::int64_t n;
  std::string expected;
};

calendar_spec office(const std::string& tz = "Africa/Nairobi") {
  auto s = spec(tz);
  s.hours_start_min = 8 * 60;
  s.hours_end_min = 17 * 60;
  return s;
}

}  // namespace

TEST_CASE("add_business_hours counts only opening hours on business days (08:00-17:00)") {
  const std::optional<int> none;
  const std::vector<hours_case> cases = {
      {"inside one day", {}, none, "2026-11-09T10:00:00+03:00", 4, "2026-11-09T14:00:00+03:00"},
      {"over the close into the next day",
       {},
       none,
       "2026-11-09T15:00:00+03:00",
       4,
       "2026-11-10T10:00:00+03:00"},
      {"ending exactly at the close stays on that day",
       {},
       none,
       "2026-11-06T13:00:00+03:00",
       4,
       "2026-11-06T17:00:00+03:00"},
      {"over a weekend", {}, none, "2026-11-06T15:00:00+03:00", 4, "2026-11-09T10:00:00+03:00"},
      {"over a weekend and a Monday holiday",
       {"2026-11-09"},
       none,
       "2026-11-06T15:00:00+03:00",
       4,
       "2026-11-10T10:00:00+03:00"},
      {"over a Friday holiday and the weekend",
       {"2026-11-06"},
       none,
       "2026-11-05T16:00:00+03:00",
       2,
       "2026-11-09T09:00:00+03:00"},
      {"a Saturday start begins at Monday's opening",
       {},
       none,
       "2026-11-07T12:00:00+03:00",
       1,
       "2026-11-09T09:00:00+03:00"},
      {"before opening begins at the opening",
       {},
       none,
       "2026-11-09T06:00:00+03:00",
       1,
       "2026-11-09T09:00:00+03:00"},
      {"after closing begins at the next opening",
       {},
       none,
       "2026-11-09T18:00:00+03:00",
       1,
       "2026-11-10T09:00:00+03:00"},
      {"exactly at closing begins at the next opening",
       {},
       none,
       "2026-11-09T17:00:00+03:00",
       1,
       "2026-11-10T09:00:00+03:00"},
      {"a whole day of nine hours",
       {},
       none,
       "2026-11-09T08:00:00+03:00",
       9,
       "2026-11-09T17:00:00+03:00"},
      {"40 hours from Monday's opening end Friday noon",
       {},
       none,
       "2026-11-09T08:00:00+03:00",
       40,
       "2026-11-13T12:00:00+03:00"},
      {"zero hours inside hours is the start",
       {},
       none,
       "2026-11-09T10:15:00+03:00",
       0,
       "2026-11-09T10:15:00+03:00"},
      {"zero hours outside hours is the next opening",
       {},
       none,
       "2026-11-07T10:15:00+03:00",
       0,
       "2026-11-09T08:00:00+03:00"},
      {"at the cutoff the rest of the day counts",
       {},
       16 * 60,
       "2026-11-09T16:00:00+03:00",
       2,
       "2026-11-10T09:00:00+03:00"},
      {"after the cutoff counting starts next business day",
       {},
       16 * 60,
       "2026-11-09T16:30:00+03:00",
       1,
       "2026-11-10T09:00:00+03:00"},
      {"after the Friday cutoff counting starts Monday",
       {},
       16 * 60,
       "2026-11-06T16:30:00+03:00",
       1,
       "2026-11-09T09:00:00+03:00"},
  };
  for (const auto& c : cases) {
    SECTION(c.what) {
      auto s = office();
      s.holidays = c.holidays;
      s.cutoff_min = c.cutoff_min;
      auto cal = make(s);
      CHECK(local(add_business_hours(at(c.start), c.n, cal), cal) == c.expected);
    }
  }
}

TEST_CASE("business hours across DST weekends keep local opening hours") {
  struct row {
    std::string what, tz, start;
    std::int64_t n;
    std::string expected;
  };
  const std::vector<row> rows = {
      {"Berlin spring forward", "Europe/Berlin", "2026-03-27T15:00:00+01:00", 4,
       "2026-03-30T10:00:00+02:00"},
      {"Berlin fall back", "Europe/Berlin", "2026-10-23T15:00:00+02:00", 4,
       "2026-10-26T10:00:00+01:00"},
      {"New York spring forward", "America/New_York", "2026-03-06T16:00:00-05:00", 2,
       "2026-03-09T09:00:00-04:00"},
      {"New York fall back", "America/New_York", "2026-10-30T16:00:00-04:00", 2,
       "2026-11-02T09:00:00-05:00"},
  };
  for (const auto& r : rows) {
    SECTION(r.what) {
      auto cal = make(office(r.tz));
      CHECK(local(add_business_hours(at(r.start), r.n, cal), cal) == r.expected);
    }
  }
}

TEST_CASE("on a DST day business hours are real elapsed hours between local opening times") {
  struct row {
    std::string what, tz;
    int open, close;
    std::string start;
    std::int64_t n;
    std::string expected;
  };
  const std::vector<row> rows = {
      // 01:00-05:00 on the 23-hour day holds only 3 real hours (02:00-03:00 never happens).
      {"Berlin 23-hour day: 3 hours fill it", "Europe/Berlin", 60, 300, "2026-03-29T01:00:00+01:00",
       3, "2026-03-29T05:00:00+02:00"},
      {"Berlin 23-hour day: the 4th hour is next day", "Europe/Berlin", 60, 300,
       "2026-03-29T01:00:00+01:00", 4, "2026-03-30T02:00:00+02:00"},
      // ... and 5 real hours on the 25-hour day.
      {"Berlin 25-hour day: 5 hours fill it", "Europe/Berlin", 60, 300, "2026-10-25T01:00:00+02:00",
       5, "2026-10-25T05:00:00+01:00"},
      {"whole days: 4 hours over the spring-forward night", "Europe/Berlin", 0, 1440,
       "2026-03-28T22:00:00+01:00", 4, "2026-03-29T03:00:00+02:00"},
      {"whole days: 3 hours over the fall-back night", "America/New_York", 0, 1440,
       "2026-10-31T23:00:00-04:00", 3, "2026-11-01T01:00:00-05:00"},
  };
  for (const auto& r : rows) {
    SECTION(r.what) {
      auto s = spec(r.tz);
      s.workdays = {0, 1, 2, 3, 4, 5, 6};
      s.hours_start_min = r.open;
      s.hours_end_min = r.close;
      auto cal = make(s);
      CHECK(local(add_business_hours(at(r.start), r.n, cal), cal) == r.expected);
    }
  }
}

TEST_CASE("business_time_between sums opening hours, 23 or 25 on DST days") {
  auto s = spec("Europe/Berlin");
  s.workdays = {0, 1, 2, 3, 4, 5, 6};
  auto whole = make(s);
  using std::chrono::hours;
  CHECK(business_time_between(at("2026-03-29T00:00:00+01:00"), at("2026-03-30T00:00:00+02:00"),
                              whole) == hours{23});
  CHECK(business_time_between(at("2026-10-25T00:00:00+02:00"), at("2026-10-26T00:00:00+01:00"),
                              whole) == hours{25});
  auto cal = make(office());
  CHECK(business_time_between(at("2026-11-06T15:00:00+03:00"), at("2026-11-09T10:00:00+03:00"),
                              cal) == hours{4});
  CHECK(business_time_between(at("2026-11-09T10:00:00+03:00"), at("2026-11-06T15:00:00+03:00"),
                              cal) == hours{0});
}

TEST_CASE("business_time_between measures what add_business_hours added") {
  auto s = office();
  s.holidays = {"2026-11-10", "2026-11-13"};
  auto cal = make(s);
  auto t = at("2026-11-09T08:00:00+03:00");
  for (int step = 0; step < 60; ++step, t += std::chrono::minutes{97}) {
    for (std::int64_t n : {1, 3, 9, 10, 27}) {
      auto from = add_business_hours(t, 0, cal);
      CAPTURE(local(t, cal), n);
      CHECK(business_time_between(from, add_business_hours(t, n, cal), cal) ==
            std::chrono::hours{n});
    }
  }
}
