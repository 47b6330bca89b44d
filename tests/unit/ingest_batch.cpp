// Content types, body parsing, preparation and the response body (contract 2.3).
#include <catch2/catch.hpp>
#include "slawatch/ingest/batch.hpp"

using namespace slawatch;
using namespace slawatch::ingest;
using nlohmann::json;

namespace {

rules::rule_set registry() {
  rules::rule_set rs;
  for (const char* id : {"bank-a", "bank-b"}) {
    model::partner p;
    p.id = id;
    p.name = id;
    p.timezone = "UTC";
    rs.partners[id] = p;
  }
  return rs;
}

json envelope(const std::string& id, const std::string& partner = "bank-a") {
  return {{"id", id}, {"partner", partner}, {"type", "contribution.collected"},
          {"occurred_at", "2026-11-26T09:15:00+03:00"}};
}

std::vector<raw_item> items_of(std::initializer_list<json> docs) {
  std::vector<raw_item> out;
  for (const auto& d : docs) out.push_back({d, d.dump().size(), std::nullopt});
  return out;
}

const instant received{std::chrono::seconds(1'795'000'000)};

}  // namespace

TEST_CASE("content types map to body formats") {
  struct row { const char* type; std::optional<body_format> want; };
  const row rows[] = {
      {"application/json", body_format::json},
      {"Application/JSON; charset=utf-8", body_format::json},
      {" application/json ;charset=UTF-8", body_format::json},
      {"application/x-ndjson", body_format::ndjson},
      {"application/x-ndjson; charset=utf-8", body_format::ndjson},
      {"text/plain", std::nullopt},
      {"application/jsonx", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& r : rows) {
    INFO(r.type);
    CHECK(format_of(r.type) == r.want);
  }
}

TEST_CASE("a JSON object is one item and an array is one item per element") {
  auto one = parse_body(R"({"id": "e-1"})", body_format::json, 10);
  REQUIRE(one.ok());
  REQUIRE(one->size() == 1);
  CHECK((*one)[0].doc["id"] == "e-1");
  CHECK((*one)[0].encoded_size == 13);

  auto many = parse_body(R"([{"id": "e-1"}, 5, {"id": "e-3"}])", body_format::json, 10);
  REQUIRE(many.ok());
  REQUIRE(many->size() == 3);
  CHECK((*many)[1].doc == 5);
  CHECK((*many)[2].index == 2u);
}

TEST_CASE("a body that is not JSON names line and column") {
  struct row { std::string body; body_format f; std::string message; };
  const std::vector<row> rows = {
      {"{\"a\": 1,\n \"b\": tru }", body_format::json,
       "body: invalid JSON at line 2, column 10: syntax error while parsing value - invalid "
       "literal"},
      // the raw text nlohmann quotes ("last read") could be a pseudonymised field's value
      {"{\"subject\": \"RAWSUBJ-93817\u0001\"}", body_format::json,
       "body: invalid JSON at line 1, column 27: syntax error while parsing value - invalid "
       "string: control character U+0001 (SOH) must be escaped to \\u0001"},
      {"", body_format::json,
       "body: invalid JSON at line 1, column 1: syntax error while parsing value - unexpected "
       "end of input; expected '[', '{', or a literal"},
      {"[1,2", body_format::json,
       "body: invalid JSON at line 1, column 5: syntax error while parsing array - unexpected "
       "end of input; expected ']'"},
      {"{} {}", body_format::json,
       "body: invalid JSON at line 1, column 4: syntax error while parsing value - unexpected "
       "'{'; expected end of input"},
      {"{\"id\": 1}\n\n{\"id\": 2}\n  {\"id\": ]\n", body_format::ndjson,
       "body: invalid JSON at line 4, column 10: syntax error while parsing value - unexpected "
       "']'; expected '[', '{', or a literal"},
  };
  for (const auto& r : rows) {
    INFO(r.body);
    auto got = parse_body(r.body, r.f, 100);
    REQUIRE_FALSE(got.ok());
    CHECK(got.err().code == "malformed");
    CHECK(got.err().message == r.message);
  }
}

TEST_CASE("a JSON body that is neither object nor array is refused") {
  for (const char* body : {"5", "\"text\"", "null", "true"}) {
    auto got = parse_body(body, body_format::json, 100);
    REQUIRE_FALSE(got.ok());
    CHECK(got.err().code == "malformed");
    CHECK(got.err().message == "body: expected a JSON object or array");
  }
}

// Found by fuzz_ndjson (tests/regression/ndjson/): 30 000 nested brackets overflowed the stack.
TEST_CASE("a body nested deeper than 512 levels is malformed, brackets in strings do not count") {
  const std::string deep = std::string(513, '[') + std::string(513, ']');
  const std::string deep_line = "{}\n" + std::string(20000, '{');
  const std::string ok = std::string(512, '[') + "\"[[[{{{\\\"[[\"" + std::string(512, ']');
  struct row { std::string body; body_format f; const char* message; };
  const row rows[] = {
      {deep, body_format::json,
       "body: invalid JSON at line 1, column 513: nested deeper than 512 levels"},
      {deep_line, body_format::ndjson,
       "body: invalid JSON at line 2, column 513: nested deeper than 512 levels"},
  };
  for (const auto& r : rows) {
    auto got = parse_body(r.body, r.f, 100);
    REQUIRE_FALSE(got.ok());
    CHECK(got.err().code == "malformed");
    CHECK(got.err().message == r.message);
  }
  CHECK(parse_body(ok, body_format::json, 100).ok());
}

TEST_CASE("NDJSON skips empty lines and indexes items by physical line") {
  auto got = parse_body("{\"id\": \"a\"}\r\n\n   \n{\"id\": \"b\"}\n[1]", body_format::ndjson, 3);
  REQUIRE(got.ok());
  REQUIRE(got->size() == 3);
  CHECK((*got)[0].index == 0u);
  CHECK((*got)[0].encoded_size == 11);   // without the \r
  CHECK((*got)[1].index == 3u);
  CHECK((*got)[1].doc["id"] == "b");
  CHECK((*got)[2].index == 4u);
  CHECK(parse_body("", body_format::ndjson, 3)->empty());
}

TEST_CASE("more events than the limit is too large") {
  auto arr = parse_body("[1,2,3]", body_format::json, 2);
  REQUIRE_FALSE(arr.ok());
  CHECK(arr.err().code == "too_large");
  CHECK(arr.err().message == "body: 3 events, more than the limit of 2");
  auto nd = parse_body("{}\n{}\n\n{}\n", body_format::ndjson, 2);
  REQUIRE_FALSE(nd.ok());
  CHECK(nd.err().code == "too_large");
  CHECK(nd.err().message == "body: 3 events, more than the limit of 2");
  CHECK(parse_body("[1,2]", body_format::json, 2).ok());
}

TEST_CASE("prepare validates, checks partners and stamps") {
  auto rs = registry();
  auto bad_time = envelope("e-2");
  bad_time["occurred_at"] = "yesterday";
  sender who;
  who.transport.source = "test";
  auto b = prepare(items_of({envelope("e-0"), json::array(), bad_time, envelope("e-3", "bank-z"),
                             envelope("e-4", "bank-b")}),
                   rs, who, received);
  REQUIRE(b.events.size() == 2);
  CHECK(b.indexes == std::vector<std::size_t>{0, 4});
  CHECK(b.events[0].received_at == received);
  CHECK(b.events[0].doc["transport"]["source"] == "test");
  CHECK(b.events[0].doc.contains("received_at"));
  REQUIRE(b.errors.size() == 3);
  CHECK(b.errors[0].index == 1);
  CHECK(b.errors[0].id.empty());
  CHECK(b.errors[0].reason == "invalid_field");
  CHECK(b.errors[0].message == "event: expected a JSON object");
  CHECK(b.errors[1].index == 2);
  CHECK(b.errors[1].id == "e-2");
  CHECK(b.errors[1].message == "occurred_at: not an RFC 3339 timestamp");
  CHECK(b.errors[2].reason == "unknown_partner");
  CHECK(b.errors[2].message == "partner: unknown partner 'bank-z'");
}

TEST_CASE("a partner token may only send its own events") {
  auto rs = registry();
  sender who;
  who.partner = "bank-a";
  auto b = prepare(items_of({envelope("e-0", "bank-b"), envelope("e-1", "bank-z"),
                             envelope("e-2", "bank-a")}),
                   rs, who, received);
  REQUIRE(b.events.size() == 1);
  REQUIRE(b.errors.size() == 2);
  CHECK(b.errors[0].reason == "partner_mismatch");
  CHECK(b.errors[0].message == "partner: token is for 'bank-a', not 'bank-b'");
  CHECK(b.errors[1].reason == "partner_mismatch");   // not told whether bank-z exists
}

TEST_CASE("prepare keeps the NDJSON line as index") {
  auto rs = registry();
  auto items = parse_body(envelope("e-0").dump() + "\n\n" + json::array().dump() + "\n",
                          body_format::ndjson, 10);
  REQUIRE(items.ok());
  auto b = prepare(std::move(items.value()), rs, {}, received);
  REQUIRE(b.errors.size() == 1);
  CHECK(b.errors[0].index == 2);
}

TEST_CASE("the response body counts outcomes and lists errors by index") {
  prepared_batch b;
  b.events.resize(3);
  b.events[0].id = "e-0";
  b.events[1].id = "e-2";
  b.events[2].id = "e-5";
  b.indexes = {0, 2, 5};
  b.errors = {{4, "", "invalid_field", "event: expected a JSON object"},
              {1, "e-1", "invalid_field", "occurred_at: not an RFC 3339 timestamp"}};
  batch_result r;
  r.stored = true;
  r.events = {{store::put_status::accepted}, {store::put_status::conflict},
              {store::put_status::duplicate}};
  const json want = json::parse(R"({
    "accepted": 1, "duplicates": 1, "rejected": 3,
    "errors": [
      {"index": 1, "id": "e-1", "error": "occurred_at: not an RFC 3339 timestamp", "reason": "invalid_field"},
      {"index": 2, "id": "e-2", "error": "id: already received with different content", "reason": "conflict"},
      {"index": 4, "id": null, "error": "event: expected a JSON object", "reason": "invalid_field"}
    ]})");
  CHECK(response_body(b, r) == want);
}

TEST_CASE("an empty batch answers zeros") {
  const json want = {{"accepted", 0}, {"duplicates", 0}, {"rejected", 0}, {"errors", json::array()}};
  CHECK(response_body({}, {true, "", {}}) == want);
}

TEST_CASE("an occurred_at more than max_future_skew after received_at is an invalid field") {
  auto rs = registry();
  const instant now = *timefmt::parse_rfc3339("2026-11-27T11:55:00Z");
  auto at = [](const std::string& id, const std::string& occurred) {
    auto e = envelope(id);
    e["occurred_at"] = occurred;
    return e;
  };
  auto b = prepare(items_of({at("ok-edge", "2026-11-27T12:00:00Z"), at("late", "2026-11-27T12:00:00.001Z"),
                             at("far", "2026-11-27T15:30:00+03:00"), at("past", "2020-01-01T00:00:00Z"),
                             at("far-unknown", "2027-01-01T00:00:00Z")}),
                   rs, sender{}, now, std::chrono::minutes(5));
  CHECK(b.indexes == std::vector<std::size_t>{0, 3});
  REQUIRE(b.errors.size() == 3);
  CHECK(b.errors[0].reason == "invalid_field");
  CHECK(b.errors[0].id == "late");
  CHECK(b.errors[0].message == "occurred_at: 2026-11-27T12:00:00.001Z is more than 5m after received_at");
  CHECK(b.errors[1].message == "occurred_at: 2026-11-27T15:30:00+03:00 is more than 5m after received_at");
  CHECK(b.errors[2].index == 4);
  auto wide = prepare(items_of({at("far", "2026-11-27T15:30:00+03:00")}), rs, sender{}, now,
                      std::chrono::hours(2));
  CHECK(wide.errors.empty());
  auto unchecked = prepare(items_of({at("far-unknown", "2027-01-01T00:00:00Z")}), rs, sender{}, now);
  CHECK(unchecked.errors.empty());   // the four-argument form does not check skew
}
