#pragma once
/// Internal: the syntax tree shared by parser, checker and evaluator, and the compiled
/// program. Not part of the public interface.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <nlohmann/json.hpp>
#include "slawatch/expr/expr.hpp"

namespace re2 {
class RE2;
}

namespace slawatch::expr::detail {

enum class op { add, sub, mul, div, mod, lt, le, gt, ge, eq, ne, in, not_, neg };

enum class node_kind {
  literal,      // lit / lit_json
  list,         // [args...]
  ident,        // unresolved name (parser output only)
  variable,     // activation variable `name`
  loop_var,     // comprehension variable in `slot`
  list_ref,     // lists.<name>, borrowed from `list_json`
  macro_ref,    // expands to `macro`
  select,       // args[0].name
  index,        // args[0][args[1]]
  unary,        // oper args[0]
  binary,       // args[0] oper args[1]
  logical_and,  // args[0] && args[1]
  logical_or,   // args[0] || args[1]
  conditional,  // args[0] ? args[1] : args[2]
  call,         // name(args...) or args[0].name(args[1..]) when `receiver`
  has,          // has(args[0].name)
  all,          // args[0].all(name, args[1]) with the variable in `slot`
  exists,       // args[0].exists(name, args[1])
};

enum class builtin {
  none, size, to_int, to_double, to_string, timestamp, duration, abs,
  starts_with, ends_with, contains, matches, lower_ascii, host
};

/// Static type: a concrete type, or nullopt for `dyn` (only known at evaluation).
using static_type = std::optional<type>;

struct node {
  node_kind kind = node_kind::literal;
  position pos;
  std::string name;   // identifier, field, function or comprehension variable
  op oper = op::add;
  builtin fn = builtin::none;
  bool receiver = false;  // call written as a method: args[0] is the receiver
  std::vector<std::unique_ptr<node>> args;
  value lit;               // literal (numbers, bools, null, folded timestamps/durations)
  nlohmann::json lit_json; // string literals and constant lists: evaluation borrows them
  bool lit_is_json = false;
  const nlohmann::json* list_json = nullptr;
  std::shared_ptr<const program> macro;
  std::shared_ptr<const re2::RE2> regex;  // precompiled literal regex of matches()
  int slot = -1;
  static_type st;          // filled by the checker
  int height = 1;          // tree height, bounded by the parser
};

using node_ptr = std::unique_ptr<node>;

}  // namespace slawatch::expr::detail

namespace slawatch::expr {

/// Immutable after compile(); shared between threads.
class program {
 public:
  std::string source_;
  detail::node_ptr root_;
  std::shared_ptr<const nlohmann::json> lists_;  // keeps lists.<name> nodes alive
  int slots_ = 0;                                // comprehension variables
  detail::static_type type_;
};

}  // namespace slawatch::expr

namespace slawatch::expr::detail {

/// "dyn" for unknown, else type_name().
std::string static_name(static_type t);
/// Operator spelling used in messages: "+", "<=", "in", "!".
std::string_view op_text(op o);
/// Result type of a binary operator on the given operand types, or nullopt when no
/// overload exists. Shared by checker and evaluator so they agree.
std::optional<type> binary_result(op o, type l, type r);
/// "no matching overload for '+' applied to (string, int)"
std::string overload_error(std::string_view name, const std::vector<std::string>& types);

}  // namespace slawatch::expr::detail
