// GET /v1/audit query parsing: exact 400 texts.
#include <catch2/catch.hpp>
#include "slawatch/http/router.hpp"

using slawatch::http::parse_audit_query;

TEST_CASE("the audit query takes kind, since, limit and cursor") {
  auto q = parse_audit_query({{"kind", "waiver"}, {"since", "2026-11-01T00:00:00Z"}, {"limit", "1000"},
                              {"cursor", "c7"}});
  REQUIRE(q.ok());
  CHECK(q->kind == std::optional<std::string>("waiver"));
  CHECK(q->since.has_value());
  CHECK(q->limit == 1000);
  CHECK(q->cursor == std::optional<std::string>("c7"));
  auto empty = parse_audit_query({{"kind", ""}, {"limit", ""}});
  REQUIRE(empty.ok());
  CHECK_FALSE(empty->kind.has_value());
  CHECK(empty->limit == 100);
}

TEST_CASE("bad audit query parameters are named with exact texts") {
  struct row {
    std::vector<std::pair<std::string, std::string>> query;
    const char* error;
  };
  const std::vector<row> table = {
      {{{"kind", "bogus"}}, "kind: expected batch, breach, waiver, reload, config, report or retention"},
      {{{"since", "yesterday"}}, "since: not an RFC 3339 timestamp"},
      {{{"limit", "0"}}, "limit: expected an integer from 1 to 1000"},
      {{{"limit", "1001"}}, "limit: expected an integer from 1 to 1000"},
      {{{"limit", "-5"}}, "limit: expected an integer from 1 to 1000"},
      {{{"colour", "red"}}, "colour: unknown query parameter"},
      {{{"colour", ""}}, "colour: unknown query parameter"},
      {{{"kind", "batch"}, {"kind", "breach"}}, "kind: given more than once"},
  };
  for (const auto& t : table) {
    INFO(t.error);
    auto q = parse_audit_query(t.query);
    REQUIRE_FALSE(q.ok());
    CHECK(q.err().message == t.error);
    CHECK(q.err().code == "bad_request");
  }
}
