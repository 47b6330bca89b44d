// The rule packs shipped in rules/ load without errors or warnings.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include "rules_test_support.hpp"

namespace {

slawatch::rules::source_file read_pack(const std::string& name) {
  std::ifstream in(std::string(SLAWATCH_SOURCE_DIR) + "/rules/" + name);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return {"rules/" + name, ss.str()};
}

}  // namespace

TEST_CASE("the shipped rule packs load with zero errors") {
  std::vector<slawatch::rules::source_file> files;
  for (const char* name :
       {"calendars.yaml", "partners.yaml", "security.yaml", "purpose.yaml", "integrity.yaml"}) {
    files.push_back(read_pack(name));
  }
  auto res = slawatch::rules::load(files);
  CHECK(rules_test::rendered(res.errors).empty());
  CHECK(rules_test::rendered(res.warnings).empty());
  REQUIRE(res.set);
  CHECK(res.set->partners.size() == 8);
  std::set<std::string> classes;
  for (const auto& [id, p] : res.set->partners) classes.insert(p.class_);
  CHECK(classes == std::set<std::string>{"bank", "post_office", "mobile_money", "agent",
                                         "local_gov", "ngo", "cbhi", "custodian"});
  for (const auto& r : res.set->rules) {
    INFO(r.id);
    CHECK(r.reference.rfind("domain ", 0) == 0);
    CHECK_FALSE(r.description.empty());
  }
  CHECK(res.set->rules.size() >= 20);
}
