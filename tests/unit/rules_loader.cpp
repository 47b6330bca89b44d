// What a valid rule set loads into.
#include <catch2/catch.hpp>
#include "rules_test_support.hpp"

using slawatch::rules::load;

namespace {

const char* valid_rules = R"yaml(lists:
  forbidden: [marketing, profiling]
  limits: [100, 2.5, "7"]
macros:
  secure: event.transport.tls
  very_secure: secure && event.transport.tls_version == 'TLSv1.3'
rules:
  - id: transport-tls
    kind: condition
    category: security
    severity: major
    description: TLS only.
    reference: domain R16
    partners: { classes: [bank], labels: { region: coast } }
    labels: { team: security }
    when: true
    require: very_secure
    exceptions:
      - name: migration
        when: event.type == 'legacy.ping'
        expires: 2026-01-31
        reference: CR-12
  - id: disabled-one
    kind: condition
    category: integrity
    severity: info
    description: Off for now.
    enabled: false
    require: "!(event.purpose in lists.forbidden)"
)yaml";

}  // namespace

TEST_CASE("a valid rule set loads partners, calendars, lists, macros and rules") {
  auto res = rules_test::load_with_registry(valid_rules);
  REQUIRE(rules_test::rendered(res.errors).empty());
  REQUIRE(res.set);
  const auto& set = *res.set;
  REQUIRE(set.partners.size() == 2);
  const auto* bank = set.find_partner("bank-a");
  REQUIRE(bank);
  CHECK(bank->calendar == "ke-banking");
  CHECK(bank->allowed_purposes == std::vector<std::string>{"collect_contribution", "remit"});
  CHECK(set.find_partner("ngo-b")->timezone == "UTC");
  const auto& cal = set.calendars.at("ke-banking");
  CHECK(cal.workdays == std::vector<int>{1, 2, 3, 4, 5});
  CHECK(cal.hours_start_min == 8 * 60);
  CHECK(cal.hours_end_min == 17 * 60);
  CHECK(cal.cutoff_min == 16 * 60);
  REQUIRE(cal.holidays.size() == 2);
  CHECK(cal.holidays[1].name == "Boxing Day");
  CHECK((*set.lists)["limits"] == nlohmann::json::parse(R"([100, 2.5, "7"])"));
  CHECK(set.macros.size() == 2);
  REQUIRE(set.rules.size() == 2);
  const auto& r = set.rules[0];
  CHECK(r.reference == "domain R16");
  CHECK(r.partners.classes == std::vector<std::string>{"bank"});
  CHECK(r.labels.at("team") == "security");
  CHECK(r.where.line == 8);
  REQUIRE(r.exceptions.size() == 1);
  CHECK(r.exceptions[0].expires_text == "2026-01-31");
  CHECK(r.exceptions[0].expires == slawatch::timefmt::parse_rfc3339("2026-02-01T00:00:00Z"));
  CHECK(set.rules[1].enabled == false);
  CHECK(r.version.size() == 64);
  CHECK(set.version.size() == 64);
  CHECK(set.file_hashes.count("r.yaml") == 1);
}

TEST_CASE("an expired exception is a warning, not an error") {
  slawatch::rules::load_options opts;
  opts.today = *slawatch::timefmt::parse_rfc3339("2026-02-01T00:00:00Z");
  auto res = load({{"registry.yaml", rules_test::registry_yaml}, {"r.yaml", valid_rules}}, opts);
  CHECK(res.errors.empty());
  CHECK(rules_test::rendered(res.warnings) ==
        std::vector<std::string>{
            "r.yaml:21:18: exception 'migration' of rule 'transport-tls' expired on 2026-01-31"});
  opts.today = *slawatch::timefmt::parse_rfc3339("2026-01-31T23:59:59Z");
  CHECK(load({{"registry.yaml", rules_test::registry_yaml}, {"r.yaml", valid_rules}}, opts)
            .warnings.empty());
}

TEST_CASE("a rule's version changes with its definition but not with key order") {
  auto version_of = [](const std::string& text) {
    auto res = rules_test::load_with_registry(text);
    REQUIRE(res.set);
    return res.set->rules.at(0).version;
  };
  std::string base =
      "rules:\n  - { id: r1, kind: condition, category: security, severity: info,"
      " description: d, require: 'true' }\n";
  std::string reordered =
      "rules:\n  - { kind: condition, id: r1, severity: info, category:"
      " security, description: d, require: 'true' }\n";
  std::string changed =
      "rules:\n  - { id: r1, kind: condition, category: security, severity: info,"
      " description: d, require: 'false' }\n";
  CHECK(version_of(base) == version_of(reordered));
  CHECK(version_of(base) != version_of(changed));
}

TEST_CASE("files are merged: a rule may select a partner defined in another file") {
  std::string text =
      "rules:\n  - { id: r1, kind: condition, category: security, severity: info,"
      " description: d, partners: { ids: [ngo-b] }, require: 'true' }\n";
  auto res = rules_test::load_with_registry(text);
  REQUIRE(res.errors.empty());
  CHECK(res.set->rules[0].partners.ids == std::vector<std::string>{"ngo-b"});
}

TEST_CASE("an empty file is a valid, empty rule set") {
  auto res = load({{"empty.yaml", ""}});
  REQUIRE(res.set);
  CHECK(res.set->rules.empty());
}

TEST_CASE("a partner selector matches on ids, classes and labels together") {
  slawatch::model::partner p;
  p.id = "bank-a";
  p.class_ = "bank";
  p.labels = {{"region", "coast"}};
  slawatch::rules::partner_selector all;
  CHECK(all.matches(p));
  slawatch::rules::partner_selector sel{{"bank-a"}, {"bank"}, {{"region", "coast"}}};
  CHECK(sel.matches(p));
  sel.labels["region"] = "north";
  CHECK_FALSE(sel.matches(p));
  slawatch::rules::partner_selector other_class{{}, {"ngo"}, {}};
  CHECK_FALSE(other_class.matches(p));
}

TEST_CASE("odd inputs give errors, never exceptions") {
  std::vector<std::string> inputs = {
      "\t- x",          "rules: [[[]]]",         "rules:\n  - 5\n",
      "partners: {a: b}", "? [a]\n: b\n",        "rules: [{id: r, kind: condition, "
                                                 "require: {a: b}}]",
      "lists: [a]",     "macros:\n  m: \"\"\n", "calendars: {c: {holidays: [[1]]}}",
      std::string("\x00\xff\xfe rules", 9),     "a: &x [1]\nb: *x\n",
  };
  for (const auto& text : inputs) {
    INFO(text);
    slawatch::rules::load_result res;
    CHECK_NOTHROW(res = load({{"odd.yaml", text}}));
    CHECK_FALSE(res.errors.empty());
    CHECK(res.set == nullptr);
  }
}
