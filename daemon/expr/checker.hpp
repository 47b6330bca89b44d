#pragma once
/// Internal: resolves names and checks static types of a parsed tree, in place.
#include <string>
#include <string_view>
#include <vector>
#include "ast.hpp"

namespace slawatch::expr::detail {

/// Walks the whole tree and reports every error it finds (it does not stop at the first).
/// Resolution order for a name: comprehension variable, declared variable, macro.
/// Also precompiles regex literals and folds constant lists, timestamp('...') and
/// duration('...') so that evaluation does no parsing.
class checker {
 public:
  checker(const declarations& decls, std::vector<compile_error>& errors);
  void check(node& n);
  /// Number of comprehension variable slots the program needs.
  [[nodiscard]] int slots() const { return next_slot_; }

 private:
  struct scope_entry {
    std::string name;
    int slot;
  };
  void error(position p, std::string msg);
  void check_list(node& n);
  void check_ident(node& n);
  void check_select(node& n);
  void check_index(node& n);
  void check_unary(node& n);
  void check_binary(node& n);
  void check_logical(node& n);
  void check_conditional(node& n);
  void check_call(node& n);
  void check_has(node& n);
  void check_comprehension(node& n);
  void check_builtin(node& n, builtin fn);
  void check_host(node& n, int arity);
  void fold_literal_args(node& n);
  bool arity_ok(const node& n, int expected);
  [[nodiscard]] const scope_entry* find_loop_var(std::string_view name) const;
  [[nodiscard]] bool names_lists(const node& n) const;

  const declarations& decls_;
  std::vector<compile_error>& errors_;
  std::vector<scope_entry> scopes_;
  int next_slot_ = 0;
};

}  // namespace slawatch::expr::detail
