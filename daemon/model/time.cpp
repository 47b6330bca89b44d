// RFC 3339 timestamps, plain durations and civil dates (contract 3). Hand-written parsers:
// timestamps are parsed once per event on the ingest hot path, so no regex and no locale.
#include "slawatch/model/time.hpp"

#include <cstdint>
#include <limits>

#include <fmt/format.h>

namespace slawatch::timefmt {
namespace detail {

using namespace std::chrono;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Reads exactly `n` digits at `pos`; false when any is not a digit.
bool read_fixed(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!is_digit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

/// `YYYY-MM-DD` at the start of `s`, validated against the real calendar.
std::optional<sys_days> read_date(std::string_view s) {
  int y = 0, m = 0, d = 0;
  if (!read_fixed(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !read_fixed(s, 5, 2, m) ||
      s[7] != '-' || !read_fixed(s, 8, 2, d))
    return std::nullopt;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  // An instant counts nanoseconds in 64 bits (years 1677-2262): a year outside 1900-2199
  // would overflow (UB) here or when a deadline is added to it, so it is no timestamp.
  if (!ymd.ok() || y < 1900 || y > 2199) return std::nullopt;
  return sys_days{ymd};
}

/// `.fraction` (1-9 digits) at `pos`, as nanoseconds; advances `pos`. Absent → 0.
bool read_fraction(std::string_view s, std::size_t& pos, std::int64_t& ns) {
  ns = 0;
  if (pos >= s.size() || s[pos] != '.') return true;
  ++pos;
  std::size_t digits = 0;
  while (pos < s.size() && is_digit(s[pos])) {
    if (++digits > 9) return false;
    ns = ns * 10 + (s[pos] - '0');
    ++pos;
  }
  if (digits == 0) return false;
  for (std::size_t i = digits; i < 9; ++i) ns *= 10;
  return true;
}

/// `Z`, `z`, `+HH:MM` or `-HH:MM` ending exactly at the end of `s`.
bool read_offset(std::string_view s, std::size_t pos, int& offset) {
  if (pos + 1 == s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    offset = 0;
    return true;
  }
  int h = 0, m = 0;
  if (pos + 6 != s.size() || (s[pos] != '+' && s[pos] != '-') || !read_fixed(s, pos + 1, 2, h) ||
      s[pos + 3] != ':' || !read_fixed(s, pos + 4, 2, m) || h > 23 || m > 59)
    return false;
  offset = (h * 3600 + m * 60) * (s[pos] == '-' ? -1 : 1);
  return true;
}

std::string two_digit_offset(int offset_seconds) {
  if (offset_seconds == 0) return "Z";
  const char sign = offset_seconds < 0 ? '-' : '+';
  const int a = offset_seconds < 0 ? -offset_seconds : offset_seconds;
  return fmt::format("{}{:02}:{:02}", sign, a / 3600, (a / 60) % 60);
}

/// Date and time of day of `t` (already shifted to local time), split to milliseconds.
std::string format_civil(instant t, bool always_ms) {
  const auto day_start = floor<days>(t);
  const year_month_day ymd{day_start};
  const auto ms_of_day = floor<milliseconds>(t - day_start).count();
  const auto secs = ms_of_day / 1000;
  const auto ms = ms_of_day % 1000;
  std::string out =
      fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), secs / 3600,
                  (secs / 60) % 60, secs % 60);
  if (always_ms || ms != 0) out += fmt::format(".{:03}", ms);
  return out;
}

struct unit_entry {
  std::string_view name;
  std::int64_t ns;
};
// Longest names first so "ms" is not read as "m" followed by garbage.
constexpr unit_entry units[] = {
    {"ns", 1},           {"us", 1000},         {"\xC2\xB5s", 1000},    {"ms", 1000000},
    {"s", 1000000000LL}, {"m", 60000000000LL}, {"h", 3600000000000LL}, {"d", 86400000000000LL},
};

std::optional<std::int64_t> read_unit(std::string_view s, std::size_t& pos) {
  for (const auto& u : units) {
    if (s.substr(pos, u.name.size()) == u.name) {
      pos += u.name.size();
      return u.ns;
    }
  }
  return std::nullopt;
}

/// One `<number><unit>` term, in nanoseconds (unsigned magnitude); advances `pos`.
std::optional<std::uint64_t> read_term(std::string_view s, std::size_t& pos) {
  std::uint64_t whole = 0;
  std::size_t whole_digits = 0;
  while (pos < s.size() && is_digit(s[pos])) {
    if (__builtin_mul_overflow(whole, 10U, &whole) ||
        __builtin_add_overflow(whole, static_cast<unsigned>(s[pos] - '0'), &whole))
      return std::nullopt;
    ++pos, ++whole_digits;
  }
  long double frac = 0, scale = 1;
  std::size_t frac_digits = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    while (pos < s.size() && is_digit(s[pos])) {
      if (frac_digits < 18) frac = frac * 10 + (s[pos] - '0'), scale *= 10;
      ++pos, ++frac_digits;
    }
  }
  if (whole_digits + frac_digits == 0) return std::nullopt;
  const auto unit = read_unit(s, pos);
  if (!unit) return std::nullopt;
  std::uint64_t v = 0;
  if (__builtin_mul_overflow(whole, static_cast<std::uint64_t>(*unit), &v)) return std::nullopt;
  const auto extra = static_cast<std::uint64_t>(frac * static_cast<long double>(*unit) / scale);
  if (__builtin_add_overflow(v, extra, &v)) return std::nullopt;
  return v;
}

}  // namespace detail

