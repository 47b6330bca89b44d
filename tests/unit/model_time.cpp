#include <catch2/catch.hpp>

#include "slawatch/model/time.hpp"

using namespace slawatch;
using namespace std::chrono;

namespace {
instant utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0,
            nanoseconds ns = nanoseconds{0}) {
  return instant{sys_days{year{y} / month{mo} / day{d}}} + hours{h} + minutes{mi} + seconds{s} +
         ns;
}
}  // namespace

TEST_CASE("an RFC 3339 timestamp with an offset is converted to UTC") {
  const auto r = timefmt::parse_rfc3339_with_offset("2026-11-26T09:15:00+03:00");
  REQUIRE(r);
  CHECK(r->first == utc(2026, 11, 26, 6, 15));
  CHECK(r->second == 10800);
  const auto neg = timefmt::parse_rfc3339_with_offset("2026-11-26T01:00:00-05:30");
  REQUIRE(neg);
  CHECK(neg->first == utc(2026, 11, 26, 6, 30));
  CHECK(neg->second == -19800);
}

TEST_CASE("valid RFC 3339 timestamps are accepted") {
  const auto [text, expected] = GENERATE(table<const char*, instant>({
      {"2026-11-26T06:20:05Z", utc(2026, 11, 26, 6, 20, 5)},
      {"2026-11-26t06:20:05z", utc(2026, 11, 26, 6, 20, 5)},
      {"2026-11-26T06:20:05.1Z", utc(2026, 11, 26, 6, 20, 5, milliseconds{100})},
      {"2026-11-26T06:20:05.117Z", utc(2026, 11, 26, 6, 20, 5, milliseconds{117})},
      {"2026-11-26T06:20:05.123456789Z", utc(2026, 11, 26, 6, 20, 5, nanoseconds{123456789})},
      {"2024-02-29T00:00:00Z", utc(2024, 2, 29)},
      {"2000-02-29T23:59:59+00:00", utc(2000, 2, 29, 23, 59, 59)},
      {"2026-01-01T00:30:00+01:00", utc(2025, 12, 31, 23, 30)},
      {"1970-01-01T00:00:00Z", instant{}},
  }));
  INFO(text);
  const auto t = timefmt::parse_rfc3339(text);
  REQUIRE(t);
  CHECK(*t == expected);
}

TEST_CASE("malformed or impossible timestamps are rejected") {
  const char* text = GENERATE(
      "", "2026-11-26", "2026-11-26T06:20:05", "2026-11-26 06:20:05Z", "2026-13-01T00:00:00Z",
      "2026-00-10T00:00:00Z", "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
      "2026-04-31T00:00:00Z", "2026-11-00T00:00:00Z", "2026-11-26T24:00:00Z",
      "2026-11-26T23:60:00Z", "2026-11-26T23:59:60Z", "2026-11-26T06:20:05.Z",
      "2026-11-26T06:20:05.1234567891Z", "2026-11-26T06:20:05+0300", "2026-11-26T06:20:05+03",
      "2026-11-26T06:20:05+24:00", "2026-11-26T06:20:05+03:60", "2026-11-26T06:20:05ZZ",
      "2026-11-26T06:20:05Z ", " 2026-11-26T06:20:05Z", "26-11-26T06:20:05Z",
      "2026-1-26T06:20:05Z", "2026-11-26T6:20:05Z", "2026-11-26T06:20:05UTC",
      "+2026-11-26T06:20:05Z", "2026-11-26T06:20:05,5Z");
  INFO(text);
  CHECK_FALSE(timefmt::parse_rfc3339(text));
}

// Found by fuzz_event (tests/regression/event/): 0000-01-01 and 9999-12-31 overflowed the
// 64-bit nanosecond count (UB) instead of being rejected.
TEST_CASE("timestamps and dates outside the years 1900-2199 are rejected, not overflowed") {
  const auto [text, ok] = GENERATE(table<const char*, bool>({
      {"0000-01-01T00:00:00+23:59", false},
      {"1677-09-21T00:12:43Z", false},
      {"1899-12-31T23:59:59Z", false},
      {"1900-01-01T00:00:00Z", true},
      {"2199-12-31T23:59:59.999999999Z", true},
      {"2200-01-01T00:00:00Z", false},
      {"2262-04-12T00:00:00Z", false},
      {"9999-12-31T23:59:59.999999999-23:59", false},
  }));
  INFO(text);
  CHECK(timefmt::parse_rfc3339(text).has_value() == ok);
  CHECK(timefmt::parse_date(std::string_view(text).substr(0, 10)).has_value() == ok);
}

