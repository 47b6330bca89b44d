// The shipped condition packs decide sample events as their descriptions say.
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include "slawatch/engine/engine.hpp"

using namespace slawatch;

namespace {

std::shared_ptr<const rules::rule_set> shipped() {
  std::vector<rules::source_file> files;
  for (const char* name :
       {"calendars.yaml", "partners.yaml", "security.yaml", "purpose.yaml", "integrity.yaml"}) {
    std::ifstream in(std::string(SLAWATCH_SOURCE_DIR) + "/rules/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    files.push_back({name, ss.str()});
  }
  auto res = rules::load(files);
  REQUIRE(res.errors.empty());
  return res.set;
}

model::event make(const std::string& json_text) {
  model::event ev;
  ev.doc = nlohmann::json::parse(json_text);
  ev.id = ev.doc["id"];
  ev.partner = ev.doc["partner"];
  ev.type = ev.doc["type"];
  ev.occurred_at = *timefmt::parse_rfc3339("2026-11-26T09:15:00+03:00");
  ev.received_at = *timefmt::parse_rfc3339("2026-11-26T06:20:05Z");
  if (!ev.doc.contains("transport")) {
    ev.doc["transport"] = {{"source", "test"}, {"tls", false}, {"tls_version", nullptr}};
  }
  return ev;
}

struct sample {
  const char* event;
  std::set<std::string> breached;
};

}  // namespace

TEST_CASE("shipped rules breach exactly the rules a sample event violates") {
  engine::engine eng(shipped());
  std::vector<sample> samples = {
      {R"({"id": "e1", "partner": "bank-a", "type": "data.accessed", "purpose": "marketing",
           "subject": "ps:1", "attributes": {"operator_id": "op7", "role": "teller"}})",
       {"purpose-allowed", "purpose-not-forbidden"}},
      {R"({"id": "e2", "partner": "bank-a", "type": "contribution.collected",
           "purpose": "collect_contribution",
           "attributes": {"amount": 100.5, "currency": "KES", "receipt_no": "R1"}})",
       {}},
      {R"({"id": "e3", "partner": "mm-pay", "type": "contribution.collected",
           "attributes": {"amount": 100, "currency": "kes"}})",
       {"currency-code", "collection-receipt"}},
      {R"({"id": "e4", "partner": "custodian-trust", "type": "data.accessed", "purpose": "custody",
           "subject": "ps:2", "attributes": {"operator_id": "op1", "role": "clerk"}})",
       {"custodian-no-beneficiary-data"}},
      {R"({"id": "e5", "partner": "mm-pay", "type": "channel.connection_established",
           "attributes": {"tls_version": "TLSv1.1", "channel": "host_to_host",
                          "mutual_auth": false}})",
       {"channel-tls-1-2", "channel-mutual-tls-host-to-host"}},
      {R"({"id": "e6", "partner": "ngo-reach", "type": "registration.submitted",
           "transport": {"source": "http", "tls": true, "tls_version": "TLSv1.0"}})",
       {"transport-tls-1-2"}},
      {R"({"id": "e7", "partner": "bank-a", "type": "deduction.applied",
           "attributes": {"amount": 50, "benefit_amount": 350, "currency": "KES",
                          "consent_ref": "C1", "creditor": "funeral-scheme-a",
                          "benefit_type": "old_age"}})",
       {"deduction-max-10-percent"}},
      {R"({"id": "e8", "partner": "bank-a", "type": "data.shared", "purpose": "reconcile",
           "attributes": {"recipient": "affiliate-x"}})",
       {"onward-sharing-authorised"}},
      {R"({"id": "e9", "partner": "posta-ke", "type": "security.breach_notified",
           "attributes": {"incident_id": "I1", "detected_at": "2026-11-26T08:00:00Z"}})",
       {"breach-notice-complete"}},
  };
  for (const auto& s : samples) {
    auto ev = make(s.event);
    INFO(ev.id);
    engine::effects fx;
    eng.on_event(ev, fx);
    std::set<std::string> got;
    for (const auto& b : fx.breaches) got.insert(b.rule);
    CHECK(got == s.breached);
    CHECK(fx.evaluation_errors.empty());
  }
}
