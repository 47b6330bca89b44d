// Compiles expressions written in YAML scalars and maps compile-error positions (which are
// relative to the scalar's value) back to file positions.
#include <fmt/format.h>
#include "loader_detail.hpp"

namespace slawatch::rules::detail {
namespace {

/// Index into `text` of the 1-based (line, col) position.
std::size_t index_of(std::string_view text, expr::position pos) {
  std::size_t i = 0;
  for (int line = 1; line < pos.line && i < text.size(); ++i) {
    if (text[i] == '\n') ++line;
  }
  return std::min(text.size(), i + static_cast<std::size_t>(std::max(pos.col, 1) - 1));
}

/// Where the scalar's value begins in the file: after an opening quote, or on the line
/// after a block indicator (| or >).
std::size_t value_start(std::string_view src, std::size_t pos) {
  if (pos >= src.size()) return pos;
  if (src[pos] == '"' || src[pos] == '\'') return pos + 1;
  if (src[pos] == '|' || src[pos] == '>') {
    auto nl = src.find('\n', pos);
    return nl == std::string_view::npos ? src.size() : nl + 1;
  }
  return pos;
}

/// Source offset of value character `idx`. The value equals the source except for what
/// YAML folds away: line breaks and indentation (folded to one space or removed), doubled
/// single quotes and backslash escapes. Walking both texts in step and skipping those in the
/// source keeps the mapping exact for the usual cases.
std::size_t source_offset(std::string_view src, std::size_t start, char quote,
                          std::string_view value, std::size_t idx) {
  auto skippable = [&](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || (quote == '\'' && c == '\'') ||
           (quote == '"' && c == '\\');
  };
  std::size_t j = start;
  for (std::size_t k = 0; k < value.size(); ++k) {
    while (j < src.size() && src[j] != value[k] && skippable(src[j])) ++j;
    if (k == idx) return j;
    if (j < src.size() && src[j] == value[k]) ++j;
  }
  return j;  // idx at the end of the value: just after its last character
}

}  // namespace

std::shared_ptr<const expr::program> compile_expr(loader& ld, const parsed_file& f, const field& fl,
                                                  std::string_view name) {
  if (fl.val.IsNull()) {
    ld.fail(f, fl.key.Mark(), "required", fmt::format("{}: required", name));
    return nullptr;
  }
  if (!fl.val.IsScalar()) {
    ld.fail(f, fl.val.Mark(), "invalid_value",
            fmt::format("{}: expected an expression string", name));
    return nullptr;
  }
  const std::string& text = fl.val.Scalar();
  auto out = expr::compile(text, ld.decls);
  if (out.errors.empty()) return out.prog;
  std::string_view src = f.src->text;
  auto mark_pos = static_cast<std::size_t>(fl.val.Mark().pos);
  char first = mark_pos < src.size() ? src[mark_pos] : ' ';
  char quote = (first == '"' || first == '\'') ? first : 0;
  std::size_t start = value_start(src, mark_pos);
  for (const auto& e : out.errors) {
    auto off = source_offset(src, start, quote, text, index_of(text, e.pos));
    ld.fail_at(ld.at_offset(f, off), "expression", e.message);
  }
  return nullptr;
}

}  // namespace slawatch::rules::detail
