// GET /v1/rules and POST /-/reload: the loaded rule set as the API shows it, and reloading it.
#include "slawatch/http/router.hpp"

namespace slawatch::http {

namespace detail {

nlohmann::json selector_json(const rules::partner_selector& s) {
  auto out = nlohmann::json::object();
  if (!s.ids.empty()) out["ids"] = s.ids;
  if (!s.classes.empty()) out["classes"] = s.classes;
  if (!s.labels.empty()) out["labels"] = s.labels;
  return out;
}

nlohmann::json rule_json(const rules::rule& r) {
  return {{"id", r.id},
          {"kind", rules::to_string(r.kind)},
          {"category", r.category},
          {"severity", r.severity},
          {"description", r.description},
          {"reference", r.reference},
          {"enabled", r.enabled},
          {"version", r.version},
          {"labels", r.labels.empty() ? nlohmann::json::object() : nlohmann::json(r.labels)},
          {"partners", selector_json(r.partners)}};
}

}  // namespace detail

nlohmann::json rules_json(const rules::rule_set& set) {
  auto files = nlohmann::json::array();
  for (const auto& [name, sha] : set.file_hashes) files.push_back({{"name", name}, {"sha256", sha}});
  auto list = nlohmann::json::array();
  for (const auto& r : set.rules) list.push_back(detail::rule_json(r));
  return {{"version", set.version}, {"files", std::move(files)}, {"rules", std::move(list)}};
}

response reload_response(const reload_outcome& o) {
  if (!o.ok) return json_response(422, {{"error", "reload failed"}, {"errors", o.errors}});
  return json_response(200, {{"rules", o.rules},
                             {"version", o.version},
                             {"added", o.added},
                             {"changed", o.changed},
                             {"removed", o.removed}});
}

response router::get_rules() {
  auto rules = deps_.rules ? deps_.rules() : nullptr;
  if (!rules) return error_response(503, "rules: not loaded");
  return json_response(200, rules_json(*rules));
}

/// Open while authentication is off (the daemon then listens on loopback only); becomes
/// admin-only with auth (contract 6, 8).
response router::post_reload() {
  if (!deps_.reload) return error_response(503, "reload: not available");
  return reload_response(deps_.reload());
}

}  // namespace slawatch::http
