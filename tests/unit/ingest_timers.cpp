// The pipeline on a manual clock: timers fire with no further event, state survives a
// reopen, and a failed commit puts the engine back to what the database holds.
#include <atomic>
#include <future>
#include <thread>
#include "engine_support.hpp"
#include "slawatch/ingest/pipeline.hpp"
#include "store_fixtures.hpp"

using namespace slawatch;
using engine_test::at;
using ingest::batch_result;
namespace sw_store = slawatch::store;

namespace {

const char* rules_text = R"(partners:
  - { id: bank-a, name: Bank A, class: bank, timezone: UTC }
rules:
  - id: remit
    kind: deadline
    category: timeliness
    severity: major
    description: Collected contributions are remitted within an hour.
    start: { when: "event.type == 'contribution.collected'", key: event.attributes.receipt_no }
    stop: { when: "event.type == 'contribution.remitted'", key: event.attributes.receipt_no }
    within: 1h
    warn_at: [50%]
)";

std::shared_ptr<const rules::rule_set> set() {
  static auto s = engine_test::load(rules_text);
  return s;
}

const std::string t0 = "2026-11-26T10:00:00Z";

model::event ev(const std::string& id, const std::string& type, const std::string& receipt,
                const std::string& when) {
  return engine_test::make_event(id, "bank-a", type, when, {{"receipt_no", receipt}});
}

/// A clock the test steps; the pipeline reads it from its writer thread.
struct manual_clock {
  std::shared_ptr<std::atomic<std::int64_t>> ns = std::make_shared<std::atomic<std::int64_t>>(0);
  void set(const std::string& t) { ns->store(at(t).time_since_epoch().count()); }
  ingest::clock_fn fn() const {
    return [n = ns] { return instant{duration{n->load()}}; };
  }
};

batch_result submit(ingest::pipeline& p, std::vector<model::event> events) {
  auto promise = std::make_shared<std::promise<batch_result>>();
  auto f = promise->get_future();
  REQUIRE(p.submit(std::move(events), [promise](batch_result r) { promise->set_value(std::move(r)); }));
  return f.get();
}

/// Polls `pred` for up to 5 s.
template <class Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 500; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

std::vector<model::breach> breaches(store::store& s) {
  auto page = s.list_breaches(store::breach_query{});
  REQUIRE(page);
  return page->breaches;
}

std::vector<std::string> obligation_keys(store::store& s) {
  auto page = s.list_obligations(store::obligation_query{});
  REQUIRE(page);
  std::vector<std::string> out;
  for (const auto& o : page->obligations) out.push_back(o.key);
  return out;
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

/// Forwards to a real store; the commit of a chosen transaction fails.
class flaky_store final : public sw_store::store {
 public:
  explicit flaky_store(std::unique_ptr<sw_store::store> inner, std::shared_ptr<std::atomic<bool>> fail)
      : in_(std::move(inner)), fail_(std::move(fail)) {}
  result<bool> begin() override { return in_->begin(); }
  result<bool> commit() override {
    if (fail_->exchange(false)) return error{"storage", "storage: test.db: commit: disk I/O error", {}};
    return in_->commit();
  }
  void rollback() override { in_->rollback(); }
  result<sw_store::put_status> put_event(const model::event& e) override { return in_->put_event(e); }
  result<bool> add_outcomes(const std::vector<model::outcome>& o) override { return in_->add_outcomes(o); }
  result<bool> put_breach(const model::breach& b) override { return in_->put_breach(b); }
  result<std::optional<model::breach>> update_breach(const sw_store::breach_change& u) override { return in_->update_breach(u); }
  result<bool> put_state(const std::vector<sw_store::state_row>& r) override { return in_->put_state(r); }
  result<bool> erase_state(const std::vector<std::string>& ids) override { return in_->erase_state(ids); }
  result<sw_store::breach_page> list_breaches(const sw_store::breach_query& q) override { return in_->list_breaches(q); }
  result<std::optional<model::breach>> get_breach(const std::string& id) override { return in_->get_breach(id); }
  result<std::uint64_t> count_events() override { return in_->count_events(); }
  result<std::vector<sw_store::breach_count>> breach_counts() override { return in_->breach_counts(); }
  result<std::vector<sw_store::outcome_count>> outcome_counts() override { return in_->outcome_counts(); }
  result<std::vector<sw_store::state_row>> load_state() override { return in_->load_state(); }
  result<sw_store::obligation_page> list_obligations(const sw_store::obligation_query& q) override { return in_->list_obligations(q); }
  result<std::vector<sw_store::obligation_count>> obligation_counts() override { return in_->obligation_counts(); }

 private:
  std::unique_ptr<sw_store::store> in_;
  std::shared_ptr<std::atomic<bool>> fail_;
};

}  // namespace

