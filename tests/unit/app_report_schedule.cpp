// The monthly report schedule: which month is due when, and the delivery it enqueues.
#include <catch2/catch.hpp>
#include "../../daemon/app/report_schedule.hpp"

using namespace slawatch;

namespace {
instant utc(const char* text) { return *timefmt::parse_rfc3339(text); }
}  // namespace

TEST_CASE("the previous month's report is due from the configured day and time in the partner's zone") {
  const auto& nairobi = *date::locate_zone("Africa/Nairobi");
  struct row { const char* now; int day; int at_min; std::optional<report::period> due; };
  for (const auto& [now, day, at_min, due] : std::vector<row>{
           {"2026-12-01T02:59:59Z", 1, 6 * 60, std::nullopt},                 // 05:59:59 local
           {"2026-12-01T03:00:00Z", 1, 6 * 60, report::period{2026, 11}},     // 06:00 local
           {"2026-11-30T21:30:00Z", 1, 0, report::period{2026, 11}},          // Dec 1st 00:30 local
           {"2026-12-15T12:00:00Z", 1, 6 * 60, report::period{2026, 11}},     // later: catch-up
           {"2027-01-02T12:00:00Z", 3, 6 * 60, std::nullopt},
           {"2027-01-03T12:00:00Z", 3, 6 * 60, report::period{2026, 12}}}) {
    INFO(now << " day " << day);
    CHECK(app::detail::due_report(utc(now), nairobi, day, at_min) == due);
  }
}

TEST_CASE("a report delivery goes to the partner sink with a stable delivery id") {
  auto a = app::detail::report_delivery("bank-a", {2026, 11}, "{}", utc("2026-12-01T03:00:00Z"));
  auto b = app::detail::report_delivery("bank-a", {2026, 11}, "{\"x\":1}", utc("2026-12-01T04:00:00Z"));
  auto c = app::detail::report_delivery("bank-a", {2026, 10}, "{}", utc("2026-12-01T03:00:00Z"));
  CHECK(a.sink == "partner:bank-a");
  CHECK(a.event == "report");
  CHECK(a.breach_id == "report:2026-11");
  CHECK(a.delivery_id == b.delivery_id);
  CHECK(a.delivery_id != c.delivery_id);
  CHECK(a.delivery_id == ingest::delivery_id("partner:bank-a", "report:2026-11", "report"));
}
