// GET /v1/obligations: query validation, rendering in the calendar's offset, elapsed, paging.
#include "engine_support.hpp"
#include "http_fakes.hpp"

using http_test::body_of;
using http_test::harness;
using namespace slawatch;

namespace {

const char* rules_text = R"(partners:
  - { id: bank-a, name: Bank A, class: bank, timezone: Africa/Nairobi }
rules:
  - id: remit
    kind: deadline
    category: timeliness
    severity: major
    description: Collected contributions are remitted within 1 business day.
    start: { when: "event.type == 'contribution.collected'", key: event.attributes.receipt_no }
    stop: { when: "event.type == 'contribution.remitted'", key: event.attributes.receipt_no }
    within: 1 business_days
    warn_at: [50%, 75%]
)";

store::obligation_row row(const std::string& rule, const std::string& key, const std::string& started,
                          const std::string& due, unsigned warned) {
  store::obligation_row o;
  o.rule = rule;
  o.partner = "bank-a";
  o.key = key;
  o.started_at = engine_test::at(started);
  o.due = engine_test::at(due);
  o.warned = warned;
  return o;
}

void use_rules(harness& h) {
  h.rules = std::const_pointer_cast<rules::rule_set>(engine_test::load(rules_text));
}

}  // namespace

TEST_CASE("obligations render in the calendar's offset with elapsed and the warnings fired") {
  harness h;
  use_rules(h);
  h.now = engine_test::at("2026-11-09T07:30:00+03:00");   // half of Monday's business day
  h.reader.obligations = {
      row("remit", "R1", "2026-11-06T15:00:00+03:00", "2026-11-09T23:59:59.999+03:00", 1),
      row("gone", "G1", "2026-11-09T00:00:00Z", "2026-11-09T08:00:00Z", 3)};
  h.reader.obligations_cursor = "o3132";
  auto r = h.send("GET", "/v1/obligations?partner=bank-a&limit=2");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(h.reader.last_obligation_query.partner == "bank-a");
  CHECK(h.reader.last_obligation_query.limit == 2);
  CHECK_FALSE(h.reader.last_obligation_query.rule);
  const auto expected = nlohmann::json::parse(R"({"obligations": [
    {"rule": "remit", "partner": "bank-a", "key": "R1", "started_at": "2026-11-06T15:00:00+03:00",
     "due_at": "2026-11-09T23:59:59.999+03:00", "elapsed": 0.5, "warnings": ["50%"]},
    {"rule": "gone", "partner": "bank-a", "key": "G1", "started_at": "2026-11-09T00:00:00.000Z",
     "due_at": "2026-11-09T08:00:00.000Z", "elapsed": 0.5625, "warnings": []}],
    "next_cursor": "o3132"})");
  CHECK(body_of(*r) == expected);
}

TEST_CASE("an overdue obligation still in its lateness has elapsed above 1") {
  harness h;
  use_rules(h);
  h.now = engine_test::at("2026-11-10T12:30:00+03:00");
  h.reader.obligations = {row("remit", "R1", "2026-11-06T15:00:00+03:00", "2026-11-09T23:59:59.999+03:00", 2)};
  auto body = body_of(*h.send("GET", "/v1/obligations"));
  CHECK(body["obligations"][0]["elapsed"].get<double>() > 1.0);
  CHECK(body["obligations"][0]["warnings"] == nlohmann::json::array({"50%", "75%"}));
  CHECK(body["next_cursor"].is_null());
}

TEST_CASE("bad obligation query parameters are 400 with the exact message") {
  harness h;
  struct row_t { const char* query; const char* message; };
  for (auto [query, message] : {row_t{"limit=0", "limit: expected an integer from 1 to 1000"},
                                row_t{"limit=1001", "limit: expected an integer from 1 to 1000"},
                                row_t{"limit=-1", "limit: expected an integer from 1 to 1000"},
                                row_t{"status=open", "status: unknown query parameter"},
                                row_t{"rule=a&rule=b", "rule: given more than once"}}) {
    auto r = h.send("GET", std::string("/v1/obligations?") + query);
    INFO(query);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(body_of(*r)["error"] == message);
  }
  auto empty = h.send("GET", "/v1/obligations?partner=&rule=&cursor=");
  CHECK(empty->status == 200);
  CHECK_FALSE(h.reader.last_obligation_query.partner);
}

TEST_CASE("an unknown obligation cursor is 400, other store failures 503, POST is 405") {
  harness h;
  h.reader.fail_with = slawatch::error{"bad_request", "cursor: invalid"};
  auto r = h.send("GET", "/v1/obligations?cursor=zz");
  CHECK(r->status == 400);
  CHECK(body_of(*r)["error"] == "cursor: invalid");
  h.reader.fail_with = slawatch::error{"storage", "database is locked"};
  CHECK(h.send("GET", "/v1/obligations")->status == 503);
  auto post = h.send("POST", "/v1/obligations");
  CHECK(post->status == 405);
  CHECK(post->header("Allow") == std::string("GET"));
}
