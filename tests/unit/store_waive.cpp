// Waiving a breach in the SQLite store: status, document and outcome bucket together.
#include <catch2/catch.hpp>
#include "store_fixtures.hpp"

using namespace store_test;
using slawatch::store::waive_status;

namespace {

std::uint64_t outcome_total(store::store& s, model::outcome_kind kind) {
  std::uint64_t n = 0;
  auto counts = s.outcome_counts();   // kept: the loop must not range over a temporary
  REQUIRE(counts.ok());
  for (const auto& c : *counts) {
    if (c.kind == kind) n += c.total;
  }
  return n;
}

/// A deadline breach due at 900 s (bucket 900) that occurred later, with its outcome counted.
std::unique_ptr<store::store> with_breach(model::breach& b) {
  auto s = open_or_fail(":memory:");
  b = make_breach("b-1", "bank-a", "r1", 2000);
  b.kind = "deadline";
  b.due_at = at_s(950);
  b.occurred_at = at_s(1900);
  REQUIRE(s->begin().ok());
  REQUIRE(*s->put_breach(b));
  REQUIRE(s->add_outcomes({{"r1", "bank-a", model::outcome_kind::breached, at_s(950)},
                           {"r1", "bank-a", model::outcome_kind::met, at_s(950)}}));
  REQUIRE(s->commit().ok());
  return s;
}

}  // namespace

TEST_CASE("a waive sets the status, the reason and moves the outcome to waived") {
  model::breach b;
  auto s = with_breach(b);
  REQUIRE(s->begin().ok());
  auto r = s->waive_breach("b-1", "agreed with the partner", at_s(3000));
  REQUIRE(r.ok());
  REQUIRE(s->commit().ok());
  CHECK(r->status == waive_status::waived);
  REQUIRE(r->before.has_value());
  CHECK(r->before->status == model::breach_status::open);
  auto got = *s->get_breach("b-1");
  REQUIRE(got.has_value());
  CHECK(got->status == model::breach_status::waived);
  CHECK(got->waived_reason == std::optional<std::string>("agreed with the partner"));
  CHECK(got->waived_at == std::optional<instant>(at_s(3000)));
  auto j = got->to_json();
  CHECK(j["status"] == "waived");
  CHECK(j["waived_reason"] == "agreed with the partner");
  CHECK(j["waived_at"] == "1970-01-01T00:50:00Z");
  CHECK(outcome_total(*s, model::outcome_kind::breached) == 0);
  CHECK(outcome_total(*s, model::outcome_kind::waived) == 1);
  CHECK(outcome_total(*s, model::outcome_kind::met) == 1);
  store::breach_query q;
  q.status = "waived";
  CHECK(s->list_breaches(q)->breaches.size() == 1);
}

TEST_CASE("a breach without due_at moves the bucket of its occurred_at") {
  auto s = open_or_fail(":memory:");
  auto b = make_breach("b-2", "bank-a", "r1", 2000);   // condition: occurred at 1990
  REQUIRE(*s->put_breach(b));
  REQUIRE(s->add_outcomes({{"r1", "bank-a", model::outcome_kind::breached, at_s(1990)},
                           {"r1", "bank-a", model::outcome_kind::breached, at_s(10)}}));
  REQUIRE(s->waive_breach("b-2", "x", at_s(3000)).ok());
  CHECK(outcome_total(*s, model::outcome_kind::breached) == 1);
  CHECK(outcome_total(*s, model::outcome_kind::waived) == 1);
  CHECK(store::breach_decided_at(b) == at_s(1990));
}

TEST_CASE("waiving twice or an unknown id writes nothing") {
  model::breach b;
  auto s = with_breach(b);
  REQUIRE(s->waive_breach("b-1", "first", at_s(3000))->status == waive_status::waived);
  auto again = s->waive_breach("b-1", "second", at_s(4000));
  REQUIRE(again.ok());
  CHECK(again->status == waive_status::already_waived);
  CHECK(s->get_breach("b-1")->value().waived_reason == std::optional<std::string>("first"));
  CHECK(outcome_total(*s, model::outcome_kind::waived) == 1);
  auto missing = s->waive_breach("b-404", "x", at_s(3000));
  REQUIRE(missing.ok());
  CHECK(missing->status == waive_status::not_found);
  CHECK_FALSE(missing->before.has_value());
}

TEST_CASE("a rolled back waive leaves the breach open") {
  model::breach b;
  auto s = with_breach(b);
  REQUIRE(s->begin().ok());
  REQUIRE(s->waive_breach("b-1", "r", at_s(3000)).ok());
  s->rollback();
  CHECK(s->get_breach("b-1")->value().status == model::breach_status::open);
  CHECK(outcome_total(*s, model::outcome_kind::breached) == 1);
  CHECK(outcome_total(*s, model::outcome_kind::waived) == 0);
}

TEST_CASE("a later closure keeps the waiver and its reason") {
  model::breach b;
  auto s = with_breach(b);
  REQUIRE(s->waive_breach("b-1", "ok", at_s(3000)).ok());
  REQUIRE(s->update_breach({"b-1", model::breach_status::closed, at_s(3500), 2550.0}).ok());
  auto got = s->get_breach("b-1")->value();
  CHECK(got.status == model::breach_status::waived);
  CHECK(got.waived_reason == std::optional<std::string>("ok"));
}
