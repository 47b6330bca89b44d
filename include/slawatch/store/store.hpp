#pragma once
/// Durable storage (SQLite first; nothing outside store/ writes SQL). Events with
/// idempotency on (partner, id), outcome counts, breaches, the engine's durable state.
///
/// Threading: one `store` object per thread. The single writer (the ingest pipeline) owns
/// one; HTTP readers open their own (WAL lets readers run beside the writer).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>
#include "slawatch/model/breach.hpp"
#include "slawatch/model/event.hpp"
#include "slawatch/model/result.hpp"

namespace slawatch::store {

enum class put_status { accepted, duplicate, conflict };

struct breach_query {
  std::optional<std::string> partner, rule, category, severity, status;
  std::optional<instant> since, until;   ///< on detected_at: since ≤ t < until
  int limit = 100;                       ///< 1..1000
  std::optional<std::string> cursor;     ///< opaque, from a previous page's next_cursor
};

struct breach_page {
  std::vector<model::breach> breaches;   ///< newest first (by insertion order)
  std::optional<std::string> next_cursor;
};

/// Totals used to restore counters and gauges at start-up.
struct breach_count {
  std::string rule, partner, category, severity;
  std::uint64_t total = 0;
  std::uint64_t open = 0;
};
struct outcome_count {
  std::string rule, partner;
  model::outcome_kind kind;
  std::uint64_t total = 0;
};

/// One durable engine state entry as stored (the fields of engine::state_entry; the store
/// keeps no engine logic: `data` is opaque to it except an obligation's "due", "started_at"
/// and "warned", which the obligations listing reads).
struct state_row {
  std::string id;          ///< primary key: "<kind>/<rule>/<partner>/<key>"
  std::string kind;        ///< obligation | early_stop | absence | open_breach
  std::string rule, partner, key;
  std::optional<instant> fire_at;
  nlohmann::json data = nlohmann::json::object();
  friend bool operator==(const state_row&, const state_row&) = default;
};

/// A change to a stored breach (a late stop or report closes an open one).
struct breach_change {
  std::string id;
  model::breach_status status = model::breach_status::closed;
  std::optional<instant> completed_at;
  std::optional<double> delay_seconds;
};

struct obligation_query {
  std::optional<std::string> partner, rule;
  int limit = 100;                       ///< 1..1000
  std::optional<std::string> cursor;     ///< opaque, from a previous page's next_cursor
};

/// An open deadline obligation, as the engine stored it.
struct obligation_row {
  std::string rule, partner, key;
  instant started_at{}, due{};
  unsigned warned = 0;                   ///< how many warn_at thresholds have fired (in order)
  nlohmann::json data = nlohmann::json::object();
};

struct obligation_page {
  std::vector<obligation_row> obligations;   ///< due ascending, then id
  std::optional<std::string> next_cursor;
};

struct obligation_count {
  std::string rule, partner;
  std::uint64_t open = 0;
};

class store {
 public:
  virtual ~store() = default;

  // --- writer side (one thread) -------------------------------------------------------
  virtual result<bool> begin() = 0;
  virtual result<bool> commit() = 0;
  virtual void rollback() = 0;
  /// Inside a transaction: inserts the event unless (partner, id) exists.
  /// Same content hash → duplicate (nothing written); different → conflict.
  virtual result<put_status> put_event(const model::event& ev) = 0;
  /// Adds outcome counts (bucketed per rule, partner, 15-minute UTC bucket of decided_at).
  virtual result<bool> add_outcomes(const std::vector<model::outcome>& outcomes) = 0;
  /// Inserts a breach; a breach whose id exists is left as it is (returns false).
  virtual result<bool> put_breach(const model::breach& b) = 0;
  /// Applies a change to a stored breach: completed_at and delay_seconds are set; the status
  /// becomes `u.status` unless the breach is waived (a waiver is never undone). Status column
  /// and document stay consistent. Returns the breach as it was before the change; nullopt
  /// (nothing written) when no breach has that id.
  virtual result<std::optional<model::breach>> update_breach(const breach_change& u) = 0;
  /// Inserts or replaces engine state entries by id.
  virtual result<bool> put_state(const std::vector<state_row>& upserts) = 0;
  /// Deletes engine state entries by id (unknown ids are ignored).
  virtual result<bool> erase_state(const std::vector<std::string>& ids) = 0;

  // --- readers ------------------------------------------------------------------------
  virtual result<breach_page> list_breaches(const breach_query& q) = 0;
  virtual result<std::optional<model::breach>> get_breach(const std::string& id) = 0;
  virtual result<std::uint64_t> count_events() = 0;
  virtual result<std::vector<breach_count>> breach_counts() = 0;
  virtual result<std::vector<outcome_count>> outcome_counts() = 0;
  /// Every engine state entry, sorted by id (start-up and recovery after a failed commit).
  virtual result<std::vector<state_row>> load_state() = 0;
  /// Open obligations, most urgent (earliest due) first. Errors: "limit: expected 1 to 1000",
  /// "cursor: invalid" (code bad_request).
  virtual result<obligation_page> list_obligations(const obligation_query& q) = 0;
  /// Open obligations per (rule, partner), sorted (gauges at start-up).
  virtual result<std::vector<obligation_count>> obligation_counts() = 0;
};

enum class sync_mode { full, normal };

/// Opens (creating and migrating as needed) the SQLite database at `path` in WAL mode.
/// ":memory:" gives a private in-memory database (tests). Errors name the path.
result<std::unique_ptr<store>> open_sqlite(const std::string& path, sync_mode sync);

}  // namespace slawatch::store