TEST_CASE("UTC formatting always shows milliseconds") {
  CHECK(timefmt::format_utc_ms(utc(2026, 11, 26, 6, 20, 5, milliseconds{117})) ==
        "2026-11-26T06:20:05.117Z");
  CHECK(timefmt::format_utc_ms(utc(2026, 11, 26)) == "2026-11-26T00:00:00.000Z");
  // Sub-millisecond digits are truncated, not rounded up into the next second.
  CHECK(timefmt::format_utc_ms(utc(2026, 11, 26, 23, 59, 59, nanoseconds{999999999})) ==
        "2026-11-26T23:59:59.999Z");
  CHECK(timefmt::format_utc_ms(utc(1969, 12, 31, 23, 59, 59, milliseconds{500})) ==
        "1969-12-31T23:59:59.500Z");
}

TEST_CASE("formatting with an offset shows local time and milliseconds only when non-zero") {
  const auto t = utc(2026, 11, 9, 20, 59, 59, milliseconds{999});
  CHECK(timefmt::format_with_offset(t, 10800) == "2026-11-09T23:59:59.999+03:00");
  CHECK(timefmt::format_with_offset(t, 0) == "2026-11-09T20:59:59.999Z");
  CHECK(timefmt::format_with_offset(utc(2026, 11, 9, 20), -19800) == "2026-11-09T14:30:00-05:30");
  CHECK(timefmt::format_with_offset(utc(2026, 1, 1, 1), 7200) == "2026-01-01T03:00:00+02:00");
  CHECK(timefmt::format_with_offset(utc(2026, 1, 1, 1), -7200) == "2025-12-31T23:00:00-02:00");
}

TEST_CASE("a formatted timestamp parses back to the same instant and offset") {
  const auto t = utc(2026, 3, 1, 12, 34, 56, milliseconds{7});
  for (const int offset : {0, 3600, -3600, 10800, 20700, -34200}) {
    const auto text = timefmt::format_with_offset(t, offset);
    const auto back = timefmt::parse_rfc3339_with_offset(text);
    REQUIRE(back);
    CHECK(back->first == t);
    CHECK(back->second == offset);
  }
}

TEST_CASE("durations in every unit and compound form parse") {
  const auto [text, expected] = GENERATE(table<const char*, nanoseconds>({
      {"90s", seconds{90}},
      {"15m", minutes{15}},
      {"24h", hours{24}},
      {"2d", hours{48}},
      {"500ms", milliseconds{500}},
      {"250us", microseconds{250}},
      {"250\xC2\xB5s", microseconds{250}},
      {"7ns", nanoseconds{7}},
      {"1h30m", minutes{90}},
      {"1d2h3m4s5ms", hours{26} + minutes{3} + seconds{4} + milliseconds{5}},
      {"1.5h", minutes{90}},
      {".5s", milliseconds{500}},
      {"0.001s", milliseconds{1}},
      {"-15m", minutes{-15}},
      {"+15m", minutes{15}},
      {"0", nanoseconds{0}},
      {"0s", nanoseconds{0}},
      {"400d", hours{24 * 400}},
  }));
  INFO(text);
  const auto d = timefmt::parse_duration(text);
  REQUIRE(d);
  CHECK(*d == expected);
}

TEST_CASE("invalid durations are rejected") {
  const char* text =
      GENERATE("", "-", "s", "15", "15x", "1h30", "forever", "1.h5", "1..5h", " 15m", "15m ",
               "15 m", "1w", "15M", "1e3s", "--1s", "99999999999999999999s", "200000d", "300000d");
  INFO(text);
  CHECK_FALSE(timefmt::parse_duration(text));
}

TEST_CASE("durations format to the shortest exact compound") {
  const auto [d, expected] = GENERATE(table<nanoseconds, const char*>({
      {seconds{90}, "1m30s"},
      {nanoseconds{0}, "0s"},
      {hours{48}, "2d"},
      {hours{26}, "1d2h"},
      {milliseconds{1500}, "1s500ms"},
      {minutes{-15}, "-15m"},
      {nanoseconds{1001}, "1us1ns"},
  }));
  CHECK(timefmt::format_duration(d) == expected);
  CHECK(timefmt::parse_duration(timefmt::format_duration(d)) == d);
}

TEST_CASE("the most negative duration formats without overflow") {
  const auto d = nanoseconds{std::numeric_limits<std::int64_t>::min()};
  const auto text = timefmt::format_duration(d);
  CHECK(text.front() == '-');
  CHECK(timefmt::parse_duration(text) == d);
}

TEST_CASE("civil dates parse to UTC midnight and are calendar-checked") {
  CHECK(timefmt::parse_date("2026-12-25") == utc(2026, 12, 25));
  CHECK(timefmt::parse_date("2028-02-29") == utc(2028, 2, 29));
  for (const char* bad : {"2026-02-29", "2026-12-32", "2026-12-25T00:00:00Z", "2026-12-5", "",
                          "2026/12/25", "2026-12-25 "}) {
    INFO(bad);
    CHECK_FALSE(timefmt::parse_date(bad));
  }
}
