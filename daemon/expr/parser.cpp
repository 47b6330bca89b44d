#include "parser.hpp"

#include <algorithm>
#include <limits>
#include <fmt/format.h>

namespace slawatch::expr::detail {
namespace {

/// Thrown and caught inside parse(): the first syntax error ends parsing.
struct syntax_error {
  compile_error err;
};

node_ptr make(node_kind k, position p) {
  auto n = std::make_unique<node>();
  n->kind = k;
  n->pos = p;
  return n;
}

class parser {
 public:
  explicit parser(const std::vector<token>& toks) : toks_(toks) {}

  node_ptr parse_all() {
    if (cur().kind == tok::end) fail(cur().pos, "empty expression");
    node_ptr n = parse_expr();
    if (cur().kind != tok::end) {
      fail(cur().pos, fmt::format("expected end of expression, found {}", cur().shown()));
    }
    return n;
  }

 private:
  const token& cur() const { return toks_[i_]; }
  const token& next() const { return toks_[i_ + 1 < toks_.size() ? i_ + 1 : i_]; }
  const token& take() { return toks_[i_ < toks_.size() - 1 ? i_++ : i_]; }
  [[noreturn]] static void fail(position p, std::string msg) {
    throw syntax_error{{p, std::move(msg)}};
  }
  void expect(std::string_view punct) {
    if (!cur().is(punct)) {
      fail(cur().pos, fmt::format("expected '{}', found {}", punct, cur().shown()));
    }
    take();
  }

  /// Guards recursion depth so hostile input cannot overflow the stack.
  struct depth_guard {
    explicit depth_guard(parser& p) : p_(p) {
      if (++p_.depth_ > max_depth) fail(p_.cur().pos, "expression nested too deeply");
    }
    ~depth_guard() { --p_.depth_; }
    depth_guard(const depth_guard&) = delete;
    depth_guard& operator=(const depth_guard&) = delete;
    parser& p_;
  };

  node_ptr parse_expr() {
    depth_guard g(*this);
    node_ptr c = parse_or();
    if (!cur().is("?")) return c;
    auto n = make(node_kind::conditional, take().pos);
    n->args.push_back(std::move(c));
    n->args.push_back(parse_or());
    expect(":");
    n->args.push_back(parse_expr());  // right associative
    return seal(std::move(n));
  }

  node_ptr binary(node_kind k, op o, position p, node_ptr l, node_ptr r) {
    auto n = make(k, p);
    n->oper = o;
    n->args.push_back(std::move(l));
    n->args.push_back(std::move(r));
    return seal(std::move(n));
  }

  /// Records the tree height; left-associative chains grow it without parser recursion,
  /// and checker and evaluator recurse on it.
  node_ptr seal(node_ptr n) {
    int h = 0;
    for (const auto& a : n->args) h = std::max(h, a->height);
    n->height = h + 1;
    if (n->height > max_depth) fail(n->pos, "expression nested too deeply");
    return n;
  }

  node_ptr parse_or() {
    node_ptr l = parse_and();
    while (cur().is("||")) {
      position p = take().pos;
      l = binary(node_kind::logical_or, op::add, p, std::move(l), parse_and());
    }
    return l;
  }

  node_ptr parse_and() {
    node_ptr l = parse_relation();
    while (cur().is("&&")) {
      position p = take().pos;
      l = binary(node_kind::logical_and, op::add, p, std::move(l), parse_relation());
    }
    return l;
  }

  static std::optional<op> relop(const token& t) {
    if (t.kind != tok::punct) return std::nullopt;
    if (t.text == "<") return op::lt;
    if (t.text == "<=") return op::le;
    if (t.text == ">") return op::gt;
    if (t.text == ">=") return op::ge;
    if (t.text == "==") return op::eq;
    if (t.text == "!=") return op::ne;
    if (t.text == "in") return op::in;
    return std::nullopt;
  }

  node_ptr parse_relation() {
    node_ptr l = parse_additive();
    while (auto o = relop(cur())) {
      position p = take().pos;
      l = binary(node_kind::binary, *o, p, std::move(l), parse_additive());
    }
    return l;
  }

  node_ptr parse_additive() {
    node_ptr l = parse_multiplicative();
    while (cur().is("+") || cur().is("-")) {
      op o = cur().is("+") ? op::add : op::sub;
      position p = take().pos;
      l = binary(node_kind::binary, o, p, std::move(l), parse_multiplicative());
    }
    return l;
  }

