// The hash-chained audit trail in the SQLite store: append, list, verify, tampering, retention.
#include <catch2/catch.hpp>
#include <sqlite3.h>
#include "slawatch/model/breach.hpp"
#include "store_fixtures.hpp"

using namespace store_test;

namespace {

void exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* msg = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg);
  const std::string text = msg ? msg : "";
  sqlite3_free(msg);
  sqlite3_close(db);
  INFO(text);
  REQUIRE(rc == SQLITE_OK);
}

/// Appends entries 1..n ("batch" with {"n": i}) in one transaction each.
void append_n(store::store& s, int n) {
  for (int i = 1; i <= n; ++i) {
    REQUIRE(s.begin().ok());
    auto e = s.append_audit(i % 2 ? "batch" : "breach", {{"n", i}}, at_s(1000 + i));
    REQUIRE(e.ok());
    REQUIRE(s.commit().ok());
  }
}

/// The verdict after running `tamper` (SQL, with the append-only triggers dropped first).
store::audit_verdict verdict_after(const std::string& tamper) {
  temp_db tmp;
  {
    auto s = open_or_fail(tmp.path);
    append_n(*s, 5);
  }
  exec(tmp.path, "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; " + tamper);
  auto ro = store::open_sqlite_readonly(tmp.path);
  REQUIRE(ro.ok());
  auto v = (*ro)->verify_audit();
  REQUIRE(v.ok());
  return v.value();
}

}  // namespace

TEST_CASE("the canonical entry is compact JSON with sorted keys and the hash chains on it") {
  store::audit_entry e{7, "2026-11-27T07:47:16.123Z", "waiver", {{"reason", "ok"}, {"id", "b-1"}}, {}, {}};
  CHECK(store::audit_canonical(e) ==
        R"({"at":"2026-11-27T07:47:16.123Z","detail":{"id":"b-1","reason":"ok"},"kind":"waiver","seq":7})");
  CHECK(store::audit_genesis_hash() == std::string(64, '0'));
  CHECK(store::audit_hash(store::audit_genesis_hash(), store::audit_canonical(e)) ==
        model::sha256_hex(std::string(64, '0') + store::audit_canonical(e)));
}

TEST_CASE("appended entries are numbered from 1 and each links to the previous hash") {
  auto s = open_or_fail(":memory:");
  auto head0 = s->audit_head();
  REQUIRE(head0.ok());
  CHECK(head0->seq == 0);
  CHECK(head0->hash == store::audit_genesis_hash());
  REQUIRE(s->begin().ok());
  auto a = s->append_audit("config", {{"sha256", "x"}}, at_s(1) + std::chrono::microseconds(1500));
  auto b = s->append_audit("batch", {{"count", 2}}, at_s(2));
  REQUIRE(s->commit().ok());
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->seq == 1);
  CHECK(a->at == "1970-01-01T00:00:01.001Z");   // truncated to milliseconds
  CHECK(a->prev_hash == store::audit_genesis_hash());
  CHECK(b->seq == 2);
  CHECK(b->prev_hash == a->hash);
  CHECK(b->hash == store::audit_hash(a->hash, store::audit_canonical(*b)));
  auto head = s->audit_head();
  CHECK(head->seq == 2);
  CHECK(head->hash == b->hash);
  auto v = s->verify_audit();
  REQUIRE(v.ok());
  CHECK_FALSE(v->broken_seq.has_value());
  CHECK(v->entries == 2);
  CHECK(v->head.hash == b->hash);
}

TEST_CASE("an entry rolled back with its transaction leaves no trace in the chain") {
  auto s = open_or_fail(":memory:");
  REQUIRE(s->begin().ok());
  REQUIRE(s->append_audit("batch", {{"count", 1}}, at_s(1)).ok());
  s->rollback();
  append_n(*s, 1);
  auto v = s->verify_audit();
  CHECK(v->entries == 1);
  CHECK_FALSE(v->broken_seq.has_value());
}

