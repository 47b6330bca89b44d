#pragma once
/// Outcomes and breaches (contract 1 and 6).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <nlohmann/json.hpp>
#include "slawatch/model/time.hpp"

namespace slawatch::model {

enum class outcome_kind { met, breached, waived };
std::string_view to_string(outcome_kind k);

/// One decision of a rule. Stored as counts per (rule, partner, 15-minute UTC bucket).
struct outcome {
  std::string rule;
  std::string partner;
  outcome_kind kind = outcome_kind::met;
  instant decided_at{};    ///< the time the objective window uses (contract 5.3)
};

enum class breach_status { open, closed, waived };
std::string_view to_string(breach_status s);

struct breach {
  std::string id;              ///< "b-" + 16 hex of sha256(rule \x1f partner \x1f key \x1f identity)
  std::string rule;
  std::string rule_version;
  std::string kind;            ///< condition | deadline | absence | aggregate | objective
  std::string category;
  std::string severity;
  std::string partner;
  std::string key;             ///< condition: the event id
  instant occurred_at{};       ///< when the obligation was broken
  int occurred_offset = 0;     ///< UTC offset (s) used to render occurred_at and due_at
  instant detected_at{};       ///< processing time; rendered in UTC
  std::optional<instant> due_at;
  std::optional<instant> completed_at;
  std::optional<double> delay_seconds;
  breach_status status = breach_status::closed;
  std::string message;
  nlohmann::json evidence = nlohmann::json::object();   ///< {"events": [...], "expected", "observed", "error"?}
  std::map<std::string, std::string> labels;
  /// Set when an officer waived the breach (POST /v1/breaches/{id}/waive); rendered as
  /// "waived_reason" and "waived_at" (UTC) only when set — an extension of contract 6.
  std::optional<std::string> waived_reason;
  std::optional<instant> waived_at;

  /// Contract 6 JSON: instants as RFC 3339 (occurred_at/due_at/completed_at with
  /// occurred_offset, detected_at in UTC "Z"), nulls for unset optionals.
  [[nodiscard]] nlohmann::json to_json() const;
  static std::optional<breach> from_json(const nlohmann::json& j);
};

/// Deterministic breach id: "b-" + first 16 hex chars of sha256 of the parts joined by 0x1f.
std::string breach_id(std::string_view rule, std::string_view partner, std::string_view key,
                      std::string_view identity);

/// Lowercase hex SHA-256.
std::string sha256_hex(std::string_view data);

}  // namespace slawatch::model
