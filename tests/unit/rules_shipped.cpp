// Every rule pack shipped in rules/ loads without errors or warnings, and together they cover
// what a compliance officer installs slawatch for: all five kinds, all five categories, every
// partner class.
#include <catch2/catch.hpp>
#include <date/tz.h>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include "rules_test_support.hpp"

namespace {

const date::time_zone* system_zone(std::string_view name) {
  try {
    const auto* z = date::locate_zone(name);
    z->get_info(date::sys_seconds{});
    return z;
  } catch (const std::exception&) {
    return nullptr;
  }
}

std::vector<slawatch::rules::source_file> shipped_packs() {
  std::vector<std::filesystem::path> paths;
  for (const auto& e : std::filesystem::directory_iterator(std::string(SLAWATCH_SOURCE_DIR) + "/rules")) {
    if (e.is_regular_file() && e.path().extension() == ".yaml") paths.push_back(e.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<slawatch::rules::source_file> files;
  for (const auto& p : paths) {
    std::ifstream in(p);
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    files.push_back({"rules/" + p.filename().string(), ss.str()});
  }
  return files;
}

}  // namespace

TEST_CASE("the shipped rule packs load with zero errors and cover every kind and category") {
  slawatch::rules::load_options opts;
  opts.zones = system_zone;
  auto res = slawatch::rules::load(shipped_packs(), opts);
  CHECK(rules_test::rendered(res.errors).empty());
  CHECK(rules_test::rendered(res.warnings).empty());
  REQUIRE(res.set);
  std::set<std::string> classes;
  for (const auto& [id, p] : res.set->partners) classes.insert(p.class_);
  for (const char* c : {"bank", "post_office", "mobile_money", "agent", "local_gov", "ngo", "cbhi",
                        "custodian"}) {
    CHECK(classes.count(c) == 1);
  }
  std::set<std::string> kinds, categories;
  for (const auto& r : res.set->rules) {
    INFO(r.id);
    CHECK(r.reference.rfind("domain ", 0) == 0);
    CHECK_FALSE(r.description.empty());
    kinds.insert(std::string(slawatch::rules::to_string(r.kind)));
    categories.insert(r.category);
  }
  CHECK(kinds == std::set<std::string>{"condition", "deadline", "absence", "aggregate", "objective"});
  CHECK(categories ==
        std::set<std::string>{"timeliness", "security", "purpose", "integrity", "availability"});
  CHECK(res.set->rules.size() >= 40);
}
