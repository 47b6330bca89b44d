// Local time across daylight-saving changes: end of day, offsets, abbreviations.
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

calendar_spec every_day(const std::string& tz) {
  auto s = spec(tz);
  s.workdays = {0, 1, 2, 3, 4, 5, 6};
  return s;
}

}  // namespace

TEST_CASE("business days across a DST weekend end at the local end of day in the new offset") {
  struct row {
    std::string what, tz, start, expected;
  };
  const std::vector<row> rows = {
      {"Berlin spring forward", "Europe/Berlin", "2026-03-27T15:00:00+01:00",
       "2026-03-30T23:59:59.999+02:00"},
      {"Berlin fall back", "Europe/Berlin", "2026-10-23T15:00:00+02:00",
       "2026-10-26T23:59:59.999+01:00"},
      {"New York spring forward", "America/New_York", "2026-03-06T15:00:00-05:00",
       "2026-03-09T23:59:59.999-04:00"},
      {"New York fall back", "America/New_York", "2026-10-30T15:00:00-04:00",
       "2026-11-02T23:59:59.999-05:00"},
  };
  for (const auto& r : rows) {
    SECTION(r.what) {
      auto cal = make(spec(r.tz));
      CHECK(local(add_business_days(at(r.start), 1, cal), cal) == r.expected);
    }
  }
}

TEST_CASE("the end of the DST day itself is 23:59:59.999 local in the day's last offset") {
  struct row {
    std::string what, tz, start, expected;
  };
  const std::vector<row> rows = {
      {"Berlin 23-hour day", "Europe/Berlin", "2026-03-28T12:00:00+01:00",
       "2026-03-29T23:59:59.999+02:00"},
      {"Berlin 25-hour day", "Europe/Berlin", "2026-10-24T12:00:00+02:00",
       "2026-10-25T23:59:59.999+01:00"},
      {"New York 23-hour day", "America/New_York", "2026-03-07T12:00:00-05:00",
       "2026-03-08T23:59:59.999-04:00"},
      {"New York 25-hour day", "America/New_York", "2026-10-31T12:00:00-04:00",
       "2026-11-01T23:59:59.999-05:00"},
      // Santiago changes at midnight: 24:00 -> 23:00 repeats the last hour of Apr 4 ...
      {"Santiago fall back at midnight: the second 23:59:59.999", "America/Santiago",
       "2026-04-03T12:00:00-03:00", "2026-04-04T23:59:59.999-04:00"},
      // ... and 24:00 -> 01:00 skips the first hour of Sep 6.
      {"Santiago spring forward at midnight", "America/Santiago", "2026-09-04T12:00:00-04:00",
       "2026-09-05T23:59:59.999-04:00"},
  };
  for (const auto& r : rows) {
    SECTION(r.what) {
      auto cal = make(every_day(r.tz));
      CHECK(local(add_business_days(at(r.start), 1, cal), cal) == r.expected);
    }
  }
}

TEST_CASE("a day whose midnight is skipped starts at the jump") {
  auto cal = make(every_day("America/Santiago"));
  auto sep6 = local_date{date::year{2026} / 9 / 6};
  CHECK(local(start_of_day(sep6, *cal.zone), cal) == "2026-09-06T01:00:00-03:00");
  CHECK(local_date_of(at("2026-09-06T01:00:00-03:00"), *cal.zone) == sep6);
}

TEST_CASE("at_local maps skipped times to the jump and repeated times by choice") {
  auto cal = make(spec("Europe/Berlin"));
  auto mar29 = local_date{date::year{2026} / 3 / 29};
  auto oct25 = local_date{date::year{2026} / 10 / 25};
  CHECK(local(at_local(mar29, 150, *cal.zone), cal) == "2026-03-29T03:00:00+02:00");
  CHECK(local(at_local(oct25, 150, *cal.zone, false), cal) == "2026-10-25T02:30:00+02:00");
  CHECK(local(at_local(oct25, 150, *cal.zone, true), cal) == "2026-10-25T02:30:00+01:00");
}

TEST_CASE("offset_at and format_local show the offset and abbreviation in effect") {
  struct row {
    std::string tz, utc;
    int offset;
    std::string text;
  };
  const std::vector<row> rows = {
      {"Africa/Nairobi", "2026-11-09T20:59:59.999Z", 10800, "2026-11-09 23:59:59 EAT"},
      {"Europe/Berlin", "2026-03-29T00:59:59Z", 3600, "2026-03-29 01:59:59 CET"},
      {"Europe/Berlin", "2026-03-29T01:00:00Z", 7200, "2026-03-29 03:00:00 CEST"},
      {"America/New_York", "2026-11-01T05:30:00Z", -14400, "2026-11-01 01:30:00 EDT"},
      {"America/New_York", "2026-11-01T06:30:00Z", -18000, "2026-11-01 01:30:00 EST"},
      {"Africa/Accra", "2026-06-01T12:00:00Z", 0, "2026-06-01 12:00:00 GMT"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.tz, r.utc);
    const auto* zone = calendar::test::resolve_zone(r.tz);
    REQUIRE(zone != nullptr);
    CHECK(offset_at(at(r.utc), *zone) == r.offset);
    CHECK(format_local(at(r.utc), *zone) == r.text);
  }
}

TEST_CASE("format_rfc3339_local renders the contract's due_at") {
  auto cal = make(spec());
  CHECK(format_rfc3339_local(at("2026-11-09T20:59:59.999Z"), *cal.zone) ==
        "2026-11-09T23:59:59.999+03:00");
}

TEST_CASE("the test resolver knows IANA names and rejects unknown ones") {
  CHECK(calendar::test::resolve_zone("Africa/Nairobi") != nullptr);
  CHECK(calendar::test::resolve_zone("Africa/Atlantis") == nullptr);
  CHECK(calendar::test::resolve_zone("") == nullptr);
}
