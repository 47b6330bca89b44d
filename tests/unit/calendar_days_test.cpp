// Business days: contract 3 examples, weekends, holidays beside weekends, cutoffs, counting.
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

struct days_case {
  std::string what;
  std::vector<std::string> holidays;
  std::optional<int> cutoff_min;
  std::string start;
  std::int64_t n;
  std::string expected;
};

}  // namespace

TEST_CASE("add_business_days counts to the end of the n-th business day after the base day") {
  const std::optional<int> none;
  const std::vector<days_case> cases = {
      {"Friday 15:00 + 1 is Monday end of day",
       {},
       none,
       "2026-11-06T15:00:00+03:00",
       1,
       "2026-11-09T23:59:59.999+03:00"},
      {"contract example: Friday 15:00 + 2 is Tuesday",
       {},
       none,
       "2026-11-06T15:00:00+03:00",
       2,
       "2026-11-10T23:59:59.999+03:00"},
      {"contract example: Tuesday a holiday moves it to Wednesday",
       {"2026-11-10"},
       none,
       "2026-11-06T15:00:00+03:00",
       2,
       "2026-11-11T23:59:59.999+03:00"},
      {"n = 0 is the end of the base day",
       {},
       none,
       "2026-11-06T15:00:00+03:00",
       0,
       "2026-11-06T23:59:59.999+03:00"},
      {"a Saturday start counts from Monday",
       {},
       none,
       "2026-11-07T10:00:00+03:00",
       1,
       "2026-11-10T23:59:59.999+03:00"},
      {"a Sunday start counts from Monday",
       {},
       none,
       "2026-11-08T23:30:00+03:00",
       1,
       "2026-11-10T23:59:59.999+03:00"},
      {"a Saturday start with n = 0 ends Monday",
       {},
       none,
       "2026-11-07T10:00:00+03:00",
       0,
       "2026-11-09T23:59:59.999+03:00"},
      {"the last millisecond of Sunday still counts from Monday",
       {},
       none,
       "2026-11-08T23:59:59.999+03:00",
       1,
       "2026-11-10T23:59:59.999+03:00"},
      {"Monday midnight is on Monday",
       {},
       none,
       "2026-11-09T00:00:00+03:00",
       1,
       "2026-11-10T23:59:59.999+03:00"},
      {"the local date decides, not the UTC date (Fri 22:00Z is Sat 01:00 EAT)",
       {},
       none,
       "2026-11-06T22:00:00Z",
       1,
       "2026-11-10T23:59:59.999+03:00"},
      {"a Friday holiday: Thursday + 1 is Monday",
       {"2026-11-06"},
       none,
       "2026-11-05T10:00:00+03:00",
       1,
       "2026-11-09T23:59:59.999+03:00"},
      {"a start on a Friday holiday counts from Monday",
       {"2026-11-06"},
       none,
       "2026-11-06T10:00:00+03:00",
       1,
       "2026-11-10T23:59:59.999+03:00"},
      {"a Monday holiday: Friday + 1 is Tuesday",
       {"2026-11-09"},
       none,
       "2026-11-06T15:00:00+03:00",
       1,
       "2026-11-10T23:59:59.999+03:00"},
      {"a Monday holiday: Saturday + 0 is Tuesday",
       {"2026-11-09"},
       none,
       "2026-11-07T15:00:00+03:00",
       0,
       "2026-11-10T23:59:59.999+03:00"},
      {"Christmas Friday and Boxing Day Saturday: Thursday + 1 is Monday",
       {"2026-12-25", "2026-12-26"},
       none,
       "2026-12-24T10:00:00+03:00",
       1,
       "2026-12-28T23:59:59.999+03:00"},
      {"before the cutoff counts from the same day",
       {},
       16 * 60,
       "2026-11-06T15:59:59+03:00",
       1,
       "2026-11-09T23:59:59.999+03:00"},
      {"exactly at the cutoff still counts from the same day",
       {},
       16 * 60,
       "2026-11-06T16:00:00+03:00",
       1,
       "2026-11-09T23:59:59.999+03:00"},
      {"just after the cutoff counts from the next business day",
       {},
       16 * 60,
       "2026-11-06T16:00:00.001+03:00",
       1,
       "2026-11-10T23:59:59.999+03:00"},
      {"after the Friday cutoff with n = 0 ends Monday",
       {},
       16 * 60,
       "2026-11-06T20:00:00+03:00",
       0,
       "2026-11-09T23:59:59.999+03:00"},
      {"after the cutoff before a Monday holiday: Friday + 1 is Wednesday",
       {"2026-11-09"},
       16 * 60,
       "2026-11-06T17:00:00+03:00",
       1,
       "2026-11-11T23:59:59.999+03:00"},
      {"the cutoff does not matter on a Saturday",
       {},
       16 * 60,
       "2026-11-07T17:00:00+03:00",
       1,
       "2026-11-10T23:59:59.999+03:00"},
      {"n = -1 from Wednesday is Tuesday",
       {},
       none,
       "2026-11-11T10:00:00+03:00",
       -1,
       "2026-11-10T23:59:59.999+03:00"},
      {"n = -1 from Monday is Friday",
       {},
       none,
       "2026-11-09T10:00:00+03:00",
       -1,
       "2026-11-06T23:59:59.999+03:00"},
  };
  for (const auto& c : cases) {
    SECTION(c.what) {
      auto s = spec();
      s.holidays = c.holidays;
      s.cutoff_min = c.cutoff_min;
      auto cal = make(s);
      CHECK(local(add_business_days(at(c.start), c.n, cal), cal) == c.expected);
    }
  }
}

