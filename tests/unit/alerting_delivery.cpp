// Webhook signing, request shape, the retry schedule, answer classification, secrets.
#include <catch2/catch.hpp>
#include "slawatch/alerting/alerting.hpp"

using namespace slawatch;
using namespace slawatch::alerting;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_CASE("HMAC-SHA256 matches the RFC 4231 test vector") {
  CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("the signature header is sha256= and the HMAC of the body under the secret") {
  CHECK(signature("Jefe", "what do ya want for nothing?") ==
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("a webhook request carries the body, the delivery id and the signature") {
  store::outbox_item i;
  i.delivery_id = "d-0123456789abcdef";
  i.payload = R"({"id":"b-1"})";
  auto r = webhook_request("http://127.0.0.1:8088/hook", "s3cret", i, seconds(10));
  CHECK(r.method == "POST");
  CHECK(r.url == "http://127.0.0.1:8088/hook");
  CHECK(r.body == i.payload);
  CHECK(r.timeout == seconds(10));
  using header = std::pair<std::string, std::string>;
  CHECK(r.headers == std::vector<header>{{"Content-Type", "application/json"},
                                         {"X-Slawatch-Delivery", "d-0123456789abcdef"},
                                         {"X-Slawatch-Signature", signature("s3cret", i.payload)}});
}

TEST_CASE("without a secret a webhook request is not signed") {
  store::outbox_item i;
  i.delivery_id = "d-1";
  auto r = webhook_request("http://h/x", "", i, seconds(1));
  for (const auto& [name, value] : r.headers) CHECK(name != "X-Slawatch-Signature");
}

TEST_CASE("the retry delay doubles per attempt up to the cap, scaled by the jitter") {
  struct row {
    int attempt;
    double jitter;
    duration expected;
  };
  const backoff b{seconds(1), seconds(60)};
  for (const auto& [attempt, jitter, expected] : std::vector<row>{
           {1, 1.0, seconds(1)},  {1, 0.0, milliseconds(500)}, {2, 1.0, seconds(2)},
           {3, 1.0, seconds(4)},  {3, 0.5, seconds(3)},        {6, 1.0, seconds(32)},
           {7, 1.0, seconds(60)}, {1000, 1.0, seconds(60)},    {1000, 0.0, seconds(30)},
           {2, 7.0, seconds(2)},  {2, -1.0, seconds(1)}}) {
    INFO("attempt " << attempt << " jitter " << jitter);
    CHECK(backoff_delay(attempt, jitter, b) == expected);
  }
}

TEST_CASE("answers: 2xx delivered, 408/429/5xx retried, other 4xx dead") {
  for (unsigned s : {200u, 201u, 204u, 299u}) CHECK(classify(s) == verdict::delivered);
  for (unsigned s : {408u, 429u, 500u, 502u, 503u, 301u, 100u}) CHECK(classify(s) == verdict::retry);
  for (unsigned s : {400u, 401u, 403u, 404u, 410u, 422u}) CHECK(classify(s) == verdict::dead);
}

TEST_CASE("a webhook secret_env naming an unset variable is a start-up error naming it") {
  config::config c;
  c.webhooks.push_back({"ops", "http://127.0.0.1:1/x", "OPS_HOOK_SECRET", {}, {}, {}});
  c.webhooks.push_back({"audit", "http://127.0.0.1:1/y", "", {}, {}, {}});
  rules::rule_set set;
  model::partner p;
  p.id = "bank-a";
  p.report = {"https://bank-a.example/hook", "BANK_A_WEBHOOK_SECRET"};
  set.partners["bank-a"] = p;
  auto none = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  auto errors = check_secrets(c, set, none);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message ==
        "alerting.webhooks[0].secret_env: environment variable OPS_HOOK_SECRET is not set");
  auto all = [](const std::string&) -> std::optional<std::string> { return "x"; };
  CHECK(check_secrets(c, set, all).empty());
}

TEST_CASE("a partner whose webhook secret is unset is a warning, not a start-up error") {
  rules::rule_set set;
  model::partner p;
  p.id = "bank-a";
  p.report = {"https://bank-a.example/hook", "BANK_A_WEBHOOK_SECRET"};
  set.partners["bank-a"] = p;
  auto none = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  auto warnings = partner_secret_warnings(set, none);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] ==
        "partner bank-a: report.secret_env: environment variable BANK_A_WEBHOOK_SECRET is not "
        "set; breach notifications to this partner are off");
  auto all = [](const std::string&) -> std::optional<std::string> { return "x"; };
  CHECK(partner_secret_warnings(set, all).empty());
}

TEST_CASE("URLs split into scheme, host, port and target") {
  auto u = split_url("https://bank-a.example/slawatch/breaches");
  REQUIRE(u);
  CHECK((u->tls && u->host == "bank-a.example" && u->port == "443" && u->target == "/slawatch/breaches"));
  u = split_url("http://127.0.0.1:9093");
  REQUIRE(u);
  CHECK((!u->tls && u->host == "127.0.0.1" && u->port == "9093" && u->target == "/"));
  u = split_url("http://[::1]:8080/x?y=1");
  REQUIRE(u);
  CHECK((u->host == "::1" && u->port == "8080" && u->target == "/x?y=1"));
  CHECK_FALSE(split_url("ftp://h/"));
  CHECK_FALSE(split_url("http://"));
  CHECK_FALSE(split_url("http://user@h/"));
}

TEST_CASE("a transport failure names the URL") {
  http_request r;
  r.url = "http://127.0.0.1:1/hook";
  r.timeout = seconds(2);
  auto res = send_http(r);
  REQUIRE_FALSE(res);
  CHECK(res.err().code == "transport");
  CHECK(res.err().message == "POST http://127.0.0.1:1/hook: Connection refused");
  r.url = "gopher://x";
  CHECK(send_http(r).err().message == "POST gopher://x: invalid URL");
}
