#include "slawatch/http/message.hpp"

#include <cctype>

namespace slawatch::http {

std::optional<std::string> response::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < k.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(k[i])) ==
             std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (same) return v;
  }
  return std::nullopt;
}

response json_response(unsigned status, const nlohmann::json& j) {
  response r;
  r.status = status;
  // Replace invalid UTF-8 instead of throwing: a response must always be produced.
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

response error_response(unsigned status, std::string_view message) {
  return json_response(status, nlohmann::json{{"error", message}});
}

namespace detail {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Percent-decodes `in`; '+' becomes a space only in query components.
std::optional<std::string> decode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      int hi = hex_digit(in[i + 1]), lo = hex_digit(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace detail

result<target> parse_target(std::string_view raw) {
  target t;
  auto q = raw.find('?');
  auto path = detail::decode(raw.substr(0, q), false);
  if (!path) return error{"bad_request", "path: invalid percent-encoding"};
  t.path = std::move(*path);
  if (q == std::string_view::npos) return t;
  std::string_view rest = raw.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view part = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    auto name = detail::decode(part.substr(0, eq), true);
    auto value = detail::decode(eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1), true);
    if (!name || !value) return error{"bad_request", "query: invalid percent-encoding"};
    t.query.emplace_back(std::move(*name), std::move(*value));
  }
  return t;
}

}  // namespace slawatch::http
