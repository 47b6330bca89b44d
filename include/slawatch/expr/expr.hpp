#pragma once
/// The expression language: lexer → parser → checker → evaluator (contract 5.2).
/// Pure: no I/O, no clocks. A compiled program is immutable and safe to evaluate from
/// several threads at once.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>
#include "slawatch/expr/value.hpp"

namespace slawatch::expr {

/// 1-based position inside an expression's source text.
struct position {
  int line = 1;
  int col = 1;
};

struct compile_error {
  position pos;
  std::string message;   ///< exact texts, see docs/rules.md; e.g. "unknown name 'evnt'"
};

class program;  // opaque compiled expression

/// What a compilation may reference.
struct declarations {
  /// Top-level variables in scope: "event", "partner", and kind-specific ones such as
  /// "start", "group" or measure names. `lists` is handled by `lists` below.
  std::set<std::string, std::less<>> variables;
  /// lists.<name> → elements (must be JSON arrays). `lists.x` with an unknown x is an error.
  std::shared_ptr<const nlohmann::json> lists;
  /// Macros by name: an identifier equal to a macro name expands to the macro's program.
  std::map<std::string, std::shared_ptr<const program>, std::less<>> macros;
  /// Names of extra functions provided by the host (e.g. business-time functions later),
  /// with their arity.
  std::map<std::string, int, std::less<>> functions;
};

struct compiled {
  std::shared_ptr<const program> prog;    ///< null when errors is non-empty
  std::vector<compile_error> errors;      ///< all errors found (not only the first)
};

/// Parses and statically checks `source`. Static checks: syntax, unknown names and
/// functions, wrong arity, literal type clashes (`'a' + 1`, `!3`, `size(true)`),
/// regex literals that do not compile under RE2.
compiled compile(std::string_view source, const declarations& decls);

/// Variables bound for one evaluation. Values usually borrow JSON (value::borrow).
class activation {
 public:
  void bind(std::string name, value v);
  [[nodiscard]] const value* find(std::string_view name) const;
 private:
  std::vector<std::pair<std::string, value>> vars_;
};

/// A host function: receives evaluated arguments, returns a value or an error message.
using host_function = std::function<std::variant<value, std::string>(const std::vector<value>&)>;
using host_functions = std::map<std::string, host_function, std::less<>>;

struct eval_result {
  value val;
  std::string error;              ///< non-empty on evaluation error, e.g. "no such key: 'amount'"
  [[nodiscard]] bool ok() const { return error.empty(); }
};

/// Evaluates. Never throws on bad data: missing fields, type mismatches, division by zero,
/// overflow become eval_result::error. `&&`/`||` are commutative as in CEL: an error on
/// one side is absorbed when the other side decides the result.
eval_result evaluate(const program& p, const activation& act, const host_functions* fns = nullptr);

/// Source text the program was compiled from.
std::string_view source_of(const program& p);

/// Result of evaluating a filter or requirement.
enum class truth { yes, no, error };
struct truth_result {
  truth t = truth::no;
  std::string error;   ///< evaluation error, or "expected bool, got int" when not a bool
  value val;
};
truth_result evaluate_bool(const program& p, const activation& act,
                           const host_functions* fns = nullptr);

/// What an expression needs of one string field to be anything but exactly `false`, found
/// statically (rule indexing). Sound only when the host guarantees `<variable>.<field>` is
/// always a string (event.type is). Recognised: `f == 'x'`, `'x' == f`, `f in [..]` and
/// `f in lists.x`, `f.startsWith('x')`, and `&&` / `||` / macros over them.
struct string_guard {
  bool any = true;                     ///< no restriction found: every value may match
  std::vector<std::string> exact;      ///< values the expression may hold for
  std::vector<std::string> prefixes;   ///< prefixes the expression may hold for
  /// The expression is exactly `true` for every admitted value (a pure field test), so it
  /// need not be evaluated for them.
  bool decisive = false;
  [[nodiscard]] bool admits(std::string_view v) const;
};
string_guard guard_of(const program& p, std::string_view variable, std::string_view field);
/// What `a || b` needs: the values either admits; decisive when both are.
string_guard either(string_guard a, const string_guard& b);

}  // namespace slawatch::expr
