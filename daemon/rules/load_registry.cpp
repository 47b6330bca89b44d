// Loads the registry sections of rule files: lists, macros, calendars and partners.
#include <fmt/format.h>
#include <algorithm>
#include "loader_detail.hpp"

namespace slawatch::rules::detail {
namespace {

constexpr std::string_view name_pattern = "[A-Za-z_][A-Za-z0-9_]*";

/// Reports a duplicate of `what` `name` first seen at `first`; true when it is one.
bool duplicate(loader& ld, const parsed_file& f, const YAML::Mark& m,
               std::map<std::string, location>& seen, std::string_view what,
               const std::string& name) {
  auto [it, fresh] = seen.emplace(name, ld.at(f, m));
  if (fresh) return false;
  ld.fail(f, m, "duplicate_id",
          fmt::format("duplicate {} '{}', first defined at {}", what, name,
                      render_location(it->second)));
  return true;
}

}  // namespace

void load_lists(loader& ld, const parsed_file& f, const YAML::Node& node) {
  if (node.IsNull() || !expect_map(ld, f, node, "lists")) return;
  for (auto it = node.begin(); it != node.end(); ++it) {
    auto name = it->first.as<std::string>("");
    if (!is_identifier(name)) {
      ld.fail(f, it->first.Mark(), "invalid_value",
              fmt::format("lists: name '{}' must match {}", name, name_pattern));
      continue;
    }
    if (duplicate(ld, f, it->first.Mark(), ld.list_where, "list", name)) continue;
    if (!it->second.IsSequence()) {
      ld.fail(f, it->second.Mark(), "invalid_value",
              fmt::format("lists.{}: expected a list", name));
      continue;
    }
    ld.lists[name] = to_json(it->second);
  }
}

void load_macros(loader& ld, const parsed_file& f, const YAML::Node& node) {
  if (node.IsNull() || !expect_map(ld, f, node, "macros")) return;
  static const std::vector<std::string_view> reserved = {"event", "partner", "lists", "true",
                                                         "false", "null",    "in"};
  for (auto it = node.begin(); it != node.end(); ++it) {
    auto name = it->first.as<std::string>("");
    if (!is_identifier(name)) {
      ld.fail(f, it->first.Mark(), "invalid_value",
              fmt::format("macros: name '{}' must match {}", name, name_pattern));
      continue;
    }
    if (std::find(reserved.begin(), reserved.end(), name) != reserved.end()) {
      ld.fail(f, it->first.Mark(), "invalid_value",
              fmt::format("macros: name '{}' is reserved", name));
      continue;
    }
    if (duplicate(ld, f, it->first.Mark(), ld.macro_where, "macro", name)) continue;
    // Compiled against the macros defined so far: a macro may use earlier macros only.
    auto prog = compile_expr(ld, f, field{it->first, it->second}, "macros." + name);
    if (prog) {
      ld.decls.macros.emplace(name, prog);
      ld.set.macros.emplace(name, prog);
    }
  }
}

namespace {

std::optional<int> weekday_of(std::string_view s) {
  static const std::vector<std::string_view> days = {"sun", "mon", "tue", "wed",
                                                     "thu", "fri", "sat"};
  auto it = std::find(days.begin(), days.end(), s);
  if (it == days.end()) return std::nullopt;
  return static_cast<int>(it - days.begin());
}

void read_workdays(loader& ld, const parsed_file& f, const YAML::Node& map, calendar& cal) {
  auto days = read_string_list(ld, f, map, "workdays");
  if (!days) {
    if (!find(map, "workdays")) cal.workdays = {1, 2, 3, 4, 5};
    return;
  }
  auto items = find(map, "workdays")->val;
  for (std::size_t i = 0; i < days->size(); ++i) {
    auto d = weekday_of((*days)[i]);
    if (!d) {
      ld.fail(f, items[i].Mark(), "invalid_value",
              fmt::format("workdays: '{}' is not one of mon, tue, wed, thu, fri, sat, sun",
                          (*days)[i]));
    } else if (std::find(cal.workdays.begin(), cal.workdays.end(), *d) == cal.workdays.end()) {
      cal.workdays.push_back(*d);
    }
  }
  std::sort(cal.workdays.begin(), cal.workdays.end());
}

void read_hours(loader& ld, const parsed_file& f, const YAML::Node& map, calendar& cal) {
  auto hours = read_string(ld, f, map, "hours", false);
  if (!hours) return;
  auto dash = hours->find('-');
  std::string_view h = *hours;
  std::optional<int> start;
  if (dash != std::string::npos) start = parse_hhmm(h.substr(0, dash));
  auto end_text = dash == std::string::npos ? std::string_view{} : h.substr(dash + 1);
  auto end = end_text == "24:00" ? std::optional<int>(24 * 60) : parse_hhmm(end_text);
  if (!start || !end || *start >= *end) {
    ld.fail(f, find(map, "hours")->val.Mark(), "invalid_value",
            fmt::format("hours: '{}' must be HH:MM-HH:MM with start before end", *hours));
    return;
  }
  cal.hours = *hours;
  cal.hours_start_min = *start;
  cal.hours_end_min = *end;
}

void read_holidays(loader& ld, const parsed_file& f, const YAML::Node& map, calendar& cal) {
  auto fl = find(map, "holidays");
  if (!fl || fl->val.IsNull()) return;
  if (!fl->val.IsSequence()) {
    ld.fail(f, fl->val.Mark(), "invalid_value", "holidays: expected a list");
    return;
  }
  for (const auto& item : fl->val) {
    holiday hd;
    YAML::Node date_node = item;
    if (item.IsMap()) {
      check_keys(ld, f, item, {"date", "name"});
      auto d = read_string(ld, f, item, "date", true, "holidays.date");
      if (!d) continue;
      date_node.reset(find(item, "date")->val);  // reset: operator= would overwrite item
      hd.name = read_string(ld, f, item, "name", false, "holidays.name").value_or("");
    } else if (!item.IsScalar()) {
      ld.fail(f, item.Mark(), "invalid_value", "holidays: expected a date or {date, name}");
      continue;
    }
    hd.date = date_node.Scalar();
    if (hd.date.size() != 10 || !timefmt::parse_date(hd.date)) {
      ld.fail(f, date_node.Mark(), "invalid_value",
              fmt::format("holidays: '{}' is not a date YYYY-MM-DD", hd.date));
      continue;
    }
    cal.holidays.push_back(std::move(hd));
  }
}

void read_calendar_body(loader& ld, const parsed_file& f, const YAML::Node& body, calendar& cal) {
  check_keys(ld, f, body, {"timezone", "workdays", "hours", "holidays", "cutoff"});
  if (auto tz = read_string(ld, f, body, "timezone", true)) {
    cal.timezone_where = ld.at(f, find(body, "timezone")->val.Mark());
    if (!is_timezone(*tz)) {
      ld.fail(f, find(body, "timezone")->val.Mark(), "invalid_value",
              fmt::format("timezone: '{}' is not an IANA time zone name like Africa/Nairobi", *tz));
    }
    cal.timezone = *tz;
  }
  read_workdays(ld, f, body, cal);
  read_hours(ld, f, body, cal);
  read_holidays(ld, f, body, cal);
  if (auto cut = read_string(ld, f, body, "cutoff", false)) {
    cal.cutoff_min = parse_hhmm(*cut);
    if (!cal.cutoff_min) {
      ld.fail(f, find(body, "cutoff")->val.Mark(), "invalid_value",
              fmt::format("cutoff: '{}' must be HH:MM", *cut));
    }
  }
}

}  // namespace

void load_calendars(loader& ld, const parsed_file& f, const YAML::Node& node) {
  if (node.IsNull() || !expect_map(ld, f, node, "calendars")) return;
  for (auto it = node.begin(); it != node.end(); ++it) {
    calendar cal;
    cal.name = it->first.as<std::string>("");
    cal.where = ld.at(f, it->first.Mark());
    if (!is_id(cal.name)) {
      ld.fail(f, it->first.Mark(), "invalid_value",
              fmt::format("calendars: name '{}' must match [a-z0-9_.-]+", cal.name));
      continue;
    }
    if (auto prev = ld.set.calendars.find(cal.name); prev != ld.set.calendars.end()) {
      ld.fail(f, it->first.Mark(), "duplicate_id",
              fmt::format("duplicate calendar '{}', first defined at {}", cal.name,
                          render_location(prev->second.where)));
      continue;
    }
    // A copy: yaml-cpp's it-> is a temporary proxy, a reference to its member dangles.
    const YAML::Node body = it->second;
    if (!expect_map(ld, f, body, "calendars." + cal.name)) continue;
    read_calendar_body(ld, f, body, cal);
    ld.set.calendars.emplace(cal.name, std::move(cal));
  }
}

}  // namespace slawatch::rules::detail
