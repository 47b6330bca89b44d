// GET /v1/reports/{partner}: period and format validation, Accept negotiation, the three
// renderings from a real SQLite reader (isolation: http_auth_isolation.cpp, test_reports.py).
#include "engine_support.hpp"
#include "http_fakes.hpp"
#include "store_fixtures.hpp"

using http_test::body_of;
using http_test::harness;
using namespace slawatch;

namespace {

const char* rules_text = R"(partners:
  - { id: bank-a, name: Bank A, class: bank, timezone: Africa/Nairobi }
  - { id: post-b, name: Post B, class: post_office }
rules:
  - id: amount-nonzero
    kind: condition
    category: integrity
    severity: minor
    description: "Amounts are not zero <script>alert(1)</script> & more"
    require: event.attributes.amount != '0'
)";

/// A harness whose readers open a real database holding one breach and its outcomes.
struct report_harness {
  store_test::temp_db db;
  std::unique_ptr<http::reader_pool> pool;
  std::unique_ptr<harness> h;

  report_harness() {
    auto w = store_test::open_or_fail(db.path);
    auto b = store_test::make_breach("b-1", "bank-a", "amount-nonzero", 1'794'000'000);
    b.message = "=HYPERLINK(\"x\") & <b>";
    REQUIRE(w->begin().ok());
    REQUIRE(w->put_breach(b).ok());
    REQUIRE(w->add_outcomes({{"amount-nonzero", "bank-a", model::outcome_kind::breached, b.occurred_at},
                             {"amount-nonzero", "bank-a", model::outcome_kind::met, b.occurred_at}}).ok());
    REQUIRE(w->commit().ok());
    pool = std::make_unique<http::reader_pool>(
        [this]() -> result<std::unique_ptr<store::store>> { return store::open_sqlite(db.path, store::sync_mode::full); });
    h = std::make_unique<harness>(10000, [this](http::router_deps& d) { d.readers = pool.get(); });
    h->rules = std::const_pointer_cast<rules::rule_set>(engine_test::load(rules_text));
    h->now = engine_test::at("2026-11-27T10:00:00Z");
  }
};

http::response get(harness& h, const std::string& target, const std::string& accept = "") {
  http::request req;
  req.method = "GET";
  req.target = target;
  req.accept = accept;
  auto r = h.send_request(std::move(req));
  REQUIRE(r);
  return *r;
}

}  // namespace

TEST_CASE("report requests with a bad period or format or partner are refused with exact texts") {
  report_harness rh;
  struct row { std::string target; unsigned status; std::string error; };
  for (const auto& [target, status, error] : std::vector<row>{
           {"/v1/reports/bank-a", 400, "period: required"},
           {"/v1/reports/bank-a?period=2026-13", 400, "period: expected YYYY-MM"},
           {"/v1/reports/bank-a?period=26-11", 400, "period: expected YYYY-MM"},
           {"/v1/reports/bank-a?period=2026-12", 400, "period: in the future"},
           {"/v1/reports/bank-a?period=2026-11&format=pdf", 400, "format: expected json, csv or html"},
           {"/v1/reports/bank-a?period=2026-11&period=2026-10", 400, "period: given more than once"},
           {"/v1/reports/bank-a?period=2026-11&x=1", 400, "x: unknown query parameter"},
           {"/v1/reports/nobody?period=2026-11", 404, "partner not found"}}) {
    INFO(target);
    auto r = get(*rh.h, target);
    CHECK(r.status == status);
    CHECK(body_of(r)["error"] == error);
  }
}

TEST_CASE("the report format follows format= then Accept then JSON") {
  report_harness rh;
  struct row { std::string query, accept, content_type; unsigned status; };
  for (const auto& [query, accept, content_type, status] : std::vector<row>{
           {"", "", "application/json", 200},
           {"", "text/html", "text/html; charset=utf-8", 200},
           {"", "text/csv", "text/csv; charset=utf-8", 200},
           {"", "text/csv;q=0.5, text/html", "text/html; charset=utf-8", 200},
           {"", "*/*", "application/json", 200},
           {"&format=csv", "text/html", "text/csv; charset=utf-8", 200},
           {"", "image/png", "application/json", 406}}) {
    INFO(query << " / " << accept);
    auto r = get(*rh.h, "/v1/reports/bank-a?period=2026-11" + query, accept);
    CHECK(r.status == status);
    CHECK(r.content_type == content_type);
  }
  auto bad = get(*rh.h, "/v1/reports/bank-a?period=2026-11", "image/png");
  CHECK(body_of(bad)["error"] == "accept: expected application/json, text/csv or text/html");
}

TEST_CASE("the report reads the period from storage in every format") {
  report_harness rh;
  auto j = body_of(get(*rh.h, "/v1/reports/bank-a?period=2026-11"));
  CHECK(j["period"]["partial"] == true);
  REQUIRE(j["rules"].size() == 1);
  CHECK(j["rules"][0]["met"] == 1);
  CHECK(j["rules"][0]["breached"] == 1);
  CHECK(j["rules"][0]["status"] == "red");
  REQUIRE(j["breaches"].size() == 1);
  CHECK(j["audit_head"] == store::audit_genesis_hash());
  auto csv = get(*rh.h, "/v1/reports/bank-a?period=2026-11&format=csv");
  CHECK(csv.body.find(",\"'=HYPERLINK(\"\"x\"\") & <b>\",") != std::string::npos);
  CHECK(csv.header("Content-Disposition") == "attachment; filename=\"report-bank-a-2026-11.csv\"");
  auto html = get(*rh.h, "/v1/reports/bank-a?period=2026-11&format=html");
  CHECK(html.body.find("<script>") == std::string::npos);
  CHECK(html.body.find("&lt;script&gt;") != std::string::npos);
  auto empty = body_of(get(*rh.h, "/v1/reports/bank-a?period=2026-10"));
  CHECK(empty["breaches"].empty());
  CHECK(empty["rules"][0]["status"] == "none");
  CHECK(empty["completeness"]["silent_days"].size() == 31);
}
