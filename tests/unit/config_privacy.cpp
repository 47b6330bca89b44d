#include <catch2/catch.hpp>

#include "slawatch/config/config.hpp"

using namespace slawatch;

namespace {

std::vector<std::string> privacy_errors(const std::string& text) {
  const auto r = config::parse(text, "c.yaml");
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.render());
  return out;
}

}  // namespace

TEST_CASE("pseudonymised fields are subject, correlation_id or attribute paths") {
  const auto r = config::parse(
      "privacy:\n  pseudonymize: [subject, correlation_id, attributes.national_id, attributes.payer.msisdn]\n"
      "  key_file: /etc/slawatch/pseudonym.key\n",
      "c.yaml");
  REQUIRE(r.errors.empty());
  REQUIRE(r.cfg);
  CHECK(r.cfg->pseudonymize == std::vector<std::string>{"subject", "correlation_id", "attributes.national_id",
                                                        "attributes.payer.msisdn"});
  CHECK(r.cfg->pseudonym_key_file == "/etc/slawatch/pseudonym.key");
}

TEST_CASE("envelope fields the engine keys on can never be pseudonymised") {
  const auto field = GENERATE(as<std::string>{}, "id", "partner", "type", "occurred_at", "received_at",
                              "transport", "purpose", "attributes", "attributes.", "attributes..x",
                              "attributes.a.", "Subject");
  const auto text = "privacy: {key_file: k, pseudonymize: [subject, " + field + "]}";
  CHECK(privacy_errors(text) ==
        std::vector<std::string>{"c.yaml:1:48: privacy.pseudonymize[1]: expected subject, correlation_id or "
                                 "attributes.<name>, got '" + field + "'"});
}

TEST_CASE("a field listed twice is a configuration error") {
  CHECK(privacy_errors("privacy: {key_file: k, pseudonymize: [subject, attributes.a, subject]}") ==
        std::vector<std::string>{"c.yaml:1:62: privacy.pseudonymize[2]: 'subject' is listed twice"});
}

TEST_CASE("a key file is required only when fields are listed") {
  CHECK(privacy_errors("privacy: {pseudonymize: [attributes.msisdn]}") ==
        std::vector<std::string>{"c.yaml:1:10: privacy.key_file: required when privacy.pseudonymize is set"});
  CHECK(privacy_errors("privacy: {pseudonymize: []}").empty());
  CHECK(privacy_errors("privacy: {key_file: /k}").empty());
}
