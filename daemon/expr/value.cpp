#include "slawatch/expr/value.hpp"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <fmt/format.h>
#include "value_format.hpp"

namespace slawatch::expr {

std::string_view type_name(type t) {
  switch (t) {
    case type::null_type: return "null_type";
    case type::bool_type: return "bool";
    case type::int_type: return "int";
    case type::double_type: return "double";
    case type::string_type: return "string";
    case type::list_type: return "list";
    case type::map_type: return "map";
    case type::timestamp_type: return "timestamp";
    case type::duration_type: return "duration";
  }
  return "unknown";
}

namespace {

// Variant indexes of value::v_.
enum : std::size_t { i_null, i_bool, i_int, i_double, i_string, i_list, i_ts, i_dur, i_json };

type json_kind(const nlohmann::json& j) {
  using t = nlohmann::json::value_t;
  switch (j.type()) {
    case t::boolean: return type::bool_type;
    case t::number_integer: return type::int_type;
    case t::number_unsigned:
      return j.get<std::uint64_t>() <= static_cast<std::uint64_t>(
                                           std::numeric_limits<std::int64_t>::max())
                 ? type::int_type
                 : type::double_type;
    case t::number_float: return type::double_type;
    case t::string: return type::string_type;
    case t::array: return type::list_type;
    case t::object: return type::map_type;
    default: return type::null_type;
  }
}

}  // namespace

value value::borrow(const nlohmann::json& j) {
  value v;
  v.v_ = &j;
  return v;
}

type value::kind() const {
  switch (v_.index()) {
    case i_bool: return type::bool_type;
    case i_int: return type::int_type;
    case i_double: return type::double_type;
    case i_string: return type::string_type;
    case i_list: return type::list_type;
    case i_ts: return type::timestamp_type;
    case i_dur: return type::duration_type;
    case i_json: return json_kind(*std::get<i_json>(v_));
    default: return type::null_type;
  }
}

bool value::as_bool() const {
  if (v_.index() == i_json) return std::get<i_json>(v_)->get<bool>();
  return std::get<i_bool>(v_);
}

std::int64_t value::as_int() const {
  if (v_.index() == i_json) return std::get<i_json>(v_)->get<std::int64_t>();
  return std::get<i_int>(v_);
}

double value::as_double() const {
  switch (v_.index()) {
    case i_int: return static_cast<double>(std::get<i_int>(v_));
    case i_json: return std::get<i_json>(v_)->get<double>();
    default: return std::get<i_double>(v_);
  }
}

std::string_view value::as_string() const {
  if (v_.index() == i_json) return std::get<i_json>(v_)->get_ref<const std::string&>();
  return std::get<i_string>(v_);
}

instant value::as_timestamp() const { return std::get<i_ts>(v_); }
duration value::as_duration() const { return std::get<i_dur>(v_); }

const nlohmann::json* value::json() const {
  return v_.index() == i_json ? std::get<i_json>(v_) : nullptr;
}

const list* value::owned_list() const {
  return v_.index() == i_list ? std::get<i_list>(v_).get() : nullptr;
}

std::string value::debug_string() const {
  switch (kind()) {
    case type::timestamp_type:
      return fmt::format("timestamp(\"{}\")", detail::format_timestamp(as_timestamp()));
    case type::duration_type:
      return fmt::format("duration(\"{}\")", detail::format_duration_seconds(as_duration()));
    case type::double_type: return detail::format_double(as_double());
    case type::list_type: {
      std::string out = "[";
      auto add = [&](const value& e) {
        if (out.size() > 1) out += ", ";
        out += e.debug_string();
      };
      if (const list* l = owned_list()) {
        for (const value& e : *l) add(e);
      } else {
        for (const auto& e : *json()) add(borrow(e));
      }
      return out + "]";
    }
    default: break;
  }
  // Replace invalid UTF-8 instead of throwing: rendering evidence must never fail.
  return to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json value::to_json() const {
  switch (v_.index()) {
    case i_bool: return std::get<i_bool>(v_);
    case i_int: return std::get<i_int>(v_);
    case i_double: return std::get<i_double>(v_);
    case i_string: return std::get<i_string>(v_);
    case i_list: {
      nlohmann::json arr = nlohmann::json::array();
      for (const value& e : *std::get<i_list>(v_)) arr.push_back(e.to_json());
      return arr;
    }
    case i_ts: return detail::format_timestamp(std::get<i_ts>(v_));
    case i_dur: return detail::format_duration_seconds(std::get<i_dur>(v_));
    case i_json: return *std::get<i_json>(v_);
    default: return nullptr;
  }
}

}  // namespace slawatch::expr

namespace slawatch::expr::detail {

std::string format_timestamp(instant t) { return timefmt::format_utc_ms(t); }

std::string format_duration_seconds(duration d) {
  std::int64_t ns = d.count();
  // Work in unsigned so that the most negative duration has a magnitude too.
  std::uint64_t mag = ns < 0 ? 0 - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
  std::string out = ns < 0 ? "-" : "";
  out += std::to_string(mag / 1'000'000'000U);
  if (std::uint64_t frac = mag % 1'000'000'000U; frac != 0) {
    std::string digits = fmt::format("{:09d}", frac);
    while (digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  return out + "s";
}

std::string format_double(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return nlohmann::json(d).dump();
}

}  // namespace slawatch::expr::detail
