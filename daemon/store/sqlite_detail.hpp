#pragma once
/// Internals of the SQLite store: RAII wrappers for a connection and its prepared
/// statements, the migration list, and the store class itself. Only store/*.cpp include this.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <sqlite3.h>
#include "slawatch/store/store.hpp"

namespace slawatch::store::detail {

/// One prepared statement; reset and cleared before each use so it can be cached.
class statement {
 public:
  statement(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  ~statement() { sqlite3_finalize(s_); }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  /// Resets the statement for a new execution (bindings cleared).
  statement& fresh();
  statement& bind(int i, std::string_view text);
  statement& bind(int i, std::int64_t v);
  /// SQLITE_ROW → true, SQLITE_DONE → false, anything else → error (message from SQLite).
  result<bool> step();

  [[nodiscard]] std::int64_t int64(int col) const { return sqlite3_column_int64(s_, col); }
  [[nodiscard]] std::string text(int col) const;
  [[nodiscard]] bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_;
};

/// A connection with a cache of prepared statements keyed by their SQL text.
class connection {
 public:
  connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// The cached statement for `sql` (prepared on first use).
  result<statement*> prepare(const std::string& sql);
  /// Runs one or more statements without results.
  result<bool> exec(const std::string& sql);
  /// A storage error naming the database: "storage: <path>: <what>: <sqlite message>".
  [[nodiscard]] error fail(std::string_view what) const;
  [[nodiscard]] error fail(std::string_view what, std::string_view detail) const;
  [[nodiscard]] sqlite3* raw() const { return db_; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<statement>> cache_;
};

/// Steps `s` to the end, turning each row into `read(s)`; a step error fails as `what`.
template <class Read>
auto read_rows(connection& c, statement& s, std::string_view what, Read&& read)
    -> result<std::vector<decltype(read(s))>> {
  std::vector<decltype(read(s))> out;
  for (;;) {
    auto row = s.step();
    if (!row) return c.fail(what, row.err().message);
    if (!*row) break;
    out.push_back(read(s));
  }
  return out;
}

/// Applies every migration newer than the database's schema_version, in order, each in its
/// own transaction. A database newer than this build is an error.
result<bool> migrate(connection& c);
/// The highest migration number this build knows.
int latest_schema_version();

/// The pragmas every read-write connection runs after opening (WAL, synchronous, timeouts).
std::string pragmas(sync_mode sync);

/// Runs the WAL checkpoints of one writer connection on its own thread and connection
/// (sqlite_checkpoint.cpp), so commits no longer copy the WAL into the database file.
class checkpointer {
 public:
  /// WAL pages written since the last signal that wake the thread (SQLite's default
  /// autocheckpoint threshold).
  static constexpr int wake_pages = 1000;
  /// WAL size at which the writer checkpoints itself (the thread cannot keep up, or the WAL
  /// never restarts because commits keep arriving during background checkpoints).
  static constexpr int writer_pages = 20000;

  /// Takes over `writer`'s checkpoints: autocheckpoint off, a WAL hook, a second connection
  /// to `path` and its thread. Null (nothing changed) for in-memory or read-only databases
  /// or when the second connection cannot be opened.
  static std::unique_ptr<checkpointer> start(sqlite3* writer, const std::string& path,
                                             sync_mode sync);
  /// Stops and joins the thread, closes its connection and gives the writer SQLite's
  /// automatic checkpoints back. Call before the writer connection closes.
  ~checkpointer();
  checkpointer(const checkpointer&) = delete;
  checkpointer& operator=(const checkpointer&) = delete;

  /// Checkpoints completed by the thread / run by the writer itself (safety net).
  [[nodiscard]] std::uint64_t background_runs() const { return background_runs_.load(); }
  [[nodiscard]] std::uint64_t writer_runs() const { return writer_runs_.load(); }

 private:
  checkpointer(sqlite3* writer, sqlite3* own);
  static int on_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
  void committed(int wal_pages);
  void loop();

