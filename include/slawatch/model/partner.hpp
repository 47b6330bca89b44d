#pragma once
/// A partner of the registry (contract section 4).
#include <map>
#include <optional>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

namespace slawatch::model {

struct partner_report {
  std::string webhook;      ///< empty when none
  std::string secret_env;
};

struct partner {
  std::string id;
  std::string name;
  std::string class_;       ///< bank | post_office | mobile_money | agent | local_gov | ngo | cbhi | custodian | ...
  std::string timezone;     ///< IANA name, "UTC" when not given
  std::string calendar;     ///< calendar name, empty when none
  std::vector<std::string> allowed_purposes;
  std::vector<std::string> allowed_data_categories;
  std::string hmac_secret_env;
  bool require_signature = false;
  std::map<std::string, std::string> labels;
  partner_report report;

  /// The registry entry as rules and `GET /v1/partners` see it: every field above under its
  /// contract name (`class`, not `class_`), never a secret value (env var names are not secrets).
  [[nodiscard]] nlohmann::json to_json() const;
};

}  // namespace slawatch::model
