// Loads the kind-specific keys of aggregate and objective rules (contract 5.3) and checks the
// objectives' `of` lists once every rule is known.
#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include "loader_detail.hpp"

namespace slawatch::rules::detail {
namespace {

constexpr std::string_view name_pattern = "[A-Za-z_][A-Za-z0-9_]*";

/// Names a measure may not take: they are already in scope in `require`.
bool shadows(const loader& ld, const std::string& name) {
  static const std::vector<std::string_view> scope = {"event", "partner", "lists", "group",
                                                      "true",  "false",   "null",  "in"};
  return std::find(scope.begin(), scope.end(), name) != scope.end() ||
         ld.decls.macros.count(name) > 0;
}

/// One `measures.<name>` body: exactly one aggregation and an optional `when`.
std::optional<rule::measure> read_measure(loader& ld, const parsed_file& f, const std::string& name,
                                          const YAML::Node& body) {
  const std::string label = "measures." + name;
  if (!expect_map(ld, f, body, label)) return std::nullopt;
  check_keys(ld, f, body, {"sum", "count", "min", "max", "when"});
  rule::measure m;
  m.name = name;
  int given = 0;
  for (auto [key, agg] : {std::pair{"sum", rule::aggregation::sum},
                          std::pair{"count", rule::aggregation::count},
                          std::pair{"min", rule::aggregation::min},
                          std::pair{"max", rule::aggregation::max}}) {
    auto fl = find(body, key);
    if (!fl) continue;
    ++given;
    m.agg = agg;
    if (agg == rule::aggregation::count) {
      if (!fl->val.IsScalar() || fl->val.Scalar() != "true") {
        ld.fail(f, fl->val.Mark(), "invalid_value", fmt::format("{}.count: expected true", label));
      }
    } else {
      m.value = compile_expr(ld, f, *fl, label + "." + key);
    }
  }
  if (given != 1) {
    ld.fail(f, body.Mark(), "invalid_value",
            fmt::format("{}: exactly one of sum, count, min, max is required", label));
    return std::nullopt;
  }
  if (auto w = find(body, "when")) m.when = compile_expr(ld, f, *w, label + ".when");
  return m;
}

void read_measures(loader& ld, const parsed_file& f, const YAML::Node& map, rule& r) {
  auto fl = find(map, "measures");
  if (!fl || fl->val.IsNull() || (fl->val.IsMap() && fl->val.size() == 0)) {
    ld.fail(f, fl ? fl->key.Mark() : map.Mark(), "required", "measures: required");
    return;
  }
  if (!expect_map(ld, f, fl->val, "measures")) return;
  for (auto it = fl->val.begin(); it != fl->val.end(); ++it) {
    auto name = it->first.IsScalar() ? it->first.Scalar() : std::string();
    auto mark = it->first.Mark();
    if (!is_identifier(name)) {
      ld.fail(f, mark, "invalid_value",
              fmt::format("measures: name '{}' must match {}", name, name_pattern));
      continue;
    }
    if (shadows(ld, name)) {
      ld.fail(f, mark, "invalid_value",
              fmt::format("measures: name '{}' shadows a name already in scope (event, "
                          "partner, lists, group or a macro)",
                          name));
      continue;
    }
    bool dup = std::any_of(r.measures.begin(), r.measures.end(),
                           [&](const rule::measure& m) { return m.name == name; });
    if (dup) {
      ld.fail(f, mark, "duplicate_key", fmt::format("duplicate key '{}'", name));
      continue;
    }
    if (auto m = read_measure(ld, f, name, it->second)) r.measures.push_back(std::move(*m));
  }
}

/// `require` sees the measures, `group` and `partner` (not `event`: it judges many events).
void read_aggregate_require(loader& ld, const parsed_file& f, const YAML::Node& map, rule& r) {
  auto q = find(map, "require");
  if (!q) {
    ld.fail(f, map.Mark(), "required", "require: required");
    return;
  }
  auto saved = ld.decls.variables;
  ld.decls.variables = {"group", "partner"};
  for (const auto& m : r.measures) ld.decls.variables.insert(m.name);
  r.require = compile_expr(ld, f, *q, "require");
  ld.decls.variables = std::move(saved);
}

void read_settle_or_window(loader& ld, const parsed_file& f, const YAML::Node& map, rule& r) {
  auto settle = read_string(ld, f, map, "settle", false);
  auto window = read_string(ld, f, map, "window", false);
  if (settle && window) {
    ld.fail(f, find(map, "window")->key.Mark(), "invalid_value",
            "window: give either settle or window, not both");
    return;
  }
  if (!settle && !window) {
    if (!find(map, "settle") && !find(map, "window")) {
      ld.fail(f, map.Mark(), "required", "settle or window: required");
    }
    return;
  }
  if (settle) {
    auto span = slawatch::calendar::parse_span(*settle);
    if (!span) {
      ld.fail(f, find(map, "settle")->val.Mark(), span.err().code,
              fmt::format("settle: {}", span.err().message));
      return;
    }
    r.settle = *span;
    return;
  }
  auto d = timefmt::parse_duration(*window);
  if (!d || *d <= duration::zero()) {
    ld.fail(f, find(map, "window")->val.Mark(), "invalid_value",
            fmt::format("window: '{}' must be a duration greater than 0 like 1h", *window));
    return;
  }
  r.window = *d;
}

/// "99%", "99.5%" or a fraction 0.99; nullopt unless 0 < target <= 1.
std::optional<double> parse_target(const std::string& text) {
  if (text.empty()) return std::nullopt;
  bool pct = text.back() == '%';
  std::string num = pct ? text.substr(0, text.size() - 1) : text;
  if (num.empty() || num.find_first_not_of("0123456789.") != std::string::npos) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(num.c_str(), &end);
  if (end != num.c_str() + num.size() || !std::isfinite(v)) return std::nullopt;
  if (pct) v /= 100.0;
  if (v <= 0.0 || v > 1.0) return std::nullopt;
  return v;
}

void read_objective_window(loader& ld, const parsed_file& f, const YAML::Node& map, rule& r) {
  auto text = read_string(ld, f, map, "window", true);
  if (!text) return;
  if (*text == "month" || *text == "week" || *text == "day") {
    r.period = *text == "month" ? rule::objective_period::month
               : *text == "week" ? rule::objective_period::week
                                 : rule::objective_period::day;
    return;
  }
  constexpr auto day = std::chrono::hours(24);
  auto d = timefmt::parse_duration(*text);
  if (!d || *d <= duration::zero() || *d % day != duration::zero()) {
    ld.fail(f, find(map, "window")->val.Mark(), "invalid_value",
            fmt::format("window: '{}' must be month, week, day or a whole number of days like 30d",
                        *text));
    return;
  }
  r.period = rule::objective_period::rolling;
  r.rolling_days = *d / day;
}

void read_min_outcomes(loader& ld, const parsed_file& f, const YAML::Node& map, rule& r) {
  auto text = read_string(ld, f, map, "min_outcomes", false);
  if (!text) return;
  bool digits = !text->empty() && text->size() <= 12 &&
                text->find_first_not_of("0123456789") == std::string::npos;
  if (!digits) {
    ld.fail(f, find(map, "min_outcomes")->val.Mark(), "invalid_value",
            fmt::format("min_outcomes: '{}' must be an integer >= 0", *text));
    return;
  }
  r.min_outcomes = std::stoll(*text);
}

/// Depth-first search over objective → objective edges; reports each back edge once.
struct cycle_finder {
  loader& ld;
  std::map<std::string, int> color;   ///< 0 unvisited, 1 on the stack, 2 done
  std::vector<std::string> stack;

