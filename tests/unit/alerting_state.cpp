// The Alertmanager alert state with a manual clock: active, resend, resolve, forget.
#include <catch2/catch.hpp>
#include "slawatch/alerting/alerting.hpp"

using namespace slawatch;
using namespace slawatch::alerting;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

instant t0() { return instant{seconds(1'790'000'000)}; }

store::alert_pair pair(const std::string& rule, const std::string& partner, std::uint64_t in_hold,
                       std::uint64_t open, const std::string& latest) {
  store::alert_pair p;
  p.rule = rule;
  p.partner = partner;
  p.in_hold = in_hold;
  p.open = open;
  p.latest.id = latest;
  p.latest.rule = rule;
  p.latest.partner = partner;
  p.latest.category = "timeliness";
  p.latest.severity = "major";
  p.latest.message = "message of " + latest;
  p.latest.labels = {{"team", "finance"}, {"partner", "spoofed"}, {"bad-name", "x"}};
  return p;
}

std::shared_ptr<rules::rule_set> rule_set() {
  auto set = std::make_shared<rules::rule_set>();
  rules::rule r;
  r.id = "r1";
  r.category = "timeliness";
  r.severity = "major";
  r.description = "Remittances arrive within one business day.";
  r.reference = "SLA-2026-014 section 3";
  r.labels = {{"team", "finance"}};
  set->rules.push_back(r);
  return set;
}

}  // namespace

TEST_CASE("a pair with a breach becomes one SLABreach alert with the contract's labels") {
  auto set = rule_set();
  alert_state s(seconds(60), minutes(15));
  s.update({pair("r1", "bank-a", 2, 0, "b-2")}, {}, set.get(), t0());
  REQUIRE(s.send_due(t0()));
  auto p = s.payload(t0());
  REQUIRE(p.size() == 1);
  CHECK(p[0]["labels"] == nlohmann::json{{"alertname", "SLABreach"}, {"rule", "r1"},
                                         {"partner", "bank-a"}, {"category", "timeliness"},
                                         {"severity", "major"}, {"team", "finance"}});
  CHECK(p[0]["annotations"] ==
        nlohmann::json{{"summary", "Remittances arrive within one business day."},
                       {"description", "message of b-2"}, {"breaches", "2"},
                       {"latest_breach", "b-2"}, {"reference", "SLA-2026-014 section 3"}});
  CHECK(p[0]["startsAt"] == timefmt::format_utc_ms(t0()));
  CHECK(p[0]["endsAt"] == timefmt::format_utc_ms(t0() + minutes(4)));   // 4 × resend
}

TEST_CASE("an active alert is re-sent every resend interval, not before") {
  alert_state s(seconds(60), minutes(15));
  s.update({pair("r1", "bank-a", 1, 0, "b-1")}, {}, nullptr, t0());
  s.sent(t0());
  s.update({pair("r1", "bank-a", 1, 0, "b-1")}, {}, nullptr, t0() + seconds(30));
  CHECK_FALSE(s.send_due(t0() + seconds(30)));
  s.update({pair("r1", "bank-a", 1, 0, "b-1")}, {}, nullptr, t0() + seconds(60));
  CHECK(s.send_due(t0() + seconds(60)));
  auto p = s.payload(t0() + seconds(60));
  CHECK(p[0]["startsAt"] == timefmt::format_utc_ms(t0()));   // the start does not move
  CHECK(p[0]["endsAt"] == timefmt::format_utc_ms(t0() + seconds(300)));
}

TEST_CASE("a new breach of an active pair is sent at once") {
  alert_state s(seconds(60), minutes(15));
  s.update({pair("r1", "bank-a", 1, 0, "b-1")}, {}, nullptr, t0());
  s.sent(t0());
  s.update({pair("r1", "bank-a", 2, 0, "b-2")}, {}, nullptr, t0() + seconds(5));
  CHECK(s.send_due(t0() + seconds(5)));
  CHECK(s.payload(t0() + seconds(5))[0]["annotations"]["latest_breach"] == "b-2");
}

TEST_CASE("a pair that leaves the hold window is sent resolved for 15 minutes, then dropped") {
  alert_state s(seconds(60), minutes(15));
  s.update({pair("r1", "bank-a", 1, 0, "b-1")}, {}, nullptr, t0());
  s.sent(t0());
  const instant gone = t0() + seconds(90);
  s.update({}, {}, nullptr, gone);
  CHECK(s.send_due(gone));   // resolution is a change: sent at once
  auto p = s.payload(gone);
  REQUIRE(p.size() == 1);
  CHECK(p[0]["endsAt"] == timefmt::format_utc_ms(gone));
  s.sent(gone);
  s.update({}, {}, nullptr, gone + minutes(10));
  CHECK(s.send_due(gone + minutes(10)));
  CHECK(s.payload(gone + minutes(10))[0]["endsAt"] == timefmt::format_utc_ms(gone));
  s.update({}, {}, nullptr, gone + minutes(16));
  CHECK(s.alerts().empty());
  CHECK_FALSE(s.send_due(gone + minutes(16)));
}

TEST_CASE("a resolved pair that breaches again fires with a new start") {
  alert_state s(seconds(60), minutes(15));
  s.update({pair("r1", "bank-a", 1, 0, "b-1")}, {}, nullptr, t0());
  s.update({}, {}, nullptr, t0() + minutes(1));
  s.update({pair("r1", "bank-a", 1, 0, "b-9")}, {}, nullptr, t0() + minutes(2));
  auto p = s.payload(t0() + minutes(2));
  CHECK(p[0]["startsAt"] == timefmt::format_utc_ms(t0() + minutes(2)));
  CHECK(p[0]["endsAt"] == timefmt::format_utc_ms(t0() + minutes(6)));
}

TEST_CASE("warned obligations become one SLAAtRisk warning per pair, ending by the last due") {
  auto set = rule_set();
  alert_state s(seconds(60), minutes(15));
  store::obligation_row a{"r1", "bank-a", "k1", t0(), t0() + seconds(100), 1, {}};
  store::obligation_row b{"r1", "bank-a", "k2", t0(), t0() + seconds(200), 1, {}};
  store::obligation_row unknown{"gone", "bank-a", "k3", t0(), t0() + seconds(200), 1, {}};
  s.update({}, {unknown, a, b}, set.get(), t0());
  auto p = s.payload(t0());
  REQUIRE(p.size() == 1);
  CHECK(p[0]["labels"] == nlohmann::json{{"alertname", "SLAAtRisk"}, {"rule", "r1"},
                                         {"partner", "bank-a"}, {"category", "timeliness"},
                                         {"severity", "warning"}, {"team", "finance"}});
  CHECK(p[0]["annotations"]["obligations"] == "2");
  CHECK(p[0]["annotations"]["description"] ==
        "2 open obligation(s) past a warning threshold; the earliest is due " +
            timefmt::format_utc_ms(t0() + seconds(100)));
  CHECK(p[0]["endsAt"] == timefmt::format_utc_ms(t0() + seconds(200)));   // < now + 4m
  s.update({}, {}, set.get(), t0() + seconds(30));   // decided: resolved
  CHECK(s.payload(t0() + seconds(30))[0]["endsAt"] == timefmt::format_utc_ms(t0() + seconds(30)));
}

TEST_CASE("nothing to send while there are no alerts") {
  alert_state s(seconds(60), minutes(15));
  s.update({}, {}, nullptr, t0());
  CHECK_FALSE(s.send_due(t0()));
  CHECK(s.payload(t0()).empty());
}
