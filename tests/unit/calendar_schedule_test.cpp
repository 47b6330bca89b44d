// Absence schedules: parsing and due instants in Nairobi and in DST zones.
#include <string>
#include <vector>
#include "calendar_support.hpp"
#include "slawatch/calendar/schedule.hpp"

using namespace slawatch;
using namespace slawatch::calendar;
using calendar::test::at;
using calendar::test::local;
using calendar::test::make;
using calendar::test::spec;

namespace {

schedule sched(schedule_fields f) {
  auto s = parse_schedule(f);
  if (!s) throw std::invalid_argument(s.err().message);
  return *s;
}

struct due_case {
  std::string what;
  schedule_fields fields;
  std::string after;
  std::string next;
};

void check_cases(const std::vector<due_case>& cases, const business_calendar& cal) {
  for (const auto& c : cases) {
    SECTION(c.what) {
      auto s = sched(c.fields);
      auto next = next_due(s, at(c.after), cal);
      CHECK(local(next, cal) == c.next);
      // The period ending at `next` holds `after` (period = (previous_due, due]).
      CHECK(period_start(s, next, cal) <= at(c.after));
      CHECK(next_due(s, period_start(s, next, cal), cal) == next);
    }
  }
}

}  // namespace

TEST_CASE("next_due in Africa/Nairobi for every kind of schedule") {
  auto s = spec();
  s.holidays = {"2026-12-02", "2026-12-25", "2026-12-26", "2027-01-01"};
  auto cal = make(s);
  const std::vector<due_case> cases = {
      {"daily, later the same day",
       {"day", "10:00"},
       "2026-11-06T09:00:00+03:00",
       "2026-11-06T10:00:00+03:00"},
      {"daily, exactly at the due time means the next day",
       {"day", "10:00"},
       "2026-11-06T10:00:00+03:00",
       "2026-11-07T10:00:00+03:00"},
      {"business_day skips the weekend",
       {"business_day", "10:00"},
       "2026-11-06T10:00:00+03:00",
       "2026-11-09T10:00:00+03:00"},
      {"business_day skips Christmas and the weekend",
       {"business_day", "10:00"},
       "2026-12-24T11:00:00+03:00",
       "2026-12-28T10:00:00+03:00"},
      {"weekly defaults to Monday",
       {"week", "09:00"},
       "2026-11-11T12:00:00+03:00",
       "2026-11-16T09:00:00+03:00"},
      {"weekly on Friday, same day",
       {"week", "09:00", "fri"},
       "2026-11-06T08:00:00+03:00",
       "2026-11-06T09:00:00+03:00"},
      {"weekly on Friday keeps a holiday Friday",
       {"week", "09:00", "fri"},
       "2026-12-20T08:00:00+03:00",
       "2026-12-25T09:00:00+03:00"},
      {"monthly defaults to the 1st",
       {"month", "10:00"},
       "2026-11-15T00:00:00+03:00",
       "2026-12-01T10:00:00+03:00"},
      {"monthly on the 25th keeps Christmas",
       {"month", "10:00", {}, "25"},
       "2026-12-01T00:00:00+03:00",
       "2026-12-25T10:00:00+03:00"},
      {"monthly on the last day",
       {"month", "17:00", {}, "last"},
       "2026-11-15T00:00:00+03:00",
       "2026-11-30T17:00:00+03:00"},
      {"monthly on the last day of February",
       {"month", "17:00", {}, "last"},
       "2027-02-01T00:00:00+03:00",
       "2027-02-28T17:00:00+03:00"},
      {"first business day of a month starting on Sunday",
       {"month", "10:00", {}, {}, "1"},
       "2026-10-31T00:00:00+03:00",
       "2026-11-02T10:00:00+03:00"},
      {"3rd business day moves past a holiday on the 2nd",
       {"month", "10:00", {}, {}, "3"},
       "2026-11-30T00:00:00+03:00",
       "2026-12-04T10:00:00+03:00"},
      {"1st business day after a New Year holiday and weekend",
       {"month", "10:00", {}, {}, "1"},
       "2026-12-31T00:00:00+03:00",
       "2027-01-04T10:00:00+03:00"},
      {"23rd business day in a month of 20 is the last business day",
       {"month", "10:00", {}, {}, "23"},
       "2027-02-01T00:00:00+03:00",
       "2027-02-26T10:00:00+03:00"},
  };
  check_cases(cases, cal);
}

