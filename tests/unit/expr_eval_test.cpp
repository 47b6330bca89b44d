// Evaluation: every operator, precedence level, function and evaluation error.
#include <catch2/catch.hpp>
#include "expr_support.hpp"

using expr_test::run;

namespace {

struct row {
  const char* src;
  const char* expected;  // debug_string of the value, or "error: ..." / "compile: ..."
};

void check_rows(const std::vector<row>& rows) {
  for (const auto& r : rows) {
    INFO("expression: " << r.src);
    CHECK(run(r.src) == r.expected);
  }
}

}  // namespace

TEST_CASE("literals evaluate to their values") {
  check_rows({
      {"null", "null"},
      {"true", "true"},
      {"false", "false"},
      {"42", "42"},
      {"0x1F", "31"},
      {"1.5", "1.5"},
      {"1e3", "1000.0"},
      {".5", "0.5"},
      {"2.5e-1", "0.25"},
      {"-9223372036854775808", "-9223372036854775808"},
      {R"('it\'s')", R"("it's")"},
      {R"("say \"hi\"")", R"("say \"hi\"")"},
      {R"('a\tb\nc\\d')", R"("a\tb\nc\\d")"},
      {R"('\u00e9t\u00E9')", "\"\xC3\xA9t\xC3\xA9\""},
      {"[]", "[]"},
      {"[1, 'a', true, null, 2.5]", R"([1, "a", true, null, 2.5])"},
      {"[1, 2,]", "[1, 2]"},
      {"[collected, [event.attributes.count]]", "[100, [3]]"},
      {"// a comment\n1", "1"},
  });
}

TEST_CASE("arithmetic operators follow CEL with int and double mixing to double") {
  check_rows({
      {"1 + 2", "3"},
      {"5 - 7", "-2"},
      {"6 * 7", "42"},
      {"7 / 2", "3"},
      {"-7 / 2", "-3"},
      {"7 % 3", "1"},
      {"-7 % 3", "-1"},
      {"7.0 / 2.0", "3.5"},
      {"1 + 2.5", "3.5"},
      {"2.5 * 2", "5.0"},
      {"7 / 2.0", "3.5"},
      {"-(3)", "-3"},
      {"-2.5", "-2.5"},
      {"'ab' + 'cd'", R"("abcd")"},
      {"[1] + [2, 3]", "[1, 2, 3]"},
      {"event.attributes.receipt_nos + ['R3']", R"(["R1", "R2", "R3"])"},
      {"event.attributes.amount + event.attributes.count", "1253.5"},
      {"collected - remitted > 0.0", "true"},
      {"event.type + ' at ' + event.partner", R"("contribution.collected at bank-a")"},
  });
}

TEST_CASE("arithmetic failures are evaluation errors") {
  check_rows({
      {"1 / 0", "error: division by zero"},
      {"1 % 0", "error: modulo by zero"},
      {"1.0 / 0", "error: division by zero"},
      {"event.attributes.amount / 0", "error: division by zero"},
      {"9223372036854775807 + 1", "error: integer overflow"},
      {"-9223372036854775807 - 2", "error: integer overflow"},
      {"9223372036854775807 * 2", "error: integer overflow"},
      {"-9223372036854775808 / -1", "error: integer overflow"},
      {"-(-9223372036854775808)", "error: integer overflow"},
      {"event.type + 1", "error: no matching overload for '+' applied to (string, int)"},
      {"event.attributes.count + event.type",
       "error: no matching overload for '+' applied to (int, string)"},
      {"event.attributes.amount % 2", "error: no matching overload for '%' applied to (double, int)"},
      {"-event.type", "error: no matching overload for '-' applied to (string)"},
      {"!event.type", "error: no matching overload for '!' applied to (string)"},
      {"event.attributes * 2", "error: no matching overload for '*' applied to (map, int)"},
  });
}

TEST_CASE("relations compare numbers, strings, timestamps and durations") {
  check_rows({
      {"1 < 2", "true"},
      {"2 <= 2", "true"},
      {"3 > 2", "true"},
      {"2 >= 3", "false"},
      {"1 == 1.0", "true"},
      {"1 < 1.5", "true"},
      {"2.0 > 1", "true"},
      {"1 != 2", "true"},
      {"'abc' < 'abd'", "true"},
      {"'b' > 'abc'", "true"},
      {"'a' == 'a'", "true"},
      {"false < true", "true"},
      {"null == null", "true"},
      {"event.type == 'contribution.collected'", "true"},
      {"event.attributes.count == 3", "true"},
      {"event.attributes.amount >= 1250.5", "true"},
      {"event.attributes.amount > 1250", "true"},
      {"event.type == 1", "false"},
      {"event.type != 1", "true"},
      {"event.attributes.nothing == null", "true"},
      {"event.type == null", "false"},
      {"[1, 2] == [1, 2.0]", "true"},
      {"[1, 2] == [2, 1]", "false"},
      {"event.attributes.receipt_nos == ['R1', 'R2']", "true"},
      {"event.attributes.nested == event.attributes.nested", "true"},
      {"event.attributes.nested == event.transport", "false"},
      {"event.type < 1", "error: no matching overload for '<' applied to (string, int)"},
      {"event.attributes < event.attributes",
       "error: no matching overload for '<' applied to (map, map)"},
  });
}

TEST_CASE("in tests list membership and map keys") {
  check_rows({
      {"2 in [1, 2, 3]", "true"},
      {"2.0 in [1, 2, 3]", "true"},
      {"4 in [1, 2, 3]", "false"},
      {"'amount' in event.attributes", "true"},
      {"'zzz' in event.attributes", "false"},
      {"event.purpose in partner.allowed_purposes", "true"},
      {"event.purpose in lists.forbidden_purposes", "false"},
      {"'marketing' in lists.forbidden_purposes", "true"},
      {"event.transport.tls_version in ['TLSv1.2', 'TLSv1.3']", "true"},
      {"1 in event.type", "error: no matching overload for 'in' applied to (int, string)"},
  });
}

TEST_CASE("logical operators short-circuit and absorb errors like CEL") {
  check_rows({
      {"true && true", "true"},
      {"true && false", "false"},
      {"false || false", "false"},
      {"true || false", "true"},
      {"!true", "false"},
      {"!!true", "true"},
      {"event.missing && false", "false"},
      {"false && event.missing", "false"},
      {"event.missing || true", "true"},
      {"true || event.missing", "true"},
      {"event.type && false", "false"},
      {"event.missing && true", "error: no such key: 'missing'"},
      {"true && event.missing", "error: no such key: 'missing'"},
      {"false || event.missing", "error: no such key: 'missing'"},
      {"event.missing || event.other", "error: no such key: 'missing'"},
      {"event.type && true", "error: no matching overload for '&&' applied to (string, bool)"},
      {"false || event.attributes.count",
       "error: no matching overload for '||' applied to (bool, int)"},
  });
}

TEST_CASE("the conditional operator is right associative and needs a bool condition") {
  check_rows({
      {"true ? 1 : 2", "1"},
      {"false ? 1 : 2", "2"},
      {"false ? 1 : true ? 2 : 3", "2"},
      {"event.attributes.count > 2 ? 'big' : 'small'", R"("big")"},
      {"true ? 1 : event.missing", "1"},
      {"event.type ? 1 : 2", "error: expected bool condition in '?:', got string"},
  });
}

TEST_CASE("precedence levels bind from ?: (lowest) to member access (highest)") {
  check_rows({
      {"true || false && false", "true"},    // && above ||
      {"false && true || true", "true"},
      {"1 + 2 < 4", "true"},                 // + above <
      {"1 + 1 in [2]", "true"},              // + above in
      {"1 < 2 == true", "true"},             // relations left to right
      {"1 + 2 * 3", "7"},                    // * above +
      {"(1 + 2) * 3", "9"},
      {"10 - 2 - 3", "5"},                   // left associative
      {"24 / 4 / 2", "3"},
      {"2 + 3 * 4 % 5", "4"},
      {"!false && false", "false"},          // unary above &&
      {"-2 * 3", "-6"},
      {"-'abc'.size()", "-3"},               // member above unary
      {"true ? 1 : 2 + 10", "1"},            // ?: lowest
      {"false || true ? 'y' : 'n'", R"("y")"},
      {"1 < 2 && 2 < 3", "true"},            // relations above &&
  });
}

TEST_CASE("field selection and indexing borrow the event document") {
  check_rows({
      {"event.attributes.amount", "1250.5"},
      {"event['type']", R"("contribution.collected")"},
      {"event.attributes['currency']", R"("KES")"},
      {"event.attributes.receipt_nos[1]", R"("R2")"},
      {"event.attributes.nested.deep", "true"},
      {"lists.nums[0]", "1"},
      {"[10, 20][1]", "20"},
      {"[collected, 20][0]", "100"},
      {"event.attributes.receipt_nos[2]", "error: index 2 out of range for list of size 2"},
      {"event.attributes.receipt_nos[-1]", "error: index -1 out of range for list of size 2"},
      {"lists.nums[3]", "error: index 3 out of range for list of size 3"},
      {"event.attributes['nope']", "error: no such key: 'nope'"},
      {"event.attributes.amount2", "error: no such key: 'amount2'"},
      {"event.type.x", "error: cannot select field 'x' from string"},
      {"event.attributes.nothing.x", "error: cannot select field 'x' from null_type"},
      {"event[1]", "error: no matching overload for '[]' applied to (map, int)"},
      {"event.attributes.receipt_nos['a']",
       "error: no matching overload for '[]' applied to (list, string)"},
  });
}

TEST_CASE("string functions") {
  check_rows({
      {"size('h\xC3\xA9llo')", "5"},
      {"'abc'.size()", "3"},
      {"size([1, 2])", "2"},
      {"size(event.attributes)", "7"},
      {"event.attributes.receipt_nos.size()", "2"},
      {"event.type.startsWith('contribution.')", "true"},
      {"'abc'.startsWith('abcd')", "false"},
      {"event.type.endsWith('.collected')", "true"},
      {"event.type.endsWith('contribution')", "false"},
      {"event.type.contains('tion.col')", "true"},
      {"event.type.contains('xyz')", "false"},
      {"event.id.matches('^BANKA-[0-9]+$')", "true"},
      {"'xabcx'.matches('abc')", "true"},
      {"matches('abc', '^b')", "false"},
      {"event.type.matches(event.attributes.currency)", "false"},
      {"'AbC-\xC3\x87'.lowerAscii()", "\"abc-\xC3\x87\""},
      {"size(event.attributes.count)", "error: no matching overload for 'size' applied to (int)"},
      {"event.attributes.count.startsWith('a')",
       "error: no matching overload for 'startsWith' applied to (int, string)"},
      {"event.type.matches(event.attributes.currency + '(')",
       "error: invalid regex 'KES(': missing ): KES("},
  });
}

TEST_CASE("conversions between int, double, string, timestamp and duration") {
  check_rows({
      {"int(2.9)", "2"},
      {"int(-2.9)", "-2"},
      {"int('42')", "42"},
      {"int(' 42')", "error: cannot convert ' 42' to int"},
      {"int(event.id)", "error: cannot convert 'BANKA-1' to int"},
      {"int(1e19)", "error: integer overflow"},
      {"int(timestamp('1970-01-01T00:01:00Z'))", "60"},
      {"double(2)", "2.0"},
      {"double('2.5')", "2.5"},
      {"double(event.type)", "error: cannot convert 'contribution.collected' to double"},
      {"string(42)", R"("42")"},
      {"string(2.5)", R"("2.5")"},
      {"string(true)", R"("true")"},
      {"string(event.type)", R"("contribution.collected")"},
      {"string(duration('90s'))", R"("90s")"},
      {"string(duration('1.5s'))", R"("1.5s")"},
      {"string(timestamp('2026-11-26T09:15:00+03:00'))", R"("2026-11-26T06:15:00.000Z")"},
      {"string(event.attributes)", "error: no matching overload for 'string' applied to (map)"},
      {"timestamp(event.occurred_at)", R"(timestamp("2026-11-26T06:15:00.000Z"))"},
      {"timestamp(60)", R"(timestamp("1970-01-01T00:01:00.000Z"))"},
      {"timestamp(event.type)", "error: invalid timestamp 'contribution.collected'"},
      {"duration('1h30m')", R"(duration("5400s"))"},
      {"duration(event.type)", "error: invalid duration 'contribution.collected'"},
      {"abs(-3)", "3"},
      {"abs(3)", "3"},
      {"abs(-2.5)", "2.5"},
      {"abs(duration('-90s'))", R"(duration("90s"))"},
      {"abs(collected - remitted) <= 0.01", "true"},
      {"abs(-9223372036854775807 - 1)", "error: integer overflow"},
      {"abs(event.type)", "error: no matching overload for 'abs' applied to (string)"},
  });
}

TEST_CASE("timestamp and duration arithmetic") {
  check_rows({
      {"timestamp('2026-11-26T10:00:00Z') - timestamp('2026-11-26T09:00:00Z')",
       R"(duration("3600s"))"},
      {"timestamp('2026-11-26T09:00:00Z') + duration('1h')",
       R"(timestamp("2026-11-26T10:00:00.000Z"))"},
      {"duration('1h') + timestamp('2026-11-26T09:00:00Z')",
       R"(timestamp("2026-11-26T10:00:00.000Z"))"},
      {"timestamp('2026-11-26T09:00:00Z') - duration('30m')",
       R"(timestamp("2026-11-26T08:30:00.000Z"))"},
      {"duration('1h') - duration('90m')", R"(duration("-1800s"))"},
      {"duration('1h') + duration('1ms')", R"(duration("3600.001s"))"},
      {"-duration('1s')", R"(duration("-1s"))"},
      {"duration('1h') < duration('2h')", "true"},
      {"duration('60m') == duration('1h')", "true"},
      {"timestamp(event.occurred_at) < timestamp('2026-11-26T07:00:00Z')", "true"},
      {"timestamp(event.occurred_at) == timestamp('2026-11-26T06:15:00Z')", "true"},
      {"timestamp(event.occurred_at) - timestamp('2026-11-26T06:00:00Z') <= duration('15m')",
       "true"},
      {"timestamp(event.occurred_at) + event.attributes.count",
       "error: no matching overload for '+' applied to (timestamp, int)"},
      // RFC 3339 strings meet timestamps as instants (extension: event times are JSON strings)
      {"timestamp(event.occurred_at) < event.occurred_at", "false"},
      {"event.occurred_at < timestamp('2026-11-26T07:00:00Z')", "true"},
      {"event.occurred_at == timestamp('2026-11-26T06:15:00Z')", "true"},
      {"event.occurred_at - event.occurred_at", R"(duration("0s"))"},
      {"event.occurred_at + duration('1h') == timestamp('2026-11-26T07:15:00Z')",
       "error: no matching overload for '+' applied to (string, duration)"},
      {"event.type - event.occurred_at",
       "error: no matching overload for '-' applied to (string, string)"},
      {"timestamp(event.occurred_at) < event.type",
       "error: no matching overload for '<' applied to (timestamp, string)"},
      {"timestamp('2199-01-01T00:00:00Z') + duration('876000h')", "error: timestamp out of range"},
  });
}

TEST_CASE("has() tests field presence without failing on missing parents") {
  check_rows({
      {"has(event.purpose)", "true"},
      {"has(event.subject)", "false"},
      {"has(event.attributes.amount)", "true"},
      {"has(event.attributes.nothing)", "true"},
      {"has(event.foo.bar)", "false"},
      {"has(event.attributes.nothing.x)", "false"},
      {"has(event['attributes'].currency)", "true"},
      {"has(event.type.x)", "error: cannot select field 'x' from string"},
  });
}

TEST_CASE("all() and exists() over lists and map keys") {
  check_rows({
      {"event.attributes.receipt_nos.all(r, r.startsWith('R'))", "true"},
      {"[1, 2, 3].exists(x, x > 2)", "true"},
      {"[1, 2, 3].all(x, x > 2)", "false"},
      {"[].all(x, x > 0)", "true"},
      {"[].exists(x, true)", "false"},
      {"event.attributes.exists(k, k == 'currency')", "true"},
      {"event.attributes.all(k, k.size() > 5)", "false"},
      {"[[1], [2]].all(l, l.exists(y, y > 0))", "true"},
      {"[1, 2].exists(x, [3, 4].exists(y, x + y == 6))", "true"},
      {"lists.forbidden_purposes.exists(p, event.purpose == p)", "false"},
      {"[0, 1].exists(x, 10 / x == 10)", "true"},
      {"[1, 0].all(x, 10 / x > 100)", "false"},
      {"[0, 1].all(x, 10 / x == 10)", "error: division by zero"},
      {"[1, 2].all(x, event.attributes.receipt_nos[x] == 'R2')",
       "error: index 2 out of range for list of size 2"},
      {"[1, event.type].all(x, x)", "error: all() predicate must be bool, got int"},
      {"event.type.all(x, true)", "error: no matching overload for 'all' applied to (string)"},
      {"[1].all(event, event == 1)", "true"},
  });
}

TEST_CASE("lists.<name> reads the declared lists") {
  check_rows({
      {"lists.forbidden_purposes", R"(["marketing", "profiling"])"},
      {"size(lists.nums)", "3"},
      {"!(event.purpose in lists.forbidden_purposes)", "true"},
  });
}

TEST_CASE("host functions are called with evaluated arguments") {
  check_rows({
      {"twice(event.attributes.count)", "6"},
      {"twice('a')", "error: twice wants an int"},
      {"missing_host()", "error: function 'missing_host' is not available"},
  });
}
