// Small queries on a loaded rule set.
#include "slawatch/rules/rule_set.hpp"
#include <algorithm>

namespace slawatch::rules {

std::string_view to_string(rule_kind k) {
  switch (k) {
    case rule_kind::condition:
      return "condition";
    case rule_kind::deadline:
      return "deadline";
    case rule_kind::absence:
      return "absence";
    case rule_kind::aggregate:
      return "aggregate";
    case rule_kind::objective:
      return "objective";
  }
  return "condition";
}

bool partner_selector::matches(const model::partner& p) const {
  auto contains = [](const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  if (!ids.empty() && !contains(ids, p.id)) return false;
  if (!classes.empty() && !contains(classes, p.class_)) return false;
  return std::all_of(labels.begin(), labels.end(), [&](const auto& kv) {
    auto it = p.labels.find(kv.first);
    return it != p.labels.end() && it->second == kv.second;
  });
}

const model::partner* rule_set::find_partner(std::string_view id) const {
  auto it = partners.find(std::string(id));
  return it == partners.end() ? nullptr : &it->second;
}

const rule* rule_set::find_rule(std::string_view id) const {
  auto it = std::find_if(rules.begin(), rules.end(), [&](const rule& r) { return r.id == id; });
  return it == rules.end() ? nullptr : &*it;
}

}  // namespace slawatch::rules
