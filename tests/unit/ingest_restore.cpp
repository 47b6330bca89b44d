// Start-up restore streams the stored state in chunks: entries of rules that are gone are
// deleted by the first transaction, across chunk boundaries, and the rest is restored.
#include <future>
#include "engine_support.hpp"
#include "slawatch/ingest/pipeline.hpp"
#include "store_fixtures.hpp"

using namespace slawatch;

namespace {

std::string rule(const std::string& id, const std::string& type) {
  return "  - id: " + id + R"(
    kind: deadline
    category: timeliness
    severity: major
    description: Collected contributions are remitted within an hour.
    start: { when: "event.type == ')" + type + R"('", key: event.attributes.receipt_no }
    stop: { when: "event.type == 'contribution.remitted'", key: event.attributes.receipt_no }
    within: 1h
)";
}

const std::string partners = "partners:\n  - { id: bank-a, name: Bank A, class: bank, timezone: UTC }\n";
const std::string t0 = "2026-11-26T10:00:00Z";

ingest::clock_fn fixed_clock() {
  return [] { return engine_test::at(t0); };
}

bool submit(ingest::pipeline& p, std::vector<model::event> events) {
  auto promise = std::make_shared<std::promise<ingest::batch_result>>();
  auto f = promise->get_future();
  if (!p.submit(std::move(events), [promise](ingest::batch_result r) { promise->set_value(std::move(r)); })) {
    return false;
  }
  return f.get().stored;
}

std::vector<model::event> collected(const std::string& prefix, const std::string& type, int n) {
  std::vector<model::event> out;
  for (int i = 0; i < n; ++i) {
    auto id = prefix + std::to_string(10000 + i);
    out.push_back(engine_test::make_event(id, "bank-a", type, t0, {{"receipt_no", id}}));
  }
  return out;
}

std::map<std::string, int> stored_rules(store::store& s) {
  std::map<std::string, int> out;
  auto rows = s.load_state();
  REQUIRE(rows);
  for (const auto& r : rows.value()) ++out[r.rule];
  return out;
}

}  // namespace

TEST_CASE("a restart with a rule gone deletes its stored entries across restore chunks") {
  store_test::temp_db tmp;
  {   // 1300 obligations of "gone" (sorted first: a whole chunk and part of the next), 1200 kept
    auto both = engine_test::load(partners + "rules:\n" + rule("gone", "x.collected") +
                                  rule("remit", "contribution.collected"));
    ingest::pipeline p(store_test::open_or_fail(tmp.path), both, nullptr, {}, fixed_clock());
    REQUIRE(submit(p, collected("G", "x.collected", 1300)));
    REQUIRE(submit(p, collected("R", "contribution.collected", 1200)));
  }
  auto reader = store_test::open_or_fail(tmp.path);
  REQUIRE(stored_rules(*reader) == std::map<std::string, int>{{"gone", 1300}, {"remit", 1200}});

  auto remit_only = engine_test::load(partners + "rules:\n" + rule("remit", "contribution.collected"));
  metrics::registry m("0.1.0", "test");
  ingest::pipeline p(store_test::open_or_fail(tmp.path), remit_only, &m, {}, fixed_clock());
  REQUIRE_FALSE(p.startup_error());
  // The first transaction deletes what the engine did not take back.
  REQUIRE(submit(p, collected("S", "contribution.collected", 1)));
  CHECK(stored_rules(*reader) == std::map<std::string, int>{{"remit", 1201}});
  CHECK(m.serialize().find(R"(slawatch_obligations_open{partner="bank-a",rule="remit"} 1201)") !=
        std::string::npos);
  // The kept obligations were restored: their stops meet them (no entry left for them).
  std::vector<model::event> stops;
  for (int i = 0; i < 1200; ++i) {
    auto id = "R" + std::to_string(10000 + i);
    stops.push_back(engine_test::make_event("x" + id, "bank-a", "contribution.remitted",
                                            "2026-11-26T10:30:00Z", {{"receipt_no", id}}));
  }
  REQUIRE(submit(p, std::move(stops)));
  CHECK(stored_rules(*reader) == std::map<std::string, int>{{"remit", 1}});
}
