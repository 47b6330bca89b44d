#pragma once
/// Durable storage (SQLite first; nothing outside store/ writes SQL). Events with
/// idempotency on (partner, id), outcome counts, breaches, the engine's durable state.
///
/// Threading: one `store` object per thread. The single writer (the ingest pipeline) owns
/// one; HTTP readers open their own (WAL lets readers run beside the writer).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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

/// What waive_breach() found.
enum class waive_status { waived, not_found, already_waived };
struct waive_result {
  waive_status status = waive_status::waived;
  std::optional<model::breach> before;   ///< the breach before the waive (unset: not found)
};

/// The instant a breach's outcome was decided at (the bucket it was counted in): due_at for
/// deadline, absence and count-window aggregates, occurred_at otherwise (as the engine does).
instant breach_decided_at(const model::breach& b);

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

/// One notification in the durable outbox (migration 3): written in the same transaction
/// as the breach that causes it, deleted once delivered, kept as "dead" when a receiver
/// refused it for good.
struct outbox_item {
  std::int64_t seq = 0;            ///< assigned by the store; delivery order within a sink
  std::string sink;                ///< "alertmanager" | "webhook:<name>" | "partner:<id>"
  std::string delivery_id;         ///< stable across retries and restarts
  std::string event;               ///< opened | closed
  std::string breach_id;
  std::string payload;             ///< the request body (JSON)
  std::string state = "pending";   ///< pending | dead
  int attempts = 0;
  instant created_at{};
  instant next_at{};               ///< not tried before this
  std::string last_error;
};

struct outbox_query {
  std::string state = "dead";      ///< pending | dead
  std::optional<std::string> sink;
  int limit = 100;                 ///< 1..1000
  std::optional<std::string> cursor;
};

struct outbox_page {
  std::vector<outbox_item> items;  ///< oldest first
  std::optional<std::string> next_cursor;
};

/// A (rule, partner) pair with an open breach or a breach detected since the hold start:
/// what an Alertmanager alert is built from.
struct alert_pair {
  std::string rule, partner;
  std::uint64_t in_hold = 0;       ///< breaches detected at or after the hold start
  std::uint64_t open = 0;          ///< breaches with status open
  model::breach latest;            ///< the most recently inserted of them
};

/// One entry of the hash-chained audit trail (migration 4, contract 8). Append-only.
/// Canonical entry (what is hashed): the compact JSON (nlohmann dump(): no spaces, keys in
/// byte order, UTF-8 as is) of {"at", "detail", "kind", "seq"}; "at" is RFC 3339 UTC with
/// milliseconds ("2026-11-27T07:47:16.123Z"). hash = lowercase hex of
/// sha256(prev_hash || canonical entry), prev_hash being the 64 hex characters of the
/// previous entry's hash (audit_genesis_hash for seq 1).
struct audit_entry {
  std::int64_t seq = 0;            ///< 1, 2, 3 ... without gaps
  std::string at;                  ///< RFC 3339 UTC, milliseconds
  std::string kind;                ///< batch | breach | waiver | reload | config | report | retention
  nlohmann::json detail = nlohmann::json::object();
  std::string prev_hash, hash;
};

/// 64 zeros: the prev_hash of the first entry.
const std::string& audit_genesis_hash();
/// The canonical entry of `e` (its seq, at, kind and detail; see audit_entry).
std::string audit_canonical(const audit_entry& e);
/// hex(sha256(prev_hash || canonical)).
std::string audit_hash(std::string_view prev_hash, std::string_view canonical);

/// The newest entry's seq and hash (seq 0 and the genesis hash for an empty trail).
struct audit_position {
  std::int64_t seq = 0;
  std::string hash = audit_genesis_hash();
};

struct audit_query {
  std::optional<std::string> kind;
  std::optional<instant> since;          ///< entries with at >= since
  int limit = 100;                       ///< 1..1000
  std::optional<std::string> cursor;     ///< opaque, from a previous page's next_cursor
};

struct audit_page {
  std::vector<audit_entry> entries;      ///< oldest first (seq ascending)
  std::optional<std::string> next_cursor;
};

/// What verify_audit() found. `broken_seq` unset = the chain is intact.
struct audit_verdict {
  std::uint64_t entries = 0;             ///< entries read (all of them when intact)
  audit_position head;                   ///< the last entry checked (the head when intact)
  std::optional<std::int64_t> broken_seq;
  /// "seq gap" | "prev_hash mismatch" | "detail is not JSON" | "hash mismatch"
  std::string reason;
};

