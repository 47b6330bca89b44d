// Content types and request bodies: JSON object, JSON array or NDJSON → raw items.
#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include "slawatch/ingest/batch.hpp"

namespace slawatch::ingest {
namespace detail {

std::string lower_trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

/// nlohmann's what() is "[json.exception.parse_error.101] parse error at line 1, column 5:
/// <detail>"; we render the position ourselves, so keep only the detail. Its "; last read:
/// '...'" tail quotes raw body text (possibly a value of a pseudonymised field, which must
/// not reach a log or a spool .error.json): dropped, line and column locate the error.
std::string parse_detail(const char* what) {
  std::string_view w(what);
  const auto at = w.find("parse error");
  const auto colon = w.find(": ", at == std::string_view::npos ? 0 : at);
  auto detail = colon == std::string_view::npos ? w : w.substr(colon + 2);
  const auto quoted = detail.find("; last read: ");
  return std::string(quoted == std::string_view::npos ? detail : detail.substr(0, quoted));
}

/// Line and column (1-based) of the byte nlohmann stopped at: `byte` counts the characters
/// read, so the offending character is the byte-th one.
/// (The end of input counts as one character, as in nlohmann's own message.)
std::pair<int, int> line_col(std::string_view text, std::size_t byte) {
  int line = 1;
  std::size_t line_start = 0;
  // a newline *at* the error position stays on its line
  for (std::size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  const auto col = byte > line_start ? byte - line_start : 1;
  return {line, static_cast<int>(col)};
}

error syntax_error(int line, int col, const std::string& detail) {
  return error{"malformed",
               fmt::format("body: invalid JSON at line {}, column {}: {}", line, col, detail),
               {"", line, col}};
}

error too_many(std::size_t n, std::size_t max) {
  return error{"too_large",
               fmt::format("body: {} events, more than the limit of {}", n, max), {}};
}

/// nlohmann parses iteratively but dumps recursively (and so do our walks of a document):
/// 30 000 nested brackets in a 60 KB body overflowed the stack (found by fuzz_ndjson). No
/// event comes near this (attributes allow 8 levels), the stack holds far more.
constexpr int max_body_depth = 512;

/// The byte where bracket nesting (outside strings) first exceeds max_body_depth, or npos.
std::size_t too_deep_at(std::string_view text) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_body_depth) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return std::string_view::npos;
}

/// Parses one JSON text; on failure reports its position relative to `first_line`.
result<nlohmann::json> parse_json(std::string_view text, int first_line) {
  if (const auto at = too_deep_at(text); at != std::string_view::npos) {
    auto [line, col] = line_col(text, at + 1);
    return syntax_error(first_line + line - 1, col,
                        fmt::format("nested deeper than {} levels", max_body_depth));
  }
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    auto [line, col] = line_col(text, e.byte);
    return syntax_error(first_line + line - 1, col, parse_detail(e.what()));
  } catch (const nlohmann::json::exception& e) {   // e.g. nesting too deep
    return syntax_error(first_line, 1, parse_detail(e.what()));
  }
}

result<std::vector<raw_item>> parse_json_body(std::string_view body, std::size_t max_events) {
  auto doc = parse_json(body, 1);
  if (!doc) return doc.err();
  std::vector<raw_item> items;
  if (doc->is_object()) {
    items.push_back({std::move(*doc), body.size(), 0});
    return items;
  }
  if (!doc->is_array()) {
    return error{"malformed", "body: expected a JSON object or array", {}};
  }
  if (doc->size() > max_events) return too_many(doc->size(), max_events);
  items.reserve(doc->size());
  std::size_t index = 0;
  for (auto& el : *doc) {
    // The exact bytes of one array element are not kept by the parser; its compact
    // re-encoding is the (never larger, modulo escapes) stand-in for the 64 KiB limit.
    const auto size = el.dump().size();
    items.push_back({std::move(el), size, index++});
  }
  return items;
}

struct ndjson_line {
  std::string_view text;
  std::size_t number = 0;   ///< 0-based physical line
};

std::vector<ndjson_line> split_lines(std::string_view body) {
  std::vector<ndjson_line> lines;
  std::size_t number = 0;
  while (!body.empty()) {
    const auto nl = body.find('\n');
    auto line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const bool blank = std::all_of(line.begin(), line.end(),
                                   [](char c) { return c == ' ' || c == '\t'; });
    if (!blank) lines.push_back({line, number});
    ++number;
  }
  return lines;
}

result<std::vector<raw_item>> parse_ndjson_body(std::string_view body, std::size_t max_events) {
  const auto lines = split_lines(body);
  if (lines.size() > max_events) return too_many(lines.size(), max_events);
  std::vector<raw_item> items;
  items.reserve(lines.size());
  for (const auto& l : lines) {
    auto doc = parse_json(l.text, static_cast<int>(l.number) + 1);
    if (!doc) return doc.err();
    items.push_back({std::move(*doc), l.text.size(), l.number});
  }
  return items;
}

}  // namespace detail

std::optional<body_format> format_of(std::string_view content_type) {
  const auto semi = content_type.find(';');
  const auto media = detail::lower_trimmed(content_type.substr(0, semi));
  if (media == "application/json") return body_format::json;
  if (media == "application/x-ndjson") return body_format::ndjson;
  return std::nullopt;
}

result<std::vector<raw_item>> parse_body(std::string_view body, body_format f,
                                         std::size_t max_events) {
  return f == body_format::json ? detail::parse_json_body(body, max_events)
                                : detail::parse_ndjson_body(body, max_events);
}

}  // namespace slawatch::ingest
