// Fuzzes the expression language end to end: lexer, parser and checker on arbitrary source
// text, then the evaluator on whatever compiles (division by zero, overflow, bad types and
// missing keys must come back as eval errors, never as UB or a crash).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <nlohmann/json.hpp>
#include "slawatch/expr/expr.hpp"

namespace {

using namespace slawatch::expr;

const nlohmann::json& sample_event() {
  static const nlohmann::json e = nlohmann::json::parse(R"({
    "id": "BANKA-1", "partner": "bank-a", "type": "contribution.collected",
    "occurred_at": "2026-11-26T09:15:00+03:00", "received_at": "2026-11-26T06:15:02Z",
    "purpose": "collect_contribution",
    "attributes": {"amount": 1250.50, "count": 3, "big": 9223372036854775807,
                   "small": -9223372036854775808, "currency": "KES", "receipt_nos": ["R1", "R2"],
                   "nested": {"deep": true}, "nothing": null},
    "transport": {"tls": true, "tls_version": "TLSv1.3", "client_cert": null}
  })");
  return e;
}

const nlohmann::json& sample_partner() {
  static const nlohmann::json p = nlohmann::json::parse(
      R"({"id": "bank-a", "class": "bank", "allowed_purposes": ["collect_contribution"]})");
  return p;
}

const declarations& decls() {
  static const declarations d = [] {
    declarations out;
    out.variables = {"event", "partner", "start", "group", "collected"};
    out.lists = std::make_shared<const nlohmann::json>(nlohmann::json::parse(
        R"({"forbidden_purposes": ["marketing", "profiling"], "nums": [1, 2, 3]})"));
    out.functions = {{"twice", 1}};
    auto macro = compile("event.attributes.amount > 100", out);
    if (macro.prog) out.macros.emplace("large_amount", macro.prog);
    return out;
  }();
  return d;
}

const host_functions& hosts() {
  static const host_functions h = {
      {"twice", [](const std::vector<value>& args) -> std::variant<value, std::string> {
         if (args.size() != 1) return std::string("twice: expected 1 argument");
         return args[0];
       }}};
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view source(reinterpret_cast<const char*>(data), size);
  const auto got = compile(source, decls());
  if (!got.prog) return 0;
  if (source_of(*got.prog) != source) __builtin_trap();   // the program keeps its text
  activation act;
  act.bind("event", value::borrow(sample_event()));
  act.bind("partner", value::borrow(sample_partner()));
  act.bind("start", value::borrow(sample_event()));
  act.bind("group", value::borrow(sample_partner()));
  act.bind("collected", value::borrow(sample_event()["attributes"]["count"]));
  const auto r = evaluate(*got.prog, act, &hosts());
  if (r.ok()) {
    (void)r.val.debug_string();   // evidence and messages render results
    (void)r.val.to_json();
  }
  (void)evaluate_bool(*got.prog, act, &hosts());
  return 0;
}
