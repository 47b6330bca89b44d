// Reading a rule test file (contract 5.4): strict keys, typed values, file:line:col errors.
#include <yaml-cpp/yaml.h>
#include <algorithm>
#include "rule_test.hpp"
#include "slawatch/model/event.hpp"

namespace slawatch::app::detail {

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
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

/// YAML → JSON as the rule loader does it: plain scalars that look like bool, null or a
/// number become one; quoted scalars stay strings.
nlohmann::json to_json(const YAML::Node& node) {
  if (node.IsSequence()) {
    auto arr = nlohmann::json::array();
    for (const auto& n : node) arr.push_back(to_json(n));
    return arr;
  }
  if (node.IsMap()) {
    auto obj = nlohmann::json::object();
    for (auto it = node.begin(); it != node.end(); ++it) obj[it->first.Scalar()] = to_json(it->second);
    return obj;
  }
  if (!node.IsScalar()) return nullptr;
  const std::string& s = node.Scalar();
  if (node.Tag() != "?") return s;
  if (s == "true") return true;
  if (s == "false") return false;
  if (s == "null" || s == "~") return nullptr;
  auto j = nlohmann::json::parse(s, nullptr, false);
  if (!j.is_discarded() && j.is_number()) return j;
  return s;
}

bool is_null(const YAML::Node& n) {
  return n.IsNull() || (n.IsScalar() && n.Tag() == "?" && (n.Scalar() == "null" || n.Scalar() == "~"));
}

struct reader {
  std::string file;
  std::vector<error> errors;

  location at(const YAML::Node& n) const {
    const auto m = n.Mark();
    return {file, m.line + 1, m.column + 1};
  }
  void fail(const YAML::Node& n, std::string message) {
    errors.push_back(error{"invalid_test", std::move(message), at(n)});
  }
  /// Reports unknown and repeated keys of `map` (a mapping), each at its own position.
  void check_keys(const YAML::Node& map, std::string_view path,
                  const std::vector<std::string_view>& allowed) {
    std::vector<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string key = it->first.Scalar();
      const auto prefix = path.empty() ? std::string() : std::string(path) + ": ";
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
        fail(it->first, prefix + "duplicate key '" + key + "'");
      } else if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string_view best;
        std::size_t best_d = 3;
        for (auto a : allowed) {
          if (auto d = edit_distance(key, a); d < best_d) best_d = d, best = a;
        }
        fail(it->first, prefix + "unknown key '" + key + "'" +
                            (best.empty() ? "" : " (did you mean '" + std::string(best) + "'?)"));
      }
      seen.push_back(key);
    }
  }
  bool expect_map(const YAML::Node& n, std::string_view path) {
    if (n.IsMap()) return true;
    fail(n, std::string(path) + ": expected a mapping");
    return false;
  }
  bool expect_list(const YAML::Node& n, std::string_view path) {
    if (n.IsSequence()) return true;
    fail(n, std::string(path) + ": expected a list");
    return false;
  }
  std::optional<std::string> string(const YAML::Node& n, std::string_view path) {
    if (n.IsScalar() && !is_null(n)) return n.Scalar();
    fail(n, std::string(path) + ": expected a string");
    return std::nullopt;
  }
  std::optional<instant> timestamp(const YAML::Node& n, std::string_view path) {
    auto s = string(n, path);
    if (!s) return std::nullopt;
    auto t = timefmt::parse_rfc3339(*s);
    if (!t) fail(n, std::string(path) + ": not an RFC 3339 timestamp");
    return t;
  }
  std::vector<std::string> strings(const YAML::Node& n, std::string_view path) {
    std::vector<std::string> out;
    if (!expect_list(n, path)) return out;
    for (const auto& item : n) {
      if (auto s = string(item, std::string(path) + "[]")) out.push_back(*s);
    }
    return out;
  }
};

std::string indexed(std::string_view path, std::size_t i) {
  return fmt::format("{}[{}]", path, i);
}

/// Missing transport members take the test default (a block may list only what it tests).
void merge_transport(reader& rd, const YAML::Node& event_node, nlohmann::json& doc,
                     const std::string& path) {
  model::transport t;
  t.source = "test";
  const auto defaults = t.to_json();
  auto it = doc.find("transport");
  if (it == doc.end() || !it->is_object()) return;   // absent: default; not an object: validation says so
  const auto node = event_node["transport"];
  rd.check_keys(node, path + ".transport",
                {"source", "tls", "tls_version", "client_cert", "authenticated_as", "signature"});
  for (const auto& [k, v] : defaults.items()) {
    if (!it->contains(k)) (*it)[k] = v;
  }
}

void read_event(reader& rd, const YAML::Node& n, const std::string& path, test_case& tc) {
  if (!rd.expect_map(n, path)) return;
  rd.check_keys(n, path, {"at", "event"});
  std::optional<instant> at;
  if (n["at"]) at = rd.timestamp(n["at"], path + ".at");
  const auto ev_node = n["event"];
  if (!ev_node) return rd.fail(n, path + ": event: required");
  if (!rd.expect_map(ev_node, path + ".event")) return;
  auto doc = to_json(ev_node);
  if (at && !doc.contains("received_at")) doc["received_at"] = timefmt::format_utc_ms(*at);
  merge_transport(rd, ev_node, doc, path + ".event");
  model::transport t;
  t.source = "test";
  const auto size = doc.dump().size();
  auto ev = model::validate_stored(doc, size, t);
  if (!ev) return rd.fail(ev_node, path + ".event: " + ev.err().message);
  tc.events.push_back({std::move(ev.value()), at, rd.at(ev_node)});
}

