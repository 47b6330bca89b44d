// POST /v1/breaches/{id}/waive: validation, the writer's answers, the audit log line.
#include <catch2/catch.hpp>
#include "http_fakes.hpp"

using namespace http_test;
using slawatch::store::waive_status;

namespace {

constexpr const char* path = "/v1/breaches/b-1/waive";

std::optional<http::response> waive(harness& h, const std::string& body,
                                    const std::string& target = path) {
  return h.send("POST", target, "application/json", body);
}

ingest::waive_result waived_result(const std::string& reason) {
  model::breach b;
  b.id = "b-1";
  b.rule = "transport-tls";
  b.kind = "condition";
  b.partner = "bank-a";
  b.status = model::breach_status::waived;
  b.waived_reason = reason;
  b.waived_at = instant{std::chrono::seconds(1795000000)};
  return {true, "", waive_status::waived, b};
}

/// Completes the oldest pending waive; returns the response it produced.
http::response complete(harness& h, ingest::waive_result r) {
  REQUIRE_FALSE(h.pending_waives.empty());
  auto done = std::move(h.pending_waives.front());
  h.pending_waives.erase(h.pending_waives.begin());
  const auto before = h.responses.size();
  done(std::move(r));
  REQUIRE(h.responses.size() == before + 1);
  return h.responses.back();
}

}  // namespace

TEST_CASE("a bad waive body is 400 with the exact error and nothing is queued") {
  harness h;
  struct row { std::string body; std::string error; };
  const std::vector<row> rows = {
      {R"({})", "reason: required"},
      {R"({"reason": null})", "reason: required"},
      {R"({"reason": ""})", "reason: required"},
      {R"({"reason": "   "})", "reason: required"},
      {R"({"reason": 42})", "reason: expected a string"},
      {R"(["x"])", "body: expected a JSON object"},
      {nlohmann::json{{"reason", std::string(1001, 'x')}}.dump(), "reason: longer than 1000 characters"},
  };
  for (const auto& [body, error] : rows) {
    INFO(body);
    auto r = waive(h, body);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(body_of(*r)["error"] == error);
  }
  CHECK(h.waives.empty());
}

TEST_CASE("a waive body that is not JSON is 400 with the parse error") {
  harness h;
  auto r = waive(h, "{reason");
  REQUIRE(r);
  CHECK(r->status == 400);
  const std::string error = body_of(*r)["error"];
  CHECK(error.starts_with("body: parse error at line 1, column 2"));
  CHECK(h.waives.empty());
}

TEST_CASE("a reason of 1000 characters counts code points, not bytes") {
  harness h;
  std::string reason;
  for (int i = 0; i < 1000; ++i) reason += "é";   // 2000 bytes
  CHECK_FALSE(waive(h, nlohmann::json{{"reason", reason}}.dump()));
  REQUIRE(h.waives.size() == 1);
  CHECK(h.waives[0].first == "b-1");
  CHECK(h.waives[0].second == reason);
}

TEST_CASE("a committed waive answers 200 with the waived breach and logs an audit line") {
  harness h;
  CHECK_FALSE(waive(h, R"({"reason": "partner outage agreed"})"));
  auto r = complete(h, waived_result("partner outage agreed"));
  CHECK(r.status == 200);
  auto j = body_of(r);
  CHECK(j["status"] == "waived");
  CHECK(j["waived_reason"] == "partner outage agreed");
  CHECK(j["waived_at"] == "2026-11-18T11:06:40Z");
  REQUIRE(h.logs.size() == 1);
  const auto& line = h.logs[0];
  CHECK(line["msg"] == "breach waived");
  CHECK(line["audit"] == "waiver");
  CHECK(line["breach"] == "b-1");
  CHECK(line["rule"] == "transport-tls");
  CHECK(line["partner"] == "bank-a");
  CHECK(line.dump().find("partner outage agreed") == std::string::npos);   // never logged
}

TEST_CASE("the writer's refusals map to 404, 409 and 503") {
  harness h;
  struct row { ingest::waive_result result; unsigned status; std::string error; };
  const std::vector<row> rows = {
      {{true, "", waive_status::not_found, std::nullopt}, 404, "breach not found"},
      {{true, "", waive_status::already_waived, std::nullopt}, 409, "breach already waived"},
      {{false, "disk I/O error", waive_status::waived, std::nullopt}, 503,
       "storage: unavailable, nothing was stored"},
  };
  for (const auto& [result, status, error] : rows) {
    INFO(error);
    CHECK_FALSE(waive(h, R"({"reason": "r"})"));
    auto r = complete(h, result);
    CHECK(r.status == status);
    CHECK(body_of(r)["error"] == error);
  }
  REQUIRE(h.logs.size() == 1);   // only the storage failure is logged
  CHECK(h.logs[0]["level"] == "error");
}

TEST_CASE("a waive the pipeline refuses is 503") {
  harness h;
  h.accept_waives = false;
  auto r = waive(h, R"({"reason": "r"})");
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(body_of(*r)["error"] == "waive: not available, shutting down");
}

TEST_CASE("the waive route takes POST only and one id segment") {
  harness h;
  auto get = h.send("GET", path);
  REQUIRE(get);
  CHECK(get->status == 405);
  CHECK(get->headers == std::vector<std::pair<std::string, std::string>>{{"Allow", "POST"}});
  for (auto target : {"/v1/breaches//waive", "/v1/breaches/a/b/waive", "/v1/breaches/b-1/waive/x"}) {
    INFO(target);
    auto r = waive(h, R"({"reason": "r"})", target);
    REQUIRE(r);
    CHECK(r->status == 404);
  }
  CHECK(h.waives.empty());
}
