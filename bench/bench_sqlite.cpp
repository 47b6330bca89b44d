// bench_sqlite: the SQLite side of the ingest benchmarks (docs/performance.md).
//   baseline --db FILE [--events N] [--batch 1000]
//       raw batched inserts of the rows ingest stores (same events table, same statement,
//       WAL, synchronous=FULL, N/batch transactions): the ceiling ingest is compared with.
//   populate --db FILE --events N [--batch 100000]
//       appends N realistic rows to a database in the daemon's real schema (created by
//       store::open_sqlite when missing), fast (synchronous=OFF, large transactions), so the
//       ingest benchmark can run against 1 M or 20 M stored events.
// Prints one JSON object on stdout.
#include <sqlite3.h>
#include <cstring>
#include <iostream>
#include <vector>
#include <nlohmann/json.hpp>
#include "bench_support.hpp"
#include "ingest_events.hpp"
#include "slawatch/store/store.hpp"

namespace slawatch::bench {
namespace {

struct row {
  std::string partner, id, hash, type, doc;
  std::int64_t occurred_ns, received_ns;
};

row make_row(const event_source& src, std::int64_t i) {
  const std::uint64_t h = mix64(static_cast<std::uint64_t>(i) * 7919);
  return {src.partner(i), src.id(i),
          fmt::format("{:016x}{:016x}{:016x}{:016x}", h, mix64(h), mix64(h + 1), mix64(h + 2)),
          src.type(i), src.stored_json(i), src.occurred_ms(i) * 1000000, src.now_ms() * 1000000};
}

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    throw std::runtime_error(fmt::format("{}: {}", what, sqlite3_errmsg(db)));
  }
}

void exec(sqlite3* db, const std::string& sql) { check(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), db, sql.c_str()); }

/// The daemon's statement (daemon/store/sqlite_store.cpp put_event).
constexpr const char* insert_sql =
    "INSERT INTO events (partner, id, content_hash, type, occurred_at_ns, received_at_ns, doc)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (partner, id) DO NOTHING";

void insert(sqlite3_stmt* st, const row& r) {
  sqlite3_reset(st);
  sqlite3_bind_text(st, 1, r.partner.data(), static_cast<int>(r.partner.size()), SQLITE_STATIC);
  sqlite3_bind_text(st, 2, r.id.data(), static_cast<int>(r.id.size()), SQLITE_STATIC);
  sqlite3_bind_text(st, 3, r.hash.data(), static_cast<int>(r.hash.size()), SQLITE_STATIC);
  sqlite3_bind_text(st, 4, r.type.data(), static_cast<int>(r.type.size()), SQLITE_STATIC);
  sqlite3_bind_int64(st, 5, r.occurred_ns);
  sqlite3_bind_int64(st, 6, r.received_ns);
  sqlite3_bind_text(st, 7, r.doc.data(), static_cast<int>(r.doc.size()), SQLITE_STATIC);
  if (sqlite3_step(st) != SQLITE_DONE) throw std::runtime_error("insert failed");
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

nlohmann::json baseline(const std::string& path, std::int64_t n, std::int64_t batch) {
  event_source src("base", now_ms(), 7);
  std::vector<row> rows;
  rows.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) rows.push_back(make_row(src, i));
  sqlite3* db = nullptr;
  check(sqlite3_open(path.c_str(), &db), db, "open");
  exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA temp_store=MEMORY;");
  exec(db, "CREATE TABLE events (partner TEXT NOT NULL, id TEXT NOT NULL, content_hash TEXT NOT NULL,"
           " type TEXT NOT NULL, occurred_at_ns INTEGER NOT NULL, received_at_ns INTEGER NOT NULL,"
           " doc TEXT NOT NULL, PRIMARY KEY (partner, id))");
  sqlite3_stmt* st = nullptr;
  check(sqlite3_prepare_v2(db, insert_sql, -1, &st, nullptr), db, "prepare");
  stopwatch sw;
  for (std::int64_t i = 0; i < n; i += batch) {
    exec(db, "BEGIN IMMEDIATE");
    for (std::int64_t j = i; j < std::min(n, i + batch); ++j) insert(st, rows[static_cast<std::size_t>(j)]);
    exec(db, "COMMIT");
  }
  const double secs = sw.seconds(), cpu = sw.cpu();
  sqlite3_finalize(st);
  sqlite3_close(db);
  std::size_t bytes = 0;
  for (const auto& r : rows) bytes += r.doc.size();
  return {{"rows", n}, {"batch", batch}, {"seconds", secs}, {"cpu_seconds", cpu},
          {"rows_per_second", static_cast<double>(n) / secs},
          {"mean_doc_bytes", static_cast<double>(bytes) / static_cast<double>(n)}};
}

nlohmann::json populate(const std::string& path, std::int64_t n, std::int64_t batch) {
  {  // the real schema, as serve creates it
    auto s = store::open_sqlite(path, store::sync_mode::normal);
    if (!s) throw std::runtime_error(s.err().message);
  }
  sqlite3* db = nullptr;
  check(sqlite3_open(path.c_str(), &db), db, "open");
  exec(db, "PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;");
  sqlite3_stmt* q = nullptr;
  check(sqlite3_prepare_v2(db, "SELECT coalesce(max(rowid), 0) FROM events", -1, &q, nullptr), db, "prepare");
  sqlite3_step(q);
  const std::int64_t first = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  // Stored events of the past weeks: the run's "now" moves back one day per million rows.
  event_source src("pre", now_ms() - 86400000LL * (1 + first / 1000000), 11);
  sqlite3_stmt* st = nullptr;
  check(sqlite3_prepare_v2(db, insert_sql, -1, &st, nullptr), db, "prepare");
  stopwatch sw;
  for (std::int64_t i = first; i < first + n; i += batch) {
    exec(db, "BEGIN");
    for (std::int64_t j = i; j < std::min(first + n, i + batch); ++j) insert(st, make_row(src, j));
    exec(db, "COMMIT");
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return {{"rows_added", n}, {"rows_total", first + n}, {"seconds", sw.seconds()},
          {"rows_per_second", static_cast<double>(n) / sw.seconds()}};
}

}  // namespace
}  // namespace slawatch::bench

int main(int argc, char** argv) {
  using namespace slawatch::bench;
  if (argc < 2) {
    std::cerr << "usage: bench_sqlite baseline|populate --db FILE [--events N] [--batch N]\n";
    return 2;
  }
  const std::string mode = argv[1];
  std::string db;
  std::int64_t events = 1000000, batch = mode == "populate" ? 100000 : 1000;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--db") db = argv[i + 1];
    else if (flag == "--events") events = std::stoll(argv[i + 1]);
    else if (flag == "--batch") batch = std::stoll(argv[i + 1]);
    else { std::cerr << "unknown flag " << flag << "\n"; return 2; }
  }
  try {
    if (db.empty()) throw std::runtime_error("--db is required");
    if (mode == "baseline") std::cout << baseline(db, events, batch).dump() << "\n";
    else if (mode == "populate") std::cout << populate(db, events, batch).dump() << "\n";
    else throw std::runtime_error("unknown mode " + mode);
  } catch (const std::exception& e) {
    std::cerr << "bench_sqlite: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