  node_ptr parse_multiplicative() {
    node_ptr l = parse_unary();
    while (cur().is("*") || cur().is("/") || cur().is("%")) {
      op o = cur().is("*") ? op::mul : cur().is("/") ? op::div : op::mod;
      position p = take().pos;
      l = binary(node_kind::binary, o, p, std::move(l), parse_unary());
    }
    return l;
  }

  node_ptr parse_unary() {
    depth_guard g(*this);
    if (cur().is("-") && next().kind == tok::int_lit && next().uval == (std::uint64_t{1} << 63)) {
      // The one int literal only expressible negated: -9223372036854775808.
      auto n = make(node_kind::literal, take().pos);
      take();
      n->lit = value(std::numeric_limits<std::int64_t>::min());
      return parse_postfix(std::move(n));
    }
    if (cur().is("!") || cur().is("-")) {
      op o = cur().is("!") ? op::not_ : op::neg;
      auto n = make(node_kind::unary, take().pos);
      n->oper = o;
      n->args.push_back(parse_unary());
      return seal(std::move(n));
    }
    return parse_postfix(parse_primary());
  }

  node_ptr parse_postfix(node_ptr n) {
    for (;;) {
      if (cur().is(".")) {
        take();
        if (cur().kind != tok::ident) {
          fail(cur().pos, fmt::format("expected a field or method name after '.', found {}",
                                      cur().shown()));
        }
        const token& id = take();
        bool is_call = cur().is("(");
        auto s = make(is_call ? node_kind::call : node_kind::select, id.pos);
        s->name = id.text;
        s->receiver = is_call;
        s->args.push_back(std::move(n));
        if (is_call) parse_args(*s, ")");
        n = seal(std::move(s));
      } else if (cur().is("[")) {
        auto ix = make(node_kind::index, take().pos);
        ix->args.push_back(std::move(n));
        ix->args.push_back(parse_expr());
        expect("]");
        n = seal(std::move(ix));
      } else {
        return n;
      }
    }
  }

  /// After the opening bracket: `a, b, c` then `close`; a trailing comma is allowed.
  void parse_args(node& n, std::string_view close) {
    take();  // the opening ( or [
    while (!cur().is(close)) {
      n.args.push_back(parse_expr());
      if (!cur().is(",")) break;
      take();
    }
    expect(close);
  }

  node_ptr parse_primary() {
    const token& t = cur();
    switch (t.kind) {
      case tok::int_lit: return literal(value(static_cast<std::int64_t>(checked_int(t))));
      case tok::double_lit: return literal(value(t.dval));
      case tok::kw_null: return literal(value());
      case tok::kw_true: return literal(value(true));
      case tok::kw_false: return literal(value(false));
      case tok::string_lit: {
        auto n = make(node_kind::literal, t.pos);
        n->lit_json = t.str;
        n->lit_is_json = true;
        take();
        return n;
      }
      case tok::ident: {
        const token& id = take();
        bool is_call = cur().is("(");
        auto n = make(is_call ? node_kind::call : node_kind::ident, id.pos);
        n->name = id.text;
        if (is_call) parse_args(*n, ")");
        return seal(std::move(n));
      }
      case tok::end: fail(t.pos, "unexpected end of expression");
      case tok::punct: break;
    }
    if (t.is("(")) {
      take();
      node_ptr n = parse_expr();
      expect(")");
      return n;
    }
    if (t.is("[")) {
      auto n = make(node_kind::list, t.pos);
      parse_args(*n, "]");
      return seal(std::move(n));
    }
    fail(t.pos, fmt::format("unexpected {}", t.shown()));
  }

  std::uint64_t checked_int(const token& t) {
    if (t.uval > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      fail(t.pos, fmt::format("integer literal out of range: {}", t.text));
    }
    return t.uval;
  }

  node_ptr literal(value v) {
    auto n = make(node_kind::literal, take().pos);
    n->lit = std::move(v);
    return n;
  }

  const std::vector<token>& toks_;
  std::size_t i_ = 0;
  int depth_ = 0;
};

}  // namespace

node_ptr parse(const std::vector<token>& tokens, std::vector<compile_error>& errors) {
  try {
    return parser(tokens).parse_all();
  } catch (const syntax_error& e) {
    errors.push_back(e.err);
    return nullptr;
  }
}

}  // namespace slawatch::expr::detail
