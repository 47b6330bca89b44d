// Loads the `rules:` section: common fields, selectors, exceptions and the condition kind.
#include <fmt/format.h>
#include <algorithm>
#include "loader_detail.hpp"
#include "slawatch/model/breach.hpp"

namespace slawatch::rules::detail {
namespace {

const std::vector<std::string_view> kinds = {"condition", "deadline", "absence", "aggregate",
                                             "objective"};
const std::vector<std::string_view> categories = {"timeliness", "security", "purpose", "integrity",
                                                  "availability"};
const std::vector<std::string_view> severities = {"critical", "major", "minor", "info"};

/// Reads `key` and checks it is one of `allowed`; the message lists them in order.
std::optional<std::string> read_enum(loader& ld, const parsed_file& f, const YAML::Node& map,
                                     std::string_view key,
                                     const std::vector<std::string_view>& allowed) {
  auto v = read_string(ld, f, map, key, true);
  if (!v) return std::nullopt;
  if (std::find(allowed.begin(), allowed.end(), *v) != allowed.end()) return v;
  ld.fail(f, find(map, key)->val.Mark(), "invalid_value",
          fmt::format("{}: '{}' is not one of {}", key, *v, fmt::join(allowed, ", ")));
  return std::nullopt;
}

void read_selector(loader& ld, const parsed_file& f, const YAML::Node& map, rule& r) {
  auto fl = find(map, "partners");
  if (!fl || fl->val.IsNull() || !expect_map(ld, f, fl->val, "partners")) return;
  const YAML::Node& sel = fl->val;
  check_keys(ld, f, sel, {"ids", "classes", "labels"});
  auto ids = read_string_list(ld, f, sel, "ids", "partners.ids");
  if (ids) {
    auto nodes = find(sel, "ids")->val;
    for (std::size_t i = 0; i < ids->size(); ++i) {
      if (ld.set.partners.count((*ids)[i])) continue;
      ld.fail(f, nodes[i].Mark(), "unknown_partner",
              fmt::format("partners.ids: unknown partner '{}'", (*ids)[i]));
    }
    r.partners.ids = std::move(*ids);
  }
  r.partners.classes = read_string_list(ld, f, sel, "classes", "partners.classes")
                           .value_or(std::vector<std::string>{});
  r.partners.labels = read_string_map(ld, f, sel, "labels", "partners.labels")
                          .value_or(std::map<std::string, std::string>{});
}

void read_exception(loader& ld, const parsed_file& f, const YAML::Node& item, rule& r) {
  if (!expect_map(ld, f, item, "exceptions[]")) return;
  check_keys(ld, f, item, {"name", "when", "expires", "reference"});
  rule_exception ex;
  ex.where = ld.at(f, item.Mark());
  auto name = read_string(ld, f, item, "name", true, "exceptions.name");
  if (auto w = find(item, "when")) {
    ex.when = compile_expr(ld, f, *w, "exceptions.when");
  } else {
    ld.fail(f, item.Mark(), "required", "exceptions.when: required");
  }
  ex.reference = read_string(ld, f, item, "reference", false).value_or("");
  if (auto exp = read_string(ld, f, item, "expires", false, "exceptions.expires")) {
    auto day = exp->size() == 10 ? timefmt::parse_date(*exp) : std::nullopt;
    auto mark = find(item, "expires")->val.Mark();
    if (!day) {
      ld.fail(f, mark, "invalid_value",
              fmt::format("exceptions.expires: '{}' is not a date YYYY-MM-DD", *exp));
    } else {
      ex.expires = *day + std::chrono::hours(24);  // valid through the whole day
      ex.expires_text = *exp;
      if (*ex.expires <= ld.opts.today && name) {
        ld.warn(f, mark,
                fmt::format("exception '{}' of rule '{}' expired on {}", *name, r.id, *exp));
      }
    }
  }
  if (!name) return;
  for (const auto& other : r.exceptions) {
    if (other.name != *name) continue;
    ld.fail(f, find(item, "name")->val.Mark(), "duplicate_id",
            fmt::format("duplicate exception '{}', first defined at {}", *name,
                        render_location(other.where)));
    return;
  }
  ex.name = *name;
  r.exceptions.push_back(std::move(ex));
}

void read_exceptions(loader& ld, const parsed_file& f, const YAML::Node& map, rule& r) {
  auto fl = find(map, "exceptions");
  if (!fl || fl->val.IsNull()) return;
  if (!fl->val.IsSequence()) {
    ld.fail(f, fl->val.Mark(), "invalid_value", "exceptions: expected a list");
    return;
  }
  for (const auto& item : fl->val) read_exception(ld, f, item, r);
}

/// Reads id and kind; false when the rest of the rule cannot be checked.
bool read_identity(loader& ld, const parsed_file& f, const YAML::Node& map, rule& r) {
  auto id = read_string(ld, f, map, "id", true);
  if (id) {
    auto mark = find(map, "id")->val.Mark();
    if (!is_id(*id)) {
      ld.fail(f, mark, "invalid_value", fmt::format("id: '{}' must match [a-z0-9_.-]+", *id));
    } else if (auto [prev, fresh] = ld.rule_where.emplace(*id, ld.at(f, mark)); !fresh) {
      ld.fail(f, mark, "duplicate_id",
              fmt::format("duplicate rule id '{}', first defined at {}", *id,
                          render_location(prev->second)));
    }
    r.id = *id;
  }
  auto kind = read_enum(ld, f, map, "kind", kinds);
  if (!kind) return false;
  auto mark = find(map, "kind")->val.Mark();
  r.kind = *kind == "deadline"    ? rule_kind::deadline
           : *kind == "absence"   ? rule_kind::absence
           : *kind == "aggregate" ? rule_kind::aggregate
           : *kind == "objective" ? rule_kind::objective
                                  : rule_kind::condition;
  if (r.kind != rule_kind::condition && !ld.opts.zones) {
    // A programming error of the caller, reported like a user error so it cannot crash.
    ld.fail(f, mark, "unsupported",
            fmt::format("kind: '{}' rules need a time zone database (no zone resolver given)",
                        *kind));
    return false;
  }
  return true;
}

void read_condition(loader& ld, const parsed_file& f, const YAML::Node& map, rule& r) {
  if (auto w = find(map, "when")) r.when = compile_expr(ld, f, *w, "when");
  if (auto q = find(map, "require")) {
    r.require = compile_expr(ld, f, *q, "require");
  } else {
    ld.fail(f, map.Mark(), "required", "require: required");
  }
}

const std::vector<std::string_view> common_keys = {
    "id",     "kind",      "category", "severity",  "description",
    "partners", "labels", "reference", "enabled",  "exceptions"};
const std::vector<std::string_view> condition_keys = {"when", "require"};
const std::vector<std::string_view> deadline_keys = {
    "start", "stop", "cancel", "within", "calendar", "warn_at", "allowed_lateness"};
const std::vector<std::string_view> absence_keys = {"expect", "key", "schedule", "calendar"};
const std::vector<std::string_view> aggregate_keys = {"group",  "measures", "require",
                                                      "settle", "window",   "calendar"};
const std::vector<std::string_view> objective_keys = {"of", "target", "window", "min_outcomes",
                                                      "calendar"};

const std::vector<std::string_view>& own_keys(rule_kind kind) {
  switch (kind) {
    case rule_kind::deadline: return deadline_keys;
    case rule_kind::absence: return absence_keys;
    case rule_kind::aggregate: return aggregate_keys;
    case rule_kind::objective: return objective_keys;
    case rule_kind::condition: break;
  }
  return condition_keys;
}

/// `own` keys are allowed; every other kind's key gets "does not apply to kind: <kind>".
void check_rule_keys(loader& ld, const parsed_file& f, const YAML::Node& map,
                     std::optional<rule_kind> kind) {
  std::vector<std::string_view> all = common_keys;
  for (const auto* extra :
       {&condition_keys, &deadline_keys, &absence_keys, &aggregate_keys, &objective_keys}) {
    for (auto k : *extra) {
      if (std::find(all.begin(), all.end(), k) == all.end()) all.push_back(k);
    }
  }
  if (!kind) {  // kind unknown or not supported yet: accept every kind's keys, report typos
    check_keys(ld, f, map, all);
    return;
  }
  const auto& own = own_keys(*kind);
  std::vector<std::string_view> allowed = common_keys;
  allowed.insert(allowed.end(), own.begin(), own.end());
  std::vector<std::string_view> others;
  for (auto k : all) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) others.push_back(k);
  }
  check_keys(ld, f, map, allowed, others, to_string(*kind));
}

