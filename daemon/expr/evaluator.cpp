#include <array>
#include <exception>
#include <fmt/format.h>
#include "ops.hpp"

namespace slawatch::expr {
namespace detail {
namespace {

/// Comprehension variable slots; most programs need few, so they live on the stack.
class slot_buffer {
 public:
  explicit slot_buffer(int n) {
    if (n > static_cast<int>(small_.size())) big_.resize(static_cast<std::size_t>(n));
  }
  value* data() { return big_.empty() ? small_.data() : big_.data(); }

 private:
  std::array<value, 4> small_;
  std::vector<value> big_;
};

/// One evaluation of one program: the activation, host functions and the comprehension
/// variable slots. eval() returns false with err_ set on an evaluation error.
class evaluator {
 public:
  evaluator(const activation& act, const host_functions* fns, value* slots)
      : act_(act), fns_(fns), slots_(slots) {}

  bool eval(const node& n, value& out);
  std::string err_;

 private:
  bool fail(std::string msg) {
    err_ = std::move(msg);
    return false;
  }
  bool eval_variable(const node& n, value& out);
  bool eval_macro(const node& n, value& out);
  bool eval_list(const node& n, value& out);
  bool select(const value& target, const std::string& field, value& out);
  bool eval_index(const node& n, value& out);
  bool eval_logical(const node& n, value& out);
  bool eval_conditional(const node& n, value& out);
  bool eval_call(const node& n, value& out);
  bool eval_host(const node& n, value& out);
  bool eval_lenient(const node& n, value& out, bool& absent);
  bool eval_has(const node& n, value& out);
  bool eval_comprehension(const node& n, value& out);

