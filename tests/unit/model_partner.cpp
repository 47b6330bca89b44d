#include <catch2/catch.hpp>

#include "slawatch/model/partner.hpp"

using namespace slawatch::model;
using json = nlohmann::json;

TEST_CASE("a partner serialises under contract names without secrets") {
  partner p;
  p.id = "bank-a";
  p.name = "Bank A";
  p.class_ = "bank";
  p.timezone = "Africa/Nairobi";
  p.calendar = "ke-banking";
  p.allowed_purposes = {"collect_contribution", "remit"};
  p.allowed_data_categories = {"identity.basic"};
  p.hmac_secret_env = "BANK_A_HMAC_SECRET";
  p.require_signature = true;
  p.labels = {{"region", "coast"}};
  p.report = {"https://bank-a.example/hook", "BANK_A_WEBHOOK_SECRET"};
  const json expected = json::parse(R"({
    "id": "bank-a", "name": "Bank A", "class": "bank", "timezone": "Africa/Nairobi",
    "calendar": "ke-banking", "allowed_purposes": ["collect_contribution", "remit"],
    "allowed_data_categories": ["identity.basic"], "require_signature": true,
    "labels": {"region": "coast"}, "report": {"webhook": "https://bank-a.example/hook"}})");
  const json j = p.to_json();
  CHECK(j == expected);
  CHECK(j.dump().find("SECRET") == std::string::npos);
}

TEST_CASE("a partner without optional settings has empty values and UTC") {
  partner p;
  p.id = "post";
  const json j = p.to_json();
  CHECK(j["timezone"] == "UTC");
  CHECK(j["calendar"] == "");
  CHECK(j["labels"] == json::object());
  CHECK(j["allowed_purposes"] == json::array());
  CHECK(j["report"] == json{{"webhook", ""}});
}
