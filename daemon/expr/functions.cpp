#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <fmt/format.h>
#include <re2/re2.h>
#include "ops.hpp"
#include "value_format.hpp"

namespace slawatch::expr::detail {
namespace {

using T = type;

constexpr std::array<builtin_info, 12> builtins{{
    {"size", builtin::size, 1, 0},
    {"int", builtin::to_int, 1, -1},
    {"double", builtin::to_double, 1, -1},
    {"string", builtin::to_string, 1, -1},
    {"timestamp", builtin::timestamp, 1, -1},
    {"duration", builtin::duration, 1, -1},
    {"abs", builtin::abs, 1, -1},
    {"startsWith", builtin::starts_with, -1, 1},
    {"endsWith", builtin::ends_with, -1, 1},
    {"contains", builtin::contains, -1, 1},
    {"matches", builtin::matches, 2, 1},
    {"lowerAscii", builtin::lower_ascii, -1, 0},
}};

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

bool fail(std::string& err, std::string msg) {
  err = std::move(msg);
  return false;
}

bool to_int(const value& a, value& out, std::string& err) {
  switch (a.kind()) {
    case T::int_type: out = a; return true;
    case T::double_type: {
      double d = std::trunc(a.as_double());
      // 2^63 is exactly representable; anything at or beyond it does not fit.
      if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) {
        return fail(err, "integer overflow");
      }
      out = value(static_cast<std::int64_t>(d));
      return true;
    }
    case T::string_type: {
      std::string_view s = a.as_string();
      std::int64_t v = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || p != s.data() + s.size() || s.empty()) {
        return fail(err, fmt::format("cannot convert '{}' to int", s));
      }
      out = value(v);
      return true;
    }
    default: {  // timestamp: whole seconds since the Unix epoch, rounded down
      auto secs = std::chrono::floor<std::chrono::seconds>(a.as_timestamp().time_since_epoch());
      out = value(static_cast<std::int64_t>(secs.count()));
      return true;
    }
  }
}

bool to_double(const value& a, value& out, std::string& err) {
  if (a.kind() != T::string_type) {
    out = value(a.as_double());
    return true;
  }
  std::string s(a.as_string());
  char* end = nullptr;
  double d = s.empty() || std::isspace(static_cast<unsigned char>(s[0])) != 0
                 ? 0.0
                 : std::strtod(s.c_str(), &end);
  if (end == nullptr || *end != '\0') return fail(err, fmt::format("cannot convert '{}' to double", s));
  out = value(d);
  return true;
}

bool to_string(const value& a, value& out) {
  switch (a.kind()) {
    case T::string_type: out = a; break;
    case T::int_type: out = value(std::to_string(a.as_int())); break;
    case T::double_type: out = value(format_double(a.as_double())); break;
    case T::bool_type: out = value(a.as_bool() ? "true" : "false"); break;
    case T::timestamp_type: out = value(format_timestamp(a.as_timestamp())); break;
    default: out = value(format_duration_seconds(a.as_duration())); break;
  }
  return true;
}