TEST_CASE("a deadline warns and breaches on the clock alone; a late stop closes the breach") {
  store_test::temp_db tmp;
  manual_clock clock;
  clock.set(t0);
  metrics::registry m("0.1.0", "test");
  ingest::pipeline p(store_test::open_or_fail(tmp.path), set(), &m, {}, clock.fn());
  REQUIRE_FALSE(p.startup_error());
  auto reader = store_test::open_or_fail(tmp.path);
  REQUIRE(submit(p, {ev("c1", "contribution.collected", "R1", t0)}).stored);
  CHECK(obligation_keys(*reader) == std::vector<std::string>{"R1"});
  CHECK(has_line(m.serialize(), R"(slawatch_obligations_open{partner="bank-a",rule="remit"} 1)"));

  clock.set("2026-11-26T10:30:00Z");
  p.wake();
  CHECK(eventually([&] {
    return has_line(m.serialize(), R"(slawatch_warnings_total{partner="bank-a",rule="remit",threshold="50%"} 1)");
  }));
  CHECK(reader->list_obligations({})->obligations.at(0).warned == 1);

  clock.set("2026-11-26T11:00:00.5Z");   // past due (11:00): no event, only the clock
  p.wake();
  REQUIRE(eventually([&] { return breaches(*reader).size() == 1; }));
  auto b = breaches(*reader).at(0);
  CHECK(b.status == model::breach_status::open);
  CHECK(b.due_at == at("2026-11-26T11:00:00Z"));
  CHECK(b.detected_at == at("2026-11-26T11:00:00.5Z"));
  CHECK(obligation_keys(*reader).empty());
  auto text = m.serialize();
  CHECK(has_line(text, R"(slawatch_obligations_open{partner="bank-a",rule="remit"} 0)"));
  CHECK(has_line(text, R"(slawatch_breaches_open{category="timeliness",partner="bank-a",rule="remit",severity="major"} 1)"));

  clock.set("2026-11-26T12:00:00Z");
  REQUIRE(submit(p, {ev("r1", "contribution.remitted", "R1", "2026-11-26T11:30:00Z")}).stored);
  b = breaches(*reader).at(0);
  CHECK(b.status == model::breach_status::closed);
  CHECK(b.completed_at == at("2026-11-26T11:30:00Z"));
  CHECK(b.delay_seconds == 1800.0);
  CHECK(has_line(m.serialize(), R"(slawatch_breaches_open{category="timeliness",partner="bank-a",rule="remit",severity="major"} 0)"));
  CHECK(reader->load_state()->empty());   // the open_breach entry went with the close
}

TEST_CASE("after a reopen, a timer that came due while down fires once at start-up") {
  store_test::temp_db tmp;
  manual_clock clock;
  clock.set(t0);
  {
    ingest::pipeline p(store_test::open_or_fail(tmp.path), set(), nullptr, {}, clock.fn());
    REQUIRE(submit(p, {ev("c1", "contribution.collected", "R1", t0),
                       ev("c2", "contribution.collected", "R2", "2026-11-26T10:45:00Z")}).stored);
  }
  clock.set("2026-11-26T11:20:00Z");   // R1 was due 11:00, R2 is due 11:45
  metrics::registry m("0.1.0", "test");
  for (int restart = 0; restart < 2; ++restart) {
    ingest::pipeline p(store_test::open_or_fail(tmp.path), set(), &m, {}, clock.fn());
    REQUIRE_FALSE(p.startup_error());
    auto reader = store_test::open_or_fail(tmp.path);
    auto list = breaches(*reader);
    INFO("restart " << restart);
    REQUIRE(list.size() == 1);   // the second start-up fires nothing again
    CHECK(list[0].key == "R1");
    CHECK(list[0].detected_at == at("2026-11-26T11:20:00Z"));
    CHECK(list[0].due_at == at("2026-11-26T11:00:00Z"));
    CHECK(obligation_keys(*reader) == std::vector<std::string>{"R2"});
    CHECK(has_line(m.serialize(), R"(slawatch_obligations_open{partner="bank-a",rule="remit"} 1)"));
  }
}

