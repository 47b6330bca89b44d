// guard_of: which event types an expression can hold for, found without evaluating it. The
// property that matters (the engine skips rules on it): a type the guard does not admit
// makes the expression exactly false, and a decisive guard's types make it exactly true.
#include <catch2/catch.hpp>
#include "expr_support.hpp"

using namespace expr_test;

namespace {

struct row {
  const char* source;
  bool any;
  std::vector<std::string> exact;
  std::vector<std::string> prefixes;
  bool decisive;
};

std::shared_ptr<const program> compiled_or_fail(const std::string& source) {
  auto d = sample_decls();
  d.lists = std::make_shared<const nlohmann::json>(nlohmann::json::parse(
      R"({"money": ["contribution.collected", "benefit.paid"], "mixed": ["a.b", 1]})"));
  d.macros["is_money"] = compile("event.type in lists.money", d).prog;
  auto c = compile(source, d);
  REQUIRE(c.errors.empty());
  return c.prog;
}

truth evaluate_with_type(const program& p, const std::string& type) {
  nlohmann::json ev = sample_event();
  ev["type"] = type;
  activation act;
  act.bind("event", value::borrow(ev));
  act.bind("partner", value::borrow(sample_partner()));
  return evaluate_bool(p, act).t;
}

}  // namespace

TEST_CASE("guard_of finds the event types an expression can hold for") {
  const std::vector<row> rows = {
      {"event.type == 'contribution.collected'", false, {"contribution.collected"}, {}, true},
      {"'benefit.paid' == event.type", false, {"benefit.paid"}, {}, true},
      {"event.type in ['a.b', 'c.d']", false, {"a.b", "c.d"}, {}, true},
      {"event.type in lists.money", false, {"contribution.collected", "benefit.paid"}, {}, true},
      {"is_money", false, {"contribution.collected", "benefit.paid"}, {}, true},
      {"event.type.startsWith('data.')", false, {}, {"data."}, true},
      {"event.type == 'a.b' || event.type.startsWith('data.')", false, {"a.b"}, {"data."}, true},
      {"event.type == 'a.b' && event.attributes.amount > 3", false, {"a.b"}, {}, false},
      {"event.attributes.amount > 3 && event.type == 'a.b'", false, {"a.b"}, {}, false},
      {"(event.type == 'a.b' && event.attributes.amount > 3) || event.type == 'c.d'", false,
       {"a.b", "c.d"}, {}, false},
      // Not restricted: every type may match, or the analysis cannot tell.
      {"event.type == 'a.b' || event.attributes.amount > 3", true, {}, {}, false},
      {"event.type != 'a.b'", true, {}, {}, false},
      {"!(event.type == 'a.b')", true, {}, {}, false},
      {"event.type in lists.mixed", true, {}, {}, false},
      {"event.type.endsWith('.b')", true, {}, {}, false},
      {"event.purpose == 'a.b'", true, {}, {}, false},
      {"['a.b'].exists(event, event == 'a.b')", true, {}, {}, false},
      {"event.transport.tls", true, {}, {}, false},
  };
  for (const auto& r : rows) {
    INFO(r.source);
    auto g = guard_of(*compiled_or_fail(r.source), "event", "type");
    CHECK(g.any == r.any);
    CHECK(g.exact == r.exact);
    CHECK(g.prefixes == r.prefixes);
    CHECK(g.decisive == r.decisive);
  }
}

TEST_CASE("a type a guard does not admit makes the expression exactly false") {
  const char* sources[] = {
      "event.type == 'contribution.collected'", "event.type in lists.money", "is_money",
      "event.type.startsWith('data.')", "event.type == 'a.b' && event.attributes.nope > 3",
      "event.attributes.nope > 3 && event.type == 'a.b'",
      "event.type == 'a.b' || event.type.startsWith('contribution.')",
      "(event.type == 'data.accessed' && event.attributes.amount > 3) || event.type == 'a.b'",
  };
  const char* types[] = {"contribution.collected", "contribution.remitted", "benefit.paid",
                         "data.accessed", "a.b", "a.bc", "data", "x.y"};
  for (const char* s : sources) {
    auto p = compiled_or_fail(s);
    auto g = guard_of(*p, "event", "type");
    REQUIRE_FALSE(g.any);
    for (const char* t : types) {
      INFO(s << " with type " << t);
      const truth got = evaluate_with_type(*p, t);
      if (!g.admits(t)) CHECK(got == truth::no);
      if (g.admits(t) && g.decisive) CHECK(got == truth::yes);
    }
  }
}

TEST_CASE("admits matches exact values and prefixes only") {
  string_guard g;
  g.any = false;
  g.exact = {"a.b"};
  g.prefixes = {"data."};
  CHECK(g.admits("a.b"));
  CHECK(g.admits("data.accessed"));
  CHECK_FALSE(g.admits("a.bc"));
  CHECK_FALSE(g.admits("data"));
  CHECK(string_guard{}.admits("anything"));
}
