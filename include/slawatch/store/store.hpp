#pragma once
/// Durable storage (SQLite first; nothing outside store/ writes SQL). Events with
/// idempotency on (partner, id), outcome counts, breaches.
///
/// Threading: one `store` object per thread. The single writer (the ingest pipeline) owns
/// one; HTTP readers open their own (WAL lets readers run beside the writer).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>
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

  // --- readers ------------------------------------------------------------------------
  virtual result<breach_page> list_breaches(const breach_query& q) = 0;
  virtual result<std::optional<model::breach>> get_breach(const std::string& id) = 0;
  virtual result<std::uint64_t> count_events() = 0;
  virtual result<std::vector<breach_count>> breach_counts() = 0;
  virtual result<std::vector<outcome_count>> outcome_counts() = 0;
};

enum class sync_mode { full, normal };

/// Opens (creating and migrating as needed) the SQLite database at `path` in WAL mode.
/// ":memory:" gives a private in-memory database (tests). Errors name the path.
result<std::unique_ptr<store>> open_sqlite(const std::string& path, sync_mode sync);

}  // namespace slawatch::store
