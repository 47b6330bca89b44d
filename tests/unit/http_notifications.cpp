// GET /v1/notifications: query validation and the listing of dead letters from a real store.
#include <catch2/catch.hpp>
#include "http_fakes.hpp"
#include "store_fixtures.hpp"

using http_test::body_of;
using http_test::harness;
using namespace slawatch;

TEST_CASE("notification query errors are 400 with exact texts") {
  harness h;
  struct row {
    std::string target, message;
  };
  for (const auto& [target, message] : std::vector<row>{
           {"/v1/notifications?state=gone", "state: expected dead or pending"},
           {"/v1/notifications?limit=0", "limit: expected an integer from 1 to 1000"},
           {"/v1/notifications?limit=1001", "limit: expected an integer from 1 to 1000"},
           {"/v1/notifications?limit=x", "limit: expected an integer from 1 to 1000"},
           {"/v1/notifications?color=red", "color: unknown query parameter"},
           {"/v1/notifications?sink=a&sink=b", "sink: given more than once"}}) {
    INFO(target);
    auto r = h.send("GET", target);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(body_of(*r) == nlohmann::json{{"error", message}});
  }
}

TEST_CASE("the notification query defaults to dead letters") {
  auto q = http::parse_notification_query({{"sink", "partner:bank-a"}, {"limit", "5"}});
  REQUIRE(q);
  CHECK(q->state == "dead");
  CHECK(q->sink == std::optional<std::string>("partner:bank-a"));
  CHECK(q->limit == 5);
  CHECK(http::parse_notification_query({{"state", ""}})->state == "dead");
}

TEST_CASE("a store without an outbox answers 503") {
  harness h;
  auto r = h.send("GET", "/v1/notifications");
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(body_of(*r) == nlohmann::json{{"error", "storage: storage: outbox not supported"}});
}

TEST_CASE("dead letters are listed oldest first with their last error") {
  store_test::temp_db db;
  auto writer = store_test::open_or_fail(db.path);
  store::outbox_item i;
  i.sink = "partner:bank-a";
  i.delivery_id = "d-0123456789abcdef";
  i.event = "opened";
  i.breach_id = "b-1";
  i.payload = "{}";
  i.created_at = i.next_at = store_test::at_s(1'790'000'000);
  REQUIRE(writer->begin());
  REQUIRE(writer->enqueue({i}, 10));
  REQUIRE(writer->commit());
  const auto seq = writer->outbox_pending("partner:bank-a", 1).value().at(0).seq;
  REQUIRE(writer->outbox_dead(seq, 1, "HTTP 400"));

  http::reader_pool pool([&] { return store::open_sqlite(db.path, store::sync_mode::full); });
  auto t = http::parse_target("/v1/notifications?state=dead");
  REQUIRE(t);
  auto r = http::get_notifications(&pool, t.value(), {});
  CHECK(r.status == 200);
  CHECK(body_of(r) == nlohmann::json::parse(R"({"notifications": [{
      "sink": "partner:bank-a", "delivery_id": "d-0123456789abcdef", "event": "opened",
      "breach_id": "b-1", "state": "dead", "attempts": 1,
      "created_at": "2026-09-21T14:13:20.000Z", "next_attempt_at": null,
      "last_error": "HTTP 400"}], "next_cursor": null})"));
  t = http::parse_target("/v1/notifications?state=pending");
  CHECK(body_of(http::get_notifications(&pool, t.value(), {}))["notifications"].empty());
}
