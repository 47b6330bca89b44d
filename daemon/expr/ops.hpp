#pragma once
/// Internal: operator and built-in function semantics, shared by the checker (static types)
/// and the evaluator (values). Each returns false and sets `err` on an evaluation error.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>
#include "ast.hpp"

namespace slawatch::expr::detail {

[[nodiscard]] inline bool is_number(type t) {
  return t == type::int_type || t == type::double_type;
}

/// CEL equality: numbers compare across int/double, other kinds must match; never an error.
bool values_equal(const value& a, const value& b);
bool apply_binary(op o, const value& l, const value& r, value& out, std::string& err);
std::optional<type> unary_result(op o, type t);
bool apply_unary(op o, const value& v, value& out, std::string& err);

/// Calls `f(const value&)` for each list element (borrowing JSON elements); stops early and
/// returns false when f returns false.
template <class F>
bool for_each_element(const value& l, F&& f) {
  if (const list* owned = l.owned_list()) {
    for (const value& e : *owned) {
      if (!f(e)) return false;
    }
  } else if (const nlohmann::json* j = l.json()) {
    for (const auto& e : *j) {
      if (!f(value::borrow(e))) return false;
    }
  }
  return true;
}
std::size_t list_size(const value& l);

/// Built-in functions: how they may be called and how many arguments they take.
struct builtin_info {
  std::string_view name;
  builtin fn;
  int global_arity;  // -1: cannot be called as name(...)
  int method_arity;  // -1: cannot be called as x.name(...); receiver not counted
};
/// nullptr when no built-in of that name exists.
const builtin_info* find_builtin(std::string_view name);
std::string_view builtin_name(builtin fn);
/// Whether argument `pos` (receiver = 0) of `fn` may have type `t`.
bool builtin_accepts(builtin fn, std::size_t pos, type t);
/// Static result type given the first argument's static type.
static_type builtin_result(builtin fn, static_type first);
/// `regex` is the precompiled literal pattern of matches(), or nullptr.
/// `args` holds `argc` values, the receiver first for methods.
bool call_builtin(builtin fn, const value* args, std::size_t argc, const re2::RE2* regex,
                  value& out, std::string& err);
/// Compiles an RE2 pattern without logging; on failure sets err to
/// "invalid regex '<pattern>': <reason>" and returns nullptr.
std::shared_ptr<const re2::RE2> compile_regex(std::string_view pattern, std::string& err);

}  // namespace slawatch::expr::detail
