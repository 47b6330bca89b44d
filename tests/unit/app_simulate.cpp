// The simulator's pieces: flag parsing, URL parsing, partner choice and deterministic traffic.
#include <catch2/catch.hpp>
#include <set>
#include "slawatch/app/app.hpp"
#include "../../daemon/app/sim_client.hpp"
#include "../../daemon/app/sim_traffic.hpp"

using namespace slawatch;
using namespace slawatch::app::detail;
using flag_map = std::map<std::string, std::string, std::less<>>;

namespace {

std::vector<sim_partner> registry() {
  return partners_from_json(nlohmann::json::parse(R"({"partners": [
    {"id": "bank-a", "class": "bank", "allowed_purposes": ["remit"], "allowed_data_categories": ["financial"]},
    {"id": "bank-b", "class": "bank", "allowed_purposes": ["remit"]},
    {"id": "posta", "class": "post_office", "allowed_purposes": ["pay_benefit"]},
    {"id": "trust", "class": "custodian"},
    {"id": "ngo", "class": "ngo", "allowed_purposes": ["outreach"]}]})"));
}

const instant now{std::chrono::seconds(1'800'000'000)};

}  // namespace

TEST_CASE("simulate flags are validated with messages naming the flag") {
  struct row { flag_map flags; std::string error; };
  const row rows[] = {
      {{}, "simulate needs --url URL"},
      {{{"--url", "http://x"}, {"--rate", "fast"}}, "--rate: expected a number from 0.1 to 1000000, got 'fast'"},
      {{{"--url", "http://x"}, {"--partners", "0"}}, "--partners: expected a number from 1 to 100000, got '0'"},
      {{{"--url", "http://x"}, {"--breach-rate", "1.5"}}, "--breach-rate: expected a number from 0 to 1, got '1.5'"},
      {{{"--url", "http://x"}, {"--duration", "soon"}}, "--duration: expected a duration such as 30s, 5m or 1h, got 'soon'"},
  };
  for (const auto& r : rows) {
    auto o = app::parse_simulate_options(r.flags);
    REQUIRE_FALSE(o.ok());
    CHECK(o.err().message == r.error);
  }
  auto ok = app::parse_simulate_options({{"--url", "http://127.0.0.1:9780"}, {"--partners", "3"}, {"--rate", "200"},
                                         {"--duration", "2s"}, {"--breach-rate", "0.1"}, {"--seed", "7"}});
  REQUIRE(ok.ok());
  CHECK(ok->partners == 3);
  CHECK(ok->rate == 200.0);
  CHECK(ok->length == std::chrono::seconds(2));
  CHECK(ok->seed == std::optional<std::uint64_t>(7));
}

TEST_CASE("simulate URLs are plain http with an optional port and path") {
  auto u = parse_http_url("http://127.0.0.1:9780/");
  REQUIRE(u.ok());
  CHECK((u->host == "127.0.0.1" && u->port == 9780 && u->base_path.empty()));
  auto p = parse_http_url("http://sla.example/api");
  REQUIRE(p.ok());
  CHECK((p->port == 80 && p->base_path == "/api"));
  CHECK(parse_http_url("https://x").err().message == "--url: https is not supported by simulate; use a local http listener");
  CHECK(parse_http_url("ftp://x").err().message == "--url: expected http://HOST[:PORT], got 'ftp://x'");
  CHECK(parse_http_url("http://x:99999").err().message == "--url: expected http://HOST[:PORT], got 'http://x:99999'");
}

TEST_CASE("a few partners are chosen across classes before a second of any class") {
  auto chosen = choose_partners(registry(), 3);
  std::set<std::string> classes;
  for (const auto& p : chosen) classes.insert(p.class_);
  CHECK(chosen.size() == 3);
  CHECK(classes.size() == 3);
  CHECK(choose_partners(registry(), 50).size() == 5);
}

TEST_CASE("the same seed gives the same traffic; events are valid envelopes, never in the future") {
  traffic a(registry(), 0.3, 42), b(registry(), 0.3, 42), c(registry(), 0.3, 43);
  std::vector<nlohmann::json> ea, eb, ec;
  for (int i = 0; i < 200; ++i) {
    bool bad = false;
    for (auto& e : a.next(now, bad)) ea.push_back(e);
    for (auto& e : b.next(now, bad)) eb.push_back(e);
    for (auto& e : c.next(now, bad)) ec.push_back(e);
  }
  CHECK(ea == eb);
  CHECK(ea != ec);
  std::set<std::string> ids;
  for (const auto& e : ea) {
    ids.insert(e["id"].get<std::string>());
    CHECK(e["occurred_at"].get<std::string>() <= timefmt::format_utc_ms(now));
    if (e["partner"] == "trust") CHECK_FALSE(e.contains("subject"));   // custodians hold no beneficiary data
  }
  CHECK(ids.size() == ea.size());
  CHECK(a.operations() == 200);
  CHECK(a.breach_operations() > 30);
  CHECK(a.breach_operations() < 100);
}

TEST_CASE("a breach rate of 0 makes only compliant operations, and 1 only violations") {
  traffic good(registry(), 0.0, 1), bad(registry(), 1.0, 1);
  std::size_t forbidden = 0, old_tls = 0;
  for (int i = 0; i < 300; ++i) {
    bool flagged = false;
    for (const auto& e : good.next(now, flagged)) {
      CHECK_FALSE(flagged);
      CHECK(e.value("purpose", "") != "marketing");
      if (e["type"] == "channel.connection_established") CHECK(e["attributes"]["tls_version"] != "TLSv1.0");
    }
    for (const auto& e : bad.next(now, flagged)) {
      CHECK(flagged);
      forbidden += e.value("purpose", "") == "marketing";
      old_tls += e["type"] == "channel.connection_established" && e["attributes"]["tls_version"] == "TLSv1.0";
    }
  }
  CHECK(good.breach_operations() == 0);
  CHECK(bad.breach_operations() == 300);
  CHECK(forbidden > 0);
  CHECK(old_tls > 0);
}

TEST_CASE("simulate leaves out partners that require signed requests") {
  auto ps = partners_from_json(nlohmann::json::parse(R"({"partners": [
    {"id": "bank-a", "class": "bank", "require_signature": false},
    {"id": "mm-pay", "class": "mobile_money", "require_signature": true},
    {"id": "posta", "class": "post_office"}]})"));
  REQUIRE(ps.size() == 2);
  CHECK(ps[0].id == "bank-a");
  CHECK(ps[1].id == "posta");
}

TEST_CASE("a violating registration is late or left open past its warning") {
  traffic tr({{"agent-x", "agent", {"register_member"}, {}}}, 1.0, 3);
  std::set<std::size_t> sizes;
  for (int i = 0; i < 300; ++i) {
    bool breached = false;
    auto evs = tr.next(now, breached);
    if (evs.front()["type"] == "registration.submitted") sizes.insert(evs.size());
  }
  CHECK(sizes == std::set<std::size_t>{1, 3});   // 1: submitted only (at risk), 3: transmitted late
}