TEST_CASE("next_due in DST zones uses the local due time") {
  auto berlin = make(spec("Europe/Berlin"));
  const std::vector<due_case> cases = {
      {"business_day over the spring-forward weekend",
       {"business_day", "10:00"},
       "2026-03-27T10:00:00+01:00",
       "2026-03-30T10:00:00+02:00"},
      {"business_day over the fall-back weekend",
       {"business_day", "10:00"},
       "2026-10-23T10:00:00+02:00",
       "2026-10-26T10:00:00+01:00"},
      {"daily 02:30 on the spring-forward day is the jump",
       {"day", "02:30"},
       "2026-03-28T03:00:00+01:00",
       "2026-03-29T03:00:00+02:00"},
      {"daily 02:30 the day after",
       {"day", "02:30"},
       "2026-03-29T03:00:00+02:00",
       "2026-03-30T02:30:00+02:00"},
      {"daily 02:30 on the fall-back day is its first occurrence",
       {"day", "02:30"},
       "2026-10-24T03:00:00+02:00",
       "2026-10-25T02:30:00+02:00"},
      {"monthly on the 1st after the change",
       {"month", "10:00"},
       "2026-03-15T00:00:00+01:00",
       "2026-04-01T10:00:00+02:00"},
  };
  check_cases(cases, berlin);
}

TEST_CASE("the New York weekly schedule spans the fall-back week") {
  auto ny = make(spec("America/New_York"));
  auto s = sched({"week", "09:00", "mon"});
  auto due = next_due(s, at("2026-10-27T09:00:00-04:00"), ny);
  CHECK(local(due, ny) == "2026-11-02T09:00:00-05:00");
  CHECK(local(previous_due(s, due, ny), ny) == "2026-10-26T09:00:00-04:00");
  CHECK(due - previous_due(s, due, ny) == std::chrono::hours{7 * 24 + 1});
}

TEST_CASE("previous_due gives the period a report must arrive in") {
  auto cal = make(spec());
  struct row {
    std::string what;
    schedule_fields fields;
    std::string due, previous;
  };
  const std::vector<row> rows = {
      {"daily", {"day", "10:00"}, "2026-11-09T10:00:00+03:00", "2026-11-08T10:00:00+03:00"},
      {"business_day over a weekend",
       {"business_day", "10:00"},
       "2026-11-09T10:00:00+03:00",
       "2026-11-06T10:00:00+03:00"},
      {"monthly", {"month", "10:00"}, "2026-12-01T10:00:00+03:00", "2026-11-01T10:00:00+03:00"},
      {"from between two dues",
       {"day", "10:00"},
       "2026-11-09T09:00:00+03:00",
       "2026-11-08T10:00:00+03:00"},
  };
  for (const auto& r : rows) {
    SECTION(r.what) {
      CHECK(local(previous_due(sched(r.fields), at(r.due), cal), cal) == r.previous);
    }
  }
}

TEST_CASE("parse_schedule rejects bad fields with exact texts") {
  struct row {
    schedule_fields fields;
    std::string message;
  };
  const std::vector<row> rows = {
      {{{}, "10:00"}, "schedule.every: required, one of day, business_day, week, month"},
      {{"fortnight", "10:00"},
       "schedule.every: 'fortnight' is not one of day, business_day, week, month"},
      {{"day"}, "schedule.due: required, a local time HH:MM"},
      {{"day", "24:00"}, "schedule.due: '24:00' must be HH:MM between 00:00 and 23:59"},
      {{"day", "9:00"}, "schedule.due: '9:00' must be HH:MM between 00:00 and 23:59"},
      {{"week", "09:00", "monday"},
       "schedule.weekday: 'monday' is not one of mon, tue, wed, thu, fri, sat, sun"},
      {{"day", "09:00", "mon"}, "schedule.weekday: only allowed with every: week"},
      {{"week", "09:00", {}, "1"}, "schedule.day: only allowed with every: month"},
      {{"business_day", "09:00", {}, {}, "2"},
       "schedule.business_day: only allowed with every: month"},
      {{"month", "09:00", {}, "29"}, "schedule.day: '29' must be 1 to 28 or last"},
      {{"month", "09:00", {}, "0"}, "schedule.day: '0' must be 1 to 28 or last"},
      {{"month", "09:00", {}, {}, "24"}, "schedule.business_day: '24' must be 1 to 23"},
      {{"month", "09:00", {}, "1", "1"}, "schedule: give either day or business_day, not both"},
  };
  for (const auto& r : rows) {
    auto s = parse_schedule(r.fields);
    REQUIRE_FALSE(s.ok());
    CHECK(s.err().code == "invalid_value");
    CHECK(s.err().message == r.message);
  }
}

TEST_CASE("parse_schedule reads every field") {
  auto w = sched({"week", "23:59", "sun"});
  CHECK(w.every == schedule_every::week);
  CHECK(w.due_min == 23 * 60 + 59);
  CHECK(w.weekday == 0);
  auto m = sched({"month", "00:00", {}, "last"});
  CHECK(m.month_day == 0);
  CHECK_FALSE(m.nth_business_day.has_value());
  auto b = sched({"month", "10:00", {}, {}, "3"});
  CHECK(b.nth_business_day == 3);
}
