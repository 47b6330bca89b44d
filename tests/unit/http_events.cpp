// POST /v1/events through the router, with a pipeline double.
#include <catch2/catch.hpp>
#include "http_fakes.hpp"

using namespace http_test;
using slawatch::store::put_status;
using namespace std::string_literals;

namespace {

const std::string good_event =
    R"({"id": "e-1", "partner": "bank-a", "type": "contribution.collected", "occurred_at": "2026-11-26T09:15:00+03:00"})";

std::string event_with_id(const std::string& id) {
  return R"({"id": ")" + id + R"(", "partner": "bank-a", "type": "contribution.collected", "occurred_at": "2026-11-26T09:15:00+03:00"})";
}

}  // namespace

TEST_CASE("a content type other than JSON or NDJSON is 415 naming what was sent") {
  harness h;
  auto r = h.send("POST", "/v1/events", "text/plain", good_event);
  REQUIRE(r);
  CHECK(r->status == 415);
  CHECK(r->content_type == "application/json");
  CHECK(body_of(*r)["error"] ==
        "content-type: expected application/json or application/x-ndjson, got 'text/plain'");
  auto missing = h.send("POST", "/v1/events", "", good_event);
  CHECK(body_of(*missing)["error"] ==
        "content-type: expected application/json or application/x-ndjson, got ''");
  CHECK(h.submitted.empty());
}

TEST_CASE("a body that is not JSON is 400 with line and column, nothing queued") {
  harness h;
  auto r = h.send("POST", "/v1/events", "application/json", "{\"id\": ");
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK_THAT(body_of(*r)["error"].get<std::string>(), Catch::StartsWith("body: invalid JSON at line 1, column"));
  CHECK(h.submitted.empty());
}

TEST_CASE("NDJSON with a bad line in the middle is 400 naming that line") {
  harness h;
  auto body = event_with_id("a") + "\n{oops\n" + event_with_id("b") + "\n";
  auto r = h.send("POST", "/v1/events", "application/x-ndjson", body);
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK_THAT(body_of(*r)["error"].get<std::string>(), Catch::StartsWith("body: invalid JSON at line 2,"));
  CHECK(h.submitted.empty());
}

TEST_CASE("more events than the per-request limit is 413") {
  harness h(2);
  auto body = "[" + event_with_id("a") + "," + event_with_id("b") + "," + event_with_id("c") + "]";
  auto r = h.send("POST", "/v1/events", "application/json", body);
  REQUIRE(r);
  CHECK(r->status == 413);
  CHECK(body_of(*r)["error"] == "body: 3 events, more than the limit of 2");
}

TEST_CASE("a valid batch is answered only after the pipeline completed it") {
  harness h;
  auto body = "[" + event_with_id("a") + "," + event_with_id("b") + "]";
  auto r = h.send("POST", "/v1/events", "application/json; charset=utf-8", body);
  CHECK_FALSE(r);   // no answer before the commit
  CHECK(h.router->in_flight() == 1);
  REQUIRE(h.submitted.size() == 1);
  REQUIRE(h.submitted[0].size() == 2);
  h.complete({put_status::accepted, put_status::duplicate});
  REQUIRE(h.responses.size() == 1);
  CHECK(h.responses[0].status == 200);
  CHECK(body_of(h.responses[0]) ==
        nlohmann::json::parse(R"({"accepted": 1, "duplicates": 1, "rejected": 0, "errors": []})"));
  CHECK(h.router->in_flight() == 0);
}

TEST_CASE("the edge stamps received_at from its clock and a plain-HTTP transport") {
  harness h;
  h.send("POST", "/v1/events", "application/json", good_event);
  REQUIRE(h.submitted.size() == 1);
  const auto& ev = h.submitted[0][0];
  CHECK(ev.received_at == h.now);
  const auto& t = ev.doc.at("transport");
  CHECK(t == nlohmann::json::parse(R"({"source": "http", "tls": false, "tls_version": null,
      "client_cert": null, "authenticated_as": null, "signature": "absent"})"));
}

