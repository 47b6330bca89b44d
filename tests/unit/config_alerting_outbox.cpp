// alerting.outbox_capacity (extension): default and validation.
#include <catch2/catch.hpp>
#include "slawatch/config/config.hpp"

using namespace slawatch;

TEST_CASE("alerting.outbox_capacity defaults to 10000 and takes a positive count") {
  CHECK(config::defaults().outbox_capacity == 10000);
  auto p = config::parse("alerting:\n  outbox_capacity: 50\n", "c.yaml");
  REQUIRE(p.cfg);
  CHECK(p.cfg->outbox_capacity == 50);
  auto bad = config::parse("alerting:\n  outbox_capacity: many\n", "c.yaml");
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0].render().find("alerting.outbox_capacity") != std::string::npos);
}
