// The pieces of a rule reload: what changed, what was dropped, which gauge series survive.
#include <catch2/catch.hpp>
#include "../../daemon/app/reload.hpp"

using namespace slawatch;
using namespace slawatch::app::detail;

namespace {

rules::rule rule(std::string id, std::string version) {
  rules::rule r;
  r.id = std::move(id);
  r.version = std::move(version);
  return r;
}

rules::rule_set set_of(std::vector<rules::rule> rs) {
  rules::rule_set s;
  s.rules = std::move(rs);
  return s;
}

}  // namespace

TEST_CASE("a reload diff compares rule ids and versions, each list sorted") {
  auto before = set_of({rule("kept", "v1"), rule("edited", "v1"), rule("b-gone", "v1"), rule("a-gone", "v1")});
  auto after = set_of({rule("z-new", "v1"), rule("kept", "v1"), rule("edited", "v2"), rule("a-new", "v9")});
  auto d = diff_rules(before, after);
  CHECK(d.added == std::vector<std::string>{"a-new", "z-new"});
  CHECK(d.changed == std::vector<std::string>{"edited"});
  CHECK(d.removed == std::vector<std::string>{"a-gone", "b-gone"});
  auto same = diff_rules(before, before);
  CHECK((same.added.empty() && same.changed.empty() && same.removed.empty()));
}

TEST_CASE("dropped state entries are counted per rule and kind") {
  auto counts = dropped_by_rule({"obligation/remit-t1/bank-a/R1", "obligation/remit-t1/bank-b/R/2",
                                 "early_stop/remit-t1/bank-a/R9", "absence/daily-report/bank-a/bank-a",
                                 "garbage"});
  CHECK(counts.size() == 2);
  CHECK(counts["remit-t1"] == std::map<std::string, std::uint64_t>{{"early_stop", 1}, {"obligation", 2}});
  CHECK(counts["daily-report"] == std::map<std::string, std::uint64_t>{{"absence", 1}});
}

TEST_CASE("gauge series survive a reload only for enabled rules that still select the partner") {
  rules::rule_set s;
  model::partner bank;
  bank.id = "bank-a";
  bank.class_ = "bank";
  s.partners["bank-a"] = bank;
  auto banks = rule("banks-only", "v1");
  banks.partners.classes = {"bank"};
  auto posts = rule("posts-only", "v1");
  posts.partners.classes = {"post_office"};
  auto off = rule("disabled", "v1");
  off.enabled = false;
  s.rules = {banks, posts, off};
  CHECK(series_survives(s, "banks-only", "bank-a"));
  CHECK_FALSE(series_survives(s, "posts-only", "bank-a"));
  CHECK_FALSE(series_survives(s, "disabled", "bank-a"));
  CHECK_FALSE(series_survives(s, "missing", "bank-a"));
  CHECK_FALSE(series_survives(s, "banks-only", "bank-z"));
}
