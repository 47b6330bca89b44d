// Typed access to YAML mappings with collected, positioned errors.
#include <fmt/format.h>
#include <algorithm>
#include <cctype>
#include "loader_detail.hpp"

namespace slawatch::rules::detail {

location loader::at(const parsed_file& f, const YAML::Mark& m) const {
  // yaml-cpp marks are 0-based; a null node has no mark (line -1).
  if (m.line < 0) return {f.src->name, 0, 0};
  return {f.src->name, m.line + 1, m.column + 1};
}

location loader::at_offset(const parsed_file& f, std::size_t offset) const {
  auto it = std::upper_bound(f.line_starts.begin(), f.line_starts.end(), offset);
  auto line = static_cast<int>(it - f.line_starts.begin());  // 1-based
  auto col = static_cast<int>(offset - f.line_starts[static_cast<std::size_t>(line - 1)]) + 1;
  return {f.src->name, line, col};
}

void loader::fail(const parsed_file& f, const YAML::Mark& m, std::string code, std::string msg) {
  errors.push_back(error{std::move(code), std::move(msg), at(f, m)});
}

void loader::fail_at(location where, std::string code, std::string msg) {
  errors.push_back(error{std::move(code), std::move(msg), std::move(where)});
}

void loader::warn(const parsed_file& f, const YAML::Mark& m, std::string msg) {
  warnings.push_back(error{"warning", std::move(msg), at(f, m)});
}

std::string render_location(const location& l) {
  return fmt::format("{}:{}:{}", l.file, l.line, l.col);
}

std::optional<field> find(const YAML::Node& map, std::string_view key) {
  if (!map.IsMap()) return std::nullopt;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return field{it->first, it->second};
  }
  return std::nullopt;
}

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string unknown_key_message(std::string_view key,
                                const std::vector<std::string_view>& allowed) {
  std::string_view best;
  std::size_t best_d = 3;  // suggest only close misspellings (distance <= 2)
  for (auto a : allowed) {
    auto d = edit_distance(key, a);
    if (d < best_d) best_d = d, best = a;
  }
  if (best.empty()) return fmt::format("unknown key '{}'", key);
  return fmt::format("unknown key '{}' (did you mean '{}'?)", key, best);
}

std::string_view label(std::string_view key, std::string_view name) {
  return name.empty() ? key : name;
}

}  // namespace

void check_keys(loader& ld, const parsed_file& f, const YAML::Node& map,
                const std::vector<std::string_view>& allowed,
                const std::vector<std::string_view>& other_kinds, std::string_view kind_name) {
  std::vector<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (!it->first.IsScalar()) {
      ld.fail(f, it->first.Mark(), "unknown_key", "keys must be plain names");
      continue;
    }
    const std::string& k = it->first.Scalar();
    auto has = [&](const auto& list) {
      return std::find(list.begin(), list.end(), k) != list.end();
    };
    if (std::find(seen.begin(), seen.end(), k) != seen.end()) {
      ld.fail(f, it->first.Mark(), "duplicate_key", fmt::format("duplicate key '{}'", k));
    } else if (has(allowed)) {
      seen.push_back(k);
    } else if (has(other_kinds)) {
      ld.fail(f, it->first.Mark(), "unknown_key",
              fmt::format("key '{}' does not apply to kind: {}", k, kind_name));
    } else {
      ld.fail(f, it->first.Mark(), "unknown_key", unknown_key_message(k, allowed));
    }
  }
}

bool expect_map(loader& ld, const parsed_file& f, const YAML::Node& node, std::string_view name) {
  if (node.IsMap()) return true;
  // "rules[]" names an entry of the list `rules`.
  auto msg = name.size() > 2 && name.substr(name.size() - 2) == "[]"
                 ? fmt::format("{}: each entry must be a mapping", name.substr(0, name.size() - 2))
                 : fmt::format("{}: expected a mapping", name);
  ld.fail(f, node.Mark(), "invalid_value", std::move(msg));
  return false;
}

std::optional<std::string> read_string(loader& ld, const parsed_file& f, const YAML::Node& map,
                                       std::string_view key, bool required, std::string_view name) {
  auto fl = find(map, key);
  if (!fl || fl->val.IsNull()) {
    if (required) {
      auto m = fl ? fl->key.Mark() : map.Mark();
      ld.fail(f, m, "required", fmt::format("{}: required", label(key, name)));
    }
    return std::nullopt;
  }
  if (!fl->val.IsScalar()) {
    ld.fail(f, fl->val.Mark(), "invalid_value",
            fmt::format("{}: expected a string", label(key, name)));
    return std::nullopt;
  }
  if (required && fl->val.Scalar().empty()) {
    ld.fail(f, fl->val.Mark(), "invalid_value",
            fmt::format("{}: must not be empty", label(key, name)));
    return std::nullopt;
  }
  return fl->val.Scalar();
}