void load_rule(loader& ld, const parsed_file& f, const YAML::Node& map) {
  if (!expect_map(ld, f, map, "rules[]")) return;
  rule r;
  r.where = ld.at(f, map.Mark());
  bool known = read_identity(ld, f, map, r);
  check_rule_keys(ld, f, map, known ? std::optional<rule_kind>(r.kind) : std::nullopt);
  r.category = read_enum(ld, f, map, "category", categories).value_or("");
  r.severity = read_enum(ld, f, map, "severity", severities).value_or("");
  r.description = read_string(ld, f, map, "description", true).value_or("");
  read_selector(ld, f, map, r);
  r.labels = read_string_map(ld, f, map, "labels").value_or(std::map<std::string, std::string>{});
  r.reference = read_string(ld, f, map, "reference", false).value_or("");
  r.enabled = read_bool(ld, f, map, "enabled").value_or(true);
  read_exceptions(ld, f, map, r);
  if (!known) return;
  if (r.kind == rule_kind::deadline) {
    read_deadline(ld, f, map, r);
  } else if (r.kind == rule_kind::absence) {
    read_absence(ld, f, map, r);
  } else if (r.kind == rule_kind::aggregate) {
    read_aggregate(ld, f, map, r);
  } else if (r.kind == rule_kind::objective) {
    read_objective(ld, f, map, r);
  } else {
    read_condition(ld, f, map, r);
  }
  // The canonical definition: the rule's YAML as JSON with sorted keys, compact.
  r.version = model::sha256_hex(to_json(map).dump());
  ld.set.rules.push_back(std::move(r));
}

}  // namespace

void load_rules(loader& ld, const parsed_file& f, const YAML::Node& node) {
  if (node.IsNull()) return;
  if (!node.IsSequence()) {
    ld.fail(f, node.Mark(), "invalid_value", "rules: expected a list");
    return;
  }
  for (const auto& item : node) load_rule(ld, f, item);
}

}  // namespace slawatch::rules::detail
