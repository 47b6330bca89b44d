// Compilation: syntax errors, static checks and their positions.
#include <string>
#include <catch2/catch.hpp>
#include "expr_support.hpp"

using expr_test::compile_errors;

namespace {

struct row {
  std::string src;
  std::string expected;  // "line:col: message | ..."
};

void check_rows(const std::vector<row>& rows) {
  for (const auto& r : rows) {
    INFO("expression: " << r.src);
    CHECK(compile_errors(r.src) == r.expected);
  }
}

}  // namespace

TEST_CASE("syntax errors carry the position of the offending token") {
  check_rows({
      {"", "1:1: empty expression"},
      {"   ", "1:4: empty expression"},
      {"1 +", "1:4: unexpected end of expression"},
      {"(1 + 2", "1:7: expected ')', found end of expression"},
      {"1 + )", "1:5: unexpected ')'"},
      {"event.type event.id", "1:12: expected end of expression, found 'event'"},
      {"size(1 2)", "1:8: expected ')', found '2'"},
      {"[1, 2", "1:6: expected ']', found end of expression"},
      {"event[0", "1:8: expected ']', found end of expression"},
      {"true ? 1", "1:9: expected ':', found end of expression"},
      {"event.", "1:7: expected a field or method name after '.', found end of expression"},
      {"event.1", "1:6: expected end of expression, found '.1'"},
      {"{}", "1:1: unexpected '{'"},
      {"event.type = 'x'", "1:12: unexpected character '=' (use '==' to compare)"},
      {"'abc", "1:1: unterminated string literal"},
      {"'abc\ndef'", "1:1: unterminated string literal"},
      {R"('a\qb')", R"(1:3: invalid escape sequence '\q')"},
      {R"('\u12')", R"(1:2: invalid unicode escape: \u needs 4 hex digits)"},
      {R"('\uD800')", R"(1:2: invalid unicode escape: surrogate code point)"},
      {R"('a\qb' + "\z")", R"(1:3: invalid escape sequence '\q' | 1:11: invalid escape sequence '\z')"},
      {"1 # 2 $", "1:3: unexpected character '#' | 1:7: unexpected character '$'"},
      {"99999999999999999999", "1:1: integer literal out of range: 99999999999999999999"},
      {"9223372036854775808", "1:1: integer literal out of range: 9223372036854775808"},
      {"12abc", "1:1: invalid number literal '12abc'"},
      {"0x", "1:1: invalid number literal '0x'"},
      {"1u", "1:1: invalid number literal '1u'"},
  });
}

TEST_CASE("positions count lines and characters in multi-line sources") {
  check_rows({
      {"event.type ==\n  'x' &&\n  (1 +", "3:7: unexpected end of expression"},
      {"event.type == 'a'\n  && evnt.x\n  && size(1)",
       "2:6: unknown name 'evnt' | 3:6: no matching overload for 'size' applied to (int)"},
      {"'\xC3\xA9' + \xE2\x82\xAC", "1:7: unexpected character '\xE2\x82\xAC'"},
      {"\r\n\tevnt", "2:2: unknown name 'evnt'"},
  });
}

TEST_CASE("unknown names, lists, functions and methods are compile errors") {
  check_rows({
      {"evnt.type == 'x'", "1:1: unknown name 'evnt'"},
      {"start", "1:1: unknown name 'start'"},
      {"lists.unknown", "1:7: unknown list 'unknown'"},
      {"lists", "1:1: 'lists' must be followed by a list name, e.g. lists.forbidden_purposes"},
      {"foo(1)", "1:1: unknown function 'foo'"},
      {"event.type.foo()", "1:12: unknown method 'foo'"},
      {"event.type.startsWith('a').int()", "1:28: unknown method 'int'"},
      {"startsWith('a', 'b')", "1:1: unknown function 'startsWith'"},
      {"twice(1).x(y)", "1:10: unknown method 'x' | 1:12: unknown name 'y'"},
      {"[1].all(x, true) && x", "1:21: unknown name 'x'"},
  });
}

TEST_CASE("calls with the wrong number of arguments are compile errors") {
  check_rows({
      {"size(1, 2)", "1:1: wrong number of arguments to 'size': expected 1, got 2"},
      {"'a'.size(1)", "1:5: wrong number of arguments to 'size': expected 0, got 1"},
      {"'a'.startsWith()", "1:5: wrong number of arguments to 'startsWith': expected 1, got 0"},
      {"int()", "1:1: wrong number of arguments to 'int': expected 1, got 0"},
      {"twice(1, 2)", "1:1: wrong number of arguments to 'twice': expected 1, got 2"},
      {"has(event.a, event.b)", "1:1: wrong number of arguments to 'has': expected 1, got 2"},
      {"[1].all(x)", "1:5: wrong number of arguments to 'all': expected 2, got 1"},
  });
}

