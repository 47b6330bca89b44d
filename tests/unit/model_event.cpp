#include <catch2/catch.hpp>

#include "slawatch/model/event.hpp"

using namespace slawatch;
using namespace slawatch::model;
using json = nlohmann::json;

namespace {

json valid_envelope() {
  return json::parse(R"({
    "id": "BANKA-20261126-000123", "partner": "bank-a", "type": "contribution.collected",
    "occurred_at": "2026-11-26T09:15:00+03:00", "sent_at": "2026-11-26T09:20:04+03:00",
    "correlation_id": "R-88812", "subject": "ps:7f3a9c0e1b", "purpose": "collect_contribution",
    "attributes": {"amount": 1250.50, "currency": "KES", "channel": "branch"}})");
}

/// The error message validate_envelope gives for `j`, or "" when it is valid.
std::string error_of(const json& j, std::size_t size = 100) {
  const auto r = validate_envelope(j, size);
  return r ? std::string{} : r.err().message;
}

json nested(int levels) {  // `levels` nested objects, the outermost being attributes
  json v = 1;
  for (int i = 0; i < levels; ++i) v = json{{"x", v}};
  return v;
}

}  // namespace

TEST_CASE("the contract example envelope is valid") {
  const auto r = validate_envelope(valid_envelope(), 400);
  REQUIRE(r);
  CHECK(r->id == "BANKA-20261126-000123");
  CHECK(r->partner == "bank-a");
  CHECK(r->type == "contribution.collected");
  CHECK(timefmt::format_utc_ms(r->occurred_at) == "2026-11-26T06:15:00.000Z");
  CHECK(r->occurred_offset == 10800);
  CHECK(r->doc == valid_envelope());
}

TEST_CASE("each field rule gives its exact error text") {
  auto [field, value, message] = GENERATE(table<const char*, json, const char*>({
      {"id", "", "id: expected 1-128 characters of [A-Za-z0-9._:-]"},
      {"id", std::string(129, 'a'), "id: expected 1-128 characters of [A-Za-z0-9._:-]"},
      {"id", "a b", "id: expected 1-128 characters of [A-Za-z0-9._:-]"},
      {"id", "a/b", "id: expected 1-128 characters of [A-Za-z0-9._:-]"},
      {"id", 42, "id: expected a string"},
      {"id", nullptr, "id: expected a string"},
      {"partner", json::array(), "partner: expected a string"},
      {"type", "Contribution.collected", "type: expected a lowercase dotted name like contribution.collected"},
      {"type", "contribution", "type: expected a lowercase dotted name like contribution.collected"},
      {"type", "contribution.", "type: expected a lowercase dotted name like contribution.collected"},
      {"type", ".collected", "type: expected a lowercase dotted name like contribution.collected"},
      {"type", "contribution..collected", "type: expected a lowercase dotted name like contribution.collected"},
      {"type", "contribution.1st", "type: expected a lowercase dotted name like contribution.collected"},
      {"type", "contribution.collected-x", "type: expected a lowercase dotted name like contribution.collected"},
      {"occurred_at", "2026-11-26T09:15:00", "occurred_at: not an RFC 3339 timestamp"},
      {"occurred_at", "2026-02-30T09:15:00Z", "occurred_at: not an RFC 3339 timestamp"},
      {"occurred_at", 1764130500, "occurred_at: expected a string"},
      {"sent_at", "yesterday", "sent_at: not an RFC 3339 timestamp"},
      {"sent_at", nullptr, "sent_at: expected a string"},
      {"correlation_id", std::string(129, 'c'), "correlation_id: longer than 128 characters"},
      {"correlation_id", 7, "correlation_id: expected a string"},
      {"subject", json::object(), "subject: expected a string"},
      {"purpose", false, "purpose: expected a string"},
      {"attributes", json::array(), "attributes: expected a JSON object"},
      {"attributes", nullptr, "attributes: expected a JSON object"},
      {"attributes", nested(9), "attributes: nested deeper than 8 levels"},
  }));
  json j = valid_envelope();
  j[field] = value;
  INFO(field << " = " << value.dump());
  const auto r = validate_envelope(j, 300);
  REQUIRE_FALSE(r);
  CHECK(r.err().code == "invalid_field");
  CHECK(r.err().message == message);
}

