// The delivery worker against a real SQLite outbox, a fake sender and a manual clock.
#include <catch2/catch.hpp>
#include "../unit/store_fixtures.hpp"
#include "slawatch/alerting/alerting.hpp"
#include "slawatch/ingest/pipeline.hpp"

using namespace slawatch;
using namespace slawatch::alerting;
using std::chrono::seconds;

namespace {

struct fixture {
  store_test::temp_db db;
  std::unique_ptr<store::store> writer = store_test::open_or_fail(db.path);
  instant now = instant{seconds(1'790'000'000)};
  std::vector<http_request> sent;
  std::function<unsigned(const http_request&)> answer = [](const http_request&) { return 200u; };
  metrics::registry metrics{"t", "t"};
  std::shared_ptr<rules::rule_set> rules = std::make_shared<rules::rule_set>();

  service_options options() {
    service_options o;
    o.now = [this] { return now; };
    o.send = [this](const http_request& r) -> result<http_response> {
      sent.push_back(r);
      const unsigned status = answer(r);
      if (status == 0) return error{"transport", "POST " + r.url + ": Connection refused", {}};
      return http_response{status, ""};
    };
    o.jitter = [] { return 1.0; };
    o.retry = {seconds(1), seconds(60)};
    o.webhooks["webhook:ops"] = {"http://127.0.0.1:1/ops", "s3cret"};
    o.rules = [this] { return rules; };
    o.resend_interval = seconds(60);
    o.hold = seconds(900);
    return o;
  }
  std::unique_ptr<service> make(service_options o) {
    return std::make_unique<service>(store_test::open_or_fail(db.path), &metrics, std::move(o), log_fn{});
  }
  void breach(const std::string& id, std::vector<std::string> sinks) {
    auto b = store_test::make_breach(id, "bank-a", "r1", 1'790'000'000);
    std::vector<store::outbox_item> items;
    for (auto& sink : sinks) {
      store::outbox_item i;
      i.sink = sink;
      i.delivery_id = ingest::delivery_id(sink, id, "opened");
      i.event = "opened";
      i.breach_id = id;
      i.payload = b.to_json().dump();
      i.created_at = i.next_at = now;
      items.push_back(i);
    }
    REQUIRE(writer->begin());
    REQUIRE(writer->put_breach(b));
    REQUIRE(writer->enqueue(items, 100));
    REQUIRE(writer->commit());
  }
  std::uint64_t pending(const std::string& sink) {
    auto n = writer->outbox_lengths().value();
    return n.count(sink) ? n.at(sink) : 0;
  }
  std::string metric(const std::string& line) {
    auto text = metrics.serialize();
    return text.find(line) == std::string::npos ? "missing: " + line : line;
  }
};

}  // namespace

TEST_CASE("webhook items go out oldest first and are deleted once delivered") {
  fixture f;
  f.breach("b-1", {"webhook:ops"});
  f.breach("b-2", {"webhook:ops"});
  auto s = f.make(f.options());
  s->run_once();
  REQUIRE(f.sent.size() == 2);
  CHECK(nlohmann::json::parse(f.sent[0].body)["id"] == "b-1");
  CHECK(nlohmann::json::parse(f.sent[1].body)["id"] == "b-2");
  CHECK(f.sent[0].url == "http://127.0.0.1:1/ops");
  CHECK(f.pending("webhook:ops") == 0);
  CHECK(f.metric(R"(slawatch_notifications_total{result="sent",sink="webhook:ops"} 2)") ==
        R"(slawatch_notifications_total{result="sent",sink="webhook:ops"} 2)");
}

TEST_CASE("a failed delivery waits its backoff, blocks the sink, and keeps its delivery id") {
  fixture f;
  f.breach("b-1", {"webhook:ops"});
  f.breach("b-2", {"webhook:ops"});
  f.answer = [](const http_request&) { return 503u; };
  auto s = f.make(f.options());
  s->run_once();
  REQUIRE(f.sent.size() == 1);   // the head failed: b-2 waits behind it
  auto item = f.writer->outbox_pending("webhook:ops", 1).value().at(0);
  CHECK(item.attempts == 1);
  CHECK(item.next_at == f.now + seconds(1));
  CHECK(item.last_error == "HTTP 503");
  s->run_once();
  CHECK(f.sent.size() == 1);     // not yet due
  f.now += seconds(1);
  f.answer = [](const http_request&) { return 0u; };   // now the receiver is down
  s->run_once();
  REQUIRE(f.sent.size() == 2);
  item = f.writer->outbox_pending("webhook:ops", 1).value().at(0);
  CHECK(item.next_at == f.now + seconds(2));
  CHECK(item.last_error == "POST http://127.0.0.1:1/ops: Connection refused");
  f.now += seconds(2);
  f.answer = [](const http_request&) { return 200u; };
  s->run_once();
  REQUIRE(f.sent.size() == 4);
  auto id = [](const http_request& r) {
    for (const auto& [k, v] : r.headers)
      if (k == "X-Slawatch-Delivery") return v;
    return std::string();
  };
  CHECK(id(f.sent[0]) == id(f.sent[2]));
  CHECK(id(f.sent[0]) == ingest::delivery_id("webhook:ops", "b-1", "opened"));
  CHECK(f.pending("webhook:ops") == 0);
}

TEST_CASE("a 4xx answer dead-letters the item and the next one goes on") {
  fixture f;
  f.breach("b-1", {"webhook:ops"});
  f.breach("b-2", {"webhook:ops"});
  int calls = 0;
  f.answer = [&](const http_request&) { return ++calls == 1 ? 404u : 200u; };
  auto s = f.make(f.options());
  s->run_once();
  CHECK(f.sent.size() == 2);
  auto dead = f.writer->list_outbox({}).value().items;
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].breach_id == "b-1");
  CHECK(dead[0].last_error == "HTTP 404");
}

TEST_CASE("a partner sink posts to the partner's report webhook; an unknown sink is dead") {
  fixture f;
  model::partner p;
  p.id = "bank-a";
  p.report = {"https://bank-a.example/hook", ""};
  f.rules->partners["bank-a"] = p;
  f.breach("b-1", {"partner:bank-a", "webhook:gone"});
  auto s = f.make(f.options());
  s->run_once();
  REQUIRE(f.sent.size() == 1);
  CHECK(f.sent[0].url == "https://bank-a.example/hook");
  auto dead = f.writer->list_outbox({}).value().items;
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].sink == "webhook:gone");
  CHECK(dead[0].last_error == "sink not configured");
}

