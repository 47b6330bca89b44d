// Strict YAML node readers shared by every configuration section.
#include "reader.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace slawatch::config::detail {
namespace {

/// Edit distance, to suggest the key a typo probably meant ("listn" → "listen").
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string unknown_key_message(std::string_view key, const std::string& path,
                                std::initializer_list<std::string_view> allowed) {
  std::string msg = path.empty() ? fmt::format("unknown key '{}' at top level", key)
                                 : fmt::format("unknown key '{}' in {}", key, path);
  for (const auto candidate : allowed) {
    if (distance(key, candidate) <= 2) return msg + fmt::format(" (did you mean '{}'?)", candidate);
  }
  return msg;
}

/// The key node of `key` in mapping `parent`: where to point when its value is missing.
YAML::Node key_node(const YAML::Node& parent, std::string_view key) {
  for (const auto& kv : parent) {
    if (kv.first.Scalar() == key) return kv.first;
  }
  return YAML::Node{};
}

}  // namespace

std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Scalar:
      return fmt::format("'{}'", n.Scalar());
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "nothing";
  }
}

std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

std::optional<std::uint64_t> parse_count(std::string_view text, bool allow_size_suffix) {
  std::uint64_t multiplier = 1;
  if (allow_size_suffix && text.size() > 3) {
    const auto suffix = text.substr(text.size() - 3);
    if (suffix == "KiB") multiplier = 1ULL << 10;
    if (suffix == "MiB") multiplier = 1ULL << 20;
    if (suffix == "GiB") multiplier = 1ULL << 30;
    if (multiplier != 1) text.remove_suffix(3);
  }
  if (text.empty()) return std::nullopt;
  std::uint64_t v = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    if (__builtin_mul_overflow(v, 10U, &v) ||
        __builtin_add_overflow(v, static_cast<unsigned>(c - '0'), &v))
      return std::nullopt;
  }
  if (__builtin_mul_overflow(v, multiplier, &v)) return std::nullopt;
  return v;
}

void reader::fail_at(const YAML::Mark& mark, std::string code, std::string message) {
  location where{file_, 0, 0};
  if (!mark.is_null()) where = {file_, mark.line + 1, mark.column + 1};
  errors_.push_back(error{std::move(code), std::move(message), std::move(where)});
}

void reader::fail(const YAML::Node& at, std::string code, std::string message) {
  // An absent node (zombie) has no mark and throws when asked for one.
  fail_at(at.IsDefined() ? at.Mark() : YAML::Mark::null_mark(), std::move(code),
          std::move(message));
}

bool reader::mapping(const YAML::Node& n, const std::string& path,
                     std::initializer_list<std::string_view> allowed) {
  if (!n.IsDefined() || n.IsNull()) return false;
  if (!n.IsMap()) {
    fail(n, "invalid_value",
         fmt::format("{}: expected a mapping, got {}", path.empty() ? "configuration" : path,
                     describe(n)));
    return false;
  }
  std::set<std::string> seen;
  for (const auto& kv : n) {
    const std::string key = kv.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      fail(kv.first, "unknown_key", unknown_key_message(key, path, allowed));
    } else if (!seen.insert(key).second) {
      // yaml-cpp keeps the first of two equal keys; silently dropping one hides a mistake.
      fail(kv.first, "duplicate_key", fmt::format("{}: duplicate key", join(path, key)));
    }
  }
  return true;
}

bool reader::sequence(const YAML::Node& n, const std::string& path, std::string_view expected) {
  if (!n.IsDefined() || n.IsNull()) return false;
  if (n.IsSequence()) return true;
  fail(n, "invalid_value", fmt::format("{}: expected {}, got {}", path, expected, describe(n)));
  return false;
}

std::optional<std::string> reader::scalar(const YAML::Node& n, const std::string& path,
                                          std::string_view expected) {
  if (n.IsScalar()) return n.Scalar();
  fail(n, "invalid_value", fmt::format("{}: expected {}, got {}", path, expected, describe(n)));
  return std::nullopt;
}

std::optional<std::string> reader::member(const YAML::Node& parent, const char* key,
                                          const std::string& name, std::string_view expected) {
  const YAML::Node n = parent[key];
  if (!n.IsNull()) return scalar(n, name, expected);
  // A null value's mark points past the key, often at the next line: point at the key.
  fail(key_node(parent, key), "invalid_value",
       fmt::format("{}: expected {}, got nothing", name, expected));
  return std::nullopt;
}

void reader::string(const YAML::Node& parent, const char* key, const std::string& path,
                    std::string& out, bool non_empty) {
  const YAML::Node n = parent[key];
  if (!n.IsDefined()) return;
  const auto name = join(path, key);
  const auto text = member(parent, key, name, "a string");
  if (!text) return;
  if (non_empty && text->empty()) {
    fail(n, "invalid_value", fmt::format("{}: expected a non-empty string", name));
    return;
  }
  out = *text;
}

void reader::positive(const YAML::Node& parent, const char* key, const std::string& path,
                      std::uint64_t& out, bool allow_size_suffix) {
  const YAML::Node n = parent[key];
  if (!n.IsDefined()) return;
  const auto name = join(path, key);
  const std::string_view expected = allow_size_suffix
                                        ? "a positive number of bytes like 16777216 or 16MiB"
                                        : "a positive integer";
  const auto text = member(parent, key, name, expected);
  if (!text) return;
  const auto v = parse_count(*text, allow_size_suffix);
  if (!v || *v == 0) {
    fail(n, "invalid_value", fmt::format("{}: expected {}, got '{}'", name, expected, *text));
    return;
  }
  out = *v;
}

void reader::boolean(const YAML::Node& parent, const char* key, const std::string& path,
                     bool& out) {
  const YAML::Node n = parent[key];
  if (!n.IsDefined()) return;
  const auto name = join(path, key);
  const auto text = member(parent, key, name, "true or false");
  if (!text) return;
  if (*text == "true")
    out = true;
  else if (*text == "false")
    out = false;
  else
    fail(n, "invalid_value", fmt::format("{}: expected true or false, got '{}'", name, *text));
}

void reader::duration(const YAML::Node& parent, const char* key, const std::string& path,
                      std::string_view example, bool allow_zero, slawatch::duration& out) {
  const YAML::Node n = parent[key];
  if (!n.IsDefined()) return;
  const auto name = join(path, key);
  const auto expected = fmt::format("a duration like {}", example);
  const auto text = member(parent, key, name, expected);
  if (!text) return;
  const auto d = timefmt::parse_duration(*text);
  if (!d || d->count() < 0 || (!allow_zero && d->count() == 0)) {
    fail(n, "invalid_value", fmt::format("{}: expected {}, got '{}'", name, expected, *text));
    return;
  }
  out = *d;
}

void reader::string_list(const YAML::Node& parent, const char* key, const std::string& path,
                         std::vector<std::string>& out) {
  const YAML::Node n = parent[key];
  const auto name = join(path, key);
  if (!sequence(n, name, "a list of strings")) {
    if (n.IsDefined() && n.IsNull()) out.clear();  // `key:` with nothing: an empty list
    return;
  }
  std::vector<std::string> items;
  std::size_t i = 0;
  for (const auto& item : n) {
    const auto item_name = fmt::format("{}[{}]", name, i++);
    if (const auto text = scalar(item, item_name, "a string")) {
      if (text->empty())
        fail(item, "invalid_value", item_name + ": expected a non-empty string");
      else
        items.push_back(*text);
    }
  }
  out = std::move(items);
}

}  // namespace slawatch::config::detail
