#include <cmath>
#include <limits>
#include <fmt/format.h>
#include "ops.hpp"
#include "slawatch/model/time.hpp"

namespace slawatch::expr::detail {

std::string static_name(static_type t) {
  return t ? std::string(type_name(*t)) : std::string("dyn");
}

std::string_view op_text(op o) {
  switch (o) {
    case op::add: return "+";
    case op::sub: return "-";
    case op::mul: return "*";
    case op::div: return "/";
    case op::mod: return "%";
    case op::lt: return "<";
    case op::le: return "<=";
    case op::gt: return ">";
    case op::ge: return ">=";
    case op::eq: return "==";
    case op::ne: return "!=";
    case op::in: return "in";
    case op::not_: return "!";
    case op::neg: return "-";
  }
  return "?";
}

std::string overload_error(std::string_view name, const std::vector<std::string>& types) {
  return fmt::format("no matching overload for '{}' applied to ({})", name,
                     fmt::join(types, ", "));
}

namespace {

using T = type;

std::optional<type> arith_result(op o, type l, type r) {
  if (l == T::int_type && r == T::int_type) return T::int_type;
  if (o == op::mod) return std::nullopt;
  if (is_number(l) && is_number(r)) return T::double_type;  // extension: int/double mix
  if (o == op::mul || o == op::div) return std::nullopt;
  if (l == T::duration_type && r == T::duration_type) return T::duration_type;
  if (l == T::timestamp_type && r == T::duration_type) return T::timestamp_type;
  if (o == op::add) {
    if (l == r && (l == T::string_type || l == T::list_type)) return l;
    if (l == T::duration_type && r == T::timestamp_type) return T::timestamp_type;
  } else if (l == T::timestamp_type && r == T::timestamp_type) {
    return T::duration_type;
  }
  return std::nullopt;
}

bool ordered(type l, type r) {
  if (is_number(l) && is_number(r)) return true;
  return l == r && (l == T::string_type || l == T::timestamp_type || l == T::duration_type ||
                    l == T::bool_type);
}

}  // namespace

std::optional<type> binary_result(op o, type l, type r) {
  switch (o) {
    case op::add: case op::sub: case op::mul: case op::div: case op::mod:
      return arith_result(o, l, r);
    case op::lt: case op::le: case op::gt: case op::ge:
      if (ordered(l, r)) return T::bool_type;
      return std::nullopt;
    case op::eq: case op::ne:
      // Statically, comparing two different known kinds is a mistake (always false).
      if (l == r || (is_number(l) && is_number(r)) || l == T::null_type || r == T::null_type) {
        return T::bool_type;
      }
      return std::nullopt;
    case op::in:
      if (r == T::list_type || r == T::map_type) return T::bool_type;
      return std::nullopt;
    default: return std::nullopt;
  }
}

std::size_t list_size(const value& l) {
  if (const list* owned = l.owned_list()) return owned->size();
  if (const nlohmann::json* j = l.json()) return j->size();
  return 0;
}

namespace {

bool lists_equal(const value& a, const value& b) {
  if (list_size(a) != list_size(b)) return false;
  std::vector<value> left;
  left.reserve(list_size(a));
  for_each_element(a, [&](const value& e) { left.push_back(e); return true; });
  std::size_t k = 0;
  return for_each_element(b, [&](const value& e) { return values_equal(left[k++], e); });
}

/// -1, 0, 1 for ordered kinds (see ordered()); NaN compares as "unordered" via `nan`.
int compare(const value& l, const value& r, bool& nan) {
  type k = l.kind();
  if (is_number(k)) {
    if (k == T::int_type && r.kind() == T::int_type) {
      return l.as_int() < r.as_int() ? -1 : l.as_int() > r.as_int() ? 1 : 0;
    }
    double a = l.as_double(), b = r.as_double();
    nan = std::isnan(a) || std::isnan(b);
    return a < b ? -1 : a > b ? 1 : 0;
  }
  switch (k) {
    case T::string_type: {
      int c = l.as_string().compare(r.as_string());
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    case T::timestamp_type:
      return l.as_timestamp() < r.as_timestamp() ? -1 : l.as_timestamp() > r.as_timestamp();
    case T::duration_type:
      return l.as_duration() < r.as_duration() ? -1 : l.as_duration() > r.as_duration();
    default: return static_cast<int>(l.as_bool()) - static_cast<int>(r.as_bool());
  }
}

bool int_arith(op o, std::int64_t a, std::int64_t b, value& out, std::string& err) {
  std::int64_t res = 0;
  bool overflow = false;
  switch (o) {
    case op::add: overflow = __builtin_add_overflow(a, b, &res); break;
    case op::sub: overflow = __builtin_sub_overflow(a, b, &res); break;
    case op::mul: overflow = __builtin_mul_overflow(a, b, &res); break;
    default:
      if (b == 0) {
        err = o == op::div ? "division by zero" : "modulo by zero";
        return false;
      }
      overflow = a == std::numeric_limits<std::int64_t>::min() && b == -1;
      if (!overflow) res = o == op::div ? a / b : a % b;
      break;
  }
  if (overflow) {
    err = "integer overflow";
    return false;
  }
  out = value(res);
  return true;
}

bool double_arith(op o, double a, double b, value& out, std::string& err) {
  switch (o) {
    case op::add: out = value(a + b); return true;
    case op::sub: out = value(a - b); return true;
    case op::mul: out = value(a * b); return true;
    default:
      if (b == 0) {  // fail closed instead of CEL's infinity: an SLA ratio must not pass on inf
        err = "division by zero";
        return false;
      }
      out = value(a / b);
      return true;
  }
}

bool checked_ns(op o, std::int64_t a, std::int64_t b, std::int64_t& res) {
  return o == op::sub ? !__builtin_sub_overflow(a, b, &res) : !__builtin_add_overflow(a, b, &res);
}

bool time_arith(op o, const value& l, const value& r, type result, value& out,
                std::string& err) {
  auto ns = [](const value& v) {
    return v.kind() == T::timestamp_type ? v.as_timestamp().time_since_epoch().count()
                                         : v.as_duration().count();
  };
  std::int64_t res = 0;
  if (!checked_ns(o, ns(l), ns(r), res)) {
    err = result == T::timestamp_type ? "timestamp out of range" : "duration out of range";
    return false;
  }
  if (result == T::timestamp_type) {
    out = value(instant(duration(res)));
  } else {
    out = value(duration(res));
  }
  return true;
}

bool contains_value(const value& container, const value& needle) {
  if (const nlohmann::json* j = container.json(); j && j->is_object()) {
    return needle.kind() == T::string_type && j->contains(needle.as_string());
  }
  return !for_each_element(container, [&](const value& e) { return !values_equal(e, needle); });
}

}  // namespace

bool values_equal(const value& a, const value& b) {
  type ka = a.kind(), kb = b.kind();
  if (is_number(ka) && is_number(kb)) {
    if (ka == T::int_type && kb == T::int_type) return a.as_int() == b.as_int();
    return a.as_double() == b.as_double();
  }
  if (ka != kb) return false;
  switch (ka) {
    case T::null_type: return true;
    case T::bool_type: return a.as_bool() == b.as_bool();
    case T::string_type: return a.as_string() == b.as_string();
    case T::timestamp_type: return a.as_timestamp() == b.as_timestamp();
    case T::duration_type: return a.as_duration() == b.as_duration();
    case T::list_type: return lists_equal(a, b);
    case T::map_type: return *a.json() == *b.json();  // maps only come from JSON
    default: return false;
  }
}

namespace {

/// The stamped and partner-sent times of an event are RFC 3339 strings in its JSON. Where a
/// string meets a timestamp (or two strings are subtracted) and the string is a valid RFC 3339
/// timestamp, it is read as that instant, so `event.received_at - event.occurred_at` is a
/// duration and `event.occurred_at < timestamp('...')` compares instants (extension, see
/// docs/expressions.md). Anything else keeps CEL's strict typing.
std::optional<value> as_instant(const value& v) {
  if (v.kind() != T::string_type) return std::nullopt;
  auto t = timefmt::parse_rfc3339(v.as_string());
  if (!t) return std::nullopt;
  return value(*t);
}

}  // namespace

bool apply_binary(op o, const value& l0, const value& r0, value& out, std::string& err) {
  std::optional<value> lt, rt;
  if (l0.kind() == T::timestamp_type) {
    rt = as_instant(r0);
  } else if (r0.kind() == T::timestamp_type) {
    lt = as_instant(l0);
  } else if (o == op::sub && l0.kind() == T::string_type && r0.kind() == T::string_type) {
    lt = as_instant(l0);
    rt = as_instant(r0);
    if (!lt || !rt) lt.reset(), rt.reset();
  }
  const value& l = lt ? *lt : l0;
  const value& r = rt ? *rt : r0;
  if (o == op::eq || o == op::ne) {  // heterogeneous equality is false, never an error
    out = value(values_equal(l, r) == (o == op::eq));
    return true;
  }
  type kl = l.kind(), kr = r.kind();
  std::optional<type> res = binary_result(o, kl, kr);
  if (!res) {
    err = overload_error(op_text(o), {std::string(type_name(kl)), std::string(type_name(kr))});
    return false;
  }
  switch (o) {
    case op::lt: case op::le: case op::gt: case op::ge: {
      bool nan = false;
      int c = compare(l, r, nan);
      bool b = o == op::lt ? c < 0 : o == op::le ? c <= 0 : o == op::gt ? c > 0 : c >= 0;
      out = value(b && !nan);
      return true;
    }
    case op::in: out = value(contains_value(r, l)); return true;
    default: break;
  }
  if (*res == T::int_type) return int_arith(o, l.as_int(), r.as_int(), out, err);
  if (*res == T::double_type) return double_arith(o, l.as_double(), r.as_double(), out, err);
  if (*res == T::timestamp_type || *res == T::duration_type) {
    return time_arith(o, l, r, *res, out, err);
  }
  if (*res == T::string_type) {
    std::string s(l.as_string());
    s += r.as_string();
    out = value(std::move(s));
    return true;
  }
  auto joined = std::make_shared<list>();  // list + list
  joined->reserve(list_size(l) + list_size(r));
  auto push = [&](const value& e) { joined->push_back(e); return true; };
  for_each_element(l, push);
  for_each_element(r, push);
  out = value(std::shared_ptr<const list>(std::move(joined)));
  return true;
}

std::optional<type> unary_result(op o, type t) {
  if (o == op::not_) return t == T::bool_type ? std::optional<type>(t) : std::nullopt;
  if (is_number(t) || t == T::duration_type) return t;
  return std::nullopt;
}

bool apply_unary(op o, const value& v, value& out, std::string& err) {
  type k = v.kind();
  if (o == op::not_ && k == T::bool_type) {
    out = value(!v.as_bool());
    return true;
  }
  if (o == op::neg) {
    if (k == T::int_type) {
      if (v.as_int() == std::numeric_limits<std::int64_t>::min()) {
        err = "integer overflow";
        return false;
      }
      out = value(-v.as_int());
      return true;
    }
    if (k == T::double_type) {
      out = value(-v.as_double());
      return true;
    }
    if (k == T::duration_type) {
      if (v.as_duration() == duration::min()) {
        err = "duration out of range";
        return false;
      }
      out = value(-v.as_duration());
      return true;
    }
  }
  err = overload_error(op_text(o), {std::string(type_name(k))});
  return false;
}

}  // namespace slawatch::expr::detail