  sqlite3* writer_;
  sqlite3* own_;
  int signalled_at_ = 0;   // WAL pages at the last wake-up (writer thread only)
  std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false, stop_ = false;
  std::atomic<std::uint64_t> background_runs_{0}, writer_runs_{0}, failures_{0};
  std::thread thread_;
};

/// Seconds since the epoch of the 15-minute UTC bucket holding `t`.
std::int64_t bucket_start(instant t);
std::int64_t to_ns(instant t);

/// Encodes/decodes the opaque paging cursor ("c" + decimal seq).
std::string encode_cursor(std::int64_t seq);
std::optional<std::int64_t> decode_cursor(std::string_view cursor);

/// A list paged by seq: the seq after which the page starts (0 without a cursor), or the
/// API's errors "limit: expected 1 to 1000" / "cursor: invalid" (bad_request).
result<std::int64_t> page_after(int limit, const std::optional<std::string>& cursor);
/// Rows read with LIMIT limit + 1: keeps `limit` of them and, when one more was there, gives
/// the cursor of the next page.
template <class Row>
std::optional<std::string> page_end(std::vector<Row>& rows, int limit) {
  if (rows.size() <= static_cast<std::size_t>(limit)) return std::nullopt;
  rows.resize(static_cast<std::size_t>(limit));
  return encode_cursor(rows.back().seq);
}

class sqlite_store final : public store {
 public:
  explicit sqlite_store(std::unique_ptr<connection> c, sync_mode sync = sync_mode::full)
      : c_(std::move(c)), sync_(sync) {}

  result<bool> begin() override;
  result<bool> commit() override;
  void rollback() override;
  result<put_status> put_event(const model::event& ev) override;
  result<put_status> put_event_hashed(const model::event& ev, const std::string& content_hash) override;
  result<put_status> put_event_encoded(const model::event& ev, const std::string& content_hash,
                                       const std::string& doc_text) override;
  result<bool> add_outcomes(const std::vector<model::outcome>& outcomes) override;
  result<bool> put_breach(const model::breach& b) override;
  result<std::optional<model::breach>> update_breach(const breach_change& u) override;
  result<waive_result> waive_breach(const std::string& id, const std::string& reason,
                                    instant at) override;
  result<bool> put_state(const std::vector<state_row>& upserts) override;
  result<bool> erase_state(const std::vector<std::string>& ids) override;
  void checkpoint_in_background() override;
  /// Checkpoints the background thread completed (0 without one).
  [[nodiscard]] std::uint64_t background_checkpoints() const;
  /// The writer connection (tests read its pragmas).
  [[nodiscard]] sqlite3* raw() const { return c_->raw(); }

  result<breach_page> list_breaches(const breach_query& q) override;
  result<std::optional<model::breach>> get_breach(const std::string& id) override;
  result<std::uint64_t> count_events() override;
  result<std::vector<breach_count>> breach_counts() override;
  result<std::vector<outcome_count>> outcome_counts() override;
  result<std::vector<state_row>> load_state() override;
  result<bool> load_state_chunks(std::size_t chunk_rows,
                                 const std::function<bool(std::vector<state_row>&)>& sink) override;
  result<obligation_page> list_obligations(const obligation_query& q) override;
  result<std::vector<obligation_count>> obligation_counts() override;

  result<std::map<std::string, std::uint64_t>> enqueue(const std::vector<outbox_item>& items,
                                                       std::uint64_t capacity) override;
  result<std::vector<outbox_item>> outbox_heads() override;
  result<std::vector<outbox_item>> outbox_pending(const std::string& sink, int limit) override;
  result<bool> outbox_delivered(const std::string& sink, std::int64_t up_to_seq) override;
  result<bool> outbox_retry(std::int64_t seq, int attempts, instant next_at,
                            const std::string& last_error) override;
  result<bool> outbox_dead(std::int64_t seq, int attempts, const std::string& last_error) override;
  result<std::map<std::string, std::uint64_t>> outbox_lengths() override;
  result<outbox_page> list_outbox(const outbox_query& q) override;
  result<std::vector<alert_pair>> alert_pairs(instant hold_since) override;
  result<std::vector<obligation_row>> at_risk_obligations(instant now) override;
  result<audit_entry> append_audit(const std::string& kind, const nlohmann::json& detail,
                                   instant at) override;
  result<audit_position> audit_head() override;
  result<std::optional<audit_entry>> last_audit(const std::string& kind) override;
  result<audit_page> list_audit(const audit_query& q) override;
  result<audit_verdict> verify_audit() override;
  result<prune_result> prune_events(instant older_than, int max_rows, instant at) override;
  result<std::vector<outcome_count>> partner_outcomes(const std::string& partner, instant from,
                                                      instant to) override;
  result<std::vector<model::breach>> partner_breaches(const std::string& partner, instant from,
                                                      instant to) override;
  result<std::vector<instant>> partner_event_buckets(const std::string& partner, instant from,
                                                     instant to) override;

 private:
  std::unique_ptr<connection> c_;
  sync_mode sync_;
  std::unique_ptr<checkpointer> checkpointer_;   // after c_: stops before the writer closes
};

}  // namespace slawatch::store::detail
