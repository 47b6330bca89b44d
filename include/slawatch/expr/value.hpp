#pragma once
/// Runtime values of the expression language (a CEL subset, contract 5.2).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>
#include <nlohmann/json.hpp>
#include "slawatch/model/time.hpp"

namespace slawatch::expr {

enum class type { null_type, bool_type, int_type, double_type, string_type, list_type,
                  map_type, timestamp_type, duration_type };
/// CEL type names: "null_type", "bool", "int", "double", "string", "list", "map",
/// "google.protobuf.Timestamp" is shown as "timestamp", "duration".
std::string_view type_name(type t);

class value;
using list = std::vector<value>;

/// A value is either owned or a borrowed view into a JSON document that outlives the
/// evaluation (the event and partner documents of an activation). JSON numbers that are
/// integers are `int`, others `double`; JSON objects are maps; arrays are lists.
class value {
 public:
  value() = default;                                   // null
  value(std::nullptr_t) {}                             // NOLINT
  value(bool b) : v_(b) {}                             // NOLINT
  value(std::int64_t i) : v_(i) {}                     // NOLINT
  value(int i) : v_(std::int64_t{i}) {}                // NOLINT
  value(double d) : v_(d) {}                           // NOLINT
  value(std::string s) : v_(std::move(s)) {}          // NOLINT
  value(const char* s) : v_(std::string(s)) {}         // NOLINT
  value(instant t) : v_(t) {}                          // NOLINT
  value(duration d) : v_(d) {}                         // NOLINT
  value(std::shared_ptr<const list> l) : v_(std::move(l)) {}   // NOLINT
  /// Borrow a JSON node (object, array or scalar); the node must outlive this value.
  static value borrow(const nlohmann::json& j);

  [[nodiscard]] type kind() const;
  [[nodiscard]] bool is_null() const { return kind() == type::null_type; }
  [[nodiscard]] bool as_bool() const;                  ///< precondition: kind() == bool_type
  [[nodiscard]] std::int64_t as_int() const;
  [[nodiscard]] double as_double() const;              ///< int or double
  [[nodiscard]] std::string_view as_string() const;
  [[nodiscard]] instant as_timestamp() const;
  [[nodiscard]] duration as_duration() const;
  /// For list/map kinds backed by JSON, the node; nullptr otherwise.
  [[nodiscard]] const nlohmann::json* json() const;
  [[nodiscard]] const list* owned_list() const;

  /// Renders for evidence and messages: strings quoted, lists as [..], maps as JSON.
  [[nodiscard]] std::string debug_string() const;
  /// Converts to JSON (timestamps as RFC 3339 UTC, durations as "90s").
  [[nodiscard]] nlohmann::json to_json() const;

 private:
  std::variant<std::monostate, bool, std::int64_t, double, std::string,
               std::shared_ptr<const list>, instant, duration, const nlohmann::json*> v_;
};

}  // namespace slawatch::expr
