#include <catch2/catch.hpp>

#include "slawatch/model/pseudonymize.hpp"

using namespace slawatch::model;
using json = nlohmann::json;

namespace {

// Computed independently:
//   printf '%s' VALUE | openssl dgst -sha256 -hmac KEY -binary | basenc --base64url | cut -c1-22
const std::string key = "0123456789abcdef-test-key";

json event_doc() {
  return json::parse(R"({
    "id": "e-1", "partner": "bank-a", "type": "contribution.collected",
    "occurred_at": "2026-11-26T09:15:00Z", "subject": "RAWSUBJ-93817", "correlation_id": "R-1",
    "attributes": {"national_id": "NATID-55120", "msisdn": 254712345678, "amount": 12.5,
                   "payer": {"msisdn": "254712345678", "name": "x"},
                   "doc": {"b": "x", "a": 1}, "gone": null, "flat": "keep"}})");
}

}  // namespace

TEST_CASE("a pseudonym is ps: plus 22 base64url characters of the HMAC-SHA256", "[model][privacy]") {
  // RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?") = 5bdcc146...
  // = base64url W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM
  CHECK(pseudonym("Jefe", "what do ya want for nothing?") == "ps:W9zBRr9gdU5qBCQmCJV1x1");
  struct row { std::string value, expected; };
  const std::vector<row> table = {
      {"RAWSUBJ-93817", "ps:9Evtu6SjLF23WmmFFd47U-"},
      {"NATID-55120", "ps:g1bT2_kyGwBSt50guvW78q"},
      {"254712345678", "ps:gjTCYNNSL3zJzu_4yi_sI5"},
      {R"({"a":1,"b":"x"})", "ps:y0bypKlAOspRzsXMy8ckQV"},
      {"", "ps:ToONuD7Z1h1nSG4DWEVV0T"},
  };
  for (const auto& r : table) {
    INFO(r.value);
    CHECK(pseudonym(key, r.value) == r.expected);
    CHECK(pseudonym(key, r.value).size() == pseudonym_length);
    CHECK(looks_like_pseudonym(pseudonym(key, r.value)));
  }
  CHECK(pseudonym("another-key-0123456", "RAWSUBJ-93817") != "ps:9Evtu6SjLF23WmmFFd47U-");
}

TEST_CASE("only the exact pseudonym shape looks like a pseudonym", "[model][privacy]") {
  CHECK(looks_like_pseudonym("ps:9Evtu6SjLF23WmmFFd47U-"));
  CHECK_FALSE(looks_like_pseudonym("ps:7f3a9c0e1b"));
  CHECK_FALSE(looks_like_pseudonym("ps:9Evtu6SjLF23WmmFFd47U-x"));
  CHECK_FALSE(looks_like_pseudonym("ps:9Evtu6SjLF23WmmFFd47U="));
  CHECK_FALSE(looks_like_pseudonym("px:9Evtu6SjLF23WmmFFd47U-"));
}

TEST_CASE("pseudonym input is the string itself or the compact JSON text", "[model][privacy]") {
  CHECK(pseudonym_input(json("abc")) == "abc");
  CHECK(pseudonym_input(json(254712345678)) == "254712345678");
  CHECK(pseudonym_input(json(true)) == "true");
  CHECK(pseudonym_input(json::parse(R"({"b":"x","a":1})")) == R"({"a":1,"b":"x"})");
  CHECK(pseudonym_input(json::parse(R"(["x", 2])")) == R"(["x",2])");
}

TEST_CASE("listed fields are replaced and everything else is kept", "[model][privacy]") {
  struct row { std::string path; json::json_pointer where; std::string expected; };
  const std::vector<row> table = {
      {"subject", json::json_pointer("/subject"), "ps:9Evtu6SjLF23WmmFFd47U-"},
      {"attributes.national_id", json::json_pointer("/attributes/national_id"), "ps:g1bT2_kyGwBSt50guvW78q"},
      // a number: its JSON text, so it matches the same digits sent as a string
      {"attributes.msisdn", json::json_pointer("/attributes/msisdn"), "ps:gjTCYNNSL3zJzu_4yi_sI5"},
      {"attributes.payer.msisdn", json::json_pointer("/attributes/payer/msisdn"), "ps:gjTCYNNSL3zJzu_4yi_sI5"},
      // an object: its compact, key-sorted dump becomes one pseudonym
      {"attributes.doc", json::json_pointer("/attributes/doc"), "ps:y0bypKlAOspRzsXMy8ckQV"},
  };
  for (const auto& r : table) {
    INFO(r.path);
    auto doc = event_doc();
    const auto before = doc;
    pseudonymizer(key, {r.path}).apply(doc);
    CHECK(doc.at(r.where) == r.expected);
    doc.at(r.where) = before.at(r.where);
    CHECK(doc == before);   // nothing else changed
  }
}

TEST_CASE("a missing field, a null or a non-object step is left untouched", "[model][privacy]") {
  auto doc = event_doc();
  const auto before = doc;
  pseudonymizer(key, {"purpose", "attributes.absent", "attributes.gone", "attributes.flat.deeper",
                      "attributes.payer.absent.x"})
      .apply(doc);
  CHECK(doc == before);
  json no_attributes = {{"id", "e"}};
  pseudonymizer(key, {"attributes.national_id"}).apply(no_attributes);
  CHECK(no_attributes == json{{"id", "e"}});
}

TEST_CASE("pseudonymising is deterministic and a path listed twice applies once", "[model][privacy]") {
  auto a = event_doc(), b = event_doc();
  pseudonymizer(key, {"subject", "subject"}).apply(a);
  pseudonymizer(key, {"subject"}).apply(b);
  CHECK(a == b);
  CHECK(a["subject"] == "ps:9Evtu6SjLF23WmmFFd47U-");
}

TEST_CASE("replay input keeps values that are already pseudonyms", "[model][privacy]") {
  auto doc = event_doc();
  doc["correlation_id"] = "ps:9Evtu6SjLF23WmmFFd47U-";
  pseudonymizer p(key, {"subject", "correlation_id"});
  p.apply_unless_pseudonym(doc);
  CHECK(doc["subject"] == "ps:9Evtu6SjLF23WmmFFd47U-");
  CHECK(doc["correlation_id"] == "ps:9Evtu6SjLF23WmmFFd47U-");
  auto again = doc;
  p.apply_unless_pseudonym(again);
  CHECK(again == doc);   // idempotent on stored events
  p.apply(again);
  CHECK(again["subject"] != doc["subject"]);   // apply() never skips
}
