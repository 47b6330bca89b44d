// The report model: periods, thresholds, counts, trends, completeness and the renderings.
#include <catch2/catch.hpp>
#include "slawatch/calendar/calendar.hpp"
#include "slawatch/report/render.hpp"

using namespace slawatch;

namespace {

instant utc(const char* text) { return *timefmt::parse_rfc3339(text); }

const date::time_zone& nairobi() { return *date::locate_zone("Africa/Nairobi"); }

std::shared_ptr<const rules::rule_set> sample_rules() {
  auto res = rules::load({{"p.yaml", R"(partners:
  - { id: bank-a, name: "Bank <A> & Co", class: bank, timezone: Africa/Nairobi }
  - { id: post-b, name: Post B, class: post_office }
rules:
  - id: amount-nonzero
    kind: condition
    category: integrity
    severity: minor
    description: "Amounts <script>alert(1)</script> & zero"
    require: event.attributes.amount != '0'
  - id: tls-required
    kind: condition
    category: security
    severity: critical
    description: TLS only.
    require: event.transport.tls
  - id: post-only
    kind: condition
    category: integrity
    severity: minor
    description: Post only.
    partners: { ids: [post-b] }
    require: true
  - id: amounts-99
    kind: objective
    category: integrity
    severity: major
    description: 99% of amounts are non-zero.
    of: [amount-nonzero]
    target: 99%
    window: month
)"}},
                         {{}, [](std::string_view n) -> const date::time_zone* {
                            try {
                              auto* z = date::locate_zone(n);
                              z->get_info(date::sys_seconds{});
                              return z;
                            } catch (const std::exception&) { return nullptr; }
                          }});
  for (const auto& e : res.errors) FAIL(e.render());
  return res.set;
}

store::outcome_count oc(const std::string& rule, model::outcome_kind k, std::uint64_t n) {
  return {rule, "bank-a", k, n};
}

model::breach breach(const std::string& id, const std::string& rule, const std::string& category,
                     const char* occurred, model::breach_status st = model::breach_status::closed) {
  model::breach b;
  b.id = id;
  b.rule = rule;
  b.kind = "condition";
  b.category = category;
  b.severity = "major";
  b.partner = "bank-a";
  b.key = "e-" + id;
  b.occurred_at = utc(occurred);
  b.detected_at = b.occurred_at;
  b.status = st;
  b.message = "=cmd|' /C calc'!A0 <b>bold</b> & more";
  b.evidence = {{"events", {"e-" + id}}, {"expected", "x"}, {"observed", "y"}};
  return b;
}

report::period_rows sample_rows() {
  using k = model::outcome_kind;
  report::period_rows rows;
  rows.outcomes = {oc("amount-nonzero", k::met, 97), oc("amount-nonzero", k::breached, 2),
                   oc("amount-nonzero", k::waived, 1), oc("tls-required", k::met, 10),
                   oc("tls-required", k::breached, 1)};
  rows.previous = {oc("amount-nonzero", k::met, 90), oc("amount-nonzero", k::breached, 10)};
  auto w = breach("b-3", "amount-nonzero", "integrity", "2026-11-03T10:00:00Z", model::breach_status::waived);
  w.waived_reason = "agreed outage";
  w.waived_at = utc("2026-11-20T10:00:00Z");
  rows.breaches = {breach("b-1", "amount-nonzero", "integrity", "2026-11-02T10:00:00Z"),
                   breach("b-2", "amount-nonzero", "integrity", "2026-11-02T11:00:00Z"), w,
                   breach("b-4", "tls-required", "security", "2026-11-04T10:00:00Z")};
  // Events at local noon of the days 1..28 except the 7th.
  for (int d = 1; d <= 28; ++d) {
    if (d == 7) continue;
    rows.event_buckets.push_back(utc(fmt::format("2026-11-{:02d}T09:00:00Z", d).c_str()));
  }
  return rows;
}

report::report sample_report() {
  auto set = sample_rules();
  return report::build(*set->find_partner("bank-a"), *set, {2026, 11}, nairobi(),
                       utc("2026-12-01T06:00:00Z"), sample_rows());
}

}  // namespace

TEST_CASE("a period is YYYY-MM with a real month") {
  struct row { const char* text; bool ok; };
  for (const auto& [text, ok] : std::vector<row>{{"2026-11", true}, {"2026-01", true},
           {"2026-13", false}, {"2026-00", false}, {"2026-1", false}, {"26-11", false},
           {"2026/11", false}, {"2026-11-01", false}, {"", false}, {"1969-12", false}}) {
    INFO(text);
    auto p = report::parse_period(text);
    CHECK(p.ok() == ok);
    if (!ok) CHECK(p.err().message == "period: expected YYYY-MM");
  }
  CHECK(report::parse_period("2026-12")->previous() == report::period{2026, 11});
  CHECK(report::parse_period("2026-01")->previous() == report::period{2025, 12});
}

TEST_CASE("a period runs from local midnight of the 1st to local midnight of the next 1st") {
  auto b = report::bounds_of({2026, 11}, nairobi());
  CHECK(timefmt::format_utc_ms(b.from) == "2026-10-31T21:00:00.000Z");
  CHECK(timefmt::format_utc_ms(b.to) == "2026-11-30T21:00:00.000Z");
  auto dec = report::bounds_of({2026, 12}, *date::locate_zone("UTC"));
  CHECK(timefmt::format_utc_ms(dec.to) == "2027-01-01T00:00:00.000Z");
  CHECK(report::period_of(utc("2026-11-30T21:30:00Z"), nairobi()) == report::period{2026, 12});
}

TEST_CASE("status is green at target and amber up to 5 points below and red further below") {
  struct row { std::optional<double> c; double target; const char* status; };
  for (const auto& [c, target, status] : std::vector<row>{
           {1.0, 1.0, "green"}, {0.95, 1.0, "amber"}, {0.9499, 1.0, "red"}, {0.99, 0.99, "green"},
           {0.94, 0.99, "amber"}, {0.9399, 0.99, "red"}, {std::nullopt, 0.99, "none"},
           {0.0, 1.0, "red"}}) {
    INFO(c.value_or(-1) << " vs " << target);
    CHECK(report::status_of(c, target) == status);
  }
}

TEST_CASE("per rule: counts and compliance without waived and the objective target and status and trend") {
  auto r = sample_report();
  REQUIRE(r.rules.size() == 2);   // post-only does not apply, the objective is listed apart
  const auto& a = r.rules[0];
  CHECK(a.rule == "amount-nonzero");
  CHECK(a.met == 97);
  CHECK(a.breached == 2);
  CHECK(a.waived == 1);
  CHECK(a.breaches == 3);
  CHECK(*a.compliance == Approx(97.0 / 99.0));
  CHECK(a.target == Approx(0.99));
  CHECK(a.target_source == "objective:amounts-99");
  CHECK(a.status == "amber");
  CHECK(a.trend == "up");
  const auto& t = r.rules[1];
  CHECK(t.target == 1.0);
  CHECK(t.status == "red");    // 10 of 11 = 90.9% against 100%
  CHECK(t.trend == "new");
  REQUIRE(r.objectives.size() == 1);
  CHECK(r.objectives[0].status == "breached");
  CHECK(r.objectives[0].error_budget_remaining == Approx(1.0 - (2.0 / 99.0) / 0.01));
}

TEST_CASE("data completeness lists the elapsed local days without any event") {
  auto r = sample_report();
  CHECK(r.data.days == 30);
  CHECK(r.data.days_elapsed == 30);
  CHECK(r.data.silent_days ==
        std::vector<std::string>{"2026-11-07", "2026-11-29", "2026-11-30"});
  CHECK_FALSE(r.partial);
  auto set = sample_rules();
  auto early = report::build(*set->find_partner("bank-a"), *set, {2026, 11}, nairobi(),
                             utc("2026-11-10T12:00:00Z"), sample_rows());
  CHECK(early.partial);
  CHECK(early.data.days_elapsed == 10);
  CHECK(early.data.silent_days == std::vector<std::string>{"2026-11-07"});
}

TEST_CASE("a period with no data is an honest empty report") {
  auto set = sample_rules();
  auto r = report::build(*set->find_partner("bank-a"), *set, {2026, 10}, nairobi(),
                         utc("2026-12-01T06:00:00Z"), {});
  CHECK(r.rules.size() == 2);
  CHECK(r.rules[0].status == "none");
  CHECK(r.data.silent_days.size() == 31);
  auto j = report::to_json(r);
  CHECK(j["breaches"].empty());
  CHECK(j["summary"]["compliance"].is_null());
  CHECK(j["audit_head"].is_null());
  CHECK(report::to_csv(r).find("\r\n") == report::to_csv(r).size() - 2);   // header only
  CHECK(report::to_html(r).find("No breach in this period.") != std::string::npos);
}

TEST_CASE("the JSON report carries every section") {
  auto j = report::to_json(sample_report());
  CHECK(j["schema"] == "slawatch.report/v1");
  CHECK(j["partner"]["name"] == "Bank <A> & Co");
  CHECK(j["period"]["month"] == "2026-11");
  CHECK(j["period"]["from"] == "2026-11-01T00:00:00+03:00");
  CHECK(j["period"]["to"] == "2026-12-01T00:00:00+03:00");
  CHECK(j["generated_at"] == "2026-12-01T06:00:00.000Z");
  CHECK(j["summary"]["breaches"] == 4);
  CHECK(j["summary"]["breached"] == 3);
  CHECK(j["summary"]["waived_breaches"] == 1);
  CHECK(j["breaches"][0]["decided_at"] == "2026-11-02T13:00:00+03:00");
  CHECK(j["findings"]["security"].size() == 1);
  CHECK(j["findings"]["purpose"].empty());
  REQUIRE(j["waivers"].size() == 1);
  CHECK(j["waivers"][0]["reason"] == "agreed outage");
  CHECK(j["rules"][0]["outcomes"] == 100);
}

TEST_CASE("CSV cells that look like formulas are neutralised and quoted per RFC 4180") {
  struct row { const char* in; const char* out; };
  for (const auto& [in, out] : std::vector<row>{
           {"plain", "plain"}, {"=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"}, {"+1", "'+1"},
           {"-1", "'-1"}, {"@SUM(A1)", "'@SUM(A1)"}, {"\tx", "'\tx"}, {"\rx", "\"'\rx\""},
           {"a,b", "\"a,b\""}, {"say \"hi\"", "\"say \"\"hi\"\"\""}, {"two\nlines", "\"two\nlines\""},
           {"", ""}}) {
    INFO(in);
    CHECK(report::csv_field(in) == out);
  }
  const auto csv = report::to_csv(sample_report());
  CHECK(csv.starts_with("partner,period,breach_id,rule,kind,category,severity,status,key,"));
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 5);   // header + 4 breaches
  CHECK(csv.find(",'=cmd|' /C calc'!A0 <b>bold</b> & more,") != std::string::npos);
}

TEST_CASE("HTML escapes every partner and rule and breach text and holds charts") {
  const auto html = report::to_html(sample_report());
  CHECK(html.find("<script>") == std::string::npos);
  CHECK(html.find("Amounts &lt;script&gt;alert(1)&lt;/script&gt; &amp; zero") != std::string::npos);
  CHECK(html.find("<title>SLA report: Bank &lt;A&gt; &amp; Co 2026-11</title>") != std::string::npos);
  CHECK(html.find("&lt;b&gt;bold&lt;/b&gt;") != std::string::npos);
  CHECK(html.find("<svg") != std::string::npos);
  CHECK(html.find("@page{size:A4") != std::string::npos);
  CHECK(html.find(" src=") == std::string::npos);   // no external asset
  CHECK(html.find("<link") == std::string::npos);
  std::size_t rows = 0;
  for (auto p = html.find("<tr class=\"breach\""); p != std::string::npos; p = html.find("<tr class=\"breach\"", p + 1)) ++rows;
  CHECK(rows == 4);
  CHECK(html.find("agreed outage") != std::string::npos);
}
