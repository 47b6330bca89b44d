// Notifications enqueued with the breach that causes them: routing and the same commit.
#include <future>
#include <catch2/catch.hpp>
#include "slawatch/ingest/pipeline.hpp"
#include "slawatch/rules/rule_set.hpp"
#include "store_fixtures.hpp"

using namespace slawatch;

namespace {

std::shared_ptr<const rules::rule_set> notify_rules() {
  auto res = rules::load({{"p.yaml", R"(partners:
  - { id: bank-a, name: Bank A, class: bank, report: { webhook: "http://127.0.0.1:1/a" } }
  - { id: post-b, name: Post B, class: post_office }
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

model::breach breach(const std::string& partner, const std::string& category,
                     const std::string& severity) {
  auto b = store_test::make_breach("b-1", partner, "r1", 1'790'000'000);
  b.category = category;
  b.severity = severity;
  return b;
}

std::vector<std::string> sinks(const std::vector<store::outbox_item>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.sink);
  return out;
}

ingest::notify_routes routes() {
  ingest::notify_routes r;
  r.alertmanager = true;
  r.partner_webhooks = true;
  r.webhooks.push_back({"all", "http://h/all", "", {}, {}, {}});
  r.webhooks.push_back({"security", "http://h/sec", "", {"security"}, {}, {}});
  r.webhooks.push_back({"critical-post", "http://h/cp", "", {}, {"critical"}, {"post-b"}});
  return r;
}

ingest::batch_result submit(ingest::pipeline& p, std::vector<model::event> events) {
  std::promise<ingest::batch_result> done;
  auto f = done.get_future();
  REQUIRE(p.submit(std::move(events), [&](ingest::batch_result r) { done.set_value(std::move(r)); }));
  return f.get();
}

}  // namespace

TEST_CASE("a breach goes to alertmanager, the webhooks whose filters match, and its partner") {
  auto set = notify_rules();
  const instant now = store_test::at_s(1'790'000'100);
  struct row {
    std::string partner, category, severity;
    std::vector<std::string> expected;
  };
  for (const auto& [partner, category, severity, expected] : std::vector<row>{
           {"bank-a", "integrity", "minor", {"alertmanager", "webhook:all", "partner:bank-a"}},
           {"bank-a", "security", "minor",
            {"alertmanager", "webhook:all", "webhook:security", "partner:bank-a"}},
           {"post-b", "integrity", "critical",
            {"alertmanager", "webhook:all", "webhook:critical-post"}},
           {"post-b", "integrity", "major", {"alertmanager", "webhook:all"}}}) {
    INFO(partner << " " << category << " " << severity);
    CHECK(sinks(ingest::notifications(routes(), *set, breach(partner, category, severity),
                                      "opened", now)) == expected);
  }
}

TEST_CASE("a notification carries the breach JSON and a delivery id per sink and event") {
  auto set = notify_rules();
  const auto b = breach("bank-a", "integrity", "minor");
  const instant now = store_test::at_s(1'790'000'100);
  auto opened = ingest::notifications(routes(), *set, b, "opened", now);
  auto closed = ingest::notifications(routes(), *set, b, "closed", now);
  REQUIRE(opened.size() == 3);
  CHECK(opened[0].payload == b.to_json().dump());
  CHECK(opened[0].breach_id == "b-1");
  CHECK(opened[0].event == "opened");
  CHECK(opened[0].next_at == now);
  CHECK(opened[0].delivery_id == ingest::delivery_id("alertmanager", "b-1", "opened"));
  CHECK(opened[0].delivery_id.size() == 18);
  CHECK(opened[0].delivery_id.starts_with("d-"));
  CHECK(opened[0].delivery_id != opened[1].delivery_id);
  CHECK(opened[0].delivery_id != closed[0].delivery_id);
  CHECK(ingest::delivery_id("alertmanager", "b-1", "opened") ==
        ingest::delivery_id("alertmanager", "b-1", "opened"));
}

TEST_CASE("no sinks configured: nothing is routed") {
  auto set = notify_rules();
  CHECK(ingest::notifications({}, *set, breach("bank-a", "integrity", "minor"), "opened", {}).empty());
}

TEST_CASE("the pipeline enqueues a breach's notifications in its commit, once") {
  store_test::temp_db db;
  metrics::registry m("0.1.0", "test");
  ingest::pipeline_options o;
  o.notify.alertmanager = true;
  o.notify.partner_webhooks = true;
  {
    ingest::pipeline p(store_test::open_or_fail(db.path), notify_rules(), &m, o);
    CHECK(submit(p, {store_test::make_event("bank-a", "e-1", "5"),
                     store_test::make_event("bank-a", "e-2", "0")}).stored);
    CHECK(submit(p, {store_test::make_event("bank-a", "e-2", "0")}).stored);   // duplicate
  }
  auto reader = store_test::open_or_fail(db.path);
  auto breaches = reader->list_breaches({}).value().breaches;
  REQUIRE(breaches.size() == 1);
  auto lengths = reader->outbox_lengths().value();
  CHECK(lengths == std::map<std::string, std::uint64_t>{{"alertmanager", 1}, {"partner:bank-a", 1}});
  auto item = reader->outbox_pending("partner:bank-a", 10).value().at(0);
  CHECK(item.breach_id == breaches[0].id);
  CHECK(item.payload == breaches[0].to_json().dump());
}

TEST_CASE("a full outbox drops new notifications and counts them") {
  store_test::temp_db db;
  metrics::registry m("0.1.0", "test");
  ingest::pipeline_options o;
  o.notify.partner_webhooks = true;
  o.notify.outbox_capacity = 1;
  {
    ingest::pipeline p(store_test::open_or_fail(db.path), notify_rules(), &m, o);
    CHECK(submit(p, {store_test::make_event("bank-a", "e-1", "0"),
                     store_test::make_event("bank-a", "e-2", "0"),
                     store_test::make_event("bank-a", "e-3", "0")}).stored);
  }
  auto reader = store_test::open_or_fail(db.path);
  CHECK(reader->list_breaches({}).value().breaches.size() == 3);   // breaches are never dropped
  CHECK(reader->outbox_lengths().value().at("partner:bank-a") == 1);
  using Catch::Matchers::Contains;
  CHECK_THAT(m.serialize(),
             Contains(R"(slawatch_notifications_total{result="dropped",sink="partner:bank-a"} 2)"));
}

TEST_CASE("a partner whose webhook secret variable is unset gets no notification") {
  auto set = std::make_shared<rules::rule_set>(*notify_rules());
  set->partners.at("bank-a").report.secret_env = "BANK_A_WEBHOOK_SECRET";
  auto r = routes();
  const instant now = store_test::at_s(1'790'000'100);
  const auto b = breach("bank-a", "integrity", "minor");
  r.secret_available = [](const std::string&) { return false; };
  CHECK(sinks(ingest::notifications(r, *set, b, "opened", now)) ==
        std::vector<std::string>{"alertmanager", "webhook:all"});
  r.secret_available = [](const std::string& env) { return env == "BANK_A_WEBHOOK_SECRET"; };
  CHECK(sinks(ingest::notifications(r, *set, b, "opened", now)) ==
        std::vector<std::string>{"alertmanager", "webhook:all", "partner:bank-a"});
}
