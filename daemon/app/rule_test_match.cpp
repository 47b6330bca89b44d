// Matching a test's expectations: breaches (a maximum matching to distinct breaches) and
// metrics (sums over the series of the Prometheus text exposition).
#include <cmath>
#include <cstdlib>
#include <functional>
#include "rule_test.hpp"

namespace slawatch::app::detail {

namespace {

struct series {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

bool name_char(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
         (!first && c >= '0' && c <= '9');
}

void skip_spaces(std::string_view& s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
}

/// `"value"` with the exposition format's escapes (\\, \", \n). Consumes it from `s`.
std::optional<std::string> quoted(std::string_view& s) {
  if (s.empty() || s.front() != '"') return std::nullopt;
  std::string out;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '"') {
      s.remove_prefix(i + 1);
      return out;
    }
    if (s[i] == '\\' && i + 1 < s.size()) {
      ++i;
      out += s[i] == 'n' ? '\n' : s[i];
    } else {
      out += s[i];
    }
  }
  return std::nullopt;
}

/// `{a="x",b="y"}` (a trailing comma is allowed, as in the exposition format).
bool label_set(std::string_view& s, std::map<std::string, std::string>& out) {
  s.remove_prefix(1);   // '{'
  for (;;) {
    skip_spaces(s);
    if (!s.empty() && s.front() == '}') {
      s.remove_prefix(1);
      return true;
    }
    std::size_t n = 0;
    while (n < s.size() && name_char(s[n], n == 0)) ++n;
    if (n == 0) return false;
    std::string label(s.substr(0, n));
    s.remove_prefix(n);
    skip_spaces(s);
    if (s.empty() || s.front() != '=') return false;
    s.remove_prefix(1);
    skip_spaces(s);
    auto value = quoted(s);
    if (!value) return false;
    out[label] = *value;
    skip_spaces(s);
    if (!s.empty() && s.front() == ',') s.remove_prefix(1);
    else if (s.empty() || s.front() != '}') return false;
  }
}

/// One sample line: `name[{labels}] value [timestamp]`.
std::optional<series> parse_series(std::string_view s, bool allow_timestamp) {
  series out;
  skip_spaces(s);
  std::size_t n = 0;
  while (n < s.size() && name_char(s[n], n == 0)) ++n;
  if (n == 0) return std::nullopt;
  out.name = std::string(s.substr(0, n));
  s.remove_prefix(n);
  skip_spaces(s);
  if (!s.empty() && s.front() == '{' && !label_set(s, out.labels)) return std::nullopt;
  skip_spaces(s);
  const auto end = s.find_first_of(" \t");
  const std::string token(s.substr(0, end));
  if (token.empty()) return std::nullopt;
  char* stop = nullptr;
  out.value = std::strtod(token.c_str(), &stop);
  if (stop != token.c_str() + token.size()) return std::nullopt;
  s.remove_prefix(end == std::string_view::npos ? s.size() : end);
  skip_spaces(s);
  if (!s.empty() && !allow_timestamp) return std::nullopt;
  return out;
}

bool same_number(double a, double b) {
  return a == b || std::fabs(a - b) <= 1e-9 * std::max(1.0, std::max(std::fabs(a), std::fabs(b)));
}

std::string optional_instant(const std::optional<instant>& t, int offset) {
  return t ? timefmt::format_with_offset(*t, offset) : "null";
}

}  // namespace

result<expected_metric> parse_metric_expectation(std::string_view text) {
  auto s = parse_series(text, false);
  if (!s) return error{"invalid_test", "expected 'name{label=\"value\",...} value'", {}};
  return expected_metric{std::string(text), std::move(s->name), std::move(s->labels), s->value, {}};
}

double sum_metric(std::string_view exposition, const expected_metric& m) {
  double sum = 0;
  while (!exposition.empty()) {
    const auto nl = exposition.find('\n');
    const auto line = exposition.substr(0, nl);
    exposition.remove_prefix(nl == std::string_view::npos ? exposition.size() : nl + 1);
    if (line.empty() || line.front() == '#' || !line.starts_with(m.name)) continue;
    auto s = parse_series(line, true);
    if (!s || s->name != m.name) continue;
    const bool subset = std::all_of(m.labels.begin(), m.labels.end(), [&](const auto& kv) {
      auto it = s->labels.find(kv.first);
      return it != s->labels.end() && it->second == kv.second;
    });
    if (subset) sum += s->value;
  }
  return sum;
}

