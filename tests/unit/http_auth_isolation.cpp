// Partner isolation (contract 8: partner A never reads partner B's data), transport
// stamping (2.2), signatures (2.3) and the per-partner rate limit.
#include <catch2/catch.hpp>
#include "http_fakes.hpp"
#include "slawatch/http/auth.hpp"

using namespace http_test;

namespace {

std::shared_ptr<const http::authenticator> test_auth() {
  std::vector<config::token> tokens = {
      {"bank-a-ingest", http::sha256_hex("tok-a"), "partner", "bank-a"},
      {"bank-b-ingest", http::sha256_hex("tok-b"), "partner", "bank-b"},
      {"officer-amina", http::sha256_hex("tok-officer"), "officer", ""},
      {"root", http::sha256_hex("tok-admin"), "admin", ""}};
  return std::make_shared<const http::authenticator>(tokens, std::vector<config::certificate>{});
}

/// A harness with partners bank-a and bank-b (bank-b signs with secret "s3cret-b").
struct auth_harness : harness {
  explicit auth_harness(const std::function<void(http::router_deps&)>& more = {})
      : harness(10000, [more](http::router_deps& d) {
          d.auth = test_auth();
          d.env = [](const std::string& name) -> std::optional<std::string> {
            if (name == "BANK_B_SECRET") return "s3cret-b";
            if (name == "BANK_A_SECRET") return "s3cret-a";
            return std::nullopt;
          };
          if (more) more(d);
        }) {
    rules->partners["bank-a"].hmac_secret_env = "BANK_A_SECRET";
    model::partner b;
    b.id = "bank-b";
    b.name = "Bank B";
    b.hmac_secret_env = "BANK_B_SECRET";
    rules->partners["bank-b"] = b;
    reader.breaches = {breach("b-1", "bank-a"), breach("b-2", "bank-b")};
  }

  static model::breach breach(std::string id, std::string partner) {
    model::breach b;
    b.id = std::move(id);
    b.partner = std::move(partner);
    b.rule = "r";
    return b;
  }

  std::optional<http::response> get(std::string target, std::string token) {
    http::request r;
    r.method = "GET";
    r.target = std::move(target);
    r.authorization = "Bearer " + token;
    return send_request(std::move(r));
  }

  std::optional<http::response> post(std::string body, std::string token, std::string signature = "") {
    http::request r;
    r.method = "POST";
    r.target = "/v1/events";
    r.content_type = "application/json";
    if (!token.empty()) r.authorization = "Bearer " + token;
    r.signature = std::move(signature);
    r.body = std::move(body);
    return send_request(std::move(r));
  }
};

std::string event(std::string id, std::string partner) {
  return R"({"id":")" + id + R"(","partner":")" + partner +
         R"(","type":"contribution.collected","occurred_at":"2026-11-01T10:00:00Z"})";
}

}  // namespace

TEST_CASE("a partner's breach list is forced to its own partner") {
  auth_harness h;
  CHECK(h.get("/v1/breaches", "tok-a")->status == 200);
  CHECK(h.reader.last_query.partner == std::optional<std::string>("bank-a"));
  h.get("/v1/breaches?partner=bank-a&cursor=c-9", "tok-a");
  CHECK(h.reader.last_query.partner == std::optional<std::string>("bank-a"));
  CHECK(h.reader.last_query.cursor == std::optional<std::string>("c-9"));
  h.reader.last_query = {};
  auto r = h.get("/v1/breaches?partner=bank-b", "tok-a");
  CHECK(r->status == 200);
  CHECK(body_of(*r) == nlohmann::json::parse(R"({"breaches": [], "next_cursor": null})"));
  CHECK_FALSE(h.reader.last_query.partner);   // the store was not even asked
  // Staff are not confined.
  h.get("/v1/breaches", "tok-officer");
  CHECK_FALSE(h.reader.last_query.partner);
}

TEST_CASE("another partner's breach id is 404 exactly like an unknown one") {
  auth_harness h;
  CHECK(h.get("/v1/breaches/b-1", "tok-a")->status == 200);
  auto other = h.get("/v1/breaches/b-2", "tok-a");
  auto unknown = h.get("/v1/breaches/b-404", "tok-a");
  CHECK(other->status == 404);
  CHECK(other->body == unknown->body);
  CHECK(body_of(*other)["error"] == "breach not found");
  CHECK(h.get("/v1/breaches/b-2", "tok-officer")->status == 200);
}

