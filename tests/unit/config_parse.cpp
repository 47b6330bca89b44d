#include <catch2/catch.hpp>

#include "slawatch/config/config.hpp"

using namespace slawatch;
using namespace std::chrono;

namespace {

/// Every rendered error of parsing `text` as "c.yaml".
std::vector<std::string> errors_of(const std::string& text) {
  const auto r = config::parse(text, "c.yaml");
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.render());
  return out;
}

/// The single rendered error of `text` (fails the test when there is not exactly one).
std::string error_of(const std::string& text) {
  const auto all = errors_of(text);
  INFO(text);
  REQUIRE(all.size() == 1);
  return all.front();
}

const std::string hash64(64, 'a');

}  // namespace

TEST_CASE("an empty file gives the defaults") {
  for (const std::string text : {"", "\n", "# only a comment\n", "---\n"}) {
    const auto r = config::parse(text, "c.yaml");
    REQUIRE(r.errors.empty());
    REQUIRE(r.cfg);
    CHECK(r.cfg->listen_host == "127.0.0.1");
    CHECK(r.cfg->listen_port == 9780);
    CHECK(r.cfg->storage_path == "slawatch-data/slawatch.db");
    CHECK(r.cfg->rules == std::vector<std::string>{"rules/*.yaml"});
    CHECK(r.cfg->event_retention == hours{24 * 400});
    CHECK(r.cfg->source == "c.yaml");
  }
  CHECK(config::defaults().source == "<defaults>");
}