TEST_CASE("a failed commit puts the engine back to the stored state") {
  store_test::temp_db tmp;
  manual_clock clock;
  clock.set(t0);
  auto fail = std::make_shared<std::atomic<bool>>(false);
  ingest::pipeline p(std::make_unique<flaky_store>(store_test::open_or_fail(tmp.path), fail),
                     set(), nullptr, {}, clock.fn());
  auto reader = store_test::open_or_fail(tmp.path);
  REQUIRE(submit(p, {ev("c1", "contribution.collected", "R1", t0)}).stored);

  // A stop (meets R1) and a start (opens R2) whose commit fails: neither happened.
  fail->store(true);
  auto failed = submit(p, {ev("r1", "contribution.remitted", "R1", "2026-11-26T10:10:00Z"),
                           ev("c2", "contribution.collected", "R2", "2026-11-26T10:10:00Z")});
  CHECK_FALSE(failed.stored);
  CHECK(failed.error == "storage: test.db: commit: disk I/O error");
  CHECK(obligation_keys(*reader) == std::vector<std::string>{"R1"});

  // Had the engine kept the failed step, R1 would be met and R2 would breach instead.
  clock.set("2026-11-26T11:30:00Z");
  p.wake();
  REQUIRE(eventually([&] { return breaches(*reader).size() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto list = breaches(*reader);
  REQUIRE(list.size() == 1);
  CHECK(list[0].key == "R1");
  CHECK(*reader->count_events() == 1);
}

TEST_CASE("one event that changes an entry twice leaves what the engine holds") {
  // In one engine call the effects lose their order: a stop waits as an early stop
  // (upserted) and the same event's start consumes it (erased); a cancel erases an
  // obligation and the same event's start opens it again (upserted).
  store_test::temp_db tmp;
  manual_clock clock;
  clock.set(t0);
  auto rules = engine_test::load(R"(partners:
  - { id: bank-a, name: Bank A, class: bank, timezone: UTC }
rules:
  - id: loop
    kind: deadline
    category: timeliness
    severity: major
    description: Tickets close within an hour.
    start: { when: "event.type in ['open', 'both', 'reopen']", key: event.attributes.receipt_no }
    stop: { when: "event.type in ['close', 'both']", key: event.attributes.receipt_no }
    cancel: { when: "event.type == 'reopen'", key: event.attributes.receipt_no }
    within: 1h
    allowed_lateness: 10m
)");
  ingest::pipeline p(store_test::open_or_fail(tmp.path), rules, nullptr, {}, clock.fn());
  auto reader = store_test::open_or_fail(tmp.path);
  REQUIRE(submit(p, {ev("b1", "both", "K1", t0)}).stored);
  CHECK(reader->load_state()->empty());   // met by its own stop: nothing left

  REQUIRE(submit(p, {ev("o2", "open", "K2", t0)}).stored);
  REQUIRE(submit(p, {ev("x2", "reopen", "K2", "2026-11-26T10:20:00Z")}).stored);
  auto rows = reader->load_state();
  REQUIRE(rows->size() == 1);
  CHECK(rows->at(0).id == "obligation/loop/bank-a/K2");
  CHECK(rows->at(0).data["started_at"] == at("2026-11-26T10:20:00Z").time_since_epoch().count());
}

TEST_CASE("a reload that drops a rule deletes its stored obligations and zeroes its gauge") {
  store_test::temp_db tmp;
  manual_clock clock;
  clock.set(t0);
  metrics::registry m("0.1.0", "test");
  ingest::pipeline p(store_test::open_or_fail(tmp.path), set(), &m, {}, clock.fn());
  auto reader = store_test::open_or_fail(tmp.path);
  REQUIRE(submit(p, {ev("c1", "contribution.collected", "R1", t0)}).stored);
  REQUIRE(obligation_keys(*reader) == std::vector<std::string>{"R1"});
  p.set_rules(engine_test::load("partners:\n  - { id: bank-a, name: Bank A, class: bank, timezone: UTC }\n"));
  CHECK(eventually([&] { return obligation_keys(*reader).empty(); }));
  CHECK(eventually([&] {
    return has_line(m.serialize(), R"(slawatch_obligations_open{partner="bank-a",rule="remit"} 0)");
  }));
}
