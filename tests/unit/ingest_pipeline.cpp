// The single-writer pipeline: group commit, dedupe inside a group, failures, back-pressure.
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <catch2/catch.hpp>
#include "slawatch/ingest/pipeline.hpp"
#include "store_fixtures.hpp"

using namespace slawatch;
using namespace store_test;
using ingest::batch_result;
using store::put_status;

namespace {

/// A store that forwards to a shared in-memory store, can hold the writer in begin() until
/// released (so batches pile up into one group), and can fail a commit on demand.
class gated_store final : public slawatch::store::store {
 public:
  struct control {
    std::shared_ptr<slawatch::store::store> inner = open_or_fail(":memory:");
    std::mutex mu;
    std::condition_variable cv;
    int begins = 0;                  ///< transactions started so far
    int allowed = 1 << 30;           ///< begin() number n waits until n <= allowed
    int fail_commit_of = 0;          ///< the commit of this transaction number fails

    void hold() { std::lock_guard l(mu); allowed = begins; }
    void wait_for_begin(int n) {
      std::unique_lock l(mu);
      cv.wait(l, [&] { return begins >= n; });
    }
    void release() {
      { std::lock_guard l(mu); allowed = 1 << 30; }
      cv.notify_all();
    }
  };
  explicit gated_store(std::shared_ptr<control> c) : c_(std::move(c)) {}

  result<bool> begin() override {
    std::unique_lock l(c_->mu);
    const int n = ++c_->begins;
    c_->cv.notify_all();
    c_->cv.wait(l, [&] { return n <= c_->allowed; });
    return c_->inner->begin();
  }
  result<bool> commit() override {
    bool fail = false;
    { std::lock_guard l(c_->mu); fail = c_->begins == c_->fail_commit_of; }
    if (fail) return error{"storage", "storage: test.db: commit: disk I/O error", {}};
    return c_->inner->commit();
  }
  void rollback() override { c_->inner->rollback(); }
  result<put_status> put_event(const model::event& ev) override { return c_->inner->put_event(ev); }
  result<bool> add_outcomes(const std::vector<model::outcome>& o) override { return c_->inner->add_outcomes(o); }
  result<bool> put_breach(const model::breach& b) override { return c_->inner->put_breach(b); }
  result<slawatch::store::breach_page> list_breaches(const slawatch::store::breach_query& q) override { return c_->inner->list_breaches(q); }
  result<std::optional<model::breach>> get_breach(const std::string& id) override { return c_->inner->get_breach(id); }
  result<std::uint64_t> count_events() override { return c_->inner->count_events(); }
  result<std::vector<slawatch::store::breach_count>> breach_counts() override { return c_->inner->breach_counts(); }
  result<std::vector<slawatch::store::outcome_count>> outcome_counts() override { return c_->inner->outcome_counts(); }
  result<std::optional<model::breach>> update_breach(const slawatch::store::breach_change& u) override { return c_->inner->update_breach(u); }
  result<bool> put_state(const std::vector<slawatch::store::state_row>& rows) override { return c_->inner->put_state(rows); }
  result<bool> erase_state(const std::vector<std::string>& ids) override { return c_->inner->erase_state(ids); }
  result<std::vector<slawatch::store::state_row>> load_state() override { return c_->inner->load_state(); }
  result<slawatch::store::obligation_page> list_obligations(const slawatch::store::obligation_query& q) override { return c_->inner->list_obligations(q); }
  result<std::vector<slawatch::store::obligation_count>> obligation_counts() override { return c_->inner->obligation_counts(); }

 private:
  std::shared_ptr<control> c_;
};

std::shared_ptr<const rules::rule_set> partners_only() {
  auto rs = std::make_shared<rules::rule_set>();
  for (const char* id : {"bank-a", "bank-b"}) {
    model::partner p;
    p.id = id;
    rs->partners[id] = p;
  }
  return rs;
}

/// Submits and returns a future for the batch's result.
std::future<batch_result> submit(ingest::pipeline& p, std::vector<model::event> events) {
  auto promise = std::make_shared<std::promise<batch_result>>();
  auto f = promise->get_future();
  REQUIRE(p.submit(std::move(events), [promise](batch_result r) { promise->set_value(std::move(r)); }));
  return f;
}

std::vector<put_status> statuses(const batch_result& r) {
  std::vector<put_status> out;
  for (const auto& e : r.events) out.push_back(e.status);
  return out;
}

}  // namespace

