#include "lexer.hpp"

#include <cerrno>
#include <cstdlib>
#include <fmt/format.h>

namespace slawatch::expr::detail {

std::string token::shown() const {
  if (kind == tok::end) return "end of expression";
  return fmt::format("'{}'", text);
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c); }

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

/// Scanner state: byte offset plus the line/column of that offset.
class scanner {
 public:
  scanner(std::string_view src, std::vector<compile_error>& errors) : src_(src), errors_(errors) {}

  std::vector<token> run() {
    std::vector<token> out;
    for (;;) {
      skip_space();
      token t;
      t.pos = pos_;
      if (at_end()) {
        out.push_back(std::move(t));
        return out;
      }
      if (scan_one(t)) out.push_back(std::move(t));
    }
  }

 private:
  [[nodiscard]] bool at_end() const { return i_ >= src_.size(); }
  [[nodiscard]] char peek(std::size_t ahead = 0) const {
    return i_ + ahead < src_.size() ? src_[i_ + ahead] : '\0';
  }
  char advance() {
    char c = src_[i_++];
    if (c == '\n') {
      ++pos_.line;
      pos_.col = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++pos_.col;  // columns count characters, not UTF-8 continuation bytes
    }
    return c;
  }
  void error(position p, std::string msg) { errors_.push_back({p, std::move(msg)}); }

  void skip_space() {
    while (!at_end()) {
      char c = peek();
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        advance();
      } else if (c == '/' && peek(1) == '/') {  // CEL line comment
        while (!at_end() && peek() != '\n') advance();
      } else {
        return;
      }
    }
  }

  bool scan_one(token& t) {
    std::size_t start = i_;
    char c = peek();
    if (is_digit(c) || (c == '.' && is_digit(peek(1)))) return scan_number(t, start);
    if (c == '\'' || c == '"') return scan_string(t);
    if (is_ident_start(c)) {
      while (!at_end() && is_ident_char(peek())) advance();
      t.text = std::string(src_.substr(start, i_ - start));
      if (t.text == "null") t.kind = tok::kw_null;
      else if (t.text == "true") t.kind = tok::kw_true;
      else if (t.text == "false") t.kind = tok::kw_false;
      else if (t.text == "in") t.kind = tok::punct;
      else t.kind = tok::ident;
      return true;
    }
    return scan_punct(t);
  }

  bool scan_punct(token& t) {
    static constexpr std::string_view two[] = {"<=", ">=", "==", "!=", "&&", "||"};
    for (auto p : two) {
      if (src_.substr(i_, 2) == p) {
        advance();
        advance();
        t.kind = tok::punct;
        t.text = std::string(p);
        return true;
      }
    }
    std::size_t start = i_;
    char c = advance();
    if (std::string_view("()[]{}.,?:+-*/%!<>").find(c) != std::string_view::npos) {
      t.kind = tok::punct;
      t.text = std::string(1, c);
      return true;
    }
    if (c == '=') {
      error(t.pos, "unexpected character '=' (use '==' to compare)");
    } else if ((static_cast<unsigned char>(c) & 0x80) != 0) {
      while (!at_end() && (static_cast<unsigned char>(peek()) & 0xC0) == 0x80) advance();
      error(t.pos, fmt::format("unexpected character '{}'", src_.substr(start, i_ - start)));
    } else {
      error(t.pos, fmt::format("unexpected character '{}'", c));
    }
    return false;
  }

  bool scan_number(token& t, std::size_t start) {
    bool is_double = false;
    if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X')) {
      advance();
      advance();
      while (is_hex(peek())) advance();
    } else {
      while (is_digit(peek())) advance();
      if (peek() == '.' && is_digit(peek(1))) {
        is_double = true;
        advance();
        while (is_digit(peek())) advance();
      }
      if ((peek() == 'e' || peek() == 'E') &&
          (is_digit(peek(1)) || ((peek(1) == '+' || peek(1) == '-') && is_digit(peek(2))))) {
        is_double = true;
        advance();
        if (peek() == '+' || peek() == '-') advance();
        while (is_digit(peek())) advance();
      }
    }
    t.text = std::string(src_.substr(start, i_ - start));
    if (is_ident_char(peek())) {  // 12abc, 0x, 1u: not a number CEL subset accepts
      while (is_ident_char(peek())) advance();
      error(t.pos, fmt::format("invalid number literal '{}'", src_.substr(start, i_ - start)));
      return false;
    }
    if (is_double) {
      t.kind = tok::double_lit;
      t.dval = std::strtod(t.text.c_str(), nullptr);
      return true;
    }
    t.kind = tok::int_lit;
    bool hex = t.text.size() > 1 && (t.text[1] == 'x' || t.text[1] == 'X');
    if (hex && t.text.size() == 2) {
      error(t.pos, fmt::format("invalid number literal '{}'", t.text));
      return false;
    }
    errno = 0;
    t.uval = std::strtoull(t.text.c_str() + (hex ? 2 : 0), nullptr, hex ? 16 : 10);
    if (errno == ERANGE || t.uval > (std::uint64_t{1} << 63)) {
      error(t.pos, fmt::format("integer literal out of range: {}", t.text));
      return false;
    }
    return true;
  }

  bool scan_string(token& t) {
    std::size_t start = i_;
    char quote = advance();
    bool ok = true;
    for (;;) {
      if (at_end() || peek() == '\n') {
        error(t.pos, "unterminated string literal");
        while (!at_end()) advance();  // the rest would be read inside-out: stop here
        return false;
      }
      char c = advance();
      if (c == quote) break;
      if (c != '\\') {
        t.str += c;
        continue;
      }
      ok = scan_escape(t.str) && ok;
    }
    t.kind = tok::string_lit;
    t.text = std::string(src_.substr(start, i_ - start));
    return ok;
  }

  bool scan_escape(std::string& out) {
    position p{pos_.line, pos_.col - 1};
    if (at_end()) return true;  // reported as unterminated by the caller
    char e = advance();
    switch (e) {
      case '\\': out += '\\'; return true;
      case '\'': out += '\''; return true;
      case '"': out += '"'; return true;
      case '`': out += '`'; return true;
      case '?': out += '?'; return true;
      case 'n': out += '\n'; return true;
      case 't': out += '\t'; return true;
      case 'r': out += '\r'; return true;
      case 'a': out += '\a'; return true;
      case 'b': out += '\b'; return true;
      case 'f': out += '\f'; return true;
      case 'v': out += '\v'; return true;
      case 'u': return scan_unicode(out, p);
      default: break;
    }
    error(p, fmt::format("invalid escape sequence '\\{}'", e));
    return false;
  }

  bool scan_unicode(std::string& out, position p) {
    std::uint32_t cp = 0;
    for (int k = 0; k < 4; ++k) {
      char h = peek();
      if (!is_hex(h)) {
        error(p, "invalid unicode escape: \\u needs 4 hex digits");
        return false;
      }
      advance();
      cp = cp * 16 + static_cast<std::uint32_t>(is_digit(h) ? h - '0' : (h | 0x20) - 'a' + 10);
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) {
      error(p, "invalid unicode escape: surrogate code point");
      return false;
    }
    append_utf8(out, cp);
    return true;
  }

  std::string_view src_;
  std::vector<compile_error>& errors_;
  std::size_t i_ = 0;
  position pos_;
};

}  // namespace

std::vector<token> tokenize(std::string_view source, std::vector<compile_error>& errors) {
  return scanner(source, errors).run();
}

}  // namespace slawatch::expr::detail