TEST_CASE("the audit table refuses updates and deletes") {
  temp_db tmp;
  auto s = open_or_fail(tmp.path);
  append_n(*s, 1);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(tmp.path.c_str(), &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, "UPDATE audit SET kind = 'x'", nullptr, nullptr, nullptr) != SQLITE_OK);
  CHECK(std::string(sqlite3_errmsg(db)) == "audit is append-only");
  CHECK(sqlite3_exec(db, "DELETE FROM audit", nullptr, nullptr, nullptr) != SQLITE_OK);
  sqlite3_close(db);
}

TEST_CASE("tampering with any column names the first broken entry and why") {
  struct row {
    const char* tamper;
    std::int64_t seq;
    const char* reason;
  };
  const std::vector<row> table = {
      {"UPDATE audit SET detail = '{\"n\":33}' WHERE seq = 3", 3, "hash mismatch"},
      {"UPDATE audit SET detail = 'not json' WHERE seq = 3", 3, "detail is not JSON"},
      {"UPDATE audit SET kind = 'waiver' WHERE seq = 2", 2, "hash mismatch"},
      {"UPDATE audit SET at = '2030-01-01T00:00:00.000Z' WHERE seq = 4", 4, "hash mismatch"},
      {"UPDATE audit SET hash = (SELECT hash FROM audit WHERE seq = 1) WHERE seq = 2", 2, "hash mismatch"},
      {"UPDATE audit SET prev_hash = hash WHERE seq = 3", 3, "prev_hash mismatch"},
      {"UPDATE audit SET seq = 9 WHERE seq = 5", 9, "seq gap"},
      {"DELETE FROM audit WHERE seq = 2", 3, "seq gap"},
      {"DELETE FROM audit WHERE seq = 1", 2, "seq gap"},
  };
  for (const auto& t : table) {
    INFO(t.tamper);
    auto v = verdict_after(t.tamper);
    REQUIRE(v.broken_seq.has_value());
    CHECK(*v.broken_seq == t.seq);
    CHECK(v.reason == t.reason);
  }
}

TEST_CASE("a rewritten entry with a recomputed hash still breaks the next entry's link") {
  temp_db tmp;
  std::string forged;
  {
    auto s = open_or_fail(tmp.path);
    append_n(*s, 3);
    auto page = s->list_audit({});
    auto e = page->entries.at(1);
    e.detail = {{"n", 99}};
    forged = store::audit_hash(e.prev_hash, store::audit_canonical(e));
  }
  exec(tmp.path, "DROP TRIGGER audit_no_update; UPDATE audit SET detail = '{\"n\":99}', hash = '" +
                     forged + "' WHERE seq = 2");
  auto ro = store::open_sqlite_readonly(tmp.path);
  auto v = (*ro)->verify_audit();
  REQUIRE(v->broken_seq.has_value());
  CHECK(*v->broken_seq == 3);
  CHECK(v->reason == "prev_hash mismatch");
}

TEST_CASE("the audit listing filters by kind and since and pages oldest first") {
  auto s = open_or_fail(":memory:");
  append_n(*s, 7);   // odd seq: batch, even: breach; at = 1000 + seq seconds
  store::audit_query q;
  q.kind = "batch";
  q.limit = 2;
  auto p1 = s->list_audit(q);
  REQUIRE(p1.ok());
  REQUIRE(p1->entries.size() == 2);
  CHECK(p1->entries[0].seq == 1);
  CHECK(p1->entries[1].seq == 3);
  CHECK(p1->entries[0].detail == nlohmann::json{{"n", 1}});
  REQUIRE(p1->next_cursor.has_value());
  q.cursor = p1->next_cursor;
  auto p2 = s->list_audit(q);
  REQUIRE(p2->entries.size() == 2);
  CHECK(p2->entries[0].seq == 5);
  CHECK(p2->entries[1].seq == 7);
  CHECK_FALSE(p2->next_cursor.has_value());
  store::audit_query since;
  since.since = at_s(1006);
  auto p3 = s->list_audit(since);
  REQUIRE(p3->entries.size() == 2);
  CHECK(p3->entries[0].seq == 6);
  auto last = s->last_audit("breach");
  REQUIRE(last->has_value());
  CHECK(last->value().seq == 6);
  CHECK_FALSE(s->last_audit("config")->has_value());
}

