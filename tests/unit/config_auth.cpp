#include <catch2/catch.hpp>

#include "slawatch/config/config.hpp"

using namespace slawatch;

namespace {

std::vector<std::string> errors_of(const std::string& text) {
  const auto r = config::parse(text, "c.yaml");
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.render());
  return out;
}

/// The single error's message without its file:line:col prefix.
std::string message_of(const std::string& text) {
  const auto r = config::parse(text, "c.yaml");
  INFO(text);
  REQUIRE(r.errors.size() == 1);
  return r.errors.front().message;
}

const std::string hash64 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

std::string tokens(const std::string& entries) { return "auth:\n  tokens:\n" + entries; }
std::string certs(const std::string& entries) { return "auth:\n  certificates:\n" + entries; }

}  // namespace

TEST_CASE("every malformed token entry is named by its index and key") {
  const std::string ok = "    - {name: a, sha256: " + hash64 + ", role: ops}\n";
  struct row {
    std::string entry, message;
  };
  const std::vector<row> rows = {
      {"    - {name: b, sha256: " + std::string(63, 'A') + "G, role: ops}\n",
       "auth.tokens[1].sha256: expected 64 hex characters (the SHA-256 of the token)"},
      {"    - {name: b, sha256: " + hash64 + "0, role: ops}\n",
       "auth.tokens[1].sha256: expected 64 hex characters (the SHA-256 of the token)"},
      {"    - {name: b, role: ops}\n", "auth.tokens[1].sha256: required"},
      {"    - {sha256: " + hash64 + ", role: ops}\n", "auth.tokens[1].name: required"},
      {"    - {name: b, sha256: " + hash64 + "}\n", "auth.tokens[1].role: required"},
      {"    - {name: b, sha256: " + hash64 + ", role: root}\n",
       "auth.tokens[1].role: expected partner, metrics, ops, officer or admin, got 'root'"},
      {"    - {name: b, sha256: " + hash64 + ", role: partner}\n",
       "auth.tokens[1].partner: required for role partner"},
      {"    - {name: b, sha256: " + hash64 + ", role: officer, partner: bank-a}\n",
       "auth.tokens[1].partner: only allowed with role partner"},
      {"    - {name: a, sha256: " + hash64 + ", role: admin}\n",
       "auth.tokens[1].name: duplicate name 'a' (names are unique across auth.tokens and "
       "auth.certificates)"},
      {"    - {name: b, sha256: " + hash64 + ", role: ops, scope: all}\n",
       "unknown key 'scope' in auth.tokens[1]"},
  };
  for (const auto& r : rows) CHECK(message_of(tokens(ok + r.entry)) == r.message);
}

TEST_CASE("certificates map a subject to a principal like a token") {
  const auto r = config::parse(
      "server: {listen: '0.0.0.0:9780'}\n" +
          certs("    - {name: bank-a-mtls, subject: 'CN=bank-a.partners.example,O=Bank A', role: "
                "partner, partner: bank-a}\n"),
      "c.yaml");
  REQUIRE(r.errors.empty());
  REQUIRE(r.cfg->certificates.size() == 1);
  CHECK(r.cfg->certificates[0].name == "bank-a-mtls");
  CHECK(r.cfg->certificates[0].subject == "CN=bank-a.partners.example,O=Bank A");
  CHECK(r.cfg->certificates[0].role == "partner");
  CHECK(r.cfg->certificates[0].partner == "bank-a");
}

TEST_CASE("every malformed certificate entry is named by its index and key") {
  struct row {
    std::string text, message;
  };
  const std::vector<row> rows = {
      {certs("    - {name: a, role: ops}\n"), "auth.certificates[0].subject: required"},
      {certs("    - {name: a, subject: 'CN=x', role: partner}\n"),
       "auth.certificates[0].partner: required for role partner"},
      {certs("    - {name: a, subject: 'CN=x', role: god}\n"),
       "auth.certificates[0].role: expected partner, metrics, ops, officer or admin, got 'god'"},
      {certs("    - {name: a, subject: 'CN=x', role: ops}\n    - {name: b, subject: 'CN=x', role: ops}\n"),
       "auth.certificates[1].subject: duplicate subject 'CN=x'"},
      {"auth:\n  tokens: [{name: a, sha256: " + hash64 + ", role: ops}]\n  certificates: [{name: a, "
       "subject: 'CN=x', role: ops}]\n",
       "auth.certificates[0].name: duplicate name 'a' (names are unique across auth.tokens and "
       "auth.certificates)"},
      {certs("    - {name: a, subject: 'CN=x', role: ops, sha256: " + hash64 + "}\n"),
       "unknown key 'sha256' in auth.certificates[0]"},
  };
  for (const auto& r : rows) CHECK(message_of(r.text) == r.message);
}

TEST_CASE("certificates alone turn authentication on for a non-loopback listener") {
  CHECK(errors_of("server: {listen: '0.0.0.0:9780'}\nauth:\n  certificates: [{name: a, subject: "
                  "'CN=x', role: ops}]\n")
            .empty());
}

TEST_CASE("ingest.rate_limit is off by default and burst defaults to the rate") {
  CHECK(config::defaults().rate_limit.events_per_second == 0);
  auto r = config::parse("ingest:\n  rate_limit: {events_per_second: 50}\n", "c.yaml");
  REQUIRE(r.cfg);
  CHECK(r.cfg->rate_limit.events_per_second == 50);
  CHECK(r.cfg->rate_limit.burst == 50);
  r = config::parse("ingest:\n  rate_limit: {events_per_second: 50, burst: 500}\n", "c.yaml");
  REQUIRE(r.cfg);
  CHECK(r.cfg->rate_limit.burst == 500);
}

TEST_CASE("a malformed ingest.rate_limit names the key") {
  struct row {
    std::string text, message;
  };
  const std::vector<row> rows = {
      {"ingest:\n  rate_limit: {burst: 5}\n", "ingest.rate_limit.events_per_second: required"},
      {"ingest:\n  rate_limit: {events_per_second: 0}\n",
       "ingest.rate_limit.events_per_second: expected a positive integer, got '0'"},
      {"ingest:\n  rate_limit: {events_per_second: 5, burst: -1}\n",
       "ingest.rate_limit.burst: expected a positive integer, got '-1'"},
      {"ingest:\n  rate_limit: {events_per_second: 5, bust: 9}\n",
       "unknown key 'bust' in ingest.rate_limit (did you mean 'burst'?)"},
  };
  for (const auto& r : rows) CHECK(message_of(r.text) == r.message);
}
