// Spans: parsing `within:` texts, due times and warning instants.
#include <string>
#include <vector>
#include "calendar_support.hpp"
#include "slawatch/calendar/span.hpp"

using namespace slawatch;
using namespace slawatch::calendar;
using calendar::test::at;
using calendar::test::local;
using calendar::test::make;
using calendar::test::spec;

TEST_CASE("parse_span reads durations and business time") {
  using namespace std::chrono;
  struct row {
    std::string text;
    span expected;
    std::string canonical;
  };
  const std::vector<row> rows = {
      {"48h", {span_unit::absolute, hours{48}, 0}, "2d"},
      {"90s", {span_unit::absolute, seconds{90}, 0}, "1m30s"},
      {"1h30m", {span_unit::absolute, minutes{90}, 0}, "1h30m"},
      {"0s", {span_unit::absolute, slawatch::duration{0}, 0}, "0s"},
      {"2 business_days", {span_unit::business_days, slawatch::duration{0}, 2}, "2 business_days"},
      {"1 business_day", {span_unit::business_days, slawatch::duration{0}, 1}, "1 business_days"},
      {"4 business_hours",
       {span_unit::business_hours, slawatch::duration{0}, 4},
       "4 business_hours"},
      {"1 business_hour",
       {span_unit::business_hours, slawatch::duration{0}, 1},
       "1 business_hours"},
      {"  3   business_days ",
       {span_unit::business_days, slawatch::duration{0}, 3},
       "3 business_days"},
      {"0 business_days", {span_unit::business_days, slawatch::duration{0}, 0}, "0 business_days"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    auto s = parse_span(r.text);
    REQUIRE(s.ok());
    CHECK(*s == r.expected);
    CHECK(to_string(*s) == r.canonical);
  }
}

TEST_CASE("parse_span errors name what was expected and what was written") {
  const std::string expected =
      "expected a duration like 48h or N business_days / N business_hours, got ";
  const std::vector<std::string> bad = {
      "2 busines_days",
      "business_days",
      "2business_days",
      "-1 business_days",
      "1.5 business_days",
      "two business_days",
      "2 business_days extra",
      "",
      "48",
      "-5h",
      "2 days",
      "x 2",
  };
  for (const auto& text : bad) {
    CAPTURE(text);
    auto s = parse_span(text);
    REQUIRE_FALSE(s.ok());
    CHECK(s.err().code == "invalid_value");
    CHECK(s.err().message == expected + "'" + text + "'");
  }
  auto big = parse_span("36501 business_days");
  REQUIRE_FALSE(big.ok());
  CHECK(big.err().message ==
        "'36501 business_days' is too long: at most 36500 business_days or 876000 business_hours");
  CHECK(parse_span("36500 business_days").ok());
  CHECK_FALSE(parse_span("99999999999999999999 business_hours").ok());
}

TEST_CASE("due_after applies the span to the start") {
  auto s = spec();
  s.hours_start_min = 8 * 60;
  s.hours_end_min = 17 * 60;
  auto cal = make(s);
  auto start = at("2026-11-06T15:00:00+03:00");
  CHECK(local(due_after(start, *parse_span("1 business_days"), cal), cal) ==
        "2026-11-09T23:59:59.999+03:00");
  CHECK(local(due_after(start, *parse_span("4 business_hours"), cal), cal) ==
        "2026-11-09T10:00:00+03:00");
  CHECK(local(due_after(start, *parse_span("48h"), cal), cal) == "2026-11-08T15:00:00+03:00");
}

TEST_CASE("progress_instant places warnings on business time, never on a weekend") {
  auto s = spec();
  s.hours_start_min = 8 * 60;
  s.hours_end_min = 17 * 60;
  auto cal = make(s);
  auto friday = at("2026-11-06T15:00:00+03:00");
  struct row {
    std::string span_text;
    double fraction;
    std::string expected;
  };
  const std::vector<row> rows = {
      // 1 business day from Friday 15:00: 9 h left on Friday + 24 h on Monday = 33 h.
      {"1 business_days", 0.5, "2026-11-09T07:30:00+03:00"},
      {"1 business_days", 0.0, "2026-11-06T15:00:00+03:00"},
      {"1 business_days", 1.0, "2026-11-09T23:59:59.999+03:00"},
      {"4 business_hours", 0.5, "2026-11-06T17:00:00+03:00"},
      {"4 business_hours", 0.75, "2026-11-09T09:00:00+03:00"},
      {"48h", 0.5, "2026-11-07T15:00:00+03:00"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.span_text, r.fraction);
    CHECK(local(progress_instant(friday, *parse_span(r.span_text), r.fraction, cal), cal) ==
          r.expected);
  }
  // A Saturday start counts from Monday 00:00: 2 business days = Monday + Tuesday = 48 h.
  CHECK(local(progress_instant(at("2026-11-07T12:00:00+03:00"), *parse_span("1 business_days"), 0.5,
                               cal),
              cal) == "2026-11-10T00:00:00+03:00");
}

TEST_CASE("elapsed_fraction measures the span the way warnings do") {
  auto cal = make(spec());
  auto friday = at("2026-11-06T15:00:00+03:00");
  auto one_day = *parse_span("1 business_days");
  CHECK(elapsed_fraction(friday, one_day, friday, cal) == Approx(0.0));
  CHECK(elapsed_fraction(friday, one_day, at("2026-11-07T12:00:00+03:00"), cal) ==
        Approx(9.0 / 33.0));
  CHECK(elapsed_fraction(friday, one_day, at("2026-11-09T07:30:00+03:00"), cal) == Approx(0.5));
  CHECK(elapsed_fraction(friday, one_day, at("2026-11-10T07:30:00+03:00"), cal) > 1.0);
  auto two_days = *parse_span("48h");
  CHECK(elapsed_fraction(friday, two_days, at("2026-11-07T03:00:00+03:00"), cal) == Approx(0.25));
}
