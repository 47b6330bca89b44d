// Static analysis for rule indexing: for which values of one string field (event.type) an
// expression can be anything but exactly false. Lets the engine skip rules that cannot match
// an event without evaluating them (docs/performance.md "Rule indexing").
#include <algorithm>
#include "ast.hpp"

namespace slawatch::expr {
namespace {

using detail::node;
using detail::node_kind;

struct field_ref {
  std::string_view variable, field;
};

/// `n` is `<variable>.<field>` read from the activation (not a comprehension variable).
bool is_field(const node& n, field_ref f) {
  return n.kind == node_kind::select && n.name == f.field && n.args.size() == 1 &&
         n.args[0]->kind == node_kind::variable && n.args[0]->name == f.variable;
}

const std::string* string_literal(const node& n) {
  if (n.kind != node_kind::literal || !n.lit_is_json || !n.lit_json.is_string()) return nullptr;
  return n.lit_json.get_ptr<const std::string*>();
}

/// A constant list: a folded list literal or lists.<name>.
const nlohmann::json* constant_list(const node& n) {
  if (n.kind == node_kind::literal && n.lit_is_json && n.lit_json.is_array()) return &n.lit_json;
  if (n.kind == node_kind::list_ref && n.list_json != nullptr && n.list_json->is_array()) {
    return n.list_json;
  }
  return nullptr;
}

string_guard exact(std::vector<std::string> values) {
  string_guard g;
  g.any = false;
  g.decisive = true;
  g.exact = std::move(values);
  return g;
}

string_guard analyse(const node& n, field_ref f, int depth);

string_guard comparison(const node& n, field_ref f) {
  const node& l = *n.args[0];
  const node& r = *n.args[1];
  if (n.oper == detail::op::eq) {
    if (is_field(l, f)) {
      if (const auto* s = string_literal(r)) return exact({*s});
    }
    if (is_field(r, f)) {
      if (const auto* s = string_literal(l)) return exact({*s});
    }
  }
  if (n.oper == detail::op::in && is_field(l, f)) {
    if (const auto* list = constant_list(r)) {
      std::vector<std::string> values;
      for (const auto& e : *list) {
        if (!e.is_string()) return {};  // mixed lists: leave membership to the evaluator
        values.push_back(e.get<std::string>());
      }
      return exact(std::move(values));
    }
  }
  return {};
}

string_guard analyse(const node& n, field_ref f, int depth) {
  if (depth > 64) return {};
  switch (n.kind) {
    case node_kind::binary: return comparison(n, f);
    case node_kind::call:
      if (n.fn == detail::builtin::starts_with && n.receiver && n.args.size() == 2 &&
          is_field(*n.args[0], f)) {
        if (const auto* s = string_literal(*n.args[1])) {
          string_guard g;
          g.any = false;
          g.decisive = true;
          g.prefixes.push_back(*s);
          return g;
        }
      }
      return {};
    case node_kind::logical_and: {
      // Exactly false on either side makes && exactly false (CEL: the decider wins over errors).
      auto a = analyse(*n.args[0], f, depth + 1);
      auto b = analyse(*n.args[1], f, depth + 1);
      string_guard g = a.any ? std::move(b) : std::move(a);
      g.decisive = false;
      return g;
    }
    case node_kind::logical_or:
      return either(analyse(*n.args[0], f, depth + 1), analyse(*n.args[1], f, depth + 1));
    case node_kind::macro_ref:
      return n.macro && n.macro->root_ ? analyse(*n.macro->root_, f, depth + 1) : string_guard{};
    default: return {};
  }
}

}  // namespace

string_guard either(string_guard a, const string_guard& b) {
  if (a.any || b.any) return {};
  a.exact.insert(a.exact.end(), b.exact.begin(), b.exact.end());
  a.prefixes.insert(a.prefixes.end(), b.prefixes.begin(), b.prefixes.end());
  a.decisive = a.decisive && b.decisive;
  return a;
}

bool string_guard::admits(std::string_view v) const {
  if (any) return true;
  if (std::find(exact.begin(), exact.end(), v) != exact.end()) return true;
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](const std::string& p) { return v.starts_with(p); });
}

string_guard guard_of(const program& p, std::string_view variable, std::string_view field) {
  if (!p.root_) return {};
  return analyse(*p.root_, field_ref{variable, field}, 0);
}

}  // namespace slawatch::expr
