#pragma once
/// Internal: recursive-descent parser with CEL's grammar and precedence.
#include <vector>
#include "ast.hpp"
#include "lexer.hpp"

namespace slawatch::expr::detail {

/// Maximum nesting of the syntax tree; deeper input is a syntax error (bounds recursion).
inline constexpr int max_depth = 200;

/// Parses tokens into a tree of unresolved names. On a syntax error, appends it to `errors`
/// and returns nullptr (parsing stops at the first syntax error).
node_ptr parse(const std::vector<token>& tokens, std::vector<compile_error>& errors);

}  // namespace slawatch::expr::detail