TEST_CASE("values at the limits are accepted") {
  json j = valid_envelope();
  j["id"] = std::string(128, 'Z');
  j["correlation_id"] = std::string(128, 'c');
  j["type"] = "a.b_2.c";
  j["attributes"] = nested(8);
  CHECK(error_of(j) == "");
  j["id"] = "A.z_0:9-x";
  j["attributes"] = json{{"list", json::array({json::array({1, 2})})}};  // arrays count as levels
  CHECK(error_of(j) == "");
}

TEST_CASE("arrays count as nesting levels inside attributes") {
  json v = 1;
  for (int i = 0; i < 8; ++i) v = json::array({v});
  json j = valid_envelope();
  j["attributes"] = json{{"a", v}};  // attributes (1) + 8 arrays = 9 levels
  CHECK(error_of(j) == "attributes: nested deeper than 8 levels");
}

TEST_CASE("optional fields may be absent") {
  json j = valid_envelope();
  for (const char* f : {"sent_at", "correlation_id", "subject", "purpose", "attributes"})
    j.erase(f);
  CHECK(error_of(j) == "");
}

TEST_CASE("a missing required field is reported as required") {
  for (const char* f : {"id", "partner", "type", "occurred_at"}) {
    json j = valid_envelope();
    j.erase(f);
    CHECK(error_of(j) == std::string(f) + ": required");
  }
}

TEST_CASE("the first failing field in contract order is the one reported") {
  json j = valid_envelope();
  j["attributes"] = 1;
  j["sent_at"] = "x";
  j["type"] = "X";
  CHECK(error_of(j) == "type: expected a lowercase dotted name like contribution.collected");
  j.erase("id");
  CHECK(error_of(j) == "id: required");
}

TEST_CASE("an unknown top-level field is rejected before any field rule") {
  json j = valid_envelope();
  j["zeta"] = 1;
  j["amount"] = 2;
  j.erase("id");
  CHECK(error_of(j) == "amount: unknown field");
}

TEST_CASE("a partner cannot send the fields slawatch stamps") {
  for (const char* f : {"received_at", "transport"}) {
    json j = valid_envelope();
    j[f] = "2026-11-26T06:20:05.117Z";
    CHECK(error_of(j) == std::string(f) + ": unknown field");
  }
}

TEST_CASE("a non-object and an oversized event are rejected first") {
  CHECK(error_of(json::array()) == "event: expected a JSON object");
  CHECK(error_of("text") == "event: expected a JSON object");
  const auto r = validate_envelope(json{{"bogus", 1}}, 65537);
  REQUIRE_FALSE(r);
  CHECK(r.err().code == "too_large");
  CHECK(r.err().message == "event: larger than 65536 bytes");
  CHECK(error_of(valid_envelope(), 65536) == "");
}

TEST_CASE("the canonical envelope is sorted, compact and ignores the stamps") {
  auto a = validate_envelope(valid_envelope(), 400);
  REQUIRE(a);
  const std::string before = a->canonical_envelope();
  CHECK(before == json::parse(before).dump());
  CHECK(before.find(' ') == std::string::npos);
  CHECK(before.rfind("{\"attributes\":{\"amount\":1250.5,", 0) == 0);
  stamp(*a, instant{} + std::chrono::hours{1}, transport{});
  CHECK(a->canonical_envelope() == before);
  CHECK(a->content_hash().size() == 64);
}

