// Engine state entries, breach updates and the obligations listing.
#include <catch2/catch.hpp>
#include "store_fixtures.hpp"

using namespace slawatch;
using namespace store_test;
using store::state_row;

namespace {

std::int64_t ns_of(std::int64_t unix_seconds) { return unix_seconds * 1'000'000'000LL; }

state_row obligation(const std::string& rule, const std::string& partner, const std::string& key,
                     std::int64_t started_s, std::int64_t due_s, int warned = 0) {
  state_row r;
  r.id = "obligation/" + rule + "/" + partner + "/" + key;
  r.kind = "obligation";
  r.rule = rule;
  r.partner = partner;
  r.key = key;
  r.fire_at = at_s(due_s);
  r.data = {{"started_at", ns_of(started_s)}, {"due", ns_of(due_s)}, {"start_event", "s-" + key},
            {"start_type", "contribution.collected"}, {"warned", warned}};
  return r;
}

state_row open_breach(const std::string& key) {
  state_row r;
  r.id = "open_breach/r1/bank-a/b-1/" + key;
  r.kind = "open_breach";
  r.rule = "r1";
  r.partner = "bank-a";
  r.key = key;
  r.data = {{"breach_id", "b-1"}, {"due", ns_of(100)}};
  return r;   // no fire_at
}

bool write(store::store& s, const std::vector<state_row>& up, const std::vector<std::string>& gone = {}) {
  return s.begin() && s.put_state(up) && s.erase_state(gone) && s.commit();
}

std::vector<std::string> keys(const store::obligation_page& p) {
  std::vector<std::string> out;
  for (const auto& o : p.obligations) out.push_back(o.key);
  return out;
}

}  // namespace

TEST_CASE("state entries survive a reopen exactly, fire_at null included, sorted by id") {
  temp_db tmp;
  const auto a = obligation("r1", "bank-a", "K/1", 1000, 2000, 1);
  const auto b = open_breach("K2");
  {
    auto s = open_or_fail(tmp.path);
    REQUIRE(write(*s, {a, b}));
  }
  auto s = open_or_fail(tmp.path);
  auto rows = s->load_state();
  REQUIRE(rows);
  REQUIRE(rows->size() == 2);
  CHECK(rows->at(0) == a);   // "obligation/..." < "open_breach/..."
  CHECK(rows->at(1) == b);
  CHECK_FALSE(rows->at(1).fire_at.has_value());
}

TEST_CASE("an upsert replaces by id and an erase deletes; unknown ids are ignored") {
  auto s = open_or_fail(":memory:");
  REQUIRE(write(*s, {obligation("r1", "bank-a", "K1", 1000, 2000)}));
  REQUIRE(write(*s, {obligation("r1", "bank-a", "K1", 1000, 2000, 2)}, {"obligation/r1/bank-a/nope"}));
  auto rows = s->load_state();
  REQUIRE(rows->size() == 1);
  CHECK(rows->at(0).data["warned"] == 2);
  REQUIRE(write(*s, {}, {"obligation/r1/bank-a/K1"}));
  CHECK(s->load_state()->empty());
}

TEST_CASE("a rolled-back state write leaves nothing") {
  auto s = open_or_fail(":memory:");
  REQUIRE(s->begin());
  REQUIRE(s->put_state({obligation("r1", "bank-a", "K1", 1000, 2000)}));
  s->rollback();
  CHECK(s->load_state()->empty());
}

TEST_CASE("a breach update closes an open breach and keeps status column and document in step") {
  auto s = open_or_fail(":memory:");
  auto b = make_breach("b-1", "bank-a", "r1", 1000);
  b.kind = "deadline";
  b.due_at = at_s(900);
  REQUIRE(s->begin());
  REQUIRE(*s->put_breach(b));
  auto before = s->update_breach({"b-1", model::breach_status::closed, at_s(960), 60.0});
  REQUIRE(s->commit());
  REQUIRE(before);
  REQUIRE(before->has_value());
  CHECK(before->value().status == model::breach_status::open);
  auto now = s->get_breach("b-1");
  REQUIRE(now->has_value());
  CHECK(now->value().status == model::breach_status::closed);
  CHECK(now->value().completed_at == at_s(960));
  CHECK(now->value().delay_seconds == 60.0);
  store::breach_query q;
  q.status = "closed";
  CHECK(s->list_breaches(q)->breaches.size() == 1);   // the status column moved too
  q.status = "open";
  CHECK(s->list_breaches(q)->breaches.empty());
  auto counts = s->breach_counts();
  REQUIRE(counts->size() == 1);
  CHECK(counts->at(0).open == 0);
}

TEST_CASE("a late stop never un-waives a breach; an unknown id changes nothing") {
  auto s = open_or_fail(":memory:");
  REQUIRE(s->begin());
  REQUIRE(*s->put_breach(make_breach("b-1", "bank-a", "r1", 1000, model::breach_status::waived)));
  auto before = s->update_breach({"b-1", model::breach_status::closed, at_s(960), 60.0});
  auto missing = s->update_breach({"b-nope", model::breach_status::closed, at_s(960), 60.0});
  REQUIRE(s->commit());
  CHECK(before->value().status == model::breach_status::waived);
  CHECK(s->get_breach("b-1")->value().status == model::breach_status::waived);
  CHECK(s->get_breach("b-1")->value().completed_at == at_s(960));
  REQUIRE(missing);
  CHECK_FALSE(missing->has_value());
}

TEST_CASE("obligations list most urgent first, filter by partner and rule, and page by cursor") {
  auto s = open_or_fail(":memory:");
  REQUIRE(write(*s, {obligation("r1", "bank-a", "K3", 100, 3000), obligation("r1", "bank-a", "K1", 100, 1000),
                     obligation("r1", "bank-a", "K2b", 100, 2000), obligation("r1", "bank-a", "K2a", 100, 2000),
                     obligation("r2", "bank-a", "X", 100, 1500), obligation("r1", "bank-b", "Y", 100, 500, 1),
                     open_breach("K9")}));
  store::obligation_query q;
  auto all = s->list_obligations(q);
  REQUIRE(all);
  CHECK(keys(*all) == std::vector<std::string>{"Y", "K1", "X", "K2a", "K2b", "K3"});
  CHECK_FALSE(all->next_cursor);
  const auto& y = all->obligations[0];
  CHECK((y.rule == "r1" && y.partner == "bank-b" && y.started_at == at_s(100) && y.due == at_s(500)));
  CHECK(y.warned == 1);

  q.partner = "bank-a";
  q.rule = "r1";
  q.limit = 2;
  std::vector<std::string> paged;
  int pages = 0;
  for (;; ++pages) {
    auto page = s->list_obligations(q);
    REQUIRE(page);
    auto k = keys(*page);
    paged.insert(paged.end(), k.begin(), k.end());
    if (!page->next_cursor) break;
    q.cursor = page->next_cursor;
  }
  CHECK(paged == std::vector<std::string>{"K1", "K2a", "K2b", "K3"});
  CHECK(pages == 1);   // two full pages, the second without a next cursor

  store::obligation_query by_rule;
  by_rule.rule = "r2";
  CHECK(keys(*s->list_obligations(by_rule)) == std::vector<std::string>{"X"});
}

TEST_CASE("obligation listing errors are the client's: limit and cursor") {
  auto s = open_or_fail(":memory:");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"limit", "limit: expected 1 to 1000"}, {"c12", "cursor: invalid"}, {"o12", "cursor: invalid"},
      {"ozz0a31", "cursor: invalid"}, {"o0a31", "cursor: invalid"}};
  for (const auto& [what, message] : cases) {
    store::obligation_query q;
    if (what == "limit") q.limit = 1001;
    else q.cursor = what;
    auto r = s->list_obligations(q);
    INFO(what);
    REQUIRE_FALSE(r);
    CHECK(r.err().code == "bad_request");
    CHECK(r.err().message == message);
  }
}

TEST_CASE("open obligations are counted per rule and partner") {
  auto s = open_or_fail(":memory:");
  REQUIRE(write(*s, {obligation("r1", "bank-a", "K1", 100, 1000), obligation("r1", "bank-a", "K2", 100, 1000),
                     obligation("r1", "bank-b", "K1", 100, 1000), open_breach("K3")}));
  auto c = s->obligation_counts();
  REQUIRE(c);
  REQUIRE(c->size() == 2);
  CHECK((c->at(0).rule == "r1" && c->at(0).partner == "bank-a" && c->at(0).open == 2));
  CHECK((c->at(1).partner == "bank-b" && c->at(1).open == 1));
}