namespace {

bool field_matches(const model::breach& b, const field_check& c) {
  const auto& n = c.name;
  if (n == "labels") {
    return std::all_of(c.labels.begin(), c.labels.end(), [&](const auto& kv) {
      auto it = b.labels.find(kv.first);
      return it != b.labels.end() && it->second == kv.second;
    });
  }
  if (n == "due_at" || n == "completed_at") {
    const auto& v = n == "due_at" ? b.due_at : b.completed_at;
    return c.is_null ? !v : (v && *v == *c.at);
  }
  if (n == "occurred_at") return b.occurred_at == *c.at;
  if (n == "detected_at") return b.detected_at == *c.at;
  if (n == "delay_seconds") {
    return c.is_null ? !b.delay_seconds : (b.delay_seconds && same_number(*b.delay_seconds, *c.number));
  }
  if (n == "message_contains") return b.message.find(c.text) != std::string::npos;
  static const std::map<std::string, std::function<std::string(const model::breach&)>> text = {
      {"id", [](const model::breach& x) { return x.id; }},
      {"rule", [](const model::breach& x) { return x.rule; }},
      {"rule_version", [](const model::breach& x) { return x.rule_version; }},
      {"kind", [](const model::breach& x) { return x.kind; }},
      {"category", [](const model::breach& x) { return x.category; }},
      {"severity", [](const model::breach& x) { return x.severity; }},
      {"partner", [](const model::breach& x) { return x.partner; }},
      {"key", [](const model::breach& x) { return x.key; }},
      {"status", [](const model::breach& x) { return std::string(model::to_string(x.status)); }},
      {"message", [](const model::breach& x) { return x.message; }},
  };
  const auto it = text.find(n);
  return it != text.end() && it->second(b) == c.text;
}

/// Kuhn's augmenting path from expectation `i`.
bool augment(std::size_t i, const std::vector<std::vector<std::size_t>>& candidates,
             std::vector<std::optional<std::size_t>>& owner, std::vector<bool>& visited,
             std::vector<std::optional<std::size_t>>& assigned) {
  for (auto b : candidates[i]) {
    if (visited[b]) continue;
    visited[b] = true;
    if (!owner[b] || augment(*owner[b], candidates, owner, visited, assigned)) {
      owner[b] = i;
      assigned[i] = b;
      return true;
    }
  }
  return false;
}

}  // namespace

bool breach_matches(const model::breach& b, const expected_breach& e) {
  return std::all_of(e.fields.begin(), e.fields.end(),
                     [&](const field_check& c) { return field_matches(b, c); });
}

std::vector<std::optional<std::size_t>> assign_breaches(const std::vector<model::breach>& breaches,
                                                        const std::vector<expected_breach>& expected) {
  std::vector<std::vector<std::size_t>> candidates(expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    for (std::size_t b = 0; b < breaches.size(); ++b) {
      if (breach_matches(breaches[b], expected[i])) candidates[i].push_back(b);
    }
  }
  std::vector<std::optional<std::size_t>> assigned(expected.size());
  std::vector<std::optional<std::size_t>> owner(breaches.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    std::vector<bool> visited(breaches.size(), false);
    augment(i, candidates, owner, visited, assigned);
  }
  return assigned;
}

std::string describe(const expected_breach& e) {
  std::string out = "{";
  for (const auto& c : e.fields) out += (out.size() > 1 ? ", " : "") + c.name + ": " + c.text;
  return out + "}";
}

std::string describe(const model::breach& b) {
  std::string out = fmt::format("{{rule: {}, partner: {}, key: {}, kind: {}, status: {}, "
                                "category: {}, severity: {}",
                                b.rule, b.partner, b.key, b.kind, model::to_string(b.status),
                                b.category, b.severity);
  if (b.due_at || b.completed_at) {
    out += fmt::format(", due_at: {}, completed_at: {}", optional_instant(b.due_at, b.occurred_offset),
                       optional_instant(b.completed_at, b.occurred_offset));
  }
  if (b.delay_seconds) out += fmt::format(", delay_seconds: {}", *b.delay_seconds);
  return out + fmt::format(", message: {}}}", b.message);
}

}  // namespace slawatch::app::detail
