// The partner registry entry as rules and GET /v1/partners see it (contract 4 and 6).
#include "slawatch/model/partner.hpp"

namespace slawatch::model {

nlohmann::json partner::to_json() const {
  using json = nlohmann::json;
  json labels_json = json::object();
  for (const auto& [k, v] : labels) labels_json[k] = v;
  // hmac_secret_env and report.secret_env are left out on purpose: a partner token can read
  // /v1/partners, and naming where secrets live tells an attacker what to look for.
  json report_json = json::object();
  report_json["webhook"] = report.webhook;  // "" when none: rules compare strings, not nulls
  return {{"id", id},
          {"name", name},
          {"class", class_},
          {"timezone", timezone.empty() ? std::string("UTC") : timezone},
          {"calendar", calendar},
          {"allowed_purposes", allowed_purposes},
          {"allowed_data_categories", allowed_data_categories},
          {"require_signature", require_signature},
          {"labels", labels_json},
          {"report", report_json}};
}

}  // namespace slawatch::model
