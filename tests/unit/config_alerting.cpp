// A malformed `alerting` section (issue 5, "Bad input"): every mistake is one clear error
// naming the key and its position, so `serve` refuses to start instead of guessing.
#include <catch2/catch.hpp>

#include "slawatch/config/config.hpp"

using namespace slawatch;

namespace {

std::vector<std::string> alerting_errors(const std::string& text) {
  const auto r = config::parse(text, "c.yaml");
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.render());
  return out;
}

}  // namespace

TEST_CASE("a malformed alerting section is one error naming the key") {
  const auto [text, message] = GENERATE(table<std::string, std::string>({
      {"alerting:\n  alertmanager: [\"http://127.0.0.1:9093\"]\n",
       "c.yaml:2:3: unknown key 'alertmanager' in alerting (did you mean 'alertmanagers'?)"},
      {"alerting:\n  resend: 1m\n", "c.yaml:2:3: unknown key 'resend' in alerting"},
      {"alerting:\n  webhooks:\n    - {name: ops, url: 'http://127.0.0.1:9/x', secret: x}\n",
       "c.yaml:3:48: unknown key 'secret' in alerting.webhooks[0]"},
      {"alerting:\n  webhooks:\n    - {name: ops, url: 'http://127.0.0.1:9/x', category: [security]}\n",
       "c.yaml:3:48: unknown key 'category' in alerting.webhooks[0]"},
      {"alerting:\n  alertmanagers: [\"localhost:9093\"]\n",
       "c.yaml:2:19: alerting.alertmanagers[0]: expected an http:// or https:// URL, got 'localhost:9093'"},
      {"alerting:\n  alertmanagers: http://127.0.0.1:9093\n",
       "c.yaml:2:18: alerting.alertmanagers: expected a list of strings, got 'http://127.0.0.1:9093'"},
      {"alerting:\n  webhooks:\n    - {name: ops, url: '127.0.0.1:9/x'}\n",
       "c.yaml:3:24: alerting.webhooks[0].url: expected an http:// or https:// URL, got '127.0.0.1:9/x'"},
      {"alerting:\n  webhooks:\n    - {url: 'http://127.0.0.1:9/x'}\n",
       "c.yaml:3:7: alerting.webhooks[0].name: required"},
      {"alerting:\n  webhooks:\n    - {name: ops, url: 'http://a/x'}\n    - {name: ops, url: 'http://b/x'}\n",
       "c.yaml:4:14: alerting.webhooks[1].name: duplicate webhook name 'ops'"},
      {"alerting:\n  webhooks:\n    - {name: ops, url: 'http://a/x', secret_env: '$OPS'}\n",
       "c.yaml:3:50: alerting.webhooks[0].secret_env: expected an environment variable name like "
       "OPS_HOOK_SECRET, got '$OPS'"},
      {"alerting:\n  hold: soon\n", "c.yaml:2:9: alerting.hold: expected a duration like 15m, got 'soon'"},
  }));
  const auto all = alerting_errors(text);
  INFO(text);
  REQUIRE(all.size() == 1);
  CHECK(all.front() == message);
}