  const activation& act_;
  const host_functions* fns_;
  value* slots_;
};

bool evaluator::eval(const node& n, value& out) {
  switch (n.kind) {
    case node_kind::literal:
      out = n.lit_is_json ? value::borrow(n.lit_json) : n.lit;
      return true;
    case node_kind::list: return eval_list(n, out);
    case node_kind::variable: return eval_variable(n, out);
    case node_kind::loop_var: out = slots_[n.slot]; return true;
    case node_kind::list_ref: out = value::borrow(*n.list_json); return true;
    case node_kind::macro_ref: return eval_macro(n, out);
    case node_kind::select: {
      value target;
      return eval(*n.args[0], target) && select(target, n.name, out);
    }
    case node_kind::index: return eval_index(n, out);
    case node_kind::unary: {
      value v;
      return eval(*n.args[0], v) && (apply_unary(n.oper, v, out, err_));
    }
    case node_kind::binary: {
      value l, r;
      return eval(*n.args[0], l) && eval(*n.args[1], r) && apply_binary(n.oper, l, r, out, err_);
    }
    case node_kind::logical_and:
    case node_kind::logical_or: return eval_logical(n, out);
    case node_kind::conditional: return eval_conditional(n, out);
    case node_kind::call: return eval_call(n, out);
    case node_kind::has: return eval_has(n, out);
    case node_kind::all:
    case node_kind::exists: return eval_comprehension(n, out);
    case node_kind::ident: break;  // resolved by the checker
  }
  return fail("internal error: unresolved name");
}

bool evaluator::eval_variable(const node& n, value& out) {
  const value* v = act_.find(n.name);
  if (v == nullptr) return fail(fmt::format("variable '{}' is not bound", n.name));
  out = *v;
  return true;
}

bool evaluator::eval_macro(const node& n, value& out) {
  // A macro is its own program: it gets its own comprehension slots.
  slot_buffer slots(n.macro->slots_);
  evaluator sub(act_, fns_, slots.data());
  if (sub.eval(*n.macro->root_, out)) return true;
  return fail(std::move(sub.err_));
}

bool evaluator::eval_list(const node& n, value& out) {
  auto elems = std::make_shared<list>();
  elems->reserve(n.args.size());
  for (const auto& a : n.args) {
    value v;
    if (!eval(*a, v)) return false;
    elems->push_back(std::move(v));
  }
  out = value(std::shared_ptr<const list>(std::move(elems)));
  return true;
}

bool evaluator::select(const value& target, const std::string& field, value& out) {
  if (target.kind() != type::map_type) {
    return fail(fmt::format("cannot select field '{}' from {}", field, type_name(target.kind())));
  }
  const nlohmann::json& obj = *target.json();
  auto it = obj.find(field);
  if (it == obj.end()) return fail(fmt::format("no such key: '{}'", field));
  out = value::borrow(*it);
  return true;
}

bool evaluator::eval_index(const node& n, value& out) {
  value c, k;
  if (!eval(*n.args[0], c) || !eval(*n.args[1], k)) return false;
  type ck = c.kind(), kk = k.kind();
  if (ck == type::map_type && kk == type::string_type) {
    const nlohmann::json& obj = *c.json();
    auto it = obj.find(k.as_string());
    if (it == obj.end()) return fail(fmt::format("no such key: '{}'", k.as_string()));
    out = value::borrow(*it);
    return true;
  }
  if (ck != type::list_type || kk != type::int_type) {
    return fail(overload_error("[]", {std::string(type_name(ck)), std::string(type_name(kk))}));
  }
  std::int64_t i = k.as_int();
  std::size_t size = list_size(c);
  if (i < 0 || static_cast<std::uint64_t>(i) >= size) {
    return fail(fmt::format("index {} out of range for list of size {}", i, size));
  }
  if (const list* owned = c.owned_list()) {
    out = (*owned)[static_cast<std::size_t>(i)];
  } else {
    out = value::borrow((*c.json())[static_cast<std::size_t>(i)]);
  }
  return true;
}

/// CEL's commutative && and ||: the deciding value (false for &&, true for ||) wins over an
/// error or a non-bool on the other side; otherwise the left problem is reported first.
bool evaluator::eval_logical(const node& n, value& out) {
  bool decider = n.kind == node_kind::logical_or;
  value l, r;
  bool lok = eval(*n.args[0], l);
  std::string lerr = lok ? std::string() : std::move(err_);
  if (lok && l.kind() == type::bool_type && l.as_bool() == decider) {
    out = value(decider);
    return true;
  }
  bool rok = eval(*n.args[1], r);
  if (rok && r.kind() == type::bool_type && r.as_bool() == decider) {
    out = value(decider);
    return true;
  }
  if (!lok) return fail(std::move(lerr));
  if (!rok) return false;  // err_ holds the right side's error
  if (l.kind() == type::bool_type && r.kind() == type::bool_type) {
    out = value(!decider);
    return true;
  }
  return fail(overload_error(decider ? "||" : "&&", {std::string(type_name(l.kind())),
                                                    std::string(type_name(r.kind()))}));
}

bool evaluator::eval_conditional(const node& n, value& out) {
  value c;
  if (!eval(*n.args[0], c)) return false;
  if (c.kind() != type::bool_type) {
    return fail(fmt::format("expected bool condition in '?:', got {}", type_name(c.kind())));
  }
  return eval(*n.args[c.as_bool() ? 1 : 2], out);
}

bool evaluator::eval_call(const node& n, value& out) {
  if (n.fn == builtin::host) return eval_host(n, out);
  std::array<value, 2> args;  // built-ins take at most two values, receiver included
  for (std::size_t k = 0; k < n.args.size(); ++k) {
    if (!eval(*n.args[k], args[k])) return false;
  }
  return call_builtin(n.fn, args.data(), n.args.size(), n.regex.get(), out, err_);
}

bool evaluator::eval_host(const node& n, value& out) {
  const host_function* fn = nullptr;
  if (fns_ != nullptr) {
    if (auto it = fns_->find(n.name); it != fns_->end()) fn = &it->second;
  }
  if (fn == nullptr || !*fn) return fail(fmt::format("function '{}' is not available", n.name));
  std::vector<value> args(n.args.size());
  for (std::size_t k = 0; k < n.args.size(); ++k) {
    if (!eval(*n.args[k], args[k])) return false;
  }
  auto res = (*fn)(args);
  if (auto* err = std::get_if<std::string>(&res)) return fail(std::move(*err));
  out = std::move(std::get<value>(res));
  return true;
}

/// Like eval(), but a missing key (or a null parent) anywhere along a field-selection chain
/// sets `absent` instead of failing: has(event.attributes.x) is false without attributes.
bool evaluator::eval_lenient(const node& n, value& out, bool& absent) {
  if (n.kind != node_kind::select) return eval(n, out);
  value target;
  if (!eval_lenient(*n.args[0], target, absent)) return false;
  if (absent) return true;
  if (target.kind() == type::null_type) {
    absent = true;
    return true;
  }
  if (target.kind() == type::map_type) {
    auto it = target.json()->find(n.name);
    absent = it == target.json()->end();
    if (!absent) out = value::borrow(*it);
    return true;
  }
  return select(target, n.name, out);  // reports the type error
}

bool evaluator::eval_has(const node& n, value& out) {
  value target;
  bool absent = false;
  if (!eval_lenient(*n.args[0], target, absent)) return false;
  if (absent || target.kind() == type::null_type) {
    out = value(false);
    return true;
  }
  if (target.kind() != type::map_type) {
    return fail(fmt::format("cannot select field '{}' from {}", n.name, type_name(target.kind())));
  }
  out = value(target.json()->contains(n.name));
  return true;
}

/// all() is an && over the elements and exists() an ||, so a deciding element wins over
/// errors on other elements, as in CEL.
bool evaluator::eval_comprehension(const node& n, value& out) {
  value range;
  if (!eval(*n.args[0], range)) return false;
  bool is_all = n.kind == node_kind::all;
  std::string_view name = is_all ? "all" : "exists";
  type rk = range.kind();
  if (rk != type::list_type && rk != type::map_type) {
    return fail(overload_error(name, {std::string(type_name(rk))}));
  }
  bool decided = false;
  std::string first_err;
  auto step = [&](const value& elem) {
    slots_[n.slot] = elem;
    value p;
    if (!eval(*n.args[1], p)) {
      if (first_err.empty()) first_err = std::move(err_);
    } else if (p.kind() != type::bool_type) {
      if (first_err.empty()) {
        first_err = fmt::format("{}() predicate must be bool, got {}", name, type_name(p.kind()));
      }
    } else if (p.as_bool() != is_all) {
      decided = true;
      return false;
    }
    return true;
  };
  if (rk == type::map_type) {
    const nlohmann::json& obj = *range.json();
    for (auto it = obj.begin(); it != obj.end() && step(value(it.key())); ++it) {
    }
  } else {
    for_each_element(range, step);
  }
  if (decided) {
    out = value(!is_all);
    return true;
  }
  if (!first_err.empty()) return fail(std::move(first_err));
  out = value(is_all);
  return true;
}

}  // namespace
}  // namespace detail

eval_result evaluate(const program& p, const activation& act, const host_functions* fns) {
  eval_result r;
  try {
    detail::slot_buffer slots(p.slots_);
    detail::evaluator ev(act, fns, slots.data());
    if (!ev.eval(*p.root_, r.val)) {
      r.val = value();
      r.error = ev.err_.empty() ? std::string("evaluation failed") : std::move(ev.err_);
    }
  } catch (const std::exception& e) {  // a host function or allocation failure
    r.val = value();
    r.error = fmt::format("evaluation failed: {}", e.what());
  }
  return r;
}

truth_result evaluate_bool(const program& p, const activation& act, const host_functions* fns) {
  eval_result r = evaluate(p, act, fns);
  truth_result t;
  if (!r.ok()) {
    t.t = truth::error;
    t.error = std::move(r.error);
    return t;
  }
  if (r.val.kind() != type::bool_type) {
    t.t = truth::error;
    t.error = fmt::format("expected bool, got {}", type_name(r.val.kind()));
  } else {
    t.t = r.val.as_bool() ? truth::yes : truth::no;
  }
  t.val = std::move(r.val);
  return t;
}

}  // namespace slawatch::expr