  void visit(const rule& r) {
    color[r.id] = 1;
    stack.push_back(r.id);
    for (std::size_t i = 0; i < r.of.size(); ++i) {
      const rule* next = ld.set.find_rule(r.of[i]);
      if (next == nullptr || next == &r || next->kind != rule_kind::objective) continue;
      int c = color[next->id];
      if (c == 0) visit(*next);
      if (c != 1) continue;
      auto from = std::find(stack.begin(), stack.end(), next->id);
      std::vector<std::string> path(from, stack.end());
      path.push_back(next->id);
      ld.fail_at(r.of_where[i], "cycle",
                 fmt::format("of: objectives form a cycle: {}", fmt::join(path, " -> ")));
    }
    stack.pop_back();
    color[r.id] = 2;
  }
};

}  // namespace

void check_objectives(loader& ld) {
  for (const auto& r : ld.set.rules) {
    if (r.kind != rule_kind::objective) continue;
    for (std::size_t i = 0; i < r.of.size(); ++i) {
      const auto& id = r.of[i];
      if (id == r.id) {
        ld.fail_at(r.of_where[i], "invalid_value", "of: an objective cannot include itself");
      } else if (ld.set.find_rule(id) == nullptr) {
        ld.fail_at(r.of_where[i], "unknown_rule", fmt::format("of: unknown rule '{}'", id));
      } else if (std::find(r.of.begin(), r.of.begin() + static_cast<std::ptrdiff_t>(i), id) !=
                 r.of.begin() + static_cast<std::ptrdiff_t>(i)) {
        ld.fail_at(r.of_where[i], "invalid_value", fmt::format("of: rule '{}' is listed twice", id));
      }
    }
  }
  cycle_finder finder{ld, {}, {}};
  for (const auto& r : ld.set.rules) {
    if (r.kind == rule_kind::objective && finder.color[r.id] == 0) finder.visit(r);
  }
}

void read_aggregate(loader& ld, const parsed_file& f, const YAML::Node& map, rule& r) {
  if (auto g = find(map, "group")) {
    r.group = compile_expr(ld, f, *g, "group");
  } else {
    ld.fail(f, map.Mark(), "required", "group: required");
  }
  read_measures(ld, f, map, r);
  read_aggregate_require(ld, f, map, r);
  read_settle_or_window(ld, f, map, r);
  read_calendar_name(ld, f, map, r);
}

void read_objective(loader& ld, const parsed_file& f, const YAML::Node& map, rule& r) {
  auto fl = find(map, "of");
  if (!fl || fl->val.IsNull()) {
    ld.fail(f, fl ? fl->key.Mark() : map.Mark(), "required", "of: required");
  } else if (auto ids = read_string_list(ld, f, map, "of")) {
    if (ids->empty()) ld.fail(f, fl->val.Mark(), "required", "of: required");
    for (std::size_t i = 0; i < ids->size(); ++i) {
      r.of.push_back((*ids)[i]);
      r.of_where.push_back(ld.at(f, fl->val[i].Mark()));
    }
  }
  if (auto text = read_string(ld, f, map, "target", true)) {
    if (auto t = parse_target(*text)) {
      r.target = *t;
      r.target_text = *text;
    } else {
      ld.fail(f, find(map, "target")->val.Mark(), "invalid_value",
              fmt::format("target: '{}' must be a percentage from 0% to 100%", *text));
    }
  }
  read_objective_window(ld, f, map, r);
  read_min_outcomes(ld, f, map, r);
  read_calendar_name(ld, f, map, r);
}

}  // namespace slawatch::rules::detail
