// Events, outcomes, transactions and migrations of the SQLite store.
#include <fstream>
#include <catch2/catch.hpp>
#include <sqlite3.h>
#include "store_fixtures.hpp"

using namespace store_test;
using slawatch::store::put_status;

namespace {

put_status put(store::store& s, const model::event& ev) {
  auto r = s.put_event(ev);
  REQUIRE(r.ok());
  return *r;
}

std::int64_t scalar(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const auto v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

}  // namespace

TEST_CASE("the same event twice is a duplicate and is stored once") {
  auto s = open_or_fail(":memory:");
  REQUIRE(s->begin().ok());
  CHECK(put(*s, make_event("bank-a", "e-1")) == put_status::accepted);
  CHECK(put(*s, make_event("bank-a", "e-1")) == put_status::duplicate);
  REQUIRE(s->commit().ok());
  REQUIRE(s->begin().ok());
  CHECK(put(*s, make_event("bank-a", "e-1")) == put_status::duplicate);
  REQUIRE(s->commit().ok());
  CHECK(*s->count_events() == 1);
}

TEST_CASE("a duplicate with other content is a conflict") {
  auto s = open_or_fail(":memory:");
  REQUIRE(s->begin().ok());
  CHECK(put(*s, make_event("bank-a", "e-1", "100")) == put_status::accepted);
  CHECK(put(*s, make_event("bank-a", "e-1", "999")) == put_status::conflict);
  REQUIRE(s->commit().ok());
  CHECK(*s->count_events() == 1);
}

TEST_CASE("a different received_at does not make a resend a conflict") {
  auto s = open_or_fail(":memory:");
  auto again = make_event("bank-a", "e-1");
  again.received_at += std::chrono::hours(1);
  again.doc["received_at"] = "2026-09-21T15:14:20.000Z";
  REQUIRE(s->begin().ok());
  CHECK(put(*s, make_event("bank-a", "e-1")) == put_status::accepted);
  CHECK(put(*s, again) == put_status::duplicate);
  REQUIRE(s->commit().ok());
}

TEST_CASE("the same id from two partners is two events") {
  auto s = open_or_fail(":memory:");
  REQUIRE(s->begin().ok());
  CHECK(put(*s, make_event("bank-a", "e-1")) == put_status::accepted);
  CHECK(put(*s, make_event("bank-b", "e-1")) == put_status::accepted);
  REQUIRE(s->commit().ok());
  CHECK(*s->count_events() == 2);
}

TEST_CASE("a rollback leaves nothing of the transaction") {
  auto s = open_or_fail(":memory:");
  REQUIRE(s->begin().ok());
  CHECK(put(*s, make_event("bank-a", "e-1")) == put_status::accepted);
  REQUIRE(s->add_outcomes({{"r1", "bank-a", model::outcome_kind::met, at_s(1000)}}).ok());
  REQUIRE(*s->put_breach(make_breach("b-1", "bank-a", "r1", 2000)));
  s->rollback();
  CHECK(*s->count_events() == 0);
  CHECK(s->outcome_counts()->empty());
  CHECK(s->breach_counts()->empty());
  CHECK_FALSE(s->get_breach("b-1")->has_value());
  // and the store is usable afterwards
  REQUIRE(s->begin().ok());
  CHECK(put(*s, make_event("bank-a", "e-1")) == put_status::accepted);
  REQUIRE(s->commit().ok());
}

TEST_CASE("a rollback without a transaction is harmless") {
  auto s = open_or_fail(":memory:");
  s->rollback();
  REQUIRE(s->begin().ok());
  REQUIRE(s->commit().ok());
}

TEST_CASE("outcomes are counted per rule, partner and outcome across buckets") {
  auto s = open_or_fail(":memory:");
  using k = model::outcome_kind;
  REQUIRE(s->begin().ok());
  REQUIRE(s->add_outcomes({{"r1", "bank-a", k::met, at_s(0)},
                           {"r1", "bank-a", k::met, at_s(899)},
                           {"r1", "bank-a", k::met, at_s(900)},
                           {"r1", "bank-a", k::breached, at_s(10)},
                           {"r2", "bank-b", k::met, at_s(10)}})
              .ok());
  REQUIRE(s->add_outcomes({{"r1", "bank-a", k::met, at_s(5)}}).ok());
  REQUIRE(s->commit().ok());
  auto counts = *s->outcome_counts();
  REQUIRE(counts.size() == 3);
  CHECK(counts[0].rule == "r1");
  CHECK(counts[0].kind == k::breached);
  CHECK(counts[0].total == 1);
  CHECK(counts[1].kind == k::met);
  CHECK(counts[1].total == 4);
  CHECK(counts[2].rule == "r2");
}

TEST_CASE("a database file is created with its directory, buckets outcomes by 15 minutes and keeps data across re-opens") {
  temp_db tmp;
  {
    auto s = open_or_fail(tmp.path);
    REQUIRE(s->begin().ok());
    CHECK(put(*s, make_event("bank-a", "e-1")) == put_status::accepted);
    REQUIRE(s->add_outcomes({{"r1", "bank-a", model::outcome_kind::met, at_s(0)},
                             {"r1", "bank-a", model::outcome_kind::met, at_s(899)},
                             {"r1", "bank-a", model::outcome_kind::met, at_s(900)}})
                .ok());
    REQUIRE(s->commit().ok());
  }
  CHECK(scalar(tmp.path, "SELECT count(*) FROM outcome_buckets") == 2);
  CHECK(scalar(tmp.path, "SELECT max(bucket_start) FROM outcome_buckets") == 900);
  auto s = open_or_fail(tmp.path);   // migrations are not run twice
  CHECK(*s->count_events() == 1);
  CHECK(put(*s, make_event("bank-a", "e-1")) == put_status::duplicate);
  CHECK(scalar(tmp.path, "SELECT count(*) FROM schema_version") == 4);
  CHECK(scalar(tmp.path, "SELECT max(version) FROM schema_version") == 4);
}

TEST_CASE("a database file is in WAL mode") {
  temp_db tmp;
  { auto s = open_or_fail(tmp.path); }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(tmp.path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST_CASE("a database from a newer slawatch is refused") {
  temp_db tmp;
  { auto s = open_or_fail(tmp.path); }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(tmp.path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "INSERT INTO schema_version (version) VALUES (99)", nullptr,
                       nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  auto s = store::open_sqlite(tmp.path, store::sync_mode::normal);
  REQUIRE_FALSE(s.ok());
  CHECK(s.err().code == "storage");
  CHECK(s.err().message == "storage: " + tmp.path +
                               ": schema version 99 is newer than this slawatch (knows up to 4)");
}

TEST_CASE("an unopenable database names its path") {
  temp_db tmp;
  std::filesystem::create_directories(tmp.dir);
  const auto blocker = (tmp.dir / "file").string();
  std::ofstream(blocker) << std::string(4096, 'x');
  auto s = store::open_sqlite(blocker + "/slawatch.db", store::sync_mode::full);
  REQUIRE_FALSE(s.ok());
  CHECK(s.err().message.rfind("storage: cannot open " + blocker + "/slawatch.db: ", 0) == 0);

  auto junk = store::open_sqlite(blocker, store::sync_mode::full);   // not a database
  REQUIRE_FALSE(junk.ok());
  CHECK(junk.err().message == "storage: cannot open " + blocker + ": file is not a database");
}
