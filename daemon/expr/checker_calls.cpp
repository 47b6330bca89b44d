#include <fmt/format.h>
#include "checker.hpp"
#include "ops.hpp"

namespace slawatch::expr::detail {
namespace {

bool is_literal_string(const node& n) {
  return n.kind == node_kind::literal && n.lit_is_json && n.lit_json.is_string();
}

}  // namespace

bool checker::arity_ok(const node& n, int expected) {
  int given = static_cast<int>(n.args.size()) - (n.receiver ? 1 : 0);
  if (given == expected) return true;
  error(n.pos, fmt::format("wrong number of arguments to '{}': expected {}, got {}", n.name,
                           expected, given));
  return false;
}

void checker::check_call(node& n) {
  if (!n.receiver && n.name == "has") return check_has(n);
  if (n.receiver && (n.name == "all" || n.name == "exists")) return check_comprehension(n);
  const builtin_info* b = find_builtin(n.name);
  int arity = b == nullptr ? -1 : n.receiver ? b->method_arity : b->global_arity;
  if (arity >= 0) {
    if (arity_ok(n, arity)) return check_builtin(n, b->fn);
  } else if (auto h = decls_.functions.find(n.name); !n.receiver && h != decls_.functions.end()) {
    return check_host(n, h->second);
  } else {
    error(n.pos, fmt::format("unknown {} '{}'", n.receiver ? "method" : "function", n.name));
  }
  for (auto& a : n.args) check(*a);  // still report errors inside the arguments
}

void checker::check_has(node& n) {
  n.st = type::bool_type;
  if (!arity_ok(n, 1)) {
    for (auto& a : n.args) check(*a);
    return;
  }
  node& sel = *n.args[0];
  if (sel.kind != node_kind::select || names_lists(*sel.args[0])) {
    error(sel.pos, "has() requires a field selection, e.g. has(event.purpose)");
    check(sel);
    return;
  }
  check(*sel.args[0]);
  static_type t = sel.args[0]->st;
  if (t && *t != type::map_type && *t != type::null_type) {
    error(sel.pos, fmt::format("cannot select field '{}' from {}", sel.name, type_name(*t)));
  }
  n.kind = node_kind::has;
  n.name = sel.name;
  node_ptr target = std::move(sel.args[0]);
  n.args.clear();
  n.args.push_back(std::move(target));
}

void checker::check_comprehension(node& n) {
  n.st = type::bool_type;
  check(*n.args[0]);
  if (!arity_ok(n, 2)) return;
  static_type r = n.args[0]->st;
  if (r && *r != type::list_type && *r != type::map_type) {
    error(n.pos, overload_error(n.name, {static_name(r)}));
  }
  if (n.args[1]->kind != node_kind::ident) {
    error(n.args[1]->pos, fmt::format("{}() requires a variable name as its first argument",
                                      n.name));
    return;
  }
  std::string var = n.args[1]->name;
  int slot = next_slot_++;
  scopes_.push_back({var, slot});
  check(*n.args[2]);
  scopes_.pop_back();
  static_type p = n.args[2]->st;
  if (p && *p != type::bool_type) {
    error(n.args[2]->pos, fmt::format("{}() predicate must be bool, got {}", n.name,
                                      type_name(*p)));
  }
  n.kind = n.name == "all" ? node_kind::all : node_kind::exists;
  n.name = var;
  n.slot = slot;
  n.args.erase(n.args.begin() + 1);
}

void checker::check_builtin(node& n, builtin fn) {
  n.fn = fn;
  bool bad = false;
  std::vector<std::string> names;
  for (std::size_t k = 0; k < n.args.size(); ++k) {
    check(*n.args[k]);
    static_type t = n.args[k]->st;
    names.push_back(static_name(t));
    bad = bad || (t && !builtin_accepts(fn, k, *t));
  }
  n.st = builtin_result(fn, n.args[0]->st);
  if (bad) {
    n.st = std::nullopt;  // no cascade of errors about this call's result
    error(n.pos, overload_error(n.name, names));
    return;
  }
  if (fn == builtin::matches && is_literal_string(*n.args[1])) {
    std::string err;
    n.regex = compile_regex(n.args[1]->lit_json.get_ref<const std::string&>(), err);
    if (!n.regex) error(n.args[1]->pos, err);
  }
  if ((fn == builtin::timestamp || fn == builtin::duration) && is_literal_string(*n.args[0])) {
    fold_literal_args(n);
  }
}

/// timestamp('...') and duration('...') of a literal: parse once now, and report a bad
/// literal at load time instead of at every evaluation.
void checker::fold_literal_args(node& n) {
  value arg = value::borrow(n.args[0]->lit_json);
  value out;
  std::string err;
  if (!call_builtin(n.fn, &arg, 1, nullptr, out, err)) {
    error(n.args[0]->pos, err);
    return;
  }
  n.kind = node_kind::literal;
  n.lit = out;
  n.args.clear();
}

void checker::check_host(node& n, int arity) {
  n.fn = builtin::host;
  arity_ok(n, arity);
  for (auto& a : n.args) check(*a);
}

}  // namespace slawatch::expr::detail
