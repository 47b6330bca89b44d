// The store reads behind a report: outcome buckets, breaches by decision and event coverage.
#include <catch2/catch.hpp>
#include "slawatch/report/report.hpp"
#include "store_fixtures.hpp"

using namespace slawatch;
using store_test::at_s;

namespace {

std::unique_ptr<store::store> open_memory() {
  auto s = store::open_sqlite(":memory:", store::sync_mode::normal);
  REQUIRE(s.ok());
  return std::move(s.value());
}

// 2026-11-01T00:00:00+03:00 and 2026-12-01T00:00:00+03:00
constexpr std::int64_t from_s = 1'793'480'400, to_s = 1'796'072'400;

}  // namespace

TEST_CASE("partner outcomes sum only the buckets inside the period per rule and kind") {
  auto s = open_memory();
  using k = model::outcome_kind;
  REQUIRE(s->begin().ok());
  REQUIRE(s->add_outcomes({{"r1", "bank-a", k::met, at_s(from_s - 1)},
                           {"r1", "bank-a", k::met, at_s(from_s)},
                           {"r1", "bank-a", k::met, at_s(from_s + 100)},
                           {"r1", "bank-a", k::breached, at_s(to_s - 1)},
                           {"r1", "bank-a", k::breached, at_s(to_s)},
                           {"r1", "post-b", k::met, at_s(from_s + 100)},
                           {"r2", "bank-a", k::waived, at_s(from_s + 5000)}}).ok());
  REQUIRE(s->commit().ok());
  auto rows = s->partner_outcomes("bank-a", at_s(from_s), at_s(to_s));
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 3);
  CHECK((*rows)[0].rule == "r1");
  CHECK((*rows)[0].kind == k::breached);
  CHECK((*rows)[0].total == 1);
  CHECK((*rows)[1].kind == k::met);
  CHECK((*rows)[1].total == 2);
  CHECK((*rows)[2].rule == "r2");
  CHECK((*rows)[2].kind == k::waived);
}

TEST_CASE("partner breaches are those decided in the period in decision order") {
  auto s = open_memory();
  auto late = store_test::make_breach("b-late", "bank-a", "r1", to_s + 3600);
  late.kind = "deadline";
  late.due_at = at_s(to_s - 60);          // decided in the period, detected after it
  late.occurred_at = *late.due_at;
  auto before = store_test::make_breach("b-before", "bank-a", "r1", from_s + 5);   // occurred 10 s earlier
  auto early = store_test::make_breach("b-early", "bank-a", "r1", from_s + 100);
  auto other = store_test::make_breach("b-other", "post-b", "r1", from_s + 100);
  auto next = store_test::make_breach("b-next", "bank-a", "r1", to_s + 20);
  REQUIRE(s->begin().ok());
  for (const auto& b : {late, before, early, other, next}) REQUIRE(s->put_breach(b).ok());
  REQUIRE(s->commit().ok());
  auto rows = s->partner_breaches("bank-a", at_s(from_s), at_s(to_s));
  REQUIRE(rows.ok());
  std::vector<std::string> ids;
  for (const auto& b : *rows) ids.push_back(b.id);
  CHECK(ids == std::vector<std::string>{"b-early", "b-late"});
}

TEST_CASE("event buckets are the 15-minute buckets with an event of the partner") {
  auto s = open_memory();
  REQUIRE(s->begin().ok());
  auto put = [&](const std::string& partner, const std::string& id, std::int64_t t) {
    auto ev = store_test::make_event(partner, id);
    ev.occurred_at = at_s(t);
    REQUIRE(s->put_event(ev).ok());
  };
  put("bank-a", "e1", from_s + 10);
  put("bank-a", "e2", from_s + 20);       // same bucket
  put("bank-a", "e3", from_s + 86400);
  put("bank-a", "e4", to_s);              // outside
  put("post-b", "e5", from_s + 7200);
  REQUIRE(s->commit().ok());
  auto rows = s->partner_event_buckets("bank-a", at_s(from_s), at_s(to_s));
  REQUIRE(rows.ok());
  CHECK(*rows == std::vector<instant>{at_s(from_s), at_s(from_s + 86400)});
}

TEST_CASE("gather reads one period through the store and keeps obligations started before its end") {
  auto s = open_memory();
  store::state_row inside{"obligation/r1/bank-a/k1", "obligation", "r1", "bank-a", "k1", at_s(to_s + 10),
                          {{"due", (to_s + 10) * 1'000'000'000}, {"started_at", (from_s + 10) * 1'000'000'000}}};
  REQUIRE(s->begin().ok());
  REQUIRE(s->put_state({inside}).ok());
  REQUIRE(s->commit().ok());
  auto rows = report::gather(*s, "bank-a", {2026, 11}, *date::locate_zone("Africa/Nairobi"));
  REQUIRE(rows.ok());
  CHECK(rows->outcomes.empty());
  REQUIRE(rows->audit_head);   // an empty trail: the genesis hash, entry 0
  CHECK(*rows->audit_head == store::audit_genesis_hash());
  CHECK(rows->audit_seq == 0);
  REQUIRE(rows->obligations.size() == 1);
  CHECK(rows->obligations[0].key == "k1");
}
