// Business calendars of a rule set: built from the `calendars:` section and the partner
// registry once time zones are resolved, the holiday coverage check, and the business-time
// functions of the expression language.
#include <fmt/format.h>
#include <set>
#include "loader_detail.hpp"

namespace slawatch::rules {
namespace detail {
namespace {

slawatch::calendar::calendar_spec spec_of(const rules::calendar& c) {
  slawatch::calendar::calendar_spec s;
  s.name = c.name;
  s.timezone = c.timezone;
  s.workdays = c.workdays;
  s.hours_start_min = c.hours_start_min;
  s.hours_end_min = c.hours_end_min;
  for (const auto& h : c.holidays) s.holidays.push_back(h.date);
  s.cutoff_min = c.cutoff_min;
  return s;
}

void build_named(loader& ld) {
  for (const auto& [name, c] : ld.set.calendars) {
    if (!is_timezone(c.timezone)) continue;  // reported while reading
    auto built = slawatch::calendar::build_calendar(spec_of(c), ld.opts.zones);
    if (!built) {
      bool zone = built.err().message.find("time zone") != std::string::npos;
      ld.fail_at(zone ? c.timezone_where : c.where, built.err().code, built.err().message);
      continue;
    }
    ld.set.business_calendars.emplace(name, std::move(built.value()));
  }
}

void build_partner(loader& ld, const model::partner& p) {
  if (!is_timezone(p.timezone)) return;  // reported while reading
  slawatch::calendar::calendar_spec s;
  s.name = "partner:" + p.id;
  s.timezone = p.timezone;
  s.workdays = {1, 2, 3, 4, 5};
  auto built = slawatch::calendar::build_calendar(s, ld.opts.zones);
  if (!built) {
    auto where = ld.partner_tz_where.find(p.id);
    ld.fail_at(where == ld.partner_tz_where.end() ? location{} : where->second, "invalid_value",
               fmt::format("partner '{}': unknown time zone '{}'", p.id, p.timezone));
    return;
  }
  if (!p.calendar.empty()) return;  // the named calendar wins; its zone was checked above
  ld.set.partner_calendars.emplace(p.id, std::move(built.value()));
}

}  // namespace

void build_business_calendars(loader& ld) {
  if (!ld.opts.zones) return;
  build_named(ld);
  for (const auto& [id, p] : ld.set.partners) {
    build_partner(ld, p);
    if (p.calendar.empty()) continue;
    auto named = ld.set.business_calendars.find(p.calendar);
    if (named != ld.set.business_calendars.end()) ld.set.partner_calendars.emplace(id, named->second);
  }
}

void lint_holidays(loader& ld) {
  if (ld.opts.today == instant{}) return;  // no "today" given: nothing to judge against
  std::set<std::string> used;
  for (const auto& r : ld.set.rules) {
    if (r.kind != rule_kind::deadline && r.kind != rule_kind::absence) continue;
    if (!r.calendar_name.empty()) {
      used.insert(r.calendar_name);
      continue;
    }
    for (const auto& [id, p] : ld.set.partners) {
      if (!p.calendar.empty() && r.partners.matches(p)) used.insert(p.calendar);
    }
  }
  auto day = date::floor<date::days>(ld.opts.today);
  int year = static_cast<int>(date::year_month_day{day}.year());
  for (const auto& name : used) {
    auto cal = ld.set.business_calendars.find(name);
    if (cal == ld.set.business_calendars.end()) continue;
    for (int y : {year, year + 1}) {
      if (slawatch::calendar::covers_year(cal->second, y)) continue;
      ld.warnings.push_back(error{"warning",
                                  fmt::format("calendar '{}' has no holidays for {}", name, y),
                                  ld.set.calendars.at(name).where});
    }
  }
}

}  // namespace detail

const slawatch::calendar::business_calendar* rule_set::find_calendar(std::string_view name) const {
  constexpr std::string_view prefix = "partner:";
  if (name.substr(0, prefix.size()) == prefix) {
    auto it = partner_calendars.find(name.substr(prefix.size()));
    return it == partner_calendars.end() ? nullptr : &it->second;
  }
  auto it = business_calendars.find(name);
  return it == business_calendars.end() ? nullptr : &it->second;
}

const slawatch::calendar::business_calendar* rule_set::calendar_for(const rule& r,
                                                          std::string_view partner) const {
  if (!r.calendar_name.empty()) return find_calendar(r.calendar_name);
  auto it = partner_calendars.find(partner);
  return it == partner_calendars.end() ? nullptr : &it->second;
}

namespace {

using host_result = std::variant<expr::value, std::string>;

std::optional<instant> as_instant(const expr::value& v) {
  if (v.kind() == expr::type::timestamp_type) return v.as_timestamp();
  if (v.kind() == expr::type::string_type) return timefmt::parse_rfc3339(v.as_string());
  return std::nullopt;
}

/// Checks the arguments shared by all three functions; fills `ts` (one or two) and `cal`.
std::string read_args(const rule_set& set, std::string_view fn, const std::vector<expr::value>& a,
                      std::size_t n_ts, instant* ts, const slawatch::calendar::business_calendar*& cal) {
  for (std::size_t i = 0; i < n_ts; ++i) {
    auto t = as_instant(a[i]);
    if (!t) {
      return fmt::format("{}: expected a timestamp or an RFC 3339 string, got {}", fn,
                         a[i].debug_string());
    }
    ts[i] = *t;
  }
  const auto& name = a.back();
  if (name.kind() != expr::type::string_type) {
    return fmt::format("{}: expected a calendar name, got {}", fn, name.debug_string());
  }
  cal = set.find_calendar(name.as_string());
  if (cal == nullptr) return fmt::format("{}: unknown calendar '{}'", fn, name.as_string());
  return {};
}

}  // namespace

const std::map<std::string, int, std::less<>>& business_function_arities() {
  static const std::map<std::string, int, std::less<>> arities = {
      {"add_business_days", 3}, {"business_days_between", 3}, {"is_business_day", 2}};
  return arities;
}

expr::host_functions business_functions(const rule_set& set) {
  expr::host_functions fns;
  const rule_set* s = &set;
  fns["add_business_days"] = [s](const std::vector<expr::value>& a) -> host_result {
    instant t[1];
    const slawatch::calendar::business_calendar* cal = nullptr;
    if (auto err = read_args(*s, "add_business_days", a, 1, t, cal); !err.empty()) return err;
    if (a[1].kind() != expr::type::int_type) {
      return fmt::format("add_business_days: expected an int day count, got {}",
                         a[1].debug_string());
    }
    return expr::value(slawatch::calendar::add_business_days(t[0], a[1].as_int(), *cal));
  };
  fns["business_days_between"] = [s](const std::vector<expr::value>& a) -> host_result {
    instant t[2];
    const slawatch::calendar::business_calendar* cal = nullptr;
    if (auto err = read_args(*s, "business_days_between", a, 2, t, cal); !err.empty()) return err;
    return expr::value(std::int64_t{slawatch::calendar::business_days_between(t[0], t[1], *cal)});
  };
  fns["is_business_day"] = [s](const std::vector<expr::value>& a) -> host_result {
    instant t[1];
    const slawatch::calendar::business_calendar* cal = nullptr;
    if (auto err = read_args(*s, "is_business_day", a, 1, t, cal); !err.empty()) return err;
    return expr::value(slawatch::calendar::is_business_day(t[0], *cal));
  };
  return fns;
}

}  // namespace slawatch::rules