TEST_CASE("is_business_day looks at the local date, workdays and holidays") {
  auto s = spec();
  s.holidays = {"2026-12-25"};
  auto cal = make(s);
  CHECK(is_business_day(at("2026-11-06T15:00:00+03:00"), cal));
  CHECK_FALSE(is_business_day(at("2026-11-07T15:00:00+03:00"), cal));
  CHECK_FALSE(is_business_day(at("2026-11-08T15:00:00+03:00"), cal));
  CHECK_FALSE(is_business_day(at("2026-12-25T09:00:00+03:00"), cal));
  CHECK_FALSE(is_business_day(at("2026-11-06T21:00:00Z"), cal));  // Saturday 00:00 EAT
  CHECK(is_business_day(at("2026-11-06T20:59:59Z"), cal));        // Friday 23:59:59 EAT
}

TEST_CASE("a six-day week counts Saturday as a business day") {
  auto s = spec();
  s.workdays = {1, 2, 3, 4, 5, 6};
  auto cal = make(s);
  CHECK(local(add_business_days(at("2026-11-06T15:00:00+03:00"), 1, cal), cal) ==
        "2026-11-07T23:59:59.999+03:00");
}

TEST_CASE("business_days_between counts business dates after a's date up to b's") {
  auto s = spec();
  s.holidays = {"2026-11-10", "2026-12-25"};
  auto cal = make(s);
  struct row {
    std::string a, b;
    std::int64_t expected;
  };
  const std::vector<row> rows = {
      {"2026-11-06T15:00:00+03:00", "2026-11-09T23:59:59.999+03:00", 1},
      {"2026-11-06T15:00:00+03:00", "2026-11-11T08:00:00+03:00", 2},  // Tuesday is a holiday
      {"2026-11-06T15:00:00+03:00", "2026-11-06T23:00:00+03:00", 0},
      {"2026-11-07T10:00:00+03:00", "2026-11-08T10:00:00+03:00", 0},
      {"2026-11-07T10:00:00+03:00", "2026-11-09T00:00:00+03:00", 1},
      {"2026-11-09T10:00:00+03:00", "2026-11-06T10:00:00+03:00", -1},
      {"2026-11-11T10:00:00+03:00", "2026-11-06T10:00:00+03:00", -2},
      {"2026-01-01T12:00:00+03:00", "2026-12-31T12:00:00+03:00", 258},
  };
  for (const auto& r : rows) {
    CAPTURE(r.a, r.b);
    CHECK(business_days_between(at(r.a), at(r.b), cal) == r.expected);
    CHECK(business_days_between(at(r.b), at(r.a), cal) == -r.expected);
  }
}