std::optional<bool> read_bool(loader& ld, const parsed_file& f, const YAML::Node& map,
                              std::string_view key, std::string_view name) {
  auto fl = find(map, key);
  if (!fl) return std::nullopt;
  if (fl->val.IsScalar() && fl->val.Tag() == "?") {
    if (fl->val.Scalar() == "true") return true;
    if (fl->val.Scalar() == "false") return false;
  }
  ld.fail(f, fl->val.Mark(), "invalid_value",
          fmt::format("{}: expected true or false", label(key, name)));
  return std::nullopt;
}

std::optional<std::vector<std::string>> read_string_list(loader& ld, const parsed_file& f,
                                                         const YAML::Node& map,
                                                         std::string_view key,
                                                         std::string_view name) {
  auto fl = find(map, key);
  if (!fl || fl->val.IsNull()) return std::nullopt;
  auto bad = [&](const YAML::Node& n) {
    ld.fail(f, n.Mark(), "invalid_value",
            fmt::format("{}: expected a list of strings", label(key, name)));
    return std::nullopt;
  };
  if (!fl->val.IsSequence()) return bad(fl->val);
  std::vector<std::string> out;
  for (const auto& item : fl->val) {
    if (!item.IsScalar()) return bad(item);
    out.push_back(item.Scalar());
  }
  return out;
}

std::optional<std::map<std::string, std::string>> read_string_map(loader& ld, const parsed_file& f,
                                                                  const YAML::Node& map,
                                                                  std::string_view key,
                                                                  std::string_view name) {
  auto fl = find(map, key);
  if (!fl || fl->val.IsNull()) return std::nullopt;
  auto bad = [&](const YAML::Node& n) {
    ld.fail(f, n.Mark(), "invalid_value",
            fmt::format("{}: expected a mapping of strings to strings", label(key, name)));
    return std::nullopt;
  };
  if (!fl->val.IsMap()) return bad(fl->val);
  std::map<std::string, std::string> out;
  for (auto it = fl->val.begin(); it != fl->val.end(); ++it) {
    if (!it->first.IsScalar()) return bad(it->first);
    if (!it->second.IsScalar()) return bad(it->second);
    if (!out.emplace(it->first.Scalar(), it->second.Scalar()).second) {
      ld.fail(f, it->first.Mark(), "duplicate_key",
              fmt::format("duplicate key '{}'", it->first.Scalar()));
    }
  }
  return out;
}

nlohmann::json to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: {
      auto arr = nlohmann::json::array();
      for (const auto& n : node) arr.push_back(to_json(n));
      return arr;
    }
    case YAML::NodeType::Map: {
      auto obj = nlohmann::json::object();
      for (auto it = node.begin(); it != node.end(); ++it) {
        obj[it->first.as<std::string>("")] = to_json(it->second);
      }
      return obj;
    }
    case YAML::NodeType::Scalar:
      break;
    default:
      return nullptr;
  }
  const std::string& s = node.Scalar();
  if (node.Tag() != "?") return s;  // quoted: always a string
  if (s == "true") return true;
  if (s == "false") return false;
  if (s == "null" || s == "~") return nullptr;
  auto j = nlohmann::json::parse(s, nullptr, false);
  if (!j.is_discarded() && j.is_number()) return j;
  return s;
}

bool is_id(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

bool is_identifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool is_timezone(std::string_view s) {
  if (s == "UTC" || s == "GMT") return true;
  if (s.empty() || !std::isupper(static_cast<unsigned char>(s[0]))) return false;
  if (s.find('/') == std::string_view::npos || s.back() == '/') return false;
  if (s.find("//") != std::string_view::npos) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '+' ||
           c == '/';
  });
}

std::optional<int> parse_hhmm(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  for (std::size_t i : {0u, 1u, 3u, 4u}) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
  }
  int h = (s[0] - '0') * 10 + (s[1] - '0');
  int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 23 || m > 59) return std::nullopt;
  return h * 60 + m;
}

}  // namespace slawatch::rules::detail
