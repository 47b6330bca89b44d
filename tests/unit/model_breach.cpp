#include <catch2/catch.hpp>

#include "slawatch/model/breach.hpp"

using namespace slawatch;
using namespace slawatch::model;
using json = nlohmann::json;

namespace {

breach sample() {
  breach b;
  b.id = "b-0123456789abcdef";
  b.rule = "contribution-remittance-t1";
  b.rule_version = "9c1e";
  b.kind = "deadline";
  b.category = "timeliness";
  b.severity = "major";
  b.partner = "bank-a";
  b.key = "R1";
  b.occurred_at = *timefmt::parse_rfc3339("2026-11-09T23:59:59.999+03:00");
  b.occurred_offset = 10800;
  b.detected_at = b.occurred_at;
  b.due_at = b.occurred_at;
  b.status = breach_status::open;
  b.message = "Receipt R1 not remitted within 1 business day";
  b.evidence = json{{"events", {"c1"}}, {"expected", "remit"}, {"observed", "none"}};
  return b;
}

}  // namespace

TEST_CASE("a breach serialises to the contract 6 shape") {
  const json expected = json::parse(R"({
    "id": "b-0123456789abcdef", "rule": "contribution-remittance-t1", "rule_version": "9c1e",
    "kind": "deadline", "category": "timeliness", "severity": "major",
    "partner": "bank-a", "key": "R1",
    "occurred_at": "2026-11-09T23:59:59.999+03:00",
    "detected_at": "2026-11-09T20:59:59.999Z",
    "due_at": "2026-11-09T23:59:59.999+03:00", "completed_at": null, "delay_seconds": null,
    "status": "open",
    "message": "Receipt R1 not remitted within 1 business day",
    "evidence": { "events": ["c1"], "expected": "remit", "observed": "none" },
    "labels": {} })");
  CHECK(sample().to_json() == expected);
}

TEST_CASE("a breach survives a JSON round trip") {
  breach b = sample();
  b.completed_at = b.occurred_at + std::chrono::hours{5};
  b.delay_seconds = 18000.0;
  b.status = breach_status::waived;
  b.labels = {{"region", "coast"}};
  const json j = b.to_json();
  const auto back = breach::from_json(j);
  REQUIRE(back);
  CHECK(back->to_json() == j);
  CHECK(back->occurred_offset == 10800);
  CHECK(back->completed_at == b.completed_at);
  CHECK(back->delay_seconds == 18000.0);
}

TEST_CASE("a malformed breach document is refused") {
  json j = sample().to_json();
  CHECK(breach::from_json(j));
  for (const char* field : {"id", "rule", "partner", "status", "occurred_at", "detected_at"}) {
    json k = j;
    k.erase(field);
    INFO(field);
    CHECK_FALSE(breach::from_json(k));
  }
  json bad_status = j;
  bad_status["status"] = "pending";
  CHECK_FALSE(breach::from_json(bad_status));
  json bad_time = j;
  bad_time["due_at"] = "tomorrow";
  CHECK_FALSE(breach::from_json(bad_time));
  json bad_type = j;
  bad_type["delay_seconds"] = "ten";
  CHECK_FALSE(breach::from_json(bad_type));
  CHECK_FALSE(breach::from_json(json::array()));
}

TEST_CASE("enum names are the contract strings") {
  CHECK(to_string(outcome_kind::met) == "met");
  CHECK(to_string(outcome_kind::breached) == "breached");
  CHECK(to_string(outcome_kind::waived) == "waived");
  CHECK(to_string(breach_status::open) == "open");
  CHECK(to_string(breach_status::closed) == "closed");
  CHECK(to_string(breach_status::waived) == "waived");
}

TEST_CASE("sha256_hex is lowercase hex of the digest") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("breach ids are deterministic and separate their parts") {
  const auto id = breach_id("r", "bank-a", "R1", "2026-11-09");
  CHECK(id == "b-" + sha256_hex("r\x1f" "bank-a\x1fR1\x1f" "2026-11-09").substr(0, 16));
  CHECK(id.size() == 18);
  CHECK(breach_id("r", "bank-a", "R1", "2026-11-09") == id);
  CHECK(breach_id("r", "bank-aR1", "", "2026-11-09") != id);
}
