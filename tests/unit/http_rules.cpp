// POST /-/reload and GET /v1/rules.
#include <catch2/catch.hpp>
#include "http_fakes.hpp"

using namespace http_test;

namespace {

rules::rule condition_rule() {
  rules::rule r;
  r.id = "amount-positive";
  r.kind = rules::rule_kind::condition;
  r.category = "integrity";
  r.severity = "major";
  r.description = "A collected contribution has a positive amount.";
  r.reference = "Contract 4.2";
  r.version = "9c1e";
  r.labels = {{"team", "finance"}};
  r.partners.classes = {"bank"};
  r.partners.labels = {{"region", "coast"}};
  return r;
}

}  // namespace

TEST_CASE("a successful reload is 200 with the new version and the changed rule ids") {
  harness h;
  h.next_reload = {true, {}, 3, "abc123", {"new-rule"}, {"amount-positive"}, {"old-rule"}};
  auto r = h.send("POST", "/-/reload");
  REQUIRE(r);
  CHECK(h.reloads == 1);
  CHECK(r->status == 200);
  CHECK(r->content_type == "application/json");
  CHECK(body_of(*r) == nlohmann::json::parse(R"({"rules": 3, "version": "abc123", "added": ["new-rule"],
      "changed": ["amount-positive"], "removed": ["old-rule"]})"));
}

TEST_CASE("a refused reload is 422 reload failed with every error as file:line:col: message") {
  harness h;
  h.next_reload.ok = false;
  h.next_reload.errors = {"rules/a.yaml:3:14: severity: expected critical, major, minor or info",
                          "rules/b.yaml:1:1: rules: expected a list"};
  auto r = h.send("POST", "/-/reload");
  REQUIRE(r);
  CHECK(r->status == 422);
  CHECK(body_of(*r) == nlohmann::json::parse(R"({"error": "reload failed", "errors": [
      "rules/a.yaml:3:14: severity: expected critical, major, minor or info",
      "rules/b.yaml:1:1: rules: expected a list"]})"));
}

TEST_CASE("reload takes POST only and is 503 when the daemon wired no reloader") {
  harness h;
  auto r = h.send("GET", "/-/reload");
  REQUIRE(r);
  CHECK(r->status == 405);
  CHECK(r->header("Allow") == std::string("POST"));
  CHECK(h.reloads == 0);

  http::router_deps bare;
  http::router plain(std::move(bare));
  std::optional<http::response> got;
  http::request reload;
  reload.method = "POST";
  reload.target = "/-/reload";
  plain.handle(std::move(reload), [&](http::response res) { got = std::move(res); });
  REQUIRE(got);
  CHECK(got->status == 503);
  CHECK(got->body == R"({"error":"reload: not available"})");
}

TEST_CASE("GET /v1/rules lists versions, file hashes and rules without their expressions") {
  harness h;
  auto r = condition_rule();
  r.require = nullptr;
  h.rules->rules.push_back(r);
  auto all = condition_rule();
  all.id = "everyone";
  all.enabled = false;
  all.labels.clear();
  all.partners = {};
  all.reference.clear();
  h.rules->rules.push_back(all);
  h.rules->file_hashes = {{"rules/a.yaml", "aa11"}, {"rules/b.yaml", "bb22"}};
  h.rules->version = "set-version";
  auto got = h.send("GET", "/v1/rules");
  REQUIRE(got);
  CHECK(got->status == 200);
  CHECK(body_of(*got) == nlohmann::json::parse(R"({
    "version": "set-version",
    "files": [{"name": "rules/a.yaml", "sha256": "aa11"}, {"name": "rules/b.yaml", "sha256": "bb22"}],
    "rules": [
      {"id": "amount-positive", "kind": "condition", "category": "integrity", "severity": "major",
       "description": "A collected contribution has a positive amount.", "reference": "Contract 4.2",
       "enabled": true, "version": "9c1e", "labels": {"team": "finance"},
       "partners": {"classes": ["bank"], "labels": {"region": "coast"}}},
      {"id": "everyone", "kind": "condition", "category": "integrity", "severity": "major",
       "description": "A collected contribution has a positive amount.", "reference": "",
       "enabled": false, "version": "9c1e", "labels": {}, "partners": {}}]})"));
}

TEST_CASE("GET /v1/rules is 503 while no rules are loaded and takes GET only") {
  harness h;
  auto r = h.send("POST", "/v1/rules");
  REQUIRE(r);
  CHECK(r->status == 405);
  CHECK(r->header("Allow") == std::string("GET"));
  h.rules = nullptr;
  r = h.send("GET", "/v1/rules");
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(body_of(*r)["error"] == "rules: not loaded");
}