TEST_CASE("two batches carrying the same event in one group: one accepted, one duplicate") {
  auto ctl = std::make_shared<gated_store::control>();
  ctl->hold();
  ingest::pipeline p(std::make_unique<gated_store>(ctl), partners_only(), nullptr);
  auto first = submit(p, {make_event("bank-a", "e-0")});
  ctl->wait_for_begin(1);   // the writer holds the first batch; the next two queue up
  auto b = submit(p, {make_event("bank-a", "e-1"), make_event("bank-b", "e-2")});
  auto c = submit(p, {make_event("bank-a", "e-1")});
  ctl->release();
  CHECK(statuses(first.get()) == std::vector<put_status>{put_status::accepted});
  auto rb = b.get();
  auto rc = c.get();
  CHECK(rb.stored);
  CHECK(rc.stored);
  CHECK(statuses(rb) == std::vector<put_status>{put_status::accepted, put_status::accepted});
  CHECK(statuses(rc) == std::vector<put_status>{put_status::duplicate});
  p.stop();
  CHECK(ctl->begins == 2);   // b and c went in one transaction
  CHECK(*ctl->inner->count_events() == 3);
}

TEST_CASE("a failed commit fails every batch of the group and keeps none of it") {
  auto ctl = std::make_shared<gated_store::control>();
  ctl->hold();
  ctl->fail_commit_of = 2;
  metrics::registry m("0.1.0", "test");
  ingest::pipeline p(std::make_unique<gated_store>(ctl), partners_only(), &m);
  auto first = submit(p, {make_event("bank-a", "e-0")});
  ctl->wait_for_begin(1);
  auto b = submit(p, {make_event("bank-a", "e-1")});
  auto c = submit(p, {make_event("bank-a", "e-2"), make_event("bank-a", "e-3")});
  ctl->release();
  CHECK(first.get().stored);
  for (auto* f : {&b, &c}) {
    auto r = f->get();
    CHECK_FALSE(r.stored);
    CHECK(r.error == "storage: test.db: commit: disk I/O error");
    CHECK(r.events.empty());
  }
  // the next group works again
  auto d = submit(p, {make_event("bank-a", "e-1")});
  CHECK(statuses(d.get()) == std::vector<put_status>{put_status::accepted});
  p.stop();
  CHECK(*ctl->inner->count_events() == 2);
  // metrics count only what was committed
  CHECK_THAT(m.serialize(), Catch::Matchers::Contains(
      "slawatch_events_received_total{partner=\"bank-a\",type=\"contribution.collected\"} 2\n"));
}

TEST_CASE("concurrent submitters all complete with the right counts") {
  auto ctl = std::make_shared<gated_store::control>();
  metrics::registry m("0.1.0", "test");
  ingest::pipeline p(std::make_unique<gated_store>(ctl), partners_only(), &m,
                     {.queue_capacity_events = 1'000'000, .max_events_per_commit = 50, .notify = {}});
  constexpr int threads = 4, batches = 30, per_batch = 10;
  std::atomic<int> completed{0}, accepted{0}, duplicates{0}, conflicts{0};
  auto tally = [&](batch_result r) {
    REQUIRE(r.stored);
    for (const auto& e : r.events) {
      if (e.status == put_status::accepted) ++accepted;
      if (e.status == put_status::duplicate) ++duplicates;
      if (e.status == put_status::conflict) ++conflicts;
    }
    ++completed;
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int b = 0; b < batches; ++b) {
        std::vector<model::event> evs;
        for (int i = 0; i < per_batch; ++i) {
          // every thread also sends event "shared-<b>-<i>": one wins, the rest are duplicates
          const auto id = (i == 0 ? "shared-" + std::to_string(b)
                                  : "t" + std::to_string(t) + "-" + std::to_string(b) + "-" + std::to_string(i));
          evs.push_back(make_event(t % 2 ? "bank-a" : "bank-b", id));
        }
        evs[0].partner = "bank-a";
        evs[0].doc["partner"] = "bank-a";
        while (!p.submit(evs, tally)) std::this_thread::yield();
      }
    });
  }
  for (auto& th : pool) th.join();
  p.stop();   // drains
  CHECK(completed == threads * batches);
  CHECK(accepted == threads * batches * (per_batch - 1) + batches);
  CHECK(duplicates == (threads - 1) * batches);
  CHECK(conflicts == 0);
  CHECK(*ctl->inner->count_events() == static_cast<std::uint64_t>(accepted.load()));
  CHECK(ctl->begins < threads * batches);   // some batches shared a commit
  CHECK_THAT(m.serialize(), Catch::Matchers::Contains(
      "slawatch_events_duplicate_total{partner=\"bank-a\"} " + std::to_string((threads - 1) * batches) + "\n"));
}

TEST_CASE("a conflict is reported per event and counted as rejected") {
  auto ctl = std::make_shared<gated_store::control>();
  metrics::registry m("0.1.0", "test");
  ingest::pipeline p(std::make_unique<gated_store>(ctl), partners_only(), &m);
  CHECK(statuses(submit(p, {make_event("bank-a", "e-1", "10")}).get()) ==
        std::vector<put_status>{put_status::accepted});
  CHECK(statuses(submit(p, {make_event("bank-a", "e-1", "99")}).get()) ==
        std::vector<put_status>{put_status::conflict});
  p.stop();
  const auto text = m.serialize();
  CHECK_THAT(text, Catch::Matchers::Contains("slawatch_events_rejected_total{reason=\"conflict\"} 1\n"));
  CHECK_THAT(text, Catch::Matchers::Contains(
      "slawatch_event_transmission_delay_seconds_count{partner=\"bank-a\"} 1\n"));
  CHECK_THAT(text, Catch::Matchers::Contains("slawatch_storage_commit_seconds_count 2\n"));
}

