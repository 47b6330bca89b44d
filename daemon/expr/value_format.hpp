#pragma once
/// Internal: renderings shared by value::debug_string, to_json and string().
#include <string>
#include "slawatch/model/time.hpp"

namespace slawatch::expr::detail {

/// RFC 3339 UTC with milliseconds: "2026-11-26T06:20:05.117Z".
std::string format_timestamp(instant t);
/// CEL's duration text: seconds with an optional fraction, "90s", "1.5s", "-0.001s".
std::string format_duration_seconds(duration d);
/// Shortest round-trip text that still reads as a double: 100.0 → "100.0", 0.1 → "0.1".
std::string format_double(double d);

}  // namespace slawatch::expr::detail
