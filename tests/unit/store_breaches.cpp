// Breaches in the SQLite store: idempotent inserts, listing, filters and paging.
#include <catch2/catch.hpp>
#include "store_fixtures.hpp"

using namespace store_test;
using slawatch::store::breach_query;

namespace {

std::vector<std::string> ids(const slawatch::store::breach_page& p) {
  std::vector<std::string> out;
  for (const auto& b : p.breaches) out.push_back(b.id);
  return out;
}

/// b-1 .. b-5: partners a,a,b,a,b; rules r1,r2,r1,r1,r2; detected at 100..500; b-3 closed.
std::unique_ptr<store::store> seeded() {
  auto s = open_or_fail(":memory:");
  REQUIRE(s->begin().ok());
  const char* partners[] = {"bank-a", "bank-a", "bank-b", "bank-a", "bank-b"};
  const char* rules[] = {"r1", "r2", "r1", "r1", "r2"};
  for (int i = 0; i < 5; ++i) {
    auto b = make_breach("b-" + std::to_string(i + 1), partners[i], rules[i], 100 * (i + 1),
                         i == 2 ? model::breach_status::closed : model::breach_status::open);
    REQUIRE(*s->put_breach(b));
  }
  REQUIRE(s->commit().ok());
  return s;
}

}  // namespace

TEST_CASE("a breach whose id exists is left as it is") {
  auto s = open_or_fail(":memory:");
  auto b = make_breach("b-1", "bank-a", "r1", 100);
  CHECK(*s->put_breach(b) == true);
  b.message = "changed";
  CHECK(*s->put_breach(b) == false);
  auto got = *s->get_breach("b-1");
  REQUIRE(got.has_value());
  CHECK(got->message == "late");
  CHECK(got->partner == "bank-a");
  CHECK(got->detected_at == at_s(100));
  CHECK_FALSE(s->get_breach("b-404")->has_value());
}

TEST_CASE("breaches are listed newest first") {
  auto s = seeded();
  auto page = s->list_breaches({});
  REQUIRE(page.ok());
  CHECK(ids(*page) == std::vector<std::string>{"b-5", "b-4", "b-3", "b-2", "b-1"});
  CHECK_FALSE(page->next_cursor.has_value());
}

TEST_CASE("breach filters combine") {
  auto s = seeded();
  struct row {
    const char* name;
    breach_query q;
    std::vector<std::string> want;
  };
  auto q = [](auto f) { breach_query x; f(x); return x; };
  const std::vector<row> rows = {
      {"partner", q([](auto& x) { x.partner = "bank-a"; }), {"b-4", "b-2", "b-1"}},
      {"rule", q([](auto& x) { x.rule = "r2"; }), {"b-5", "b-2"}},
      {"partner and rule", q([](auto& x) { x.partner = "bank-a"; x.rule = "r1"; }), {"b-4", "b-1"}},
      {"status", q([](auto& x) { x.status = "closed"; }), {"b-3"}},
      {"category", q([](auto& x) { x.category = "security"; }), {}},
      {"severity", q([](auto& x) { x.severity = "major"; }), {"b-5", "b-4", "b-3", "b-2", "b-1"}},
      {"since is inclusive", q([](auto& x) { x.since = at_s(300); }), {"b-5", "b-4", "b-3"}},
      {"until is exclusive", q([](auto& x) { x.until = at_s(300); }), {"b-2", "b-1"}},
      {"since and until", q([](auto& x) { x.since = at_s(200); x.until = at_s(400); }), {"b-3", "b-2"}},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    auto page = s->list_breaches(r.q);
    REQUIRE(page.ok());
    CHECK(ids(*page) == r.want);
  }
}

TEST_CASE("paging with the cursor visits every breach once") {
  auto s = seeded();
  breach_query q;
  q.limit = 2;
  std::vector<std::string> seen;
  int pages = 0;
  for (;;) {
    auto page = s->list_breaches(q);
    REQUIRE(page.ok());
    ++pages;
    for (auto& id : ids(*page)) seen.push_back(id);
    if (!page->next_cursor) break;
    q.cursor = page->next_cursor;
  }
  CHECK(pages == 3);
  CHECK(seen == std::vector<std::string>{"b-5", "b-4", "b-3", "b-2", "b-1"});
}

TEST_CASE("a full last page has no next cursor") {
  auto s = seeded();
  breach_query q;
  q.limit = 5;
  CHECK_FALSE(s->list_breaches(q)->next_cursor.has_value());
  q.limit = 4;
  CHECK(s->list_breaches(q)->next_cursor.has_value());
}

TEST_CASE("paging keeps its filters and does not see newer breaches") {
  auto s = seeded();
  breach_query q;
  q.partner = "bank-a";
  q.limit = 1;
  auto first = *s->list_breaches(q);
  CHECK(ids(first) == std::vector<std::string>{"b-4"});
  REQUIRE(*s->put_breach(make_breach("b-6", "bank-a", "r1", 600)));
  q.cursor = first.next_cursor;
  q.limit = 10;
  CHECK(ids(*s->list_breaches(q)) == std::vector<std::string>{"b-2", "b-1"});
}

TEST_CASE("a malformed cursor or limit is an error") {
  auto s = seeded();
  for (const char* bad : {"", "c", "x5", "c-1", "c05", "c1x", "c99999999999999999999", "5"}) {
    INFO(bad);
    breach_query q;
    q.cursor = bad;
    auto r = s->list_breaches(q);
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code == "bad_request");
    CHECK(r.err().message == "cursor: invalid");
  }
  for (int limit : {0, -1, 1001}) {
    breach_query q;
    q.limit = limit;
    auto r = s->list_breaches(q);
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().message == "limit: expected 1 to 1000");
  }
  breach_query q;
  q.limit = 1000;
  CHECK(s->list_breaches(q).ok());
}

TEST_CASE("breach counts give totals and open breaches per series") {
  auto s = seeded();
  auto counts = *s->breach_counts();
  REQUIRE(counts.size() == 4);
  // (r1, bank-a): b-1, b-4 open; (r1, bank-b): b-3 closed
  CHECK(counts[0].rule == "r1");
  CHECK(counts[0].partner == "bank-a");
  CHECK(counts[0].total == 2);
  CHECK(counts[0].open == 2);
  CHECK(counts[1].partner == "bank-b");
  CHECK(counts[1].total == 1);
  CHECK(counts[1].open == 0);
  CHECK(counts[1].category == "timeliness");
  CHECK(counts[1].severity == "major");
}
