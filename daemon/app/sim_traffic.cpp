// The operations `slawatch simulate` sends, one function per business process of the shipped
// rules. Event times lie in the recent past so that a "late" operation is late on event time
// (the rules decide on occurred_at) without waiting for a timer.
#include "sim_traffic.hpp"
#include <algorithm>
#include <map>
#include <fmt/format.h>

namespace slawatch::app::detail {

using nlohmann::json;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

std::vector<std::string> strings_of(const json& j, const char* key) {
  std::vector<std::string> out;
  if (j.contains(key) && j[key].is_array()) {
    for (const auto& s : j[key]) {
      if (s.is_string()) out.push_back(s.get<std::string>());
    }
  }
  return out;
}

bool in(const std::string& cls, std::initializer_list<const char*> classes) {
  return std::any_of(classes.begin(), classes.end(), [&](const char* c) { return cls == c; });
}

}  // namespace

std::vector<sim_partner> partners_from_json(const json& body) {
  const json& list = body.is_object() && body.contains("partners") ? body["partners"] : body;
  std::vector<sim_partner> out;
  if (!list.is_array()) return out;
  for (const auto& p : list) {
    if (!p.is_object() || !p.contains("id") || !p["id"].is_string()) continue;
    // simulate holds no partner secrets: a partner that requires signed requests would
    // refuse every batch (401), so it is not simulated.
    if (p.contains("require_signature") && p["require_signature"] == true) continue;
    out.push_back({p["id"].get<std::string>(), p.value("class", std::string()),
                   strings_of(p, "allowed_purposes"), strings_of(p, "allowed_data_categories")});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

std::vector<sim_partner> choose_partners(std::vector<sim_partner> all, std::size_t n) {
  std::map<std::string, std::vector<sim_partner>> by_class;
  for (auto& p : all) by_class[p.class_].push_back(std::move(p));
  std::vector<sim_partner> out;
  for (std::size_t round = 0; out.size() < n; ++round) {
    bool any = false;
    for (auto& [cls, ps] : by_class) {
      if (round < ps.size() && out.size() < n) {
        out.push_back(ps[round]);
        any = true;
      }
    }
    if (!any) break;
  }
  return out;
}

traffic::traffic(std::vector<sim_partner> partners, double breach_rate, std::uint64_t seed)
    : partners_(std::move(partners)), breach_rate_(breach_rate), rng_(seed),
      run_(fmt::format("{:08x}", seed & 0xffffffffU)) {}

std::string traffic::next_id(std::string_view prefix) { return fmt::format("sim-{}-{}-{}", run_, prefix, ++seq_); }

double traffic::amount(double lo, double hi) {
  double v = std::uniform_real_distribution<double>(lo, hi)(rng_);
  return static_cast<double>(static_cast<long long>(v * 100)) / 100.0;   // whole cents
}

json traffic::envelope(const sim_partner& p, std::string_view type, instant at) {
  return {{"id", next_id("e")}, {"partner", p.id}, {"type", type},
          {"occurred_at", timefmt::format_utc_ms(at)}, {"attributes", json::object()}};
}

std::vector<json> traffic::next(instant now, bool& breached) {
  using op = events (traffic::*)(const sim_partner&, instant, bool);
  const auto& p = partners_[std::uniform_int_distribution<std::size_t>(0, partners_.size() - 1)(rng_)];
  struct weighted { op fn; int weight; bool applies; };
  const std::string& c = p.class_;
  const weighted ops[] = {
      {&traffic::contribution, 4, in(c, {"bank", "mobile_money", "post_office", "agent", "cbhi", "local_gov"})},
      {&traffic::benefit, 3, in(c, {"bank", "post_office", "mobile_money"})},
      {&traffic::settlement, 1, in(c, {"bank", "mobile_money"})},
      {&traffic::data_access, 1, c != "custodian" && !p.allowed_purposes.empty()},
      {&traffic::channel, 1, true},
      {&traffic::probe, 2, in(c, {"bank", "post_office", "mobile_money", "agent"})},
      {&traffic::complaint, 1, in(c, {"bank", "post_office", "mobile_money", "agent", "local_gov", "ngo", "cbhi"})},
      {&traffic::custody, 2, c == "custodian"},
      {&traffic::registration, 1, in(c, {"agent", "local_gov", "ngo", "cbhi", "post_office", "bank", "mobile_money"})},
  };
  int total = 0;
  for (const auto& o : ops) total += o.applies ? o.weight : 0;
  int pick = std::uniform_int_distribution<int>(0, total - 1)(rng_);
  breached = chance(breach_rate_);
  ++operations_;
  if (breached) ++breaches_;
  for (const auto& o : ops) {
    if (!o.applies) continue;
    if (pick < o.weight) return (this->*o.fn)(p, now, breached);
    pick -= o.weight;
  }
  return channel(p, now, breached);   // unreachable: channel always applies
}

/// collected → reported (15m) → remitted with the receipt number and a report reference.
traffic::events traffic::contribution(const sim_partner& p, instant now, bool bad) {
  const auto receipt = next_id("r");
  const double amt = amount(50, 5000);
  json collected = envelope(p, "contribution.collected", now - (bad ? minutes(40) : minutes(3)));
  collected["subject"] = fmt::format("ps:{:010x}", rng_() & 0xffffffffffULL);
  collected["purpose"] = "collect_contribution";
  collected["correlation_id"] = receipt;
  collected["attributes"] = {{"amount", amt}, {"currency", "KES"}, {"channel", chance(0.5) ? "branch" : "mobile"},
                             {"receipt_no", receipt}};
  json reported = envelope(p, "contribution.reported", now - minutes(2));
  reported["attributes"] = {{"receipt_no", receipt}};
  json remitted = envelope(p, "contribution.remitted", now - minutes(1));
  remitted["attributes"] = {{"amount", amt}, {"currency", "KES"}, {"receipt_nos", json::array({receipt})},
                            {"report_id", next_id("rep")}};
  return {collected, reported, remitted};
}

/// ordered → acknowledged (4 business hours) → credited (same business day).
traffic::events traffic::benefit(const sim_partner& p, instant now, bool bad) {
  const auto payment = next_id("pay");
  const auto file = next_id("file");
  const double amt = amount(20, 800);
  const instant ordered_at = bad ? now - days(9) : now - minutes(3);
  json ordered = envelope(p, "benefit.payment_ordered", ordered_at);
  ordered["subject"] = fmt::format("ps:{:010x}", rng_() & 0xffffffffffULL);
  ordered["attributes"] = {{"payment_id", payment}, {"file_id", file}, {"amount", amt}, {"currency", "KES"}};
  json ack = envelope(p, "benefit.order_acknowledged", ordered_at + minutes(1));
  ack["attributes"] = {{"file_id", file}, {"accepted", 1}, {"rejected", 0}};
  json credited = envelope(p, "benefit.credited", now - minutes(1));
  credited["subject"] = ordered["subject"];
  credited["attributes"] = {{"payment_id", payment}, {"amount", amt}, {"currency", "KES"}};
  return {ordered, ack, credited};
}

traffic::events traffic::settlement(const sim_partner& p, instant now, bool bad) {
  json report = envelope(p, "settlement.report_delivered", now - minutes(1));
  report["attributes"] = {{"report_id", next_id("set")}, {"records", 120}, {"ids_masked", !bad}};
  return {report};
}

/// A record read with a declared purpose; a violation uses a forbidden one.
traffic::events traffic::data_access(const sim_partner& p, instant now, bool bad) {
  auto pick = [&](const std::vector<std::string>& v) {
    return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng_)];
  };
  json read = envelope(p, "data.accessed", now - seconds(30));
  read["subject"] = fmt::format("ps:{:010x}", rng_() & 0xffffffffffULL);
  read["purpose"] = bad ? std::string("marketing") : pick(p.allowed_purposes);
  read["attributes"] = {{"operator_id", fmt::format("op-{}", rng_() % 40)}, {"role", "clerk"},
                        {"record_id", next_id("rec")}};
  if (!p.allowed_data_categories.empty()) read["attributes"]["data_category"] = pick(p.allowed_data_categories);
  return {read};
}