bool to_timestamp(const value& a, value& out, std::string& err) {
  switch (a.kind()) {
    case T::timestamp_type: out = a; return true;
    case T::int_type: {
      std::int64_t ns = 0;
      if (__builtin_mul_overflow(a.as_int(), std::int64_t{1'000'000'000}, &ns)) {
        return fail(err, "timestamp out of range");
      }
      out = value(instant(duration(ns)));
      return true;
    }
    default: {
      auto t = timefmt::parse_rfc3339(a.as_string());
      if (!t) return fail(err, fmt::format("invalid timestamp '{}'", a.as_string()));
      out = value(*t);
      return true;
    }
  }
}

bool to_duration(const value& a, value& out, std::string& err) {
  if (a.kind() == T::duration_type) {
    out = a;
    return true;
  }
  auto d = timefmt::parse_duration(a.as_string());
  if (!d) return fail(err, fmt::format("invalid duration '{}'", a.as_string()));
  out = value(*d);
  return true;
}

bool abs_value(const value& a, value& out, std::string& err) {
  switch (a.kind()) {
    case T::int_type:
      if (a.as_int() == std::numeric_limits<std::int64_t>::min()) {
        return fail(err, "integer overflow");
      }
      out = value(a.as_int() < 0 ? -a.as_int() : a.as_int());
      return true;
    case T::double_type: out = value(std::fabs(a.as_double())); return true;
    default:
      if (a.as_duration() == duration::min()) return fail(err, "duration out of range");
      out = value(a.as_duration() < duration::zero() ? -a.as_duration() : a.as_duration());
      return true;
  }
}

bool size_of(const value& a, value& out) {
  std::size_t n = a.kind() == T::string_type ? utf8_length(a.as_string()) : list_size(a);
  if (a.kind() == T::map_type) n = a.json()->size();
  out = value(static_cast<std::int64_t>(n));
  return true;
}

bool string_method(builtin fn, std::string_view s, std::string_view arg, value& out) {
  switch (fn) {
    case builtin::starts_with: out = value(s.substr(0, arg.size()) == arg); break;
    case builtin::ends_with:
      out = value(s.size() >= arg.size() && s.substr(s.size() - arg.size()) == arg);
      break;
    default: out = value(s.find(arg) != std::string_view::npos); break;
  }
  return true;
}

bool matches(const value& s, const value& pattern, const re2::RE2* regex, value& out,
             std::string& err) {
  std::shared_ptr<const re2::RE2> compiled;
  if (regex == nullptr) {  // pattern computed at evaluation time
    compiled = compile_regex(pattern.as_string(), err);
    if (!compiled) return false;
    regex = compiled.get();
  }
  std::string_view text = s.as_string();
  out = value(re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *regex));
  return true;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

const builtin_info* find_builtin(std::string_view name) {
  for (const auto& b : builtins) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

std::string_view builtin_name(builtin fn) {
  for (const auto& b : builtins) {
    if (b.fn == fn) return b.name;
  }
  return "?";
}

bool builtin_accepts(builtin fn, std::size_t pos, type t) {
  switch (fn) {
    case builtin::size: return t == T::string_type || t == T::list_type || t == T::map_type;
    case builtin::to_int:
      return is_number(t) || t == T::string_type || t == T::timestamp_type;
    case builtin::to_double: return is_number(t) || t == T::string_type;
    case builtin::to_string:
      return is_number(t) || t == T::string_type || t == T::bool_type ||
             t == T::timestamp_type || t == T::duration_type;
    case builtin::timestamp:
      return t == T::string_type || t == T::timestamp_type || t == T::int_type;
    case builtin::duration: return t == T::string_type || t == T::duration_type;
    case builtin::abs: return is_number(t) || t == T::duration_type;
    case builtin::host: return true;
    default: (void)pos; return t == T::string_type;  // string methods: all positions
  }
}

static_type builtin_result(builtin fn, static_type first) {
  switch (fn) {
    case builtin::size: case builtin::to_int: return T::int_type;
    case builtin::to_double: return T::double_type;
    case builtin::to_string: case builtin::lower_ascii: return T::string_type;
    case builtin::timestamp: return T::timestamp_type;
    case builtin::duration: return T::duration_type;
    case builtin::abs: return first;
    case builtin::host: case builtin::none: return std::nullopt;
    default: return T::bool_type;
  }
}

bool call_builtin(builtin fn, const value* args, std::size_t argc, const re2::RE2* regex,
                  value& out, std::string& err) {
  for (std::size_t k = 0; k < argc; ++k) {
    if (!builtin_accepts(fn, k, args[k].kind())) {
      std::vector<std::string> kinds;
      for (std::size_t m = 0; m < argc; ++m) kinds.emplace_back(type_name(args[m].kind()));
      return fail(err, overload_error(builtin_name(fn), kinds));
    }
  }
  const value& a = args[0];
  switch (fn) {
    case builtin::size: return size_of(a, out);
    case builtin::to_int: return to_int(a, out, err);
    case builtin::to_double: return to_double(a, out, err);
    case builtin::to_string: return to_string(a, out);
    case builtin::timestamp: return to_timestamp(a, out, err);
    case builtin::duration: return to_duration(a, out, err);
    case builtin::abs: return abs_value(a, out, err);
    case builtin::matches: return matches(a, args[1], regex, out, err);
    case builtin::lower_ascii: out = value(lower_ascii(a.as_string())); return true;
    default: return string_method(fn, a.as_string(), args[1].as_string(), out);
  }
}

std::shared_ptr<const re2::RE2> compile_regex(std::string_view pattern, std::string& err) {
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), opts);
  if (!re->ok()) {
    err = fmt::format("invalid regex '{}': {}", pattern, re->error());
    return nullptr;
  }
  return re;
}

}  // namespace slawatch::expr::detail
