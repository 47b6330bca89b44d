// Routing, the read API, health and target parsing.
#include <catch2/catch.hpp>
#include "http_fakes.hpp"

using namespace http_test;

namespace {

model::breach sample_breach(const std::string& id) {
  model::breach b;
  b.id = id;
  b.rule = "transport-tls";
  b.kind = "condition";
  b.category = "security";
  b.severity = "major";
  b.partner = "bank-a";
  b.key = "e-1";
  b.message = "not over TLS";
  return b;
}

}  // namespace

TEST_CASE("an unknown path is 404 not found as JSON") {
  harness h;
  for (auto path : {"/", "/v2/events", "/v1/breaches/a/b", "/metricsx"}) {
    auto r = h.send("GET", path);
    REQUIRE(r);
    CHECK(r->status == 404);
    CHECK(r->content_type == "application/json");
    CHECK(r->body == R"({"error":"not found"})");
  }
}

TEST_CASE("a wrong method is 405 with an Allow header") {
  harness h;
  struct row { const char* method; const char* path; const char* allow; };
  for (auto [method, path, allow] : {row{"GET", "/v1/events", "POST"}, row{"POST", "/v1/breaches", "GET"},
                                      row{"DELETE", "/v1/breaches/b-1", "GET"}, row{"PUT", "/metrics", "GET"}}) {
    auto r = h.send(method, path);
    REQUIRE(r);
    CHECK(r->status == 405);
    CHECK(r->header("Allow") == std::string(allow));
    CHECK(body_of(*r)["error"] == std::string("method ") + method + " not allowed, use " + allow);
  }
}

TEST_CASE("bad breach query parameters are 400 with the exact message") {
  harness h;
  struct row { const char* query; const char* message; };
  auto rows = {
      row{"limit=0", "limit: expected an integer from 1 to 1000"},
      row{"limit=1001", "limit: expected an integer from 1 to 1000"},
      row{"limit=ten", "limit: expected an integer from 1 to 1000"},
      row{"limit=5x", "limit: expected an integer from 1 to 1000"},
      row{"since=yesterday", "since: not an RFC 3339 timestamp"},
      row{"until=2026-11-26", "until: not an RFC 3339 timestamp"},
      row{"status=pending", "status: expected open, closed or waived"},
      row{"category=speed", "category: expected timeliness, security, purpose, integrity or availability"},
      row{"severity=high", "severity: expected critical, major, minor or info"},
      row{"colour=red", "colour: unknown query parameter"},
      row{"colour=", "colour: unknown query parameter"},
      row{"rule=a&rule=b", "rule: given more than once"},
      row{"partner=%zz", "query: invalid percent-encoding"},
  };
  for (const auto& [query, message] : rows) {
    auto r = h.send("GET", std::string("/v1/breaches?") + query);
    INFO(query);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(body_of(*r)["error"] == message);
  }
}

TEST_CASE("breach filters reach the store decoded, empty values filter nothing") {
  auto q = http::parse_breach_query({{"partner", "bank a"}, {"rule", ""}, {"status", "open"},
                                     {"since", "2026-11-26T00:00:00+03:00"}, {"limit", "7"}, {"cursor", "c1"}});
  REQUIRE(q);
  CHECK(q->partner == "bank a");
  CHECK_FALSE(q->rule);
  CHECK(q->status == "open");
  CHECK(q->since == timefmt::parse_rfc3339("2026-11-25T21:00:00Z"));
  CHECK(q->limit == 7);
  CHECK(q->cursor == "c1");
  CHECK(http::parse_breach_query({})->limit == 100);
}

TEST_CASE("GET /v1/breaches lists breaches and the next cursor") {
  harness h;
  h.reader.breaches = {sample_breach("b-2"), sample_breach("b-1")};
  h.reader.next_cursor = "next-page";
  auto r = h.send("GET", "/v1/breaches?partner=bank%2Da&limit=2");
  REQUIRE(r);
  CHECK(r->status == 200);
  auto j = body_of(*r);
  REQUIRE(j["breaches"].size() == 2);
  CHECK(j["breaches"][0]["id"] == "b-2");
  CHECK(j["next_cursor"] == "next-page");
  CHECK(h.reader.last_query.partner == "bank-a");
  CHECK(h.reader.last_query.limit == 2);
  h.reader.next_cursor.reset();
  CHECK(body_of(*h.send("GET", "/v1/breaches"))["next_cursor"].is_null());
}

TEST_CASE("a cursor the store does not know is 400, other store failures 503") {
  harness h;
  h.reader.fail_with = slawatch::error{"invalid_cursor", "cursor: not a cursor of this server"};
  auto r = h.send("GET", "/v1/breaches?cursor=zzz");
  CHECK(r->status == 400);
  CHECK(body_of(*r)["error"] == "cursor: not a cursor of this server");
  h.reader.fail_with = slawatch::error{"sqlite", "database is locked"};
  auto broken = h.send("GET", "/v1/breaches");
  CHECK(broken->status == 503);
  CHECK(body_of(*broken)["error"] == "storage: database is locked");
}

TEST_CASE("GET /v1/breaches/{id} returns one breach or 404 breach not found") {
  harness h;
  h.reader.breaches = {sample_breach("b-1")};
  auto found = h.send("GET", "/v1/breaches/b-1");
  CHECK(found->status == 200);
  CHECK(body_of(*found)["rule"] == "transport-tls");
  auto missing = h.send("GET", "/v1/breaches/b-2");
  CHECK(missing->status == 404);
  CHECK(body_of(*missing)["error"] == "breach not found");
}

TEST_CASE("GET /v1/partners lists the registry") {
  harness h;
  auto r = h.send("GET", "/v1/partners");
  REQUIRE(r);
  CHECK(r->status == 200);
  auto j = body_of(*r);
  REQUIRE(j["partners"].size() == 1);
  CHECK(j["partners"][0]["id"] == "bank-a");
  CHECK(j["partners"][0]["class"] == "bank");
}

TEST_CASE("healthy is always OK, ready only once storage and rules are loaded") {
  harness h;
  h.is_ready = false;
  CHECK(h.send("GET", "/-/healthy")->body == "OK");
  auto not_ready = h.send("GET", "/-/ready");
  CHECK(not_ready->status == 503);
  h.is_ready = true;
  auto ready = h.send("GET", "/-/ready");
  CHECK(ready->status == 200);
  CHECK(ready->body == "OK");
  h.rules = nullptr;
  CHECK(h.send("GET", "/-/ready")->status == 503);
}

TEST_CASE("GET /metrics is Prometheus text even without a registry") {
  harness h;
  auto r = h.send("GET", "/metrics");
  CHECK(r->status == 200);
  CHECK(r->content_type == "text/plain; version=0.0.4; charset=utf-8");
}

TEST_CASE("targets are split and percent-decoded") {
  auto t = http::parse_target("/v1/breaches/b%2D1?a=1+2&b=%26&&c");
  REQUIRE(t);
  CHECK(t->path == "/v1/breaches/b-1");
  REQUIRE(t->query.size() == 3);
  CHECK(t->query[0] == std::pair<std::string, std::string>{"a", "1 2"});
  CHECK(t->query[1].second == "&");
  CHECK(t->query[2] == std::pair<std::string, std::string>{"c", ""});
  CHECK(http::parse_target("/a%2").err().message == "path: invalid percent-encoding");
  CHECK(http::parse_target("/a?x=%g1").err().message == "query: invalid percent-encoding");
}
