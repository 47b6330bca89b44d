// Programs as the rule engine uses them: macros, evaluate_bool, activations, values.
#include <catch2/catch.hpp>
#include "expr_support.hpp"

using namespace slawatch::expr;
using expr_test::run;

namespace {

std::shared_ptr<const program> must_compile(std::string_view src, const declarations& d) {
  compiled c = compile(src, d);
  INFO(expr_test::errors_of(c));
  REQUIRE(c.prog != nullptr);
  return c.prog;
}

truth_result judge(std::string_view src, const activation& act) {
  return evaluate_bool(*must_compile(src, expr_test::sample_decls()), act);
}

}  // namespace

TEST_CASE("a macro name expands to the macro's compiled program") {
  declarations d = expr_test::sample_decls();
  d.macros["secure_transport"] = must_compile(
      "event.transport.tls && event.transport.tls_version in ['TLSv1.2', 'TLSv1.3']", d);
  d.macros["strict"] = must_compile("secure_transport && has(event.purpose)", d);
  d.macros["positive"] = must_compile("[1, 2].all(x, x > 0)", d);
  d.macros["label"] = must_compile("'x'", d);
  d.macros["broken"] = must_compile("event.missing > 1", d);

  CHECK(run("secure_transport", d) == "true");
  CHECK(run("strict && !secure_transport", d) == "false");
  CHECK(run("[5].all(x, positive && x == 5)", d) == "true");  // separate variable slots
  CHECK(run("label + 'y'", d) == R"("xy")");
  CHECK(run("label + 1", d) == "compile: 1:7: no matching overload for '+' applied to (string, int)");
  CHECK(run("secure_trnsport", d) == "compile: 1:1: unknown name 'secure_trnsport'");
  CHECK(run("broken", d) == "error: no such key: 'missing'");
  CHECK(run("broken || true", d) == "true");
}

TEST_CASE("evaluate_bool turns results into yes, no or error") {
  activation act = expr_test::sample_activation();
  CHECK(judge("event.type == 'contribution.collected'", act).t == truth::yes);
  CHECK(judge("1 > 2", act).t == truth::no);

  truth_result not_bool = judge("event.attributes.count", act);
  CHECK(not_bool.t == truth::error);
  CHECK(not_bool.error == "expected bool, got int");
  CHECK(not_bool.val.as_int() == 3);

  truth_result missing = judge("event.attributes.amount2 > 1", act);
  CHECK(missing.t == truth::error);
  CHECK(missing.error == "no such key: 'amount2'");

  CHECK(judge("event.attributes.nothing", act).error == "expected bool, got null_type");
}

TEST_CASE("a declared variable that is not bound is an evaluation error") {
  declarations d = expr_test::sample_decls();
  d.variables.insert("start");
  auto p = must_compile("start.type == 'x'", d);
  eval_result r = evaluate(*p, expr_test::sample_activation());
  CHECK(r.error == "variable 'start' is not bound");
  CHECK(r.val.is_null());
}

TEST_CASE("binding a name again replaces its value") {
  activation act;
  act.bind("x", value(1));
  act.bind("x", value(2));
  REQUIRE(act.find("x") != nullptr);
  CHECK(act.find("x")->as_int() == 2);
  CHECK(act.find("y") == nullptr);
}

TEST_CASE("host functions without a host function table are unavailable") {
  auto p = must_compile("twice(2)", expr_test::sample_decls());
  CHECK(evaluate(*p, expr_test::sample_activation()).error ==
        "function 'twice' is not available");
}

TEST_CASE("one program evaluates against many events") {
  auto p = must_compile("event.attributes.amount > 100 && event.type.startsWith('contribution.')",
                        expr_test::sample_decls());
  nlohmann::json small = {{"type", "contribution.collected"}, {"attributes", {{"amount", 50}}}};
  nlohmann::json big = {{"type", "contribution.collected"}, {"attributes", {{"amount", 500.5}}}};
  nlohmann::json other = {{"type", "benefit.paid"}, {"attributes", {{"amount", 500}}}};
  nlohmann::json bare = {{"type", "contribution.collected"}};
  auto eval_on = [&](const nlohmann::json& e) {
    activation act;
    act.bind("event", value::borrow(e));
    truth_result t = evaluate_bool(*p, act);
    return t.t == truth::error ? "error: " + t.error : t.t == truth::yes ? "yes" : "no";
  };
  CHECK(eval_on(small) == "no");
  CHECK(eval_on(big) == "yes");
  CHECK(eval_on(other) == "no");
  CHECK(eval_on(bare) == "error: no such key: 'attributes'");
}

TEST_CASE("borrowed JSON values report CEL kinds") {
  nlohmann::json doc = nlohmann::json::parse(
      R"({"i": 3, "big": 18446744073709551615, "d": 1.5, "s": "x", "b": true, "n": null,
          "l": [1], "m": {}})");
  CHECK(value::borrow(doc["i"]).kind() == type::int_type);
  CHECK(value::borrow(doc["big"]).kind() == type::double_type);
  CHECK(value::borrow(doc["d"]).kind() == type::double_type);
  CHECK(value::borrow(doc["s"]).kind() == type::string_type);
  CHECK(value::borrow(doc["s"]).as_string() == "x");
  CHECK(value::borrow(doc["b"]).kind() == type::bool_type);
  CHECK(value::borrow(doc["n"]).kind() == type::null_type);
  CHECK(value::borrow(doc["l"]).kind() == type::list_type);
  CHECK(value::borrow(doc["m"]).kind() == type::map_type);
  CHECK(value::borrow(doc["l"]).json() == &doc["l"]);
}

TEST_CASE("values render for evidence and convert to JSON") {
  using namespace std::chrono_literals;
  slawatch::instant t{std::chrono::seconds(1'764'137'700)};  // 2025-11-26T06:15:00Z
  CHECK(value(t).to_json() == "2025-11-26T06:15:00.000Z");
  CHECK(value(slawatch::duration(90s)).to_json() == "90s");
  CHECK(value(slawatch::duration(-1500ms)).to_json() == "-1.5s");
  CHECK(value("a\"b").debug_string() == R"("a\"b")");
  CHECK(value(2.0).debug_string() == "2.0");
  CHECK(value(std::make_shared<const list>(list{1, "x"})).to_json() == nlohmann::json({1, "x"}));
  nlohmann::json m = {{"k", 1}};
  CHECK(value::borrow(m).debug_string() == R"({"k":1})");
  CHECK(value::borrow(m).to_json() == m);
  CHECK(value(std::string("bad \xFF byte")).debug_string() == "\"bad \xEF\xBF\xBD byte\"");
  CHECK(std::string(type_name(type::timestamp_type)) == "timestamp");
  CHECK(std::string(type_name(type::null_type)) == "null_type");
}

TEST_CASE("evaluation borrows the event document instead of copying it") {
  auto p = must_compile("event.attributes", expr_test::sample_decls());
  eval_result r = evaluate(*p, expr_test::sample_activation());
  REQUIRE(r.ok());
  CHECK(r.val.json() == &expr_test::sample_event()["attributes"]);
  auto s = must_compile("event.attributes.receipt_nos[0]", expr_test::sample_decls());
  eval_result e = evaluate(*s, expr_test::sample_activation());
  CHECK(e.val.json() == &expr_test::sample_event()["attributes"]["receipt_nos"][0]);
}