TEST_CASE("business_days_between undoes add_business_days for starts on business days") {
  auto s = spec();
  s.holidays = {"2026-11-10", "2026-11-13", "2026-11-16", "2026-12-25", "2026-12-26"};
  s.cutoff_min = 16 * 60;
  auto cal = make(s);
  auto t = at("2026-11-02T06:00:00+03:00");
  int checked = 0;
  for (int step = 0; step < 200; ++step, t += std::chrono::hours{7}) {
    auto minute = local_minute_of(t, *cal.zone);
    if (!is_business_day(t, cal) || minute > 16 * 60) continue;
    for (std::int64_t n = -12; n <= 12; ++n) {
      CAPTURE(local(t, cal), n);
      REQUIRE(business_days_between(t, add_business_days(t, n, cal), cal) == n);
      ++checked;
    }
  }
  CHECK(checked > 1000);
}

TEST_CASE("build_calendar rejects what cannot be a calendar, with exact texts") {
  struct row {
    std::string what;
    std::function<void(calendar_spec&)> change;
    std::string message;
  };
  const std::vector<row> rows = {
      {"unknown zone", [](calendar_spec& s) { s.timezone = "Africa/Atlantis"; },
       "calendar 'test': unknown time zone 'Africa/Atlantis'"},
      {"no workdays", [](calendar_spec& s) { s.workdays.clear(); }, "calendar 'test': no workdays"},
      {"workday 7",
       [](calendar_spec& s) {
         s.workdays = {1, 7};
       },
       "calendar 'test': workday 7 is not 0 (sun) .. 6 (sat)"},
      {"hours backwards", [](calendar_spec& s) { s.hours_start_min = 600, s.hours_end_min = 480; },
       "calendar 'test': hours must be HH:MM-HH:MM with start before end"},
      {"bad holiday", [](calendar_spec& s) { s.holidays = {"2026-02-30"}; },
       "calendar 'test': holiday '2026-02-30' is not a date YYYY-MM-DD"},
      {"cutoff 24:00", [](calendar_spec& s) { s.cutoff_min = 24 * 60; },
       "calendar 'test': cutoff must be between 00:00 and 23:59"},
  };
  for (const auto& r : rows) {
    SECTION(r.what) {
      auto s = spec();
      r.change(s);
      auto c = build_calendar(s, calendar::test::resolve_zone);
      REQUIRE_FALSE(c.ok());
      CHECK(c.err().code == "invalid_value");
      CHECK(c.err().message == r.message);
    }
  }
}

TEST_CASE("a calendar without hours counts the whole day, one with hours keeps them") {
  auto whole = make(spec());
  CHECK(whole.open_min == 0);
  CHECK(whole.close_min == 24 * 60);
  auto s = spec();
  s.hours_start_min = 8 * 60;
  s.hours_end_min = 17 * 60;
  auto office = make(s);
  CHECK(office.open_min == 480);
  CHECK(office.close_min == 1020);
}

TEST_CASE("covers_year is true only for years with at least one holiday") {
  auto s = spec();
  s.holidays = {"2026-12-25", "2027-01-01"};
  auto cal = make(s);
  CHECK(covers_year(cal, 2026));
  CHECK(covers_year(cal, 2027));
  CHECK_FALSE(covers_year(cal, 2025));
  CHECK_FALSE(covers_year(cal, 2028));
  CHECK_FALSE(covers_year(make(spec()), 2026));
}
