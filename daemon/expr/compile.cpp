#include <algorithm>
#include "checker.hpp"
#include "lexer.hpp"
#include "parser.hpp"

namespace slawatch::expr {

compiled compile(std::string_view source, const declarations& decls) {
  compiled out;
  std::vector<detail::token> tokens = detail::tokenize(source, out.errors);
  if (!out.errors.empty()) return out;  // parsing a broken token stream only adds noise
  detail::node_ptr root = detail::parse(tokens, out.errors);
  if (!root) return out;
  detail::checker check(decls, out.errors);
  check.check(*root);
  if (!out.errors.empty()) {
    std::stable_sort(out.errors.begin(), out.errors.end(), [](const auto& a, const auto& b) {
      return a.pos.line != b.pos.line ? a.pos.line < b.pos.line : a.pos.col < b.pos.col;
    });
    return out;
  }
  auto prog = std::make_shared<program>();
  prog->source_ = std::string(source);
  prog->lists_ = decls.lists;
  prog->slots_ = check.slots();
  prog->type_ = root->st;
  prog->root_ = std::move(root);
  out.prog = std::move(prog);
  return out;
}

void activation::bind(std::string name, value v) {
  for (auto& [n, existing] : vars_) {
    if (n == name) {
      existing = std::move(v);
      return;
    }
  }
  vars_.emplace_back(std::move(name), std::move(v));
}

const value* activation::find(std::string_view name) const {
  for (const auto& [n, v] : vars_) {
    if (n == name) return &v;
  }
  return nullptr;
}

std::string_view source_of(const program& p) { return p.source_; }

}  // namespace slawatch::expr