TEST_CASE("alerts go to every Alertmanager in batches of at most 64") {
  fixture f;
  for (int i = 0; i < 70; ++i) {
    auto b = store_test::make_breach("b-" + std::to_string(i), "p" + std::to_string(i), "r1",
                                     1'790'000'000);
    REQUIRE(f.writer->begin());
    REQUIRE(f.writer->put_breach(b));
    REQUIRE(f.writer->commit());
  }
  f.breach("b-x", {"alertmanager"});
  auto o = f.options();
  o.alertmanagers = {"http://127.0.0.1:9093/", "http://127.0.0.1:9094"};
  auto s = f.make(o);
  s->run_once();
  REQUIRE(f.sent.size() == 4);
  CHECK(f.sent[0].url == "http://127.0.0.1:9093/api/v2/alerts");
  CHECK(nlohmann::json::parse(f.sent[0].body).size() == 64);
  CHECK(nlohmann::json::parse(f.sent[1].body).size() == 7);   // 71 pairs: p0..p69 and bank-a
  CHECK(f.sent[2].url == "http://127.0.0.1:9094/api/v2/alerts");
  CHECK(f.pending("alertmanager") == 0);
  s->run_once();
  CHECK(f.sent.size() == 4);   // nothing changed, no resend due yet
  f.now += seconds(60);
  s->run_once();
  CHECK(f.sent.size() == 8);   // the resend
}

TEST_CASE("while an Alertmanager is down the outbox keeps the trigger and retries") {
  fixture f;
  f.breach("b-1", {"alertmanager"});
  auto o = f.options();
  o.alertmanagers = {"http://127.0.0.1:9093"};
  f.answer = [](const http_request&) { return 0u; };
  auto s = f.make(o);
  s->run_once();
  CHECK(f.sent.size() == 1);
  CHECK(f.pending("alertmanager") == 1);
  s->run_once();
  CHECK(f.sent.size() == 1);   // backing off
  f.now += seconds(1);
  f.answer = [](const http_request&) { return 200u; };
  s->run_once();
  CHECK(f.sent.size() == 2);
  CHECK(f.pending("alertmanager") == 0);
  CHECK(f.metric(R"(slawatch_notifications_total{result="failed",sink="alertmanager"} 1)") ==
        R"(slawatch_notifications_total{result="failed",sink="alertmanager"} 1)");
  CHECK(f.metric(R"(slawatch_notification_queue_length{sink="alertmanager"} 0)") ==
        R"(slawatch_notification_queue_length{sink="alertmanager"} 0)");
}