TEST_CASE("a conflict is reported per event with its index, id and reason") {
  harness h;
  auto body = "[" + event_with_id("a") + "," + event_with_id("b") + "]";
  h.send("POST", "/v1/events", "application/json", body);
  h.complete({put_status::accepted, put_status::conflict});
  auto j = body_of(h.responses.at(0));
  CHECK(j["accepted"] == 1);
  CHECK(j["rejected"] == 1);
  CHECK(j["errors"][0] == nlohmann::json::parse(
      R"({"index": 1, "id": "b", "error": "id: already received with different content", "reason": "conflict"})"));
}

TEST_CASE("a batch whose every event is invalid is answered without the pipeline") {
  harness h;
  auto body = "[" + R"({"id": "x", "partner": "bank-z", "type": "a.b", "occurred_at": "2026-11-26T09:15:00Z"})"s +
              "," + R"({"id": "y", "partner": "bank-a", "type": "a.b", "occurred_at": "yesterday"})" + "]";
  auto r = h.send("POST", "/v1/events", "application/json", body);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(h.submitted.empty());
  auto j = body_of(*r);
  CHECK(j["accepted"] == 0);
  CHECK(j["rejected"] == 2);
  CHECK(j["errors"][0]["error"] == "partner: unknown partner 'bank-z'");
  CHECK(j["errors"][0]["reason"] == "unknown_partner");
  CHECK(j["errors"][1]["error"] == "occurred_at: not an RFC 3339 timestamp");
}

TEST_CASE("a full ingest queue is 429 with Retry-After: 1 and nothing stored") {
  harness h;
  h.accept_submissions = false;
  auto r = h.send("POST", "/v1/events", "application/json", good_event);
  REQUIRE(r);
  CHECK(r->status == 429);
  CHECK(r->header("Retry-After") == "1");
  CHECK(body_of(*r)["error"] == "overloaded: too many events waiting to be stored, retry later");
}

TEST_CASE("a failed commit is 503 with Retry-After") {
  harness h;
  h.send("POST", "/v1/events", "application/json", good_event);
  h.complete({}, false);
  REQUIRE(h.responses.size() == 1);
  CHECK(h.responses[0].status == 503);
  CHECK(h.responses[0].header("retry-after") == "1");
  CHECK(body_of(h.responses[0])["error"] == "storage: unavailable, nothing was stored");
}

TEST_CASE("events are refused with 503 while no rule set is loaded") {
  harness h;
  h.rules = nullptr;
  auto r = h.send("POST", "/v1/events", "application/json", good_event);
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(body_of(*r)["error"] == "rules: not loaded");
}

TEST_CASE("an event dated more than max_future_skew after its receipt is rejected as invalid_field") {
  // The harness clock reads 2026-11-18T...; events of the other tests are dated 2026-11-26.
  harness h;
  h.router.reset();
  http::router_deps d;
  d.rules = [&h] { return std::shared_ptr<const rules::rule_set>(h.rules); };
  d.submit = [&h](std::vector<model::event> evs, ingest::completion done) {
    h.submitted.push_back(std::move(evs));
    h.pending.push_back(std::move(done));
    return true;
  };
  d.now = [] { return *timefmt::parse_rfc3339("2026-11-27T11:55:00Z"); };
  d.max_future_skew = std::chrono::minutes(5);
  h.router = std::make_unique<http::router>(std::move(d));
  auto ev = [](const char* id, const char* at) {
    return nlohmann::json{{"id", id}, {"partner", "bank-a"}, {"type", "contribution.collected"},
                          {"occurred_at", at}}.dump();
  };
  auto r = h.send("POST", "/v1/events", "application/x-ndjson",
                  ev("e-ok", "2026-11-27T11:59:00Z") + "\n" + ev("e-far", "2026-11-27T12:00:01Z") + "\n");
  REQUIRE_FALSE(r);   // answered after the commit
  REQUIRE(h.submitted.size() == 1);
  CHECK(h.submitted[0].size() == 1);
  h.complete({store::put_status::accepted});
  auto body = body_of(h.responses.back());
  CHECK(body["rejected"] == 1);
  CHECK(body["errors"][0] == nlohmann::json{{"index", 1}, {"id", "e-far"}, {"reason", "invalid_field"},
                                            {"error", "occurred_at: 2026-11-27T12:00:01Z is more than 5m after received_at"}});
}
