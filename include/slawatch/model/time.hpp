#pragma once
/// Instants and durations. Pure: nothing here reads a clock.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace slawatch {

using duration = std::chrono::nanoseconds;
/// A point on the UTC time line, nanosecond precision (CEL timestamps are ns too).
using instant = std::chrono::sys_time<std::chrono::nanoseconds>;

namespace timefmt {

/// Parses an RFC 3339 timestamp: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`.
/// 'T' may be 't' or ' ' is NOT accepted; the offset is required. Up to 9 fraction digits.
/// Returns nullopt on any deviation (month 13, Feb 30, hour 24, missing offset ...) and for
/// years outside 1900-2199 (an instant holds only about 1677-2262, with room for deadlines).
std::optional<instant> parse_rfc3339(std::string_view text);

/// Same, and also reports the UTC offset in seconds that the text carried (+03:00 → 10800).
std::optional<std::pair<instant, int>> parse_rfc3339_with_offset(std::string_view text);

/// "2026-11-26T06:20:05.117Z": UTC, milliseconds always shown.
std::string format_utc_ms(instant t);

/// RFC 3339 in a fixed offset (seconds east of UTC), milliseconds shown only when non-zero:
/// "2026-11-09T23:59:59.999+03:00"; offset 0 is written "Z".
std::string format_with_offset(instant t, int offset_seconds);

/// Parses a plain duration: `90s`, `15m`, `24h`, `2d`, `500ms`, and also CEL/Go-style
/// compounds `1h30m`, fractions `1.5h`, optional leading '-'. d = 24 h. nullopt when invalid.
std::optional<duration> parse_duration(std::string_view text);

/// Shortest exact rendering in the same syntax: 90s → "1m30s", 0 → "0s".
std::string format_duration(duration d);

/// Parses `YYYY-MM-DD` to the UTC midnight instant of that civil date (date validation only;
/// years 1900-2199 as for parse_rfc3339).
std::optional<instant> parse_date(std::string_view text);

}  // namespace timefmt
}  // namespace slawatch