traffic::events traffic::channel(const sim_partner& p, instant now, bool bad) {
  json conn = envelope(p, "channel.connection_established", now - seconds(20));
  conn["attributes"] = {{"channel", chance(0.5) ? "api" : "host_to_host"}, {"mutual_auth", true},
                        {"tls_version", bad ? "TLSv1.0" : (chance(0.7) ? "TLSv1.3" : "TLSv1.2")},
                        {"cipher", "TLS_AES_256_GCM_SHA384"}};
  return {conn};
}

traffic::events traffic::probe(const sim_partner& p, instant now, bool bad) {
  json probe = envelope(p, "service.probe", now - seconds(5));
  const bool down = bad && chance(0.5);
  const int latency = bad && !down ? 3500 : std::uniform_int_distribution<int>(40, 900)(rng_);
  probe["attributes"] = {{"service", "api"}, {"ok", !down}, {"latency_ms", latency}};
  return {probe};
}

/// received → acknowledged (1 business day); a violation acknowledges 9 days late.
traffic::events traffic::complaint(const sim_partner& p, instant now, bool bad) {
  const auto id = next_id("cmp");
  json received = envelope(p, "complaint.received", bad ? now - days(9) : now - hours(1));
  received["subject"] = fmt::format("ps:{:010x}", rng_() & 0xffffffffffULL);
  received["attributes"] = {{"complaint_id", id}, {"channel", "phone"}};
  json ack = envelope(p, "complaint.acknowledged", now - minutes(10));
  ack["attributes"] = {{"complaint_id", id}};
  return {received, ack};
}

/// submitted → transmitted (24h, warned at 75%) → acknowledged (2 business days). A violation
/// is either transmitted 30 hours late or left untransmitted 20 hours after submission: an
/// open obligation past its warning threshold, at risk (the dashboards' "obligations at risk").
traffic::events traffic::registration(const sim_partner& p, instant now, bool bad) {
  const auto id = next_id("reg");
  const bool at_risk = bad && chance(0.5);
  json submitted = envelope(p, "registration.submitted", bad ? now - hours(at_risk ? 20 : 30) : now - hours(3));
  submitted["subject"] = fmt::format("ps:{:010x}", rng_() & 0xffffffffffULL);
  submitted["attributes"] = {{"registration_id", id}, {"scheme", "health"}};
  if (at_risk) return {submitted};
  json transmitted = envelope(p, "registration.transmitted", now - minutes(bad ? 1 : 60));
  transmitted["attributes"] = {{"registration_id", id}};
  json acknowledged = envelope(p, "registration.acknowledged", now - seconds(30));
  acknowledged["attributes"] = {{"registration_id", id}};
  return {submitted, transmitted, acknowledged};
}

/// Daily custody reports; a violation reports a mandate breach 9 days after it happened.
traffic::events traffic::custody(const sim_partner& p, instant now, bool bad) {
  if (bad) {
    json late = envelope(p, "investment.mandate_breach_detected", now - days(9));
    late["attributes"] = {{"mandate_id", "M-1"}, {"limit", "equity_share"}, {"observed", 0.62}};
    return {late};
  }
  json report = envelope(p, "investment.custody_report_delivered", now - minutes(5));
  report["attributes"] = {{"report_id", next_id("cus")}, {"positions", 42}};
  return {report};
}

}  // namespace slawatch::app::detail