TEST_CASE("a partner's obligations are forced to its own partner") {
  auth_harness h;
  h.get("/v1/obligations", "tok-b");
  CHECK(h.reader.last_obligation_query.partner == std::optional<std::string>("bank-b"));
  h.reader.last_obligation_query = {};
  auto r = h.get("/v1/obligations?partner=bank-a", "tok-b");
  CHECK(body_of(*r) == nlohmann::json::parse(R"({"obligations": [], "next_cursor": null})"));
  CHECK_FALSE(h.reader.last_obligation_query.partner);
}

TEST_CASE("a partner sees only its own registry entry and report") {
  auth_harness h;
  auto list = body_of(*h.get("/v1/partners", "tok-a"))["partners"];
  REQUIRE(list.size() == 1);
  CHECK(list[0]["id"] == "bank-a");
  CHECK(body_of(*h.get("/v1/partners", "tok-officer"))["partners"].size() == 2);
  auto other = h.get("/v1/reports/bank-b", "tok-a");
  CHECK(other->status == 404);
  CHECK(body_of(*other)["error"] == "partner not found");
  CHECK(h.get("/v1/reports/bank-a", "tok-a")->status != 404);
}

TEST_CASE("events are stamped with the transport facts the router observed") {
  auth_harness h;
  http::request r;
  r.method = "POST";
  r.target = "/v1/events";
  r.content_type = "application/json";
  r.authorization = "Bearer tok-a";
  r.conn = {true, "TLSv1.3", "CN=bank-a.partners.example,O=Bank A", "127.0.0.1:1"};
  r.body = event("e1", "bank-a");
  h.send_request(std::move(r));
  REQUIRE(h.submitted.size() == 1);
  CHECK(h.submitted[0][0].doc["transport"] == nlohmann::json::parse(R"({"source": "http", "tls": true,
      "tls_version": "TLSv1.3", "client_cert": "CN=bank-a.partners.example,O=Bank A",
      "authenticated_as": "bank-a-ingest", "signature": "absent"})"));
}

TEST_CASE("plain HTTP without auth stamps nulls") {
  harness h;
  h.send("POST", "/v1/events", "application/json", event("e1", "bank-a"));
  REQUIRE(h.submitted.size() == 1);
  CHECK(h.submitted[0][0].doc["transport"] == nlohmann::json::parse(R"({"source": "http", "tls": false,
      "tls_version": null, "client_cert": null, "authenticated_as": null, "signature": "absent"})"));
}

TEST_CASE("a partner token cannot send another partner's events") {
  auth_harness h;
  auto r = h.post("[" + event("e1", "bank-b") + "," + event("e2", "bank-a") + "]", "tok-a");
  REQUIRE(h.submitted.size() == 1);
  CHECK(h.submitted[0].size() == 1);
  CHECK(h.submitted[0][0].partner == "bank-a");
  h.complete({store::put_status::accepted});
  auto body = body_of(h.responses.back());
  CHECK(body["rejected"] == 1);
  CHECK(body["errors"][0]["reason"] == "partner_mismatch");
  CHECK(body["errors"][0]["error"] == "partner: token is for 'bank-a', not 'bank-b'");
}

TEST_CASE("signatures: valid is stamped, anything wrong is 401 with nothing queued") {
  auth_harness h;
  const auto body = event("e1", "bank-b");
  struct row {
    std::string token, signature, error;   // error empty = accepted
  };
  const std::vector<row> rows = {
      {"tok-b", http::sign_body(body, "s3cret-b"), ""},
      {"tok-admin", http::sign_body(body, "s3cret-b"), ""},   // signer: the one partner named
      {"tok-b", http::sign_body(body + " ", "s3cret-b"), "signature: does not match the body"},
      {"tok-b", http::sign_body(body, "s3cret-a"), "signature: does not match the body"},
      {"tok-b", "sha256=abc", "signature: expected 'sha256=<64 hex digits>'"},
      {"tok-b", "md5=" + std::string(64, 'a'), "signature: expected 'sha256=<64 hex digits>'"},
  };
  for (const auto& r : rows) {
    INFO(r.token << " " << r.signature);
    auto before = h.submitted.size();
    auto res = h.post(body, r.token, r.signature);
    if (r.error.empty()) {
      REQUIRE(h.submitted.size() == before + 1);
      CHECK(h.submitted.back()[0].doc["transport"]["signature"] == "valid");
      h.complete({store::put_status::accepted});
    } else {
      REQUIRE(res);
      CHECK(res->status == 401);
      CHECK(body_of(*res)["error"] == r.error);
      CHECK(h.submitted.size() == before);
    }
  }
}