TEST_CASE("a full queue and a stopped pipeline refuse batches without completing them") {
  auto ctl = std::make_shared<gated_store::control>();
  ctl->hold();
  ingest::pipeline p(std::make_unique<gated_store>(ctl), partners_only(), nullptr,
                     {.queue_capacity_events = 10, .max_events_per_commit = 100, .notify = {}});
  auto big = std::vector<model::event>(12, make_event("bank-a", "x"));
  auto first = submit(p, big);   // larger than the queue, but nothing waits: taken
  ctl->wait_for_begin(1);
  auto second = submit(p, std::vector<model::event>(8, make_event("bank-a", "y")));
  bool called = false;
  CHECK_FALSE(p.submit(std::vector<model::event>(3, make_event("bank-a", "z")),
                       [&](batch_result) { called = true; }));
  ctl->release();
  CHECK(first.get().stored);
  CHECK(second.get().stored);
  p.stop();
  p.stop();   // idempotent
  CHECK_FALSE(p.submit({make_event("bank-a", "late")}, [&](batch_result) { called = true; }));
  CHECK_FALSE(called);
}

TEST_CASE("stop completes every queued batch") {
  auto ctl = std::make_shared<gated_store::control>();
  ctl->hold();
  std::atomic<int> done{0};
  {
    ingest::pipeline p(std::make_unique<gated_store>(ctl), partners_only(), nullptr);
    for (int i = 0; i < 20; ++i) {
      REQUIRE(p.submit({make_event("bank-a", "e-" + std::to_string(i))}, [&](batch_result r) {
        if (r.stored) ++done;
      }));
    }
    ctl->wait_for_begin(1);
    std::thread releaser([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      ctl->release();
    });
    p.stop();
    releaser.join();
  }
  CHECK(done == 20);
  CHECK(*ctl->inner->count_events() == 20);
}

namespace {

std::shared_ptr<const rules::rule_set> amount_rule() {
  auto res = rules::load({{"p.yaml", R"(partners:
  - { id: bank-a, name: Bank A, class: bank }
rules:
  - id: amount-nonzero
    kind: condition
    category: integrity
    severity: minor
    description: Amounts are not zero.
    require: event.attributes.amount != '0'
)"}});
  for (const auto& e : res.errors) FAIL(e.render());
  return res.set;
}

}  // namespace

TEST_CASE("rule effects are committed with their events and counted only after commit") {
  auto ctl = std::make_shared<gated_store::control>();
  ctl->fail_commit_of = 2;
  metrics::registry m("0.1.0", "test");
  ingest::pipeline p(std::make_unique<gated_store>(ctl), amount_rule(), &m);
  auto one = submit(p, {make_event("bank-a", "e-1", "5"), make_event("bank-a", "e-2", "0")}).get();
  CHECK(one.stored);
  // the second transaction fails: its breach and outcome must vanish with it
  CHECK_FALSE(submit(p, {make_event("bank-a", "e-3", "0")}).get().stored);
  // a resend is a duplicate and is not evaluated again
  CHECK(statuses(submit(p, {make_event("bank-a", "e-2", "0")}).get()) ==
        std::vector<put_status>{put_status::duplicate});
  p.stop();

  auto outcomes = *ctl->inner->outcome_counts();
  REQUIRE(outcomes.size() == 2);
  CHECK(outcomes[0].kind == model::outcome_kind::breached);
  CHECK(outcomes[0].total == 1);
  CHECK(outcomes[1].kind == model::outcome_kind::met);
  CHECK(outcomes[1].total == 1);
  auto breaches = *ctl->inner->breach_counts();
  REQUIRE(breaches.size() == 1);
  CHECK(breaches[0].rule == "amount-nonzero");
  CHECK(breaches[0].total == 1);
  auto page = *ctl->inner->list_breaches({});
  REQUIRE(page.breaches.size() == 1);
  CHECK(page.breaches[0].key == "e-2");

  const auto text = m.serialize();
  using Catch::Matchers::Contains;
  CHECK_THAT(text, Contains(R"(slawatch_rule_outcomes_total{outcome="met",partner="bank-a",rule="amount-nonzero"} 1)"));
  CHECK_THAT(text, Contains(R"(slawatch_rule_outcomes_total{outcome="breached",partner="bank-a",rule="amount-nonzero"} 1)"));
  CHECK_THAT(text, Contains(R"(slawatch_breaches_total{category="integrity",partner="bank-a",rule="amount-nonzero",severity="minor"} 1)"));
}
