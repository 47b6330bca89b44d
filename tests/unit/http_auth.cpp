// Authentication and roles (contract 6 roles column, 8): every endpoint × every role,
// enforced in router::dispatch.
#include <catch2/catch.hpp>
#include "http_fakes.hpp"
#include "slawatch/http/auth.hpp"

using namespace http_test;

namespace {

const std::vector<std::pair<std::string, std::string>> role_tokens = {
    {"partner", "tok-bank-a"}, {"metrics", "tok-prom"}, {"ops", "tok-ops"},
    {"officer", "tok-officer"}, {"admin", "tok-admin"}};

std::shared_ptr<const http::authenticator> test_auth() {
  std::vector<config::token> tokens = {
      {"bank-a-ingest", http::sha256_hex("tok-bank-a"), "partner", "bank-a"},
      {"bank-b-ingest", http::sha256_hex("tok-bank-b"), "partner", "bank-b"},
      {"prometheus", http::sha256_hex("tok-prom"), "metrics", ""},
      {"ops-joe", http::sha256_hex("tok-ops"), "ops", ""},
      {"officer-amina", http::sha256_hex("tok-officer"), "officer", ""},
      {"root", http::sha256_hex("tok-admin"), "admin", ""}};
  std::vector<config::certificate> certs = {
      {"bank-a-mtls", "CN=bank-a.partners.example,O=Bank A", "partner", "bank-a"}};
  return std::make_shared<const http::authenticator>(tokens, certs);
}

http::request make(std::string method, std::string target, std::string token = "") {
  http::request r;
  r.method = std::move(method);
  r.target = std::move(target);
  if (!token.empty()) r.authorization = "Bearer " + token;
  return r;
}

struct endpoint {
  std::string method, target;
  std::string allowed;   // roles allowed, space separated ("*" = open)
};

const std::vector<endpoint> endpoints = {
    {"GET", "/-/healthy", "*"},
    {"GET", "/-/ready", "*"},
    {"GET", "/metrics", "metrics ops officer admin"},
    {"POST", "/v1/events", "partner admin"},
    {"GET", "/v1/breaches", "partner ops officer admin"},
    {"GET", "/v1/breaches/b-1", "partner ops officer admin"},
    {"POST", "/v1/breaches/b-1/waive", "officer admin"},
    {"GET", "/v1/obligations", "partner ops officer admin"},
    {"GET", "/v1/partners", "partner ops officer admin"},
    {"GET", "/v1/rules", "ops officer admin"},
    {"GET", "/v1/notifications", "ops officer admin"},
    {"GET", "/v1/reports/bank-a", "partner officer admin"},
    {"GET", "/v1/audit", "officer admin"},
    {"POST", "/-/reload", "admin"},
};

bool allowed_for(const endpoint& e, const std::string& role) {
  if (e.allowed == "*") return true;
  return (" " + e.allowed + " ").find(" " + role + " ") != std::string::npos;
}

unsigned status_of(harness& h, http::request req) {
  if (req.method == "POST") {
    req.content_type = "application/json";
    req.body = R"({"reason": "x"})";
  }
  auto r = h.send_request(std::move(req));
  return r ? r->status : 0;   // 0: answered later (queued to the pipeline) = allowed
}

}  // namespace

TEST_CASE("every endpoint answers every role as the contract's roles column says") {
  harness h(10000, [](http::router_deps& d) { d.auth = test_auth(); });
  for (const auto& e : endpoints) {
    for (const auto& [role, token] : role_tokens) {
      INFO(e.method << " " << e.target << " as " << role);
      auto status = status_of(h, make(e.method, e.target, token));
      if (allowed_for(e, role)) {
        CHECK(status != 401);
        CHECK(status != 403);
      } else {
        CHECK(status == 403);
      }
    }
    INFO(e.method << " " << e.target << " without credentials / with an unknown token");
    CHECK((status_of(h, make(e.method, e.target)) == 401) == (e.allowed != "*"));
    CHECK((status_of(h, make(e.method, e.target, "nope")) == 401) == (e.allowed != "*"));
  }
}

TEST_CASE("with authentication off every caller is allowed and no caller is recorded") {
  for (auto auth : {std::shared_ptr<const http::authenticator>{}, std::make_shared<const http::authenticator>()}) {
    harness h(10000, [&](http::router_deps& d) { d.auth = auth; });
    for (const auto& e : endpoints) {
      INFO(e.method << " " << e.target);
      auto status = status_of(h, make(e.method, e.target));
      CHECK(status != 401);
      CHECK(status != 403);
    }
  }
}

