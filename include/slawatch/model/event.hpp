#pragma once
/// The event envelope (contract 2.1) and what slawatch stamps on it (2.2).
#include <cstddef>
#include <optional>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>
#include "slawatch/model/result.hpp"
#include "slawatch/model/time.hpp"

namespace slawatch::model {

inline constexpr std::size_t max_event_bytes = 65536;
/// The attributes object itself is level 1; every nested object or array adds one level.
inline constexpr int max_attribute_depth = 8;

/// Facts slawatch observed itself about how an event arrived.
struct transport {
  std::string source = "http";                 ///< http | file | replay | test
  bool tls = false;
  std::optional<std::string> tls_version;      ///< "TLSv1.3"; nullopt = JSON null
  std::optional<std::string> client_cert;
  std::optional<std::string> authenticated_as;
  std::string signature = "absent";            ///< valid | absent

  [[nodiscard]] nlohmann::json to_json() const;
};

/// A validated event. `doc` is the full stored form: the partner's envelope plus
/// `received_at` and `transport`; rules see `doc` as `event`.
struct event {
  std::string id;
  std::string partner;
  std::string type;
  instant occurred_at{};
  int occurred_offset = 0;          ///< UTC offset (s) the partner wrote in occurred_at
  instant received_at{};
  nlohmann::json doc;               ///< always an object

  /// The partner-sent envelope only (doc minus received_at and transport), serialised
  /// compactly with sorted keys: two sends of the same event give the same text.
  [[nodiscard]] std::string canonical_envelope() const;
  /// Lowercase hex SHA-256 of canonical_envelope(): the identity for duplicate/conflict.
  [[nodiscard]] std::string content_hash() const;
};

/// Validates one envelope against every field rule of contract 2.1.
/// `encoded_size` is the byte size of the event as received (for the 64 KiB limit).
/// On failure the error has code "invalid_field" (or "too_large" for the size limit) and a
/// message that starts with the field name, exactly:
///   "event: expected a JSON object"
///   "event: larger than 65536 bytes"
///   "<field>: unknown field"                          (first unknown top-level field, sorted)
///   "<field>: required"                               (id, partner, type, occurred_at)
///   "<field>: expected a string"                      (id, partner, type, occurred_at, sent_at,
///                                                      correlation_id, subject, purpose)
///   "id: expected 1-128 characters of [A-Za-z0-9._:-]"
///   "type: expected a lowercase dotted name like contribution.collected"
///   "occurred_at: not an RFC 3339 timestamp"          (same for sent_at)
///   "correlation_id: longer than 128 characters"
///   "attributes: expected a JSON object"
///   "attributes: nested deeper than 8 levels"
/// An explicit `null` is never "absent": it fails the field's type check like any other
/// wrong type ("sent_at: expected a string", "attributes: expected a JSON object").
/// `received_at` and `transport` sent by a partner are unknown fields (only slawatch stamps them).
/// The returned event has received_at/transport unset; call stamp().
result<event> validate_envelope(const nlohmann::json& obj, std::size_t encoded_size);

/// Like validate_envelope, but accepts `received_at` and `transport` present in `obj`
/// (replay and test input: "events as stored"). Missing received_at → occurred_at stands in;
/// missing transport → `default_transport`.
result<event> validate_stored(const nlohmann::json& obj, std::size_t encoded_size,
                              const transport& default_transport);

/// Sets received_at and transport on the event and in its doc.
void stamp(event& ev, instant received_at, const transport& t);

/// The stamps of one batch rendered once: every event of a batch gets the same ones.
struct stamps {
  stamps(instant at, const transport& t);
  instant received_at;
  nlohmann::json received_text;   ///< RFC 3339 UTC with milliseconds
  nlohmann::json transport_doc;
};
void stamp(event& ev, const stamps& s);

}  // namespace slawatch::model