TEST_CASE("the contract 11 example parses to the values it names") {
  const auto r = config::parse(R"(
server:
  listen: 127.0.0.1:9780
  tls: { cert: /etc/slawatch/tls.crt, key: /etc/slawatch/tls.key, client_ca: /etc/slawatch/ca.crt, min_version: "1.3" }
  max_body_bytes: 16777216
  max_events_per_request: 10000
storage:
  path: /var/lib/slawatch/slawatch.db
  synchronous: normal
  event_retention: 400d
rules: [/etc/slawatch/rules/*.yaml]
auth: { tokens: [] }
metrics: { public: true, max_event_types: 50 }
privacy: { pseudonymize: [subject, attributes.national_id], key_file: /etc/slawatch/pseudonym.key }
ingest: { spool_dir: /var/spool/slawatch }
alerting:
  alertmanagers: [http://127.0.0.1:9093]
  resend_interval: 2m
  hold: 15m
  webhooks: [ { name: ops-ticketing, url: "http://127.0.0.1:8088/hook", secret_env: OPS_HOOK_SECRET } ]
reports: { dir: /var/lib/slawatch/reports, monthly: { day: 1, at: "06:00" } }
)", "slawatch.yaml");
  for (const auto& e : r.errors) FAIL(e.render());
  REQUIRE(r.cfg);
  const auto& c = *r.cfg;
  REQUIRE(c.tls);
  CHECK(c.tls->cert == "/etc/slawatch/tls.crt");
  CHECK(c.tls->client_ca == "/etc/slawatch/ca.crt");
  CHECK(c.tls->min_version == "1.3");
  CHECK(c.synchronous == "normal");
  CHECK(c.rules == std::vector<std::string>{"/etc/slawatch/rules/*.yaml"});
  CHECK(c.tokens.empty());
  CHECK(c.metrics_public);
  CHECK(c.max_event_types == 50);
  CHECK(c.pseudonymize == std::vector<std::string>{"subject", "attributes.national_id"});
  CHECK(c.pseudonym_key_file == "/etc/slawatch/pseudonym.key");
  CHECK(c.spool_dir == "/var/spool/slawatch");
  CHECK(c.alertmanagers == std::vector<std::string>{"http://127.0.0.1:9093"});
  CHECK(c.resend_interval == minutes{2});
  REQUIRE(c.webhooks.size() == 1);
  CHECK(c.webhooks[0].secret_env == "OPS_HOOK_SECRET");
  CHECK(c.reports_dir == "/var/lib/slawatch/reports");
  CHECK(c.reports_monthly_day == 1);
  CHECK(c.reports_monthly_at == "06:00");
  CHECK(c.source == "slawatch.yaml");
}

TEST_CASE("an unknown key names itself, its parent and its position") {
  CHECK(error_of("server:\n  listn: 1.2.3.4:80\n") ==
        "c.yaml:2:3: unknown key 'listn' in server (did you mean 'listen'?)");
  CHECK(error_of("serverr: {}\n") ==
        "c.yaml:1:1: unknown key 'serverr' at top level (did you mean 'server'?)");
  CHECK(error_of("storage: {colour: blue}\n") == "c.yaml:1:11: unknown key 'colour' in storage");
  CHECK(error_of("server: {tls: {cert: a, key: b, ca: c}}\n") ==
        "c.yaml:1:33: unknown key 'ca' in server.tls");
  CHECK(error_of("auth:\n  tokens:\n    - {name: a, sha256: " + hash64 +
                 ", role: ops, scope: x}\n") ==
        "c.yaml:3:102: unknown key 'scope' in auth.tokens[0]");
}

TEST_CASE("a repeated key is an error, not a silent override") {
  CHECK(error_of("storage:\n  path: a.db\n  path: b.db\n") == "c.yaml:3:3: storage.path: duplicate key");
}

TEST_CASE("invalid values name the key and what was expected") {
  const auto [text, message] = GENERATE(table<std::string, std::string>({
      {"server: {listen: localhost}", "c.yaml:1:18: server.listen: expected host:port like 127.0.0.1:9780 or [::1]:9780, got 'localhost'"},
      {"server: {listen: '::1:9780'}", "c.yaml:1:18: server.listen: expected host:port like 127.0.0.1:9780 or [::1]:9780, got '::1:9780'"},
      {"server: {listen: '127.0.0.1:65536'}", "c.yaml:1:18: server.listen: expected host:port like 127.0.0.1:9780 or [::1]:9780, got '127.0.0.1:65536'"},
      {"server: {listen: ':9780'}", "c.yaml:1:18: server.listen: expected host:port like 127.0.0.1:9780 or [::1]:9780, got ':9780'"},
      {"server: {max_body_bytes: 0}", "c.yaml:1:26: server.max_body_bytes: expected a positive number of bytes like 16777216 or 16MiB, got '0'"},
      {"server: {max_body_bytes: -5}", "c.yaml:1:26: server.max_body_bytes: expected a positive number of bytes like 16777216 or 16MiB, got '-5'"},
      {"server: {max_events_per_request: 1e4}", "c.yaml:1:34: server.max_events_per_request: expected a positive integer, got '1e4'"},
      {"server: {max_events_per_request: [1]}", "c.yaml:1:34: server.max_events_per_request: expected a positive integer, got a list"},
      {"server: {read_timeout: 0s}", "c.yaml:1:24: server.read_timeout: expected a duration like 30s, got '0s'"},
      {"server: {tls: {cert: a, key: b, min_version: '1.1'}}", "c.yaml:1:46: server.tls.min_version: expected \"1.2\" or \"1.3\", got '1.1'"},
      {"server: {tls: {cert: a}}", "c.yaml:1:15: server.tls.key: required when server.tls is set"},
      {"server: 5", "c.yaml:1:9: server: expected a mapping, got '5'"},
      {"ingest: {max_future_skew: 0s}", "c.yaml:1:27: ingest.max_future_skew: expected a duration like 5m, got '0s'"},
      {"ingest: {max_future_skew: soon}", "c.yaml:1:27: ingest.max_future_skew: expected a duration like 5m, got 'soon'"},
      {"storage: {event_retention: forever}", "c.yaml:1:28: storage.event_retention: expected a duration like 400d, got 'forever'"},
      {"storage: {event_retention: -1d}", "c.yaml:1:28: storage.event_retention: expected a duration like 400d, got '-1d'"},
      {"storage: {synchronous: off}", "c.yaml:1:24: storage.synchronous: expected full or normal, got 'off'"},
      {"storage: {path: ''}", "c.yaml:1:17: storage.path: expected a non-empty string"},
      {"rules: /etc/rules/*.yaml", "c.yaml:1:8: rules: expected a list of strings, got '/etc/rules/*.yaml'"},
      {"rules: [a, {b: c}]", "c.yaml:1:12: rules[1]: expected a string, got a mapping"},
      {"metrics: {public: yes}", "c.yaml:1:19: metrics.public: expected true or false, got 'yes'"},
      {"metrics: {max_event_types: 0}", "c.yaml:1:28: metrics.max_event_types: expected a positive integer, got '0'"},
      {"privacy: {pseudonymize: [subject]}", "c.yaml:1:10: privacy.key_file: required when privacy.pseudonymize is set"},
      {"privacy: {pseudonymize: [national_id], key_file: k}", "c.yaml:1:26: privacy.pseudonymize[0]: expected subject, correlation_id or attributes.<name>, got 'national_id'"},
      {"alerting: {alertmanagers: [127.0.0.1:9093]}", "c.yaml:1:28: alerting.alertmanagers[0]: expected an http:// or https:// URL, got '127.0.0.1:9093'"},
      {"alerting: {resend_interval: 0s}", "c.yaml:1:29: alerting.resend_interval: expected a duration like 1m, got '0s'"},
      {"alerting: {webhooks: [{name: a, url: 'ftp://x'}]}", "c.yaml:1:38: alerting.webhooks[0].url: expected an http:// or https:// URL, got 'ftp://x'"},
      {"alerting: {webhooks: [{name: a}]}", "c.yaml:1:23: alerting.webhooks[0].url: required"},
      {"alerting: {webhooks: [{name: a, url: 'http://x', secret_env: 'my secret'}]}", "c.yaml:1:62: alerting.webhooks[0].secret_env: expected an environment variable name like OPS_HOOK_SECRET, got 'my secret'"},
      {"reports: {monthly: {day: 31}}", "c.yaml:1:26: reports.monthly.day: expected a day from 1 to 28, got '31'"},
      {"reports: {monthly: {day: 0}}", "c.yaml:1:26: reports.monthly.day: expected a day from 1 to 28, got '0'"},
      {"reports: {monthly: {at: '06:00'}}", "c.yaml:1:20: reports.monthly.day: required"},
      {"reports: {monthly: {day: 1, at: '6am'}}", "c.yaml:1:33: reports.monthly.at: expected a time HH:MM like \"06:00\", got '6am'"},
      {"reports: {monthly: {day: 1, at: '24:00'}}", "c.yaml:1:33: reports.monthly.at: expected a time HH:MM like \"06:00\", got '24:00'"},
      {"- a\n- b\n", "c.yaml:1:1: configuration: expected a mapping, got a list"},
  }));
  CHECK(error_of(text) == message);
}

TEST_CASE("tokens are validated by role") {
  const auto tok = [](const std::string& fields) { return "auth:\n  tokens:\n    - {" + fields + "}\n"; };
  CHECK(error_of(tok("name: a, sha256: " + hash64 + ", role: root")) ==
        "c.yaml:3:97: auth.tokens[0].role: expected partner, metrics, ops, officer or admin, got 'root'");
  CHECK(error_of(tok("name: a, sha256: " + hash64 + ", role: partner")) ==
        "c.yaml:3:7: auth.tokens[0].partner: required for role partner");
  CHECK(error_of(tok("name: a, sha256: " + hash64 + ", role: ops, partner: bank-a")) ==
        "c.yaml:3:111: auth.tokens[0].partner: only allowed with role partner");
  CHECK(error_of(tok("name: a, sha256: abc, role: ops")) ==
        "c.yaml:3:25: auth.tokens[0].sha256: expected 64 hex characters (the SHA-256 of the token)");
  CHECK(error_of(tok("name: a, sha256: " + std::string(63, 'a') + "g, role: ops")) ==
        "c.yaml:3:25: auth.tokens[0].sha256: expected 64 hex characters (the SHA-256 of the token)");
  CHECK(error_of(tok("sha256: " + hash64 + ", role: ops")) == "c.yaml:3:7: auth.tokens[0].name: required");
  const auto two = "auth:\n  tokens:\n    - {name: a, sha256: " + hash64 +
                   ", role: ops}\n    - {name: a, sha256: " + hash64 + ", role: admin}\n";
  CHECK(error_of(two) == "c.yaml:4:14: auth.tokens[1].name: duplicate name 'a' (names are unique across auth.tokens and auth.certificates)");
}

TEST_CASE("valid tokens are kept in order") {
  const auto r = config::parse("auth:\n  tokens:\n    - {name: bank-a-ingest, sha256: " + hash64 +
                                   ", role: partner, partner: bank-a}\n    - {name: amina, sha256: " +
                                   std::string(64, 'F') + ", role: officer}\n",
                               "c.yaml");
  REQUIRE(r.cfg);
  REQUIRE(r.cfg->tokens.size() == 2);
  CHECK(r.cfg->tokens[0].partner == "bank-a");
  CHECK(r.cfg->tokens[0].role == "partner");
  CHECK(r.cfg->tokens[1].name == "amina");
}

TEST_CASE("every error of a file is reported, in file order") {
  const auto all = errors_of(
      "server:\n  listen: nowhere\n  max_body_bytes: lots\nstorage:\n  synchronous: off\n"
      "  event_retention: forever\nbogus: 1\n");
  REQUIRE(all.size() == 5);
  CHECK(all[0].rfind("c.yaml:2:11: server.listen:", 0) == 0);
  CHECK(all[1].rfind("c.yaml:3:19: server.max_body_bytes:", 0) == 0);
  CHECK(all[2].rfind("c.yaml:5:16: storage.synchronous:", 0) == 0);
  CHECK(all[3].rfind("c.yaml:6:20: storage.event_retention:", 0) == 0);
  CHECK(all[4] == "c.yaml:7:1: unknown key 'bogus' at top level");
  CHECK_FALSE(config::parse("bogus: 1", "c.yaml").cfg);
}

TEST_CASE("a YAML syntax error is one error with its position") {
  const auto r = config::parse("server:\n  listen: [127.0.0.1\nstorage: {}\n", "c.yaml");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].code == "syntax");
  CHECK(r.errors[0].where.file == "c.yaml");
  CHECK(r.errors[0].where.line >= 2);
  CHECK(r.errors[0].where.col >= 1);
  CHECK(r.errors[0].render() == "c.yaml:3:8: YAML syntax error: end of sequence flow not found");
  CHECK_FALSE(r.cfg);
  const auto tab = config::parse("server:\n\tlisten: x\n", "c.yaml");
  REQUIRE(tab.errors.size() == 1);
  CHECK(tab.errors[0].code == "syntax");
}

TEST_CASE("error codes tell unknown keys from bad values") {
  CHECK(config::parse("x: 1", "c.yaml").errors.at(0).code == "unknown_key");
  CHECK(config::parse("storage: {synchronous: off}", "c.yaml").errors.at(0).code == "invalid_value");
  CHECK(config::parse("server: {tls: {key: k}}", "c.yaml").errors.at(0).code == "missing_key");
}

TEST_CASE("listen addresses accept hosts, IPv4 and bracketed IPv6") {
  const auto [text, host, port] = GENERATE(table<const char*, const char*, int>({
      {"127.0.0.1:9780", "127.0.0.1", 9780},
      {"0.0.0.0:443", "0.0.0.0", 443},
      {"[::1]:9780", "::1", 9780},
      {"[::]:80", "::", 80},
      {"localhost:0", "localhost", 0},
      {"slawatch.example:65535", "slawatch.example", 65535},
  }));
  const auto ep = config::parse_listen(text);
  REQUIRE(ep);
  CHECK(ep->first == host);
  CHECK(ep->second == port);
}

TEST_CASE("malformed listen addresses are rejected") {
  for (const char* text : {"", "9780", "127.0.0.1", "127.0.0.1:", "127.0.0.1:x", "::1:9780",
                           "[::1]9780", "[::1]:", "[127.0.0.1]:80", "a b:80", "h:099999",
                           "h:-1", "h:+80"}) {
    INFO(text);
    CHECK_FALSE(config::parse_listen(text));
  }
}

TEST_CASE("without tokens only a loopback address may be served") {
  CHECK(error_of("server: {listen: '0.0.0.0:9780'}") ==
        "c.yaml:1:18: server.listen: with no auth.tokens slawatch only listens on a loopback "
        "address, got '0.0.0.0'");
  CHECK(errors_of("server: {listen: '[::1]:9780'}").empty());
  CHECK(errors_of("server: {listen: 'localhost:9780'}").empty());
  CHECK(errors_of("server: {listen: '0.0.0.0:9780'}\nauth:\n  tokens: [{name: a, sha256: " +
                  hash64 + ", role: metrics}]\n").empty());
  CHECK(config::is_loopback("127.1.2.3"));
  CHECK_FALSE(config::is_loopback("127.example.com"));
  CHECK_FALSE(config::is_loopback("10.0.0.1"));
}

TEST_CASE("sizes accept binary suffixes and durations every unit") {
  const auto r = config::parse(
      "server: {max_body_bytes: 16MiB, read_timeout: 1m30s}\nalerting: {hold: 0s}\n", "c.yaml");
  REQUIRE(r.cfg);
  CHECK(r.cfg->max_body_bytes == 16777216);
  CHECK(r.cfg->read_timeout == seconds{90});
  CHECK(r.cfg->hold == seconds{0});
  CHECK(r.cfg->max_future_skew == seconds{300});   // the default
  const auto skew = config::parse("ingest: {max_future_skew: 1h}\n", "c.yaml");
  REQUIRE(skew.cfg);
  CHECK(skew.cfg->max_future_skew == seconds{3600});
}

TEST_CASE("sections left empty keep their defaults") {
  const auto r = config::parse("server:\nstorage:\nauth:\nalerting:\n  webhooks:\nrules:\n", "c.yaml");
  for (const auto& e : r.errors) FAIL(e.render());
  REQUIRE(r.cfg);
  CHECK(r.cfg->listen_port == 9780);
  CHECK(r.cfg->rules.empty());
  CHECK(r.cfg->webhooks.empty());
}

TEST_CASE("a scalar given no value is an error naming the key") {
  CHECK(error_of("storage:\n  path:\n") == "c.yaml:2:3: storage.path: expected a string, got nothing");
}