TEST_CASE("the same event sent with other key order or spacing has the same content hash") {
  const auto one = validate_envelope(valid_envelope(), 400);
  const auto two = validate_envelope(json::parse(R"({"type":"contribution.collected",
      "attributes": {"channel":"branch","currency":"KES","amount":1250.5},
      "purpose":"collect_contribution","subject":"ps:7f3a9c0e1b","correlation_id":"R-88812",
      "sent_at":"2026-11-26T09:20:04+03:00","occurred_at":"2026-11-26T09:15:00+03:00",
      "partner":"bank-a","id":"BANKA-20261126-000123"})"), 400);
  REQUIRE(one);
  REQUIRE(two);
  CHECK(one->content_hash() == two->content_hash());
  json changed = valid_envelope();
  changed["attributes"]["amount"] = 1250.51;
  const auto three = validate_envelope(changed, 400);
  REQUIRE(three);
  CHECK(three->content_hash() != one->content_hash());
}

TEST_CASE("stamping adds received_at in UTC and the transport facts") {
  auto ev = validate_envelope(valid_envelope(), 400);
  REQUIRE(ev);
  transport t;
  t.tls = true;
  t.tls_version = "TLSv1.3";
  t.authenticated_as = "bank-a-ingest";
  t.signature = "valid";
  const auto at = *timefmt::parse_rfc3339("2026-11-26T06:20:05.117Z");
  stamp(*ev, at, t);
  CHECK(ev->received_at == at);
  CHECK(ev->doc["received_at"] == "2026-11-26T06:20:05.117Z");
  CHECK(ev->doc["transport"] == json::parse(R"({"source": "http", "tls": true,
      "tls_version": "TLSv1.3", "client_cert": null, "authenticated_as": "bank-a-ingest",
      "signature": "valid"})"));
}

TEST_CASE("a stored event keeps its stamps and fills the missing ones") {
  json j = valid_envelope();
  j["received_at"] = "2026-11-26T06:20:05.117Z";
  j["transport"] = json{{"source", "file"}};
  transport fallback;
  fallback.source = "replay";
  const auto r = validate_stored(j, 500, fallback);
  REQUIRE(r);
  CHECK(timefmt::format_utc_ms(r->received_at) == "2026-11-26T06:20:05.117Z");
  CHECK(r->doc["transport"]["source"] == "file");

  const auto bare = validate_stored(valid_envelope(), 400, fallback);
  REQUIRE(bare);
  CHECK(bare->received_at == bare->occurred_at);
  CHECK(bare->doc["received_at"] == "2026-11-26T06:15:00.000Z");
  CHECK(bare->doc["transport"]["source"] == "replay");
  CHECK(bare->content_hash() == validate_envelope(valid_envelope(), 400)->content_hash());
}

TEST_CASE("a stored event with malformed stamps is rejected") {
  json j = valid_envelope();
  j["received_at"] = "soon";
  CHECK(validate_stored(j, 400, {}).err().message == "received_at: not an RFC 3339 timestamp");
  j["received_at"] = 5;
  CHECK(validate_stored(j, 400, {}).err().message == "received_at: expected a string");
  j.erase("received_at");
  j["transport"] = "http";
  CHECK(validate_stored(j, 400, {}).err().message == "transport: expected a JSON object");
  j["extra"] = 1;
  CHECK(validate_stored(j, 400, {}).err().message == "extra: unknown field");
}

TEST_CASE("the stamps of a stored event do not count against the size limit") {
  json j = valid_envelope();
  j["received_at"] = "2026-11-26T06:20:05.117Z";
  CHECK(validate_stored(j, 65536 + 30, {}));
  CHECK_FALSE(validate_stored(j, 65536 + 60, {}));
}

TEST_CASE("the canonical envelope escapes values exactly like a compact dump") {
  json j = valid_envelope();
  j["subject"] = "quote \" backslash \\ newline \n caf\xC3\xA9";
  j["attributes"] = json{{"k\"ey", "\t"}, {"list", {1, 2.5, nullptr, true}}};
  const auto ev = validate_envelope(j, 500);
  REQUIRE(ev);
  CHECK(ev->canonical_envelope() == j.dump());
}
