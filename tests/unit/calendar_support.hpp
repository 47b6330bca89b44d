#pragma once
// Test helpers for the calendar module: zones from the system tz database, instants from
// RFC 3339 text, and results rendered back as local RFC 3339 so tables read like calendars.
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include "slawatch/calendar/calendar.hpp"

namespace slawatch::calendar::test {

/// The resolver the app uses too: locate the zone and load its data before handing it on.
inline const date::time_zone* resolve_zone(std::string_view name) {
  try {
    const auto* z = date::locate_zone(name);
    z->get_info(date::sys_seconds{});
    return z;
  } catch (const std::exception&) {
    return nullptr;
  }
}

inline instant at(const std::string& rfc3339) {
  auto t = timefmt::parse_rfc3339(rfc3339);
  if (!t) throw std::invalid_argument("bad test instant " + rfc3339);
  return *t;
}

/// A calendar with defaults: Nairobi, mon-fri, whole days, no holidays, no cutoff.
inline calendar_spec spec(std::string tz = "Africa/Nairobi") {
  calendar_spec s;
  s.name = "test";
  s.timezone = std::move(tz);
  s.workdays = {1, 2, 3, 4, 5};
  return s;
}

inline business_calendar make(const calendar_spec& s) {
  auto c = build_calendar(s, resolve_zone);
  if (!c) throw std::invalid_argument(c.err().message);
  return *c;
}

inline std::string local(instant t, const business_calendar& c) {
  return format_rfc3339_local(t, *c.zone);
}

}  // namespace slawatch::calendar::test