/// What prune_events() removed (count 0: nothing, and no audit entry was written).
struct prune_result {
  std::uint64_t count = 0;
  std::optional<audit_entry> entry;      ///< the "retention" entry written with the deletion
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
  /// Same, with `content_hash` = ev.content_hash() already computed by the caller (the
  /// pipeline also needs it for the batch audit entry: hashed once per event).
  virtual result<put_status> put_event_hashed(const model::event& ev, const std::string& content_hash) {
    (void)content_hash;
    return put_event(ev);
  }
  /// Same, with `doc_text` = ev.doc.dump() already made by the caller (the pipeline encodes
  /// on the submitting thread, off the single writer).
  virtual result<put_status> put_event_encoded(const model::event& ev, const std::string& content_hash,
                                               const std::string& doc_text) {
    (void)doc_text;
    return put_event_hashed(ev, content_hash);
  }
  /// Adds outcome counts (bucketed per rule, partner, 15-minute UTC bucket of decided_at).
  virtual result<bool> add_outcomes(const std::vector<model::outcome>& outcomes) = 0;
  /// Inserts a breach; a breach whose id exists is left as it is (returns false).
  virtual result<bool> put_breach(const model::breach& b) = 0;
  /// Applies a change to a stored breach: completed_at and delay_seconds are set; the status
  /// becomes `u.status` unless the breach is waived (a waiver is never undone). Status column
  /// and document stay consistent. Returns the breach as it was before the change; nullopt
  /// (nothing written) when no breach has that id.
  virtual result<std::optional<model::breach>> update_breach(const breach_change& u) = 0;
  /// Waives a breach inside the caller's transaction: status 'waived' in the column and the
  /// document (with "waived_reason" and "waived_at" = `at`), and one outcome of its decision
  /// bucket (breach_decided_at) moves from 'breached' to 'waived'. Nothing is written when
  /// the id is unknown (not_found) or the breach is already waived (already_waived).
  /// The default implementation fails with code "unsupported".
  virtual result<waive_result> waive_breach(const std::string& id, const std::string& reason,
                                            instant at);
  /// Inserts or replaces engine state entries by id.
  virtual result<bool> put_state(const std::vector<state_row>& upserts) = 0;
  /// Deletes engine state entries by id (unknown ids are ignored).
  virtual result<bool> erase_state(const std::vector<std::string>& ids) = 0;
  /// Writer connections: WAL checkpoints run on a background thread with their own
  /// connection instead of inside commits (call once; no-op for stores without a WAL).
  virtual void checkpoint_in_background() {}

  // --- readers ------------------------------------------------------------------------
  virtual result<breach_page> list_breaches(const breach_query& q) = 0;
  virtual result<std::optional<model::breach>> get_breach(const std::string& id) = 0;
  virtual result<std::uint64_t> count_events() = 0;
  virtual result<std::vector<breach_count>> breach_counts() = 0;
  virtual result<std::vector<outcome_count>> outcome_counts() = 0;
  /// Every engine state entry, sorted by id (start-up and recovery after a failed commit).
  virtual result<std::vector<state_row>> load_state() = 0;
  /// The same rows in the same order, handed to `sink` at most `chunk_rows` (>= 1) at a time
  /// so that start-up never holds every row at once; the sink may move rows out (the vector
  /// is cleared before it is refilled). A sink returning false stops the read (result true).
  /// Errors as load_state(); rows already handed stay handed. The default implementation
  /// calls load_state() and hands its rows in pieces.
  virtual result<bool> load_state_chunks(std::size_t chunk_rows,
                                         const std::function<bool(std::vector<state_row>&)>& sink);
  /// Open obligations, most urgent (earliest due) first. Errors: "limit: expected 1 to 1000",
  /// "cursor: invalid" (code bad_request).
  virtual result<obligation_page> list_obligations(const obligation_query& q) = 0;
  /// Open obligations per (rule, partner), sorted (gauges at start-up).
  virtual result<std::vector<obligation_count>> obligation_counts() = 0;

  // --- notification outbox (implemented by the SQLite store; other stores answer
  // "storage: outbox not supported") ---------------------------------------------------
  /// Writer, inside a transaction: appends `items` unless (sink, delivery_id) exists. A sink
  /// already holding `capacity` pending items takes no more: the new item is dropped.
  /// Returns the number dropped per sink (sinks without drops are absent).
  virtual result<std::map<std::string, std::uint64_t>> enqueue(
      const std::vector<outbox_item>& items, std::uint64_t capacity);
  /// The oldest pending item of every sink (head-of-line order per sink), by sink name.
  virtual result<std::vector<outbox_item>> outbox_heads();
  /// The oldest pending items of one sink, up to `limit`.
  virtual result<std::vector<outbox_item>> outbox_pending(const std::string& sink, int limit);
  /// Delivered: deletes the items of `sink` with seq <= `up_to_seq` that are pending.
  virtual result<bool> outbox_delivered(const std::string& sink, std::int64_t up_to_seq);
  /// A failed attempt: sets attempts, next_at and last_error of one item.
  virtual result<bool> outbox_retry(std::int64_t seq, int attempts, instant next_at,
                                    const std::string& last_error);
  /// Refused for good: the item becomes "dead" (kept, listed, never retried).
  virtual result<bool> outbox_dead(std::int64_t seq, int attempts, const std::string& last_error);
  /// Pending items per sink.
  virtual result<std::map<std::string, std::uint64_t>> outbox_lengths();
  /// Lists outbox items, oldest first. Errors: "limit: expected 1 to 1000", "cursor: invalid"
  /// (code bad_request).
  virtual result<outbox_page> list_outbox(const outbox_query& q);
  /// (rule, partner) pairs with an open breach or one detected at or after `hold_since`.
  virtual result<std::vector<alert_pair>> alert_pairs(instant hold_since);
  /// Open obligations that crossed a warning threshold and are not yet due at `now`.
  virtual result<std::vector<obligation_row>> at_risk_obligations(instant now);

