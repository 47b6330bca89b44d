// The condition kind: outcomes, breaches, exceptions and evaluation errors.
#include <catch2/catch.hpp>
#include "slawatch/engine/engine.hpp"

using namespace slawatch;

namespace {

const char* rules_text = R"(partners:
  - { id: bank-a, name: Bank A, class: bank, allowed_purposes: [remit, reconcile],
      labels: { region: coast } }
  - { id: ngo-b, name: NGO B, class: ngo }
lists:
  forbidden: [marketing, profiling]
macros:
  secure: event.transport.tls && event.transport.tls_version in ['TLSv1.2', 'TLSv1.3']
rules:
  - id: tls
    kind: condition
    category: security
    severity: major
    description: TLS 1.2 or newer.
    labels: { team: sec }
    require: secure
    exceptions:
      - { name: old-pilot, when: "event.type == 'pilot.ping'", expires: 2026-01-31 }
      - { name: lab, when: "event.type == 'lab.ping'" }
  - id: purpose
    kind: condition
    category: purpose
    severity: critical
    description: Purpose allowed.
    partners: { classes: [bank] }
    when: event.type.startsWith('data.')
    require: >
      event.purpose in partner.allowed_purposes
      && !(event.purpose in lists.forbidden)
  - id: amount
    kind: condition
    category: integrity
    severity: minor
    description: Positive amounts.
    when: event.attributes.amount != 0
    require: event.attributes.amount > 0
  - id: off
    kind: condition
    category: integrity
    severity: info
    description: Disabled.
    enabled: false
    require: 'false'
)";

std::shared_ptr<const rules::rule_set> load_rules() {
  auto res = rules::load({{"e.yaml", rules_text}});
  for (const auto& e : res.errors) FAIL(e.render());
  return res.set;
}

model::event make_event(std::string id, std::string partner, std::string type,
                        nlohmann::json extra = nlohmann::json::object(),
                        std::string tls_version = "TLSv1.3") {
  model::event ev;
  ev.id = std::move(id);
  ev.partner = std::move(partner);
  ev.type = std::move(type);
  ev.occurred_at = *timefmt::parse_rfc3339("2026-11-26T09:15:00+03:00");
  ev.occurred_offset = 3 * 3600;
  ev.received_at = *timefmt::parse_rfc3339("2026-11-26T06:20:05.117Z");
  ev.doc = {{"id", ev.id},
            {"partner", ev.partner},
            {"type", ev.type},
            {"occurred_at", "2026-11-26T09:15:00+03:00"},
            {"received_at", "2026-11-26T06:20:05.117Z"},
            {"transport",
             {{"source", "test"},
              {"tls", tls_version != "none"},
              {"tls_version",
               tls_version == "none" ? nlohmann::json(nullptr) : nlohmann::json(tls_version)}}}};
  if (extra.is_object()) ev.doc.update(extra);
  return ev;
}

std::vector<std::string> decided(const engine::effects& fx) {
  std::vector<std::string> out;
  for (const auto& o : fx.outcomes) {
    out.push_back(o.rule + ":" + std::string(model::to_string(o.kind)));
  }
  return out;
}

}  // namespace

TEST_CASE("an event that satisfies every matching rule is met by each") {
  engine::engine eng(load_rules());
  engine::effects fx;
  auto ev = make_event("E1", "bank-a", "data.accessed",
                       {{"purpose", "remit"}, {"attributes", {{"amount", 5}}}});
  eng.on_event(ev, fx);
  CHECK(decided(fx) == std::vector<std::string>{"tls:met", "purpose:met", "amount:met"});
  CHECK(fx.breaches.empty());
  CHECK(fx.outcomes[0].decided_at == ev.occurred_at);
  CHECK(fx.outcomes[0].partner == "bank-a");
}

TEST_CASE("a condition breach is closed and carries evidence without raw values") {
  engine::engine eng(load_rules());
  engine::effects fx;
  auto ev = make_event("BANKA-1", "bank-a", "data.accessed",
                       {{"purpose", "marketing"}, {"attributes", {{"amount", 1}}}});
  eng.on_event(ev, fx);
  CHECK(decided(fx) == std::vector<std::string>{"tls:met", "purpose:breached", "amount:met"});
  REQUIRE(fx.breaches.size() == 1);
  const auto& b = fx.breaches[0];
  CHECK(b.id == model::breach_id("purpose", "bank-a", "BANKA-1", ""));
  CHECK(b.rule == "purpose");
  CHECK(b.rule_version == eng.rules().find_rule("purpose")->version);
  CHECK(b.kind == "condition");
  CHECK(b.category == "purpose");
  CHECK(b.severity == "critical");
  CHECK(b.key == "BANKA-1");
  CHECK(b.status == model::breach_status::closed);
  CHECK(b.occurred_at == ev.occurred_at);
  CHECK(b.occurred_offset == 3 * 3600);
  CHECK(b.detected_at == ev.received_at);
  CHECK_FALSE(b.due_at);
  std::string expected =
      "event.purpose in partner.allowed_purposes && !(event.purpose in lists.forbidden)";
  CHECK(b.message == "Event BANKA-1 (data.accessed) did not satisfy: " + expected);
  CHECK(b.evidence == nlohmann::json{{"events", {"BANKA-1"}},
                                     {"expected", expected},
                                     {"observed", "event.purpose = \"marketing\""}});
}

