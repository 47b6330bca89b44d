#pragma once
/// Transport-independent ingestion: parse a request body (JSON object, JSON array or NDJSON),
/// validate each event, check partners, and build the contract 2.3 response body. Used by
/// HTTP now and the spool directory later.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <nlohmann/json.hpp>
#include "slawatch/ingest/pipeline.hpp"
#include "slawatch/model/event.hpp"
#include "slawatch/rules/rule_set.hpp"

namespace slawatch::ingest {

enum class body_format { json, ndjson };

/// Maps a Content-Type header to a format ("application/json", "application/x-ndjson",
/// parameters such as "; charset=utf-8" ignored, case-insensitive). nullopt → 415.
std::optional<body_format> format_of(std::string_view content_type);

/// One item of a body: its parsed JSON and its encoded size, or a per-item parse failure.
struct raw_item {
  nlohmann::json doc;
  std::size_t encoded_size = 0;
  /// The item's "index" in the response: array position or 0-based physical NDJSON line
  /// (empty lines count). nullopt → its position in the vector handed to prepare().
  std::optional<std::size_t> index;
};

/// A body that is not JSON/NDJSON at all → 400 with a message carrying line and column:
///   "body: invalid JSON at line 3, column 14: <detail>"
/// (NDJSON: the first line that is not a JSON value; empty lines are skipped).
/// A JSON body that is neither object nor array → 400 "body: expected a JSON object or array".
/// More than `max_events` items → error code "too_large" (413):
///   "body: 10001 events, more than the limit of 10000".
result<std::vector<raw_item>> parse_body(std::string_view body, body_format f,
                                         std::size_t max_events);

/// Who sent the request (auth arrives in a later issue; until then partner is empty = any).
struct sender {
  std::string partner;          ///< when non-empty, only this partner's events are allowed
  model::transport transport;
};

/// Per-item rejection, as it appears in the response "errors" array.
struct item_error {
  std::size_t index = 0;
  std::string id;               ///< the event's id when it had a string one, else empty → JSON null
  std::string reason;           ///< malformed | invalid_field | unknown_partner | partner_mismatch | conflict | too_large
  std::string message;          ///< e.g. "occurred_at: not an RFC 3339 timestamp"
};

/// A batch ready for the pipeline: the events that passed validation (stamped), their
/// original indexes, and the items already rejected.
struct prepared_batch {
  std::vector<model::event> events;
  std::vector<std::size_t> indexes;
  std::vector<item_error> errors;
};

/// Validates every item, rejects unknown partners ("partner: unknown partner 'bank-z'",
/// reason unknown_partner) and partner mismatches ("partner: token is for 'bank-a', not
/// 'bank-b'", reason partner_mismatch), stamps received_at and transport. No future-skew
/// check (the overload below adds it).
prepared_batch prepare(std::vector<raw_item> items, const rules::rule_set& rules,
                       const sender& who, instant received_at);

/// The default of ingest.max_future_skew.
inline constexpr duration default_max_future_skew = std::chrono::minutes(5);

/// Same, and rejects an event whose occurred_at is more than `max_future_skew` after
/// received_at (reason invalid_field, checked before the partner):
///   "occurred_at: 2026-11-27T12:00:00Z is more than 5m after received_at"
/// (occurred_at as the event wrote it).
prepared_batch prepare(std::vector<raw_item> items, const rules::rule_set& rules,
                       const sender& who, instant received_at, duration max_future_skew);

/// The 200 body: {"accepted": n, "duplicates": n, "rejected": n, "errors": [...]}, errors
/// sorted by index; a conflict adds {"index", "id", "error": "id: already received with
/// different content", "reason": "conflict"}. Every error entry also carries "reason".
nlohmann::json response_body(const prepared_batch& batch, const batch_result& stored);

}  // namespace slawatch::ingest
