// Waives through the single writer: stored, answered, counted, ordered with batches.
#include <future>
#include <catch2/catch.hpp>
#include "slawatch/ingest/pipeline.hpp"
#include "store_fixtures.hpp"

using namespace slawatch;
using namespace store_test;
using store::waive_status;

namespace {

std::shared_ptr<const rules::rule_set> bank_a() {
  auto rs = std::make_shared<rules::rule_set>();
  model::partner p;
  p.id = "bank-a";
  rs->partners["bank-a"] = p;
  return rs;
}

/// A file database holding one open breach b-1 of r1/bank-a with its breached outcome.
void seed(const std::string& path) {
  auto s = open_or_fail(path);
  REQUIRE(s->begin().ok());
  REQUIRE(*s->put_breach(make_breach("b-1", "bank-a", "r1", 2000)));
  REQUIRE(s->add_outcomes({{"r1", "bank-a", model::outcome_kind::breached, at_s(1990)}}));
  REQUIRE(s->commit().ok());
}

ingest::waive_result waive(ingest::pipeline& p, const std::string& id) {
  std::promise<ingest::waive_result> got;
  REQUIRE(p.waive(id, "agreed", [&](ingest::waive_result r) { got.set_value(std::move(r)); }));
  return got.get_future().get();
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("a waive through the pipeline is stored, answered and counted") {
  temp_db db;
  seed(db.path);
  metrics::registry m("0.1.0", "test");
  ingest::pipeline p(open_or_fail(db.path), bank_a(), &m, {}, [] { return at_s(3000); });
  REQUIRE_FALSE(p.startup_error());
  auto r = waive(p, "b-1");
  CHECK(r.stored);
  CHECK(r.status == waive_status::waived);
  REQUIRE(r.breach.has_value());
  CHECK(r.breach->status == model::breach_status::waived);
  CHECK(r.breach->waived_reason == std::optional<std::string>("agreed"));
  CHECK(r.breach->waived_at == std::optional<instant>(at_s(3000)));
  auto text = m.serialize();
  CHECK(has_line(text, R"(slawatch_rule_outcomes_total{outcome="waived",partner="bank-a",rule="r1"} 1)"));

  auto again = waive(p, "b-1");
  CHECK(again.stored);
  CHECK(again.status == waive_status::already_waived);
  auto missing = waive(p, "b-404");
  CHECK(missing.status == waive_status::not_found);
  CHECK_FALSE(missing.breach.has_value());
  p.stop();

  auto reader = open_or_fail(db.path);
  CHECK(reader->get_breach("b-1")->value().status == model::breach_status::waived);
}

TEST_CASE("a stopped pipeline refuses a waive") {
  metrics::registry m("0.1.0", "test");
  ingest::pipeline p(open_or_fail(":memory:"), bank_a(), &m, {}, [] { return at_s(3000); });
  p.stop();
  CHECK_FALSE(p.waive("b-1", "x", [](ingest::waive_result) {}));
}