  // --- audit trail (contract 8; implemented by the SQLite store) ----------------------
  /// Writer, inside the caller's transaction (so the entry commits or rolls back with what
  /// it records): appends entry head+1 with `at` truncated to milliseconds. The default
  /// implementation records nothing and returns an entry with seq 0 (test doubles).
  virtual result<audit_entry> append_audit(const std::string& kind, const nlohmann::json& detail,
                                           instant at);
  /// The newest entry's seq and hash.
  virtual result<audit_position> audit_head();
  /// The newest entry of `kind`, if any (e.g. the last recorded configuration hash).
  virtual result<std::optional<audit_entry>> last_audit(const std::string& kind);
  /// Lists entries oldest first. Errors: "limit: expected 1 to 1000", "cursor: invalid"
  /// (code bad_request).
  virtual result<audit_page> list_audit(const audit_query& q);
  /// Recomputes the whole chain in seq order and stops at the first broken entry.
  virtual result<audit_verdict> verify_audit();
  /// Writer, inside the caller's transaction: deletes up to `max_rows` events with
  /// received_at < `older_than` (oldest first) and, when any went, appends a "retention"
  /// entry {"count", "from", "to" (received_at range), "events_sha256"} at `at`.
  /// Breaches, outcomes, engine state and the audit trail are never touched.
  virtual result<prune_result> prune_events(instant older_than, int max_rows, instant at);

  // --- reports (sqlite_reports.cpp; other stores answer "storage: reports not supported") --
  /// Outcome counts of `partner` per rule and kind, summed over the 15-minute buckets whose
  /// start lies in [from, to) (the buckets slawatch_rule_outcomes_total counts), sorted.
  virtual result<std::vector<outcome_count>> partner_outcomes(const std::string& partner,
                                                              instant from, instant to);
  /// Breaches of `partner` whose outcome was decided (breach_decided_at) in [from, to),
  /// ordered by decision instant, then id.
  virtual result<std::vector<model::breach>> partner_breaches(const std::string& partner,
                                                              instant from, instant to);
  /// Starts of the 15-minute UTC buckets in [from, to) in which at least one event of
  /// `partner` occurred (occurred_at), ascending (data completeness of a report).
  virtual result<std::vector<instant>> partner_event_buckets(const std::string& partner,
                                                             instant from, instant to);
};

enum class sync_mode { full, normal };

/// Opens (creating and migrating as needed) the SQLite database at `path` in WAL mode.
/// ":memory:" gives a private in-memory database (tests). Errors name the path.
result<std::unique_ptr<store>> open_sqlite(const std::string& path, sync_mode sync);

/// Opens an existing SQLite database read-only (no creation, no migration): `slawatch audit
/// verify`. Errors name the path: "storage: cannot open <path>: <reason>".
result<std::unique_ptr<store>> open_sqlite_readonly(const std::string& path);

/// What backup_sqlite copied (read back from the finished copy).
struct backup_stats {
  std::int64_t pages = 0;
  std::int64_t page_size = 0;
  std::int64_t bytes = 0;            ///< pages × page_size
  int steps = 0;                     ///< sqlite3_backup_step calls
  int schema_version = 0;
  std::int64_t events = 0;
  std::int64_t breaches = 0;
  std::string integrity;             ///< PRAGMA integrity_check of the copy ("ok")
};

/// Online copy of the database at `source` (which a running daemon may keep writing) to the
/// new file `dest` with the SQLite backup API, `pages_per_step` pages per step inside one
/// read snapshot (WAL: the writer is never blocked; the copy is the database as of the
/// start). `dest` must not exist. On failure a partial `dest` is removed.
/// Errors: "backup: <dest> already exists", "storage: <source>: cannot open: <reason>",
/// "backup: <dest>: <reason>".
result<backup_stats> backup_sqlite(const std::string& source, const std::string& dest,
                                   int pages_per_step = 256);

}  // namespace slawatch::store