const std::vector<std::string_view> breach_fields = {
    "id",       "rule",          "rule_version", "kind",        "category",    "severity",
    "partner",  "key",           "status",       "message",     "message_contains",
    "occurred_at", "detected_at", "due_at",      "completed_at", "delay_seconds", "labels"};

/// One listed field of an expected breach, typed by its name.
std::optional<field_check> read_field(reader& rd, const std::string& key, const YAML::Node& v,
                                      const std::string& path) {
  field_check c;
  c.name = key;
  const bool nullable = key == "due_at" || key == "completed_at" || key == "delay_seconds";
  if (nullable && is_null(v)) {
    c.is_null = true;
    c.text = "null";
    return c;
  }
  if (key == "labels") {
    if (!rd.expect_map(v, path)) return std::nullopt;
    for (auto it = v.begin(); it != v.end(); ++it) {
      auto val = rd.string(it->second, path + "." + it->first.Scalar());
      if (val) c.labels[it->first.Scalar()] = *val;
    }
    for (const auto& [k, val] : c.labels) c.text += (c.text.empty() ? "{" : ", ") + k + ": " + val;
    c.text += c.text.empty() ? "{}" : "}";
    return c;
  }
  auto text = rd.string(v, path);
  if (!text) return std::nullopt;
  c.text = *text;
  if (key.ends_with("_at")) {
    c.at = timefmt::parse_rfc3339(*text);
    if (!c.at) return rd.fail(v, path + ": not an RFC 3339 timestamp"), std::nullopt;
  } else if (key == "delay_seconds") {
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_number()) return rd.fail(v, path + ": expected a number"), std::nullopt;
    c.number = j.get<double>();
  } else if (key == "status" && c.text != "open" && c.text != "closed" && c.text != "waived") {
    return rd.fail(v, path + ": expected open, closed or waived"), std::nullopt;
  }
  return c;
}

void read_breach(reader& rd, const YAML::Node& n, const std::string& path, test_case& tc) {
  if (!rd.expect_map(n, path)) return;
  rd.check_keys(n, path, breach_fields);
  expected_breach e;
  e.where = rd.at(n);
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string key = it->first.Scalar();
    if (std::find(breach_fields.begin(), breach_fields.end(), key) == breach_fields.end()) continue;
    if (auto c = read_field(rd, key, it->second, path + "." + key)) e.fields.push_back(std::move(*c));
  }
  tc.expect_breaches.push_back(std::move(e));
}

void read_expectations(reader& rd, const YAML::Node& n, const std::string& path, test_case& tc) {
  if (const auto eb = n["expect_breaches"]; eb && rd.expect_list(eb, path + ".expect_breaches")) {
    for (std::size_t i = 0; i < eb.size(); ++i) read_breach(rd, eb[i], indexed(path + ".expect_breaches", i), tc);
  }
  if (const auto nb = n["expect_no_breaches"]) {
    tc.expect_no_breaches = rd.strings(nb, path + ".expect_no_breaches");
  }
  if (const auto em = n["expect_metrics"]; em && rd.expect_list(em, path + ".expect_metrics")) {
    for (std::size_t i = 0; i < em.size(); ++i) {
      const auto item_path = indexed(path + ".expect_metrics", i);
      auto text = rd.string(em[i], item_path);
      if (!text) continue;
      auto m = parse_metric_expectation(*text);
      if (!m) {
        rd.fail(em[i], item_path + ": " + m.err().message);
        continue;
      }
      m->where = rd.at(em[i]);
      tc.expect_metrics.push_back(std::move(m.value()));
    }
  }
}

void read_test(reader& rd, const YAML::Node& n, const std::string& path, test_file& out) {
  if (!rd.expect_map(n, path)) return;
  rd.check_keys(n, path, {"name", "events", "advance_to", "expect_breaches",
                          "expect_no_breaches", "expect_metrics"});
  test_case tc;
  tc.where = rd.at(n);
  if (!n["name"]) rd.fail(n, path + ": name: required");
  else if (auto s = rd.string(n["name"], path + ".name")) tc.name = *s;
  if (const auto evs = n["events"]; evs && rd.expect_list(evs, path + ".events")) {
    for (std::size_t i = 0; i < evs.size(); ++i) read_event(rd, evs[i], indexed(path + ".events", i), tc);
  }
  if (const auto adv = n["advance_to"]) {
    tc.advance_to = rd.timestamp(adv, path + ".advance_to");
    tc.advance_where = rd.at(adv);
  }
  read_expectations(rd, n, path, tc);
  out.tests.push_back(std::move(tc));
}

}  // namespace

parsed_test_file parse_test_file(const std::string& name, const std::string& text) {
  reader rd{name, {}};
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return {std::nullopt, {error{"syntax", "YAML syntax error: " + e.msg,
                                 {name, e.mark.line + 1, e.mark.column + 1}}}};
  }
  if (!root.IsMap()) return {std::nullopt, {error{"invalid_test", "expected a mapping with rule_files and tests", {name, 1, 1}}}};
  rd.check_keys(root, "", {"rule_files", "tests"});
  test_file out;
  out.name = name;
  if (!root["rule_files"]) rd.fail(root, "rule_files: required");
  else out.rule_patterns = rd.strings(root["rule_files"], "rule_files");
  const auto tests = root["tests"];
  if (!tests) {
    rd.fail(root, "tests: required");
  } else if (rd.expect_list(tests, "tests")) {
    if (tests.size() == 0) rd.fail(tests, "tests: expected at least one test");
    for (std::size_t i = 0; i < tests.size(); ++i) read_test(rd, tests[i], indexed("tests", i), out);
  }
  if (!rd.errors.empty()) return {std::nullopt, std::move(rd.errors)};
  return {std::move(out), {}};
}

}  // namespace slawatch::app::detail
