// The fast path for flat state documents gives exactly what nlohmann gives, or declines.
#include <catch2/catch.hpp>
#include "../../daemon/store/flat_json.hpp"

using slawatch::store::detail::parse_flat_object;

TEST_CASE("a flat state document parses to exactly what nlohmann parses, number types included") {
  const char* texts[] = {
      "{}",
      " { } ",
      R"({"due":1762207199999000000,"start_event":"E-000000001","start_type":"contribution.collected","started_at":1762063200000000000,"warned":0})",
      R"({"ahead":null,"due":-5,"seen":true})",
      R"({"seen":false,"x":18446744073709551615,"y":-9223372036854775808})",
      R"( {"b" : "x y" , "a" : 0 } )",
      R"({"a":1,"a":2})",
  };
  for (const char* text : texts) {
    INFO(text);
    auto fast = parse_flat_object(text);
    auto reference = nlohmann::json::parse(text);
    REQUIRE(fast);
    CHECK(*fast == reference);
    CHECK(fast->dump() == reference.dump());
    for (const auto& [name, v] : reference.items()) CHECK((*fast)[name].type() == v.type());
  }
}

TEST_CASE("anything but a flat object of plain values is left to nlohmann") {
  const char* texts[] = {
      "",           "[]",          "1",         R"({"a":{"b":1}})",    R"({"a":[1]})",
      R"({"a":1.5})", R"({"a":1e3})", R"({"a":01})", R"({"a":"\n"})",     R"({"a":"é"})",
      R"({"a":1,})", R"({"a" 1})",   R"({"a":1} x)", R"({"a":18446744073709551616})",
      R"({"a":-9223372036854775809})", R"({"a":tru})", R"({"a":-})",  R"({"a":"x)",
  };
  for (const char* text : texts) {
    INFO(text);
    CHECK_FALSE(parse_flat_object(text));
  }
}