TEST_CASE("missing or bad credentials are 401 with the exact reason and WWW-Authenticate") {
  harness h(10000, [](http::router_deps& d) { d.auth = test_auth(); });
  struct row {
    std::string authorization, client_cert, error;
  };
  const std::vector<row> rows = {
      {"", "", "unauthenticated: a bearer token or a client certificate is required"},
      {"Basic dXNlcjpwdw==", "", "unauthenticated: expected 'Authorization: Bearer <token>'"},
      {"Bearer", "", "unauthenticated: expected 'Authorization: Bearer <token>'"},
      {"Bearer a b", "", "unauthenticated: expected 'Authorization: Bearer <token>'"},
      {"Bearer tok-bank-a-not", "", "unauthenticated: unknown token"},
      {"Bearer TOK-ADMIN", "", "unauthenticated: unknown token"},
      {"Bearer wrong", "CN=bank-a.partners.example,O=Bank A", "unauthenticated: unknown token"},
      {"", "CN=mallory,O=Evil", "unauthenticated: client certificate is not mapped to a principal"},
  };
  for (const auto& r : rows) {
    auto req = make("GET", "/v1/breaches");
    req.authorization = r.authorization;
    req.conn.client_cert = r.client_cert;
    auto res = h.send_request(std::move(req));
    REQUIRE(res);
    CHECK(res->status == 401);
    CHECK(body_of(*res)["error"] == r.error);
    CHECK(res->header("WWW-Authenticate") == std::optional<std::string>("Bearer"));
  }
}

TEST_CASE("a bearer scheme is case-insensitive and a mapped certificate authenticates alone") {
  harness h(10000, [](http::router_deps& d) { d.auth = test_auth(); });
  auto req = make("GET", "/v1/rules");
  req.authorization = "bearer tok-ops";
  CHECK(h.send_request(std::move(req))->status != 401);
  req = make("GET", "/v1/breaches");
  req.conn.client_cert = "CN=bank-a.partners.example,O=Bank A";
  CHECK(h.send_request(std::move(req))->status == 200);
  CHECK(h.reader.last_query.partner == std::optional<std::string>("bank-a"));
}

TEST_CASE("a role the route does not allow is 403 naming the role and the route") {
  harness h(10000, [](http::router_deps& d) { d.auth = test_auth(); });
  auto res = h.send_request(make("POST", "/-/reload", "tok-officer"));
  REQUIRE(res);
  CHECK(res->status == 403);
  CHECK(body_of(*res)["error"] == "forbidden: role 'officer' may not use POST /-/reload");
  res = h.send_request(make("GET", "/v1/breaches?partner=bank-a", "tok-prom"));
  CHECK(body_of(*res)["error"] == "forbidden: role 'metrics' may not use GET /v1/breaches");
}

TEST_CASE("metrics.public opens /metrics and nothing else") {
  harness h(10000, [](http::router_deps& d) {
    d.auth = test_auth();
    d.metrics_public = true;
  });
  CHECK(h.send_request(make("GET", "/metrics"))->status == 200);
  CHECK(h.send_request(make("GET", "/metrics", "garbage"))->status == 200);
  CHECK(h.send_request(make("GET", "/v1/rules"))->status == 401);
}

TEST_CASE("an unauthenticated POST /v1/events is counted as rejected: unauthenticated") {
  metrics::registry reg("t", "t");
  harness h(10000, [&](http::router_deps& d) {
    d.auth = test_auth();
    d.metrics = &reg;
  });
  h.send_request(make("POST", "/v1/events", "nope"));
  h.send_request(make("GET", "/v1/breaches", "nope"));   // not an ingest: not counted
  CHECK(reg.serialize().find("slawatch_events_rejected_total{reason=\"unauthenticated\"} 1\n") != std::string::npos);
}

TEST_CASE("the authenticator maps tokens and certificates to principals") {
  auto auth = test_auth();
  auto who = auth->authenticate(make("GET", "/", "tok-bank-a"));
  REQUIRE(who);
  CHECK(who->name == "bank-a-ingest");
  CHECK(who->role == "partner");
  CHECK(who->partner == "bank-a");
  who = auth->authenticate(make("GET", "/", "tok-officer"));
  REQUIRE(who);
  CHECK(who->name == "officer-amina");
  CHECK(who->partner.empty());
  CHECK(http::sha256_hex("test") == "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
}
