// A reload through the pipeline: the swap is reported on the writer thread with what it
// dropped, and every batch is evaluated exactly once, by the set active when it is taken.
#include <future>
#include "engine_support.hpp"
#include "slawatch/ingest/pipeline.hpp"
#include "store_fixtures.hpp"

using namespace slawatch;
using engine_test::at;

namespace {

const char* partner = "partners:\n  - { id: bank-a, name: Bank A, class: bank, timezone: UTC }\n";

std::string deadline(const std::string& id) {
  return "  - id: " + id + R"(
    kind: deadline
    category: timeliness
    severity: major
    description: Collected contributions are remitted within an hour.
    start: { when: "event.type == 'contribution.collected'", key: event.attributes.receipt_no }
    stop: { when: "event.type == 'contribution.remitted'", key: event.attributes.receipt_no }
    within: 1h
)";
}

const char* positive = R"(  - id: positive
    kind: condition
    category: integrity
    severity: major
    description: Amounts are positive.
    when: event.type == 'contribution.collected'
    require: event.attributes.amount > 0
)";

model::event collected(const std::string& id, int amount) {
  return engine_test::make_event(id, "bank-a", "contribution.collected", "2026-11-26T10:00:00Z",
                                 {{"receipt_no", id}, {"amount", amount}});
}

ingest::batch_result submit(ingest::pipeline& p, std::vector<model::event> events) {
  auto promise = std::make_shared<std::promise<ingest::batch_result>>();
  auto f = promise->get_future();
  REQUIRE(p.submit(std::move(events), [promise](ingest::batch_result r) { promise->set_value(std::move(r)); }));
  return f.get();
}

std::uint64_t outcomes_of(store::store& s, const std::string& rule) {
  auto counts = s.outcome_counts();
  REQUIRE(counts);
  std::uint64_t n = 0;
  for (const auto& c : counts.value()) n += c.rule == rule ? c.total : 0;
  return n;
}

}  // namespace

TEST_CASE("a swap reports the dropped state ids and the obligations left, on the writer thread") {
  store_test::temp_db tmp;
  auto old_set = engine_test::load(std::string(partner) + "rules:\n" + deadline("kept") + deadline("gone"));
  ingest::pipeline p(store_test::open_or_fail(tmp.path), old_set, nullptr, {},
                     [] { return at("2026-11-26T10:00:00Z"); });
  REQUIRE(submit(p, {collected("R1", 1)}).stored);
  std::promise<ingest::swap_report> reported;
  p.set_rules(engine_test::load(std::string(partner) + "rules:\n" + deadline("kept")),
              [&reported](const ingest::swap_report& r) { reported.set_value(r); });
  auto f = reported.get_future();
  REQUIRE(f.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  auto r = f.get();
  CHECK(r.dropped == std::vector<std::string>{"obligation/gone/bank-a/R1"});
  REQUIRE(r.obligations.size() == 1);
  CHECK((r.obligations[0].rule == "kept" && r.obligations[0].partner == "bank-a" && r.obligations[0].open == 1));
}

TEST_CASE("batches around a swap are each evaluated once, by the set active when taken") {
  store_test::temp_db tmp;
  auto without = engine_test::load(std::string(partner) + "rules:\n" + deadline("kept"));
  auto with = engine_test::load(std::string(partner) + "rules:\n" + deadline("kept") + positive);
  ingest::pipeline p(store_test::open_or_fail(tmp.path), without, nullptr, {},
                     [] { return at("2026-11-26T10:00:00Z"); });
  auto reader = store_test::open_or_fail(tmp.path);
  REQUIRE(submit(p, {collected("a1", 5), collected("a2", -1)}).stored);
  int swaps = 0;
  p.set_rules(with, [&swaps](const ingest::swap_report&) { ++swaps; });
  REQUIRE(submit(p, {collected("b1", 5), collected("b2", -1), collected("a1", 5)}).stored);
  CHECK(swaps == 1);   // told before the next batch was evaluated
  CHECK(outcomes_of(*reader, "positive") == 2);   // b1 and b2; a1 again is a duplicate
  CHECK(outcomes_of(*reader, "kept") == 0);       // nothing stopped or breached yet
}