TEST_CASE("operand types known at compile time must have an overload") {
  check_rows({
      {"'a' + 1", "1:5: no matching overload for '+' applied to (string, int)"},
      {"!3", "1:1: no matching overload for '!' applied to (int)"},
      {"-'x'", "1:1: no matching overload for '-' applied to (string)"},
      {"size(true)", "1:1: no matching overload for 'size' applied to (bool)"},
      {"1 && true", "1:3: no matching overload for '&&' applied to (int, bool)"},
      {"event.x || 'y'", "1:9: no matching overload for '||' applied to (dyn, string)"},
      {"'a' < 2", "1:5: no matching overload for '<' applied to (string, int)"},
      {"'a' == 2", "1:5: no matching overload for '==' applied to (string, int)"},
      {"true + event.x", "1:6: no matching overload for '+' applied to (bool, dyn)"},
      {"event.x % 1.5", "1:9: no matching overload for '%' applied to (dyn, double)"},
      {"1 in 'abc'", "1:3: no matching overload for 'in' applied to (int, string)"},
      {"'abc'.x", "1:7: cannot select field 'x' from string"},
      {"[1]['a']", "1:4: no matching overload for '[]' applied to (list, string)"},
      {"'a'[0]", "1:4: no matching overload for '[]' applied to (string, int)"},
      {"1 ? 2 : 3", "1:3: expected bool condition in '?:', got int"},
      {"'a'.startsWith(1)", "1:5: no matching overload for 'startsWith' applied to (string, int)"},
      {"int([1])", "1:1: no matching overload for 'int' applied to (list)"},
      {"timestamp(1.5)", "1:1: no matching overload for 'timestamp' applied to (double)"},
      {"'a'.all(x, true)", "1:5: no matching overload for 'all' applied to (string)"},
      {"[1].all(x, 1)", "1:12: all() predicate must be bool, got int"},
      {"[1].exists(1, true)", "1:12: exists() requires a variable name as its first argument"},
      {"has(event)", "1:5: has() requires a field selection, e.g. has(event.purpose)"},
      {"has(event['a'])", "1:10: has() requires a field selection, e.g. has(event.purpose)"},
      {"has(lists.nums)", "1:11: has() requires a field selection, e.g. has(event.purpose)"},
      {"has('a'.b)", "1:9: cannot select field 'b' from string"},
      {"timestamp('2026-13-01T00:00:00Z')", "1:11: invalid timestamp '2026-13-01T00:00:00Z'"},
      {"duration('5 parsecs')", "1:10: invalid duration '5 parsecs'"},
      {"size(timestamp('2026-11-01T00:00:00Z'))",
       "1:1: no matching overload for 'size' applied to (timestamp)"},
      {"duration('1h') + 1", "1:16: no matching overload for '+' applied to (duration, int)"},
  });
}

TEST_CASE("expressions with dynamic operands compile") {
  for (const char* src :
       {"event.a + 1", "event.a < 'x'", "event.a && true", "size(event.a)", "-event.a",
        "!event.a", "event.a.startsWith('x')", "1 in event.a", "event.a ? 1 : 'x'",
        "timestamp(event.occurred_at) - duration('1h')", "1 + 2.5", "null == 1",
        "[1].all(event, event > 0)", "lists.nums.exists(n, n == 2)", "event.a[0]['b']"}) {
    INFO("expression: " << src);
    CHECK(compile_errors(src).empty());
  }
}

TEST_CASE("regex literals must compile under RE2") {
  check_rows({
      {"event.type.matches('(')", "1:20: invalid regex '(': missing ): ("},
      {"matches(event.type, 'a**')", "1:21: invalid regex 'a**': bad repetition operator: **"},
      {"event.type.matches('(?<=a)b')",
       "1:20: invalid regex '(?<=a)b': invalid perl operator: (?<"},
  });
}

TEST_CASE("all checker errors of a parsed expression are reported, in source order") {
  check_rows({
      {"evnt.a + foo() + ('a' * 2)",
       "1:1: unknown name 'evnt' | 1:10: unknown function 'foo' | "
       "1:23: no matching overload for '*' applied to (string, int)"},
      {"size(1, 2) || lists.x || !'s'",
       "1:1: wrong number of arguments to 'size': expected 1, got 2 | "
       "1:21: unknown list 'x' | 1:26: no matching overload for '!' applied to (string)"},
  });
}

TEST_CASE("deeply nested input is rejected instead of overflowing the stack") {
  std::string nested = std::string(300, '(') + "1" + std::string(300, ')');
  CHECK_THAT(compile_errors(nested), Catch::Contains("expression nested too deeply"));
  std::string chain = "1";
  for (int k = 0; k < 300; ++k) chain += " + 1";
  CHECK_THAT(compile_errors(chain), Catch::Contains("expression nested too deeply"));
  std::string negations = std::string(300, '!') + "true";
  CHECK_THAT(compile_errors(negations), Catch::Contains("expression nested too deeply"));
  std::string ok_chain = "1";
  for (int k = 0; k < 100; ++k) ok_chain += " + 1";
  CHECK(compile_errors(ok_chain).empty());
}

TEST_CASE("a failed compilation has no program and a good one keeps its source") {
  auto bad = slawatch::expr::compile("evnt", expr_test::sample_decls());
  CHECK(bad.prog == nullptr);
  CHECK(bad.errors.size() == 1);
  auto good = slawatch::expr::compile("event.type == 'x'", expr_test::sample_decls());
  REQUIRE(good.prog != nullptr);
  CHECK(good.errors.empty());
  CHECK(slawatch::expr::source_of(*good.prog) == "event.type == 'x'");
}