TEST_CASE("a signature without a single signing partner or secret is refused") {
  auth_harness h;
  const auto two = "[" + event("e1", "bank-a") + "," + event("e2", "bank-b") + "]";
  auto res = h.post(two, "tok-admin", http::sign_body(two, "s3cret-b"));
  CHECK(body_of(*res)["error"] ==
        "signature: cannot tell the signing partner: the events must all name one partner");
  h.rules->partners["bank-b"].hmac_secret_env = "UNSET_SECRET";
  const auto one = event("e1", "bank-b");
  res = h.post(one, "tok-b", http::sign_body(one, ""));
  CHECK(body_of(*res)["error"] == "signature: no signing secret configured for partner 'bank-b'");
  CHECK(h.submitted.empty());
}

TEST_CASE("a partner with require_signature is refused without a valid signature") {
  metrics::registry reg("t", "t");
  auth_harness h([&](http::router_deps& d) { d.metrics = &reg; });
  h.rules->partners["bank-b"].require_signature = true;
  const auto body = "[" + event("e1", "bank-b") + "," + event("e2", "bank-b") + "]";
  for (const std::string token : {"tok-b", "tok-admin"}) {
    auto res = h.post(body, token);
    REQUIRE(res);
    CHECK(res->status == 401);
    CHECK(body_of(*res)["error"] == "signature: required for partner 'bank-b'");
  }
  CHECK(h.submitted.empty());
  CHECK(reg.serialize().find("slawatch_events_rejected_total{reason=\"signature_invalid\"} 4\n") != std::string::npos);
  h.post(body, "tok-b", http::sign_body(body, "s3cret-b"));
  CHECK(h.submitted.size() == 1);
  h.complete({store::put_status::accepted, store::put_status::accepted});
  h.post(event("e3", "bank-a"), "tok-a");   // bank-a does not require one
  CHECK(h.submitted.size() == 2);
}

TEST_CASE("over the rate limit a request is 429 with Retry-After and nothing queued") {
  auto t = std::chrono::steady_clock::time_point{};
  auto limiter = std::make_shared<http::rate_limiter>(1, 2, [&t] { return t; });
  metrics::registry reg("t", "t");
  auth_harness h([&](http::router_deps& d) {
    d.rate_limit = limiter;
    d.metrics = &reg;
  });
  h.post("[" + event("e1", "bank-a") + "," + event("e2", "bank-a") + "]", "tok-a");
  CHECK(h.submitted.size() == 1);
  h.complete({store::put_status::accepted, store::put_status::accepted});
  auto res = h.post(event("e3", "bank-a"), "tok-a");
  REQUIRE(res);
  CHECK(res->status == 429);
  CHECK(res->header("Retry-After") == std::optional<std::string>("1"));
  CHECK(body_of(*res)["error"] == "overloaded: partner rate limit exceeded, retry after 1s");
  CHECK(h.submitted.size() == 1);
  CHECK(reg.serialize().find("slawatch_events_rejected_total{reason=\"overloaded\"} 1\n") != std::string::npos);
  h.post(event("e3", "bank-b"), "tok-b");   // another partner has its own bucket
  CHECK(h.submitted.size() == 2);
}

TEST_CASE("the token bucket refills at the rate, caps at the burst and charges big requests") {
  auto t = std::chrono::steady_clock::time_point{};
  http::rate_limiter l(10, 20, [&t] { return t; });
  using counts = std::map<std::string, std::uint64_t>;
  CHECK(l.admit(counts{{"a", 20}}) == 0);          // a full bucket holds the burst
  CHECK(l.admit(counts{{"a", 1}}) == 1);           // empty: 0.1 s to the next token → 1 s
  t += std::chrono::milliseconds(500);              // +5 tokens
  CHECK(l.admit(counts{{"a", 5}}) == 0);
  CHECK(l.admit(counts{{"a", 15}}) == 2);           // 15 tokens take 1.5 s → 2 s
  t += std::chrono::hours(1);                       // refills to the burst, no further
  CHECK(l.admit(counts{{"a", 50}}) == 0);           // bigger than the burst: needs a full bucket
  CHECK(l.admit(counts{{"a", 1}}) == 4);            // and pays for all 50 (debt of 30 → 3.1 s)
  CHECK(l.admit(counts{{"b", 20}, {"a", 1}}) == 4);   // all or nothing: b is not charged
  CHECK(l.admit(counts{{"b", 20}}) == 0);
}
