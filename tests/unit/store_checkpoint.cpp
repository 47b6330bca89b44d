// WAL checkpoints on a background thread (sqlite_checkpoint.cpp).
#include <chrono>
#include <filesystem>
#include <thread>
#include <catch2/catch.hpp>
#include <sqlite3.h>
#include "../../daemon/store/sqlite_detail.hpp"
#include "store_fixtures.hpp"

using namespace store_test;
using slawatch::store::detail::sqlite_store;

namespace {

sqlite_store& concrete(store::store& s) {
  auto* p = dynamic_cast<sqlite_store*>(&s);
  REQUIRE(p != nullptr);
  return *p;
}

std::int64_t writer_pragma(sqlite_store& s, const char* sql) {
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(s.raw(), sql, -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const auto v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

/// `commits` transactions of `per_commit` events with ~2 KiB documents (about a WAL page
/// each), ids numbered from `first`.
void write_events(store::store& s, int commits, int per_commit, int first = 0) {
  const std::string amount(2000, '7');
  for (int c = 0; c < commits; ++c) {
    REQUIRE(s.begin().ok());
    for (int i = 0; i < per_commit; ++i) {
      const auto id = "e-" + std::to_string(first + c * per_commit + i);
      REQUIRE(s.put_event(make_event("bank-a", id, amount)).ok());
    }
    REQUIRE(s.commit().ok());
  }
}

/// Polls `done` every 10 ms for up to 5 s.
template <class Pred>
bool eventually(Pred done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace

TEST_CASE("checkpointing in the background turns the writer's autocheckpoint off") {
  temp_db db;
  auto s = open_or_fail(db.path);
  auto& sq = concrete(*s);
  CHECK(writer_pragma(sq, "PRAGMA wal_autocheckpoint") == 1000);
  s->checkpoint_in_background();
  CHECK(writer_pragma(sq, "PRAGMA wal_autocheckpoint") == 0);
  s->checkpoint_in_background();   // a second call changes nothing
  CHECK(writer_pragma(sq, "PRAGMA wal_autocheckpoint") == 0);
}

TEST_CASE("commits past 1000 WAL pages are copied into the database file by the background thread") {
  temp_db db;
  auto s = open_or_fail(db.path);
  auto& sq = concrete(*s);
  s->checkpoint_in_background();
  const auto size_before = std::filesystem::file_size(db.path);
  write_events(*s, 12, 150);   // ~1800 pages of documents alone, in 12 commits
  // Autocheckpoint is off: only the thread can have grown the main file.
  CHECK(eventually([&] { return sq.background_checkpoints() > 0; }));
  CHECK(eventually([&] { return std::filesystem::file_size(db.path) > size_before + 4'000'000; }));
  auto n = s->count_events();
  REQUIRE(n.ok());
  CHECK(*n == 1800);
}

TEST_CASE("without background checkpoints the store's thread counter stays at zero") {
  temp_db db;
  auto s = open_or_fail(db.path);
  write_events(*s, 3, 50);
  CHECK(concrete(*s).background_checkpoints() == 0);
  CHECK(writer_pragma(concrete(*s), "PRAGMA wal_autocheckpoint") == 1000);
}

TEST_CASE("destroying a store while its checkpoint thread is busy is clean and loses nothing") {
  temp_db db;
  for (int round = 0; round < 3; ++round) {
    auto s = open_or_fail(db.path);
    s->checkpoint_in_background();
    write_events(*s, 8, 150, round * 1200);
    // destroyed here, probably while the thread is checkpointing
  }
  auto s = open_or_fail(db.path);
  auto n = s->count_events();
  REQUIRE(n.ok());
  CHECK(*n == 3600);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(concrete(*s).raw(), "PRAGMA integrity_check", -1, &st, nullptr) ==
          SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "ok");
  sqlite3_finalize(st);
}

TEST_CASE("an in-memory store ignores checkpoint_in_background") {
  auto s = open_or_fail(":memory:");
  s->checkpoint_in_background();
  auto& sq = concrete(*s);
  CHECK(writer_pragma(sq, "PRAGMA wal_autocheckpoint") == 1000);
  write_events(*s, 2, 10);
  CHECK(sq.background_checkpoints() == 0);
  auto n = s->count_events();
  REQUIRE(n.ok());
  CHECK(*n == 20);
}
