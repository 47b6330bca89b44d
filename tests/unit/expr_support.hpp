#pragma once
// Shared helpers for the expr tests: one declaration set, an event, and renderings of
// results as strings so table rows compare exactly.
#include <string>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include "slawatch/expr/expr.hpp"

namespace expr_test {

using namespace slawatch::expr;

inline const nlohmann::json& sample_event() {
  static const nlohmann::json e = nlohmann::json::parse(R"({
    "id": "BANKA-1", "partner": "bank-a", "type": "contribution.collected",
    "occurred_at": "2026-11-26T09:15:00+03:00", "purpose": "collect_contribution",
    "attributes": {"amount": 1250.50, "count": 3, "currency": "KES", "receipt_no": "R-88812",
                   "receipt_nos": ["R1", "R2"], "nested": {"deep": true}, "nothing": null},
    "transport": {"tls": true, "tls_version": "TLSv1.3", "client_cert": null}
  })");
  return e;
}

inline const nlohmann::json& sample_partner() {
  static const nlohmann::json p = nlohmann::json::parse(
      R"({"id": "bank-a", "class": "bank", "allowed_purposes": ["collect_contribution"]})");
  return p;
}

inline declarations sample_decls() {
  declarations d;
  d.variables = {"event", "partner", "collected", "remitted"};
  d.lists = std::make_shared<const nlohmann::json>(nlohmann::json::parse(
      R"({"forbidden_purposes": ["marketing", "profiling"], "nums": [1, 2, 3]})"));
  d.functions = {{"twice", 1}, {"missing_host", 0}};
  return d;
}

inline activation sample_activation() {
  activation a;
  a.bind("event", value::borrow(sample_event()));
  a.bind("partner", value::borrow(sample_partner()));
  a.bind("collected", value(100));
  a.bind("remitted", value(99.995));
  return a;
}

inline const host_functions& sample_host_functions() {
  static const host_functions fns = {
      {"twice", [](const std::vector<value>& args) -> std::variant<value, std::string> {
         if (args[0].kind() != type::int_type) return std::string("twice wants an int");
         return value(args[0].as_int() * 2);
       }}};
  return fns;
}

/// "line:col: message" for every error, joined by " | "; "" when it compiled.
inline std::string errors_of(const compiled& c) {
  std::string out;
  for (const auto& e : c.errors) {
    if (!out.empty()) out += " | ";
    out += fmt::format("{}:{}: {}", e.pos.line, e.pos.col, e.message);
  }
  return out;
}

inline std::string compile_errors(std::string_view src, const declarations& d = sample_decls()) {
  return errors_of(compile(src, d));
}

/// The value's debug_string, or "error: <message>", or "compile: <errors>".
inline std::string run(std::string_view src, const declarations& d = sample_decls()) {
  compiled c = compile(src, d);
  if (!c.prog) return "compile: " + errors_of(c);
  eval_result r = evaluate(*c.prog, sample_activation(), &sample_host_functions());
  if (!r.ok()) return "error: " + r.error;
  return r.val.debug_string();
}

}  // namespace expr_test
