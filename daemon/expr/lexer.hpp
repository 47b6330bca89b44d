#pragma once
/// Internal: splits an expression source into tokens with 1-based line/column positions.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>
#include "slawatch/expr/expr.hpp"

namespace slawatch::expr::detail {

enum class tok { end, int_lit, double_lit, string_lit, ident, kw_null, kw_true, kw_false, punct };

struct token {
  tok kind = tok::end;
  std::string text;        // source spelling (punctuation, identifiers, numbers)
  std::string str;         // decoded value of a string literal
  std::uint64_t uval = 0;  // integer literal magnitude (≤ 2^63, see parser for the minimum)
  double dval = 0;
  position pos;
  /// How the token is shown in messages: 'text', or "end of expression".
  [[nodiscard]] std::string shown() const;
  [[nodiscard]] bool is(std::string_view punct_text) const {
    return kind == tok::punct && text == punct_text;
  }
};

/// Tokenizes all of `source`; lexical errors are appended to `errors` (scanning goes on
/// after each so all of them are reported). The last token is always tok::end.
std::vector<token> tokenize(std::string_view source, std::vector<compile_error>& errors);

}  // namespace slawatch::expr::detail