TEST_CASE("audit listing errors are the client's") {
  auto s = open_or_fail(":memory:");
  store::audit_query q;
  q.limit = 1001;
  CHECK(s->list_audit(q).err().message == "limit: expected 1 to 1000");
  q.limit = 10;
  q.cursor = "zz";
  CHECK(s->list_audit(q).err().message == "cursor: invalid");
  CHECK(s->list_audit(q).err().code == "bad_request");
}

TEST_CASE("retention deletes the oldest events in bounded batches with an audit entry each") {
  auto s = open_or_fail(":memory:");
  REQUIRE(s->begin().ok());
  for (int i = 0; i < 5; ++i) {
    auto ev = make_event("bank-a", "e-" + std::to_string(i));
    ev.received_at = at_s(100 + i);
    REQUIRE(*s->put_event(ev) == store::put_status::accepted);
  }
  REQUIRE(s->put_breach(make_breach("b-1", "bank-a", "r1", 100)).ok());
  REQUIRE(s->commit().ok());
  REQUIRE(s->begin().ok());
  auto p = s->prune_events(at_s(104), 3, at_s(500));
  REQUIRE(p.ok());
  REQUIRE(s->commit().ok());
  CHECK(p->count == 3);
  REQUIRE(p->entry.has_value());
  CHECK(p->entry->kind == "retention");
  CHECK(p->entry->detail["count"] == 3);
  CHECK(p->entry->detail["from"] == "1970-01-01T00:01:40.000Z");
  CHECK(p->entry->detail["to"] == "1970-01-01T00:01:42.000Z");
  const auto h = make_event("bank-a", "e-0").content_hash();
  const auto h1 = make_event("bank-a", "e-1").content_hash();
  const auto h2 = make_event("bank-a", "e-2").content_hash();
  CHECK(p->entry->detail["events_sha256"] == model::sha256_hex(h + "\n" + h1 + "\n" + h2 + "\n"));
  CHECK(*s->count_events() == 2);
  REQUIRE(s->begin().ok());
  auto p2 = s->prune_events(at_s(104), 3, at_s(501));
  REQUIRE(s->commit().ok());
  CHECK(p2->count == 1);   // e-4 (received at 104) stays
  REQUIRE(s->begin().ok());
  auto p3 = s->prune_events(at_s(104), 3, at_s(502));
  REQUIRE(s->commit().ok());
  CHECK(p3->count == 0);
  CHECK_FALSE(p3->entry.has_value());   // nothing removed, nothing recorded
  CHECK(s->get_breach("b-1")->has_value());
  CHECK(s->verify_audit()->entries == 2);
  // A pruned event sent again is new to the store: accepted, not a duplicate.
  REQUIRE(s->begin().ok());
  CHECK(*s->put_event(make_event("bank-a", "e-0")) == store::put_status::accepted);
  REQUIRE(s->commit().ok());
}

TEST_CASE("the read-only store names a missing database and cannot write") {
  temp_db tmp;
  auto missing = store::open_sqlite_readonly(tmp.path);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.err().message.rfind("storage: cannot open " + tmp.path + ": ", 0) == 0);
  { auto s = open_or_fail(tmp.path); append_n(*s, 2); }
  auto ro = store::open_sqlite_readonly(tmp.path);
  REQUIRE(ro.ok());
  CHECK((*ro)->verify_audit()->entries == 2);
  CHECK_FALSE((*ro)->begin().ok());
}
