#include "checker.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include "ops.hpp"

namespace slawatch::expr::detail {
namespace {

constexpr std::array<type, 9> all_types{
    type::null_type, type::bool_type,      type::int_type,     type::double_type,
    type::string_type, type::list_type,    type::map_type,     type::timestamp_type,
    type::duration_type};

/// A literal whose value can live in a JSON constant (so lists of them fold to JSON).
bool json_constant(const node& n) {
  if (n.kind != node_kind::literal) return false;
  if (n.lit_is_json) return true;
  type k = n.lit.kind();
  return k != type::timestamp_type && k != type::duration_type;
}

}  // namespace

checker::checker(const declarations& decls, std::vector<compile_error>& errors)
    : decls_(decls), errors_(errors) {}

void checker::error(position p, std::string msg) { errors_.push_back({p, std::move(msg)}); }

void checker::check(node& n) {
  switch (n.kind) {
    case node_kind::literal:
      n.st = n.lit_is_json ? value::borrow(n.lit_json).kind() : n.lit.kind();
      return;
    case node_kind::list: return check_list(n);
    case node_kind::ident: return check_ident(n);
    case node_kind::select: return check_select(n);
    case node_kind::index: return check_index(n);
    case node_kind::unary: return check_unary(n);
    case node_kind::binary: return check_binary(n);
    case node_kind::logical_and:
    case node_kind::logical_or: return check_logical(n);
    case node_kind::conditional: return check_conditional(n);
    case node_kind::call: return check_call(n);
    default: return;  // already resolved kinds do not come out of the parser
  }
}

void checker::check_list(node& n) {
  bool constant = true;
  for (auto& a : n.args) {
    check(*a);
    constant = constant && json_constant(*a);
  }
  n.st = type::list_type;
  if (!constant) return;
  // Fold a list of constants into one JSON array that evaluation borrows (no allocation).
  nlohmann::json arr = nlohmann::json::array();
  for (auto& a : n.args) arr.push_back(a->lit_is_json ? a->lit_json : a->lit.to_json());
  n.kind = node_kind::literal;
  n.lit_json = std::move(arr);
  n.lit_is_json = true;
  n.args.clear();
}

const checker::scope_entry* checker::find_loop_var(std::string_view name) const {
  for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
    if (it->name == name) return &*it;
  }
  return nullptr;
}

bool checker::names_lists(const node& n) const {
  return n.kind == node_kind::ident && n.name == "lists" && find_loop_var(n.name) == nullptr &&
         !decls_.variables.contains(n.name) && !decls_.macros.contains(n.name);
}

void checker::check_ident(node& n) {
  if (const scope_entry* s = find_loop_var(n.name)) {
    n.kind = node_kind::loop_var;
    n.slot = s->slot;
  } else if (decls_.variables.contains(n.name)) {
    n.kind = node_kind::variable;
  } else if (auto m = decls_.macros.find(n.name); m != decls_.macros.end() && m->second) {
    n.kind = node_kind::macro_ref;
    n.macro = m->second;
    n.st = m->second->type_;
  } else if (n.name == "lists") {
    error(n.pos, "'lists' must be followed by a list name, e.g. lists.forbidden_purposes");
  } else {
    error(n.pos, fmt::format("unknown name '{}'", n.name));
  }
}

void checker::check_select(node& n) {
  if (names_lists(*n.args[0])) {
    const nlohmann::json* all = decls_.lists.get();
    const nlohmann::json* found = nullptr;
    if (all != nullptr && all->is_object()) {
      if (auto it = all->find(n.name); it != all->end()) found = &*it;
    }
    if (found == nullptr) {
      error(n.pos, fmt::format("unknown list '{}'", n.name));
      return;
    }
    n.kind = node_kind::list_ref;
    n.list_json = found;
    n.args.clear();
    n.st = value::borrow(*n.list_json).kind();
    return;
  }
  check(*n.args[0]);
  static_type t = n.args[0]->st;
  if (t && *t != type::map_type) {
    error(n.pos, fmt::format("cannot select field '{}' from {}", n.name, type_name(*t)));
  }
}

void checker::check_index(node& n) {
  check(*n.args[0]);
  check(*n.args[1]);
  static_type c = n.args[0]->st, k = n.args[1]->st;
  bool bad = false;
  if (c) {
    if (*c == type::list_type) bad = k && *k != type::int_type;
    else if (*c == type::map_type) bad = k && *k != type::string_type;
    else bad = true;
  }
  if (bad) error(n.pos, overload_error("[]", {static_name(c), static_name(k)}));
}

void checker::check_unary(node& n) {
  check(*n.args[0]);
  static_type t = n.args[0]->st;
  if (!t) {
    if (n.oper == op::not_) n.st = type::bool_type;
    return;
  }
  n.st = unary_result(n.oper, *t);
  if (!n.st) error(n.pos, overload_error(op_text(n.oper), {static_name(t)}));
}

void checker::check_binary(node& n) {
  check(*n.args[0]);
  check(*n.args[1]);
  static_type l = n.args[0]->st, r = n.args[1]->st;
  bool comparison = n.oper != op::add && n.oper != op::sub && n.oper != op::mul &&
                    n.oper != op::div && n.oper != op::mod;
  if (comparison) n.st = type::bool_type;
  if (l && r) {
    n.st = binary_result(n.oper, *l, *r);
    if (!n.st) error(n.pos, overload_error(op_text(n.oper), {static_name(l), static_name(r)}));
    return;
  }
  if (!l && !r) return;
  // One side known: an error only when no type at all on the other side would fit.
  bool any = std::any_of(all_types.begin(), all_types.end(), [&](type other) {
    return binary_result(n.oper, l ? *l : other, r ? *r : other).has_value();
  });
  if (!any) error(n.pos, overload_error(op_text(n.oper), {static_name(l), static_name(r)}));
}

void checker::check_logical(node& n) {
  check(*n.args[0]);
  check(*n.args[1]);
  static_type l = n.args[0]->st, r = n.args[1]->st;
  n.st = type::bool_type;
  if ((l && *l != type::bool_type) || (r && *r != type::bool_type)) {
    std::string_view name = n.kind == node_kind::logical_and ? "&&" : "||";
    error(n.pos, overload_error(name, {static_name(l), static_name(r)}));
  }
}

void checker::check_conditional(node& n) {
  for (auto& a : n.args) check(*a);
  static_type c = n.args[0]->st;
  if (c && *c != type::bool_type) {
    error(n.pos, fmt::format("expected bool condition in '?:', got {}", type_name(*c)));
  }
  if (n.args[1]->st == n.args[2]->st) n.st = n.args[1]->st;
}

}  // namespace slawatch::expr::detail