TEST_CASE("observed evidence follows macros to the event fields they read") {
  engine::engine eng(load_rules());
  engine::effects fx;
  eng.on_event(make_event("N1", "ngo-b", "x.y", {}, "TLSv1.0"), fx);
  REQUIRE(fx.breaches.size() == 1);
  CHECK(fx.breaches[0].rule == "tls");
  CHECK(fx.breaches[0].labels == std::map<std::string, std::string>{{"team", "sec"}});
  CHECK(fx.breaches[0].evidence["observed"] ==
        "event.transport.tls = true, event.transport.tls_version = \"TLSv1.0\"");
}

TEST_CASE("a rule applies only to partners its selector matches") {
  engine::engine eng(load_rules());
  engine::effects fx;
  eng.on_event(make_event("N2", "ngo-b", "data.accessed", {{"purpose", "marketing"}}), fx);
  CHECK(decided(fx) == std::vector<std::string>{"tls:met"});
}

TEST_CASE("a when that fails to evaluate counts as false and as an evaluation error") {
  engine::engine eng(load_rules());
  engine::effects fx;
  eng.on_event(make_event("N3", "ngo-b", "x.y"), fx);  // no attributes.amount
  CHECK(decided(fx) == std::vector<std::string>{"tls:met"});
  CHECK(fx.evaluation_errors == std::map<std::string, std::uint64_t>{{"amount", 1}});
}

TEST_CASE("a require that fails to evaluate is not met and records the error") {
  engine::engine eng(load_rules());
  engine::effects fx;
  eng.on_event(make_event("B2", "bank-a", "data.accessed", {{"purpose", 7}}), fx);  // just false
  eng.on_event(make_event("B3", "bank-a", "data.accessed"), fx);  // no purpose at all
  REQUIRE(fx.breaches.size() == 2);
  CHECK(fx.evaluation_errors ==
        std::map<std::string, std::uint64_t>{{"amount", 2}, {"purpose", 1}});
  CHECK_FALSE(fx.breaches[0].evidence.contains("error"));
  CHECK(fx.breaches[0].evidence["observed"] == "event.purpose = 7");
  CHECK_FALSE(fx.breaches[1].evidence.value("error", "").empty());
  CHECK(fx.breaches[1].evidence["observed"] == "event.purpose = <missing>");
}

TEST_CASE("an event matching an unexpired exception is neither met nor breached") {
  engine::engine eng(load_rules());
  engine::effects fx;
  eng.on_event(make_event("L1", "ngo-b", "lab.ping", {}, "none"), fx);
  CHECK(fx.outcomes.empty());
  CHECK(fx.breaches.empty());
}

TEST_CASE("an exception that expired before the event was received is ignored") {
  engine::engine eng(load_rules());
  engine::effects fx;
  eng.on_event(make_event("P1", "ngo-b", "pilot.ping", {}, "none"), fx);  // expired 2026-01-31
  CHECK(decided(fx) == std::vector<std::string>{"tls:breached"});
  auto early = make_event("P2", "ngo-b", "pilot.ping", {}, "none");
  early.received_at = *timefmt::parse_rfc3339("2026-01-31T23:59:59Z");
  fx.clear();
  eng.on_event(early, fx);
  CHECK(fx.outcomes.empty());
}

TEST_CASE("disabled rules never decide, and set_rules replaces the rule set") {
  engine::engine eng(load_rules());
  engine::effects fx;
  eng.on_event(make_event("D1", "ngo-b", "x.y"), fx);
  for (const auto& o : fx.outcomes) CHECK(o.rule != "off");
  auto other =
      rules::load({{"o.yaml",
                    "partners: [{ id: ngo-b, name: N, class: ngo }]\n"
                    "rules: [{ id: always, kind: condition, category: integrity, severity: info,"
                    " description: d, require: 'false' }]\n"}});
  REQUIRE(other.set);
  eng.set_rules(other.set);
  fx.clear();
  eng.on_event(make_event("D2", "ngo-b", "x.y"), fx);
  CHECK(decided(fx) == std::vector<std::string>{"always:breached"});
  CHECK(fx.breaches[0].evidence["observed"] == "false");
}
