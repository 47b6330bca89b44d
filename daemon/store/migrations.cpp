// Numbered schema migrations, applied in order at open. Never edit a shipped migration:
// append a new one (a database records which numbers it has run in schema_version).
#include <array>
#include <fmt/format.h>
#include "sqlite_detail.hpp"

namespace slawatch::store::detail {
namespace {

struct migration {
  int version;
  const char* sql;
};

// events: a rowid table with the (partner, id) primary key as a separate unique index.
// Rows carry the whole document (often > 1/20 of a page), which is where SQLite advises
// against WITHOUT ROWID: appends at the rowid end stay cheap and only the small key index
// takes random inserts.
constexpr std::array<migration, 4> migrations{{
    {1, R"sql(
CREATE TABLE events (
  partner        TEXT    NOT NULL,
  id             TEXT    NOT NULL,
  content_hash   TEXT    NOT NULL,
  type           TEXT    NOT NULL,
  occurred_at_ns INTEGER NOT NULL,
  received_at_ns INTEGER NOT NULL,
  doc            TEXT    NOT NULL,
  PRIMARY KEY (partner, id)
);
CREATE TABLE outcome_buckets (
  rule         TEXT    NOT NULL,
  partner      TEXT    NOT NULL,
  bucket_start INTEGER NOT NULL,
  outcome      TEXT    NOT NULL,
  count        INTEGER NOT NULL,
  PRIMARY KEY (rule, partner, bucket_start, outcome)
) WITHOUT ROWID;
CREATE TABLE breaches (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  id             TEXT    NOT NULL UNIQUE,
  partner        TEXT    NOT NULL,
  rule           TEXT    NOT NULL,
  category       TEXT    NOT NULL,
  severity       TEXT    NOT NULL,
  status         TEXT    NOT NULL,
  detected_at_ns INTEGER NOT NULL,
  doc            TEXT    NOT NULL
);
CREATE INDEX breaches_partner ON breaches (partner, seq);
CREATE INDEX breaches_rule ON breaches (rule, seq);
CREATE INDEX breaches_detected ON breaches (detected_at_ns);
)sql"},
    // engine_state: the engine's durable entries (engine.hpp). due_ns is an obligation's due
    // (null for other kinds), copied out of `data` so the obligations listing can page by it.
    {2, R"sql(
CREATE TABLE engine_state (
  id         TEXT    NOT NULL PRIMARY KEY,
  kind       TEXT    NOT NULL,
  rule       TEXT    NOT NULL,
  partner    TEXT    NOT NULL,
  key        TEXT    NOT NULL,
  fire_at_ns INTEGER,
  due_ns     INTEGER,
  data       TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX engine_state_obligations ON engine_state (kind, partner, rule, due_ns);
)sql"},
    // outbox: notifications written with the breach that causes them (contract 9), delivered
    // oldest first per sink, deleted once delivered, kept with state 'dead' when refused.
    // breaches_open: the alert state reads open breaches on every resend.
    {3, R"sql(
CREATE TABLE outbox (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  sink          TEXT    NOT NULL,
  delivery_id   TEXT    NOT NULL,
  event         TEXT    NOT NULL,
  breach_id     TEXT    NOT NULL,
  payload       TEXT    NOT NULL,
  state         TEXT    NOT NULL,
  attempts      INTEGER NOT NULL DEFAULT 0,
  created_at_ns INTEGER NOT NULL,
  next_at_ns    INTEGER NOT NULL,
  last_error    TEXT    NOT NULL DEFAULT '',
  UNIQUE (sink, delivery_id)
);
CREATE INDEX outbox_queue ON outbox (state, sink, seq);
CREATE INDEX breaches_open ON breaches (rule, partner) WHERE status = 'open';
)sql"},
    // audit: the hash-chained audit trail (contract 8; store.hpp audit_entry says what is
    // hashed). seq is assigned by the store (head + 1), never by AUTOINCREMENT, so a gap is
    // a finding. The triggers make the table append-only for slawatch itself; whoever can
    // drop them can also rewrite rows, which is what `slawatch audit verify` detects.
    // events_received: retention deletes the oldest events by received_at.
    {4, R"sql(
CREATE TABLE audit (
  seq       INTEGER PRIMARY KEY,
  at        TEXT    NOT NULL,
  kind      TEXT    NOT NULL,
  detail    TEXT    NOT NULL,
  prev_hash TEXT    NOT NULL,
  hash      TEXT    NOT NULL
);
CREATE INDEX audit_kind ON audit (kind, seq);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE INDEX events_received ON events (received_at_ns);
)sql"},
}};

result<int> current_version(connection& c) {
  if (auto r = c.exec("CREATE TABLE IF NOT EXISTS schema_version ("
                      " version INTEGER PRIMARY KEY,"
                      " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')))");
      !r) {
    return r.err();
  }
  auto st = c.prepare("SELECT coalesce(max(version), 0) FROM schema_version");
  if (!st) return st.err();
  auto row = (*st)->fresh().step();
  if (!row) return c.fail("read schema_version", row.err().message);
  const int v = static_cast<int>((*st)->int64(0));
  (*st)->fresh();   // release the read
  return v;
}

result<bool> apply(connection& c, const migration& m) {
  if (auto r = c.exec("BEGIN IMMEDIATE"); !r) return r;
  auto r = c.exec(m.sql);
  if (r) r = c.exec(fmt::format("INSERT INTO schema_version (version) VALUES ({})", m.version));
  if (r) r = c.exec("COMMIT");
  if (!r) {
    const std::string detail = sqlite3_errmsg(c.raw());
    (void)c.exec("ROLLBACK");   // best effort: the migration's own error is what matters
    return c.fail(fmt::format("migration {}", m.version), detail);
  }
  return true;
}

}  // namespace

int latest_schema_version() { return migrations.back().version; }

result<bool> migrate(connection& c) {
  auto v = current_version(c);
  if (!v) return v.err();
  if (*v > latest_schema_version()) {
    return error{"storage",
                 fmt::format("storage: {}: schema version {} is newer than this slawatch "
                             "(knows up to {})", c.path(), *v, latest_schema_version()), {}};
  }
  for (const auto& m : migrations) {
    if (m.version <= *v) continue;
    if (auto r = apply(c, m); !r) return r;
  }
  return true;
}

}  // namespace slawatch::store::detail