std::optional<std::pair<instant, int>> parse_rfc3339_with_offset(std::string_view text) {
  using namespace std::chrono;
  const auto date = detail::read_date(text);
  if (!date || text.size() < 19 || (text[10] != 'T' && text[10] != 't')) return std::nullopt;
  int h = 0, m = 0, s = 0;
  if (!detail::read_fixed(text, 11, 2, h) || text[13] != ':' ||
      !detail::read_fixed(text, 14, 2, m) || text[16] != ':' ||
      !detail::read_fixed(text, 17, 2, s) || h > 23 || m > 59 || s > 59)
    return std::nullopt;
  std::size_t pos = 19;
  std::int64_t ns = 0;
  int offset = 0;
  if (!detail::read_fraction(text, pos, ns) || !detail::read_offset(text, pos, offset))
    return std::nullopt;
  const instant local = instant{*date} + hours{h} + minutes{m} + seconds{s} + nanoseconds{ns};
  return std::pair{local - seconds{offset}, offset};
}

std::optional<instant> parse_rfc3339(std::string_view text) {
  auto r = parse_rfc3339_with_offset(text);
  if (!r) return std::nullopt;
  return r->first;
}

std::string format_utc_ms(instant t) { return detail::format_civil(t, true) + "Z"; }

std::string format_with_offset(instant t, int offset_seconds) {
  return detail::format_civil(t + std::chrono::seconds{offset_seconds}, false) +
         detail::two_digit_offset(offset_seconds);
}

std::optional<duration> parse_duration(std::string_view text) {
  std::size_t pos = 0;
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) negative = text[0] == '-', pos = 1;
  if (text.substr(pos) == "0") return duration{0};  // Go accepts a bare zero
  if (pos >= text.size()) return std::nullopt;
  std::uint64_t total = 0;
  while (pos < text.size()) {
    const auto term = detail::read_term(text, pos);
    if (!term || __builtin_add_overflow(total, *term, &total)) return std::nullopt;
  }
  constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (total > max + (negative ? 1 : 0)) return std::nullopt;
  if (negative) return duration{static_cast<std::int64_t>(0 - total)};
  return duration{static_cast<std::int64_t>(total)};
}

std::string format_duration(duration d) {
  if (d.count() == 0) return "0s";
  std::string out = d.count() < 0 ? "-" : "";
  // Magnitude as unsigned so the most negative duration does not overflow on negation.
  std::uint64_t rest = d.count() < 0 ? 0 - static_cast<std::uint64_t>(d.count())
                                     : static_cast<std::uint64_t>(d.count());
  static constexpr detail::unit_entry order[] = {{"d", 86400000000000LL},
                                                 {"h", 3600000000000LL},
                                                 {"m", 60000000000LL},
                                                 {"s", 1000000000LL},
                                                 {"ms", 1000000},
                                                 {"us", 1000},
                                                 {"ns", 1}};
  for (const auto& u : order) {
    const auto n = rest / static_cast<std::uint64_t>(u.ns);
    rest %= static_cast<std::uint64_t>(u.ns);
    if (n != 0) out += fmt::format("{}{}", n, u.name);
  }
  return out;
}

std::optional<instant> parse_date(std::string_view text) {
  if (text.size() != 10) return std::nullopt;
  const auto d = detail::read_date(text);
  if (!d) return std::nullopt;
  return instant{*d};
}

}  // namespace slawatch::timefmt
