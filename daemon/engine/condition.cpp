// The condition kind (contract 5.3): one outcome per matching event, a closed breach when
// `require` is not met. Evaluation errors fail closed in `require` and open in `when`.
#include <fmt/format.h>
#include <algorithm>
#include <cctype>
#include "slawatch/engine/engine.hpp"
#include "state.hpp"

namespace slawatch::engine {
namespace detail {
namespace {

constexpr std::size_t max_observed_chars = 64;

bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

/// Dotted `event.` paths an expression mentions, looking through macros (bounded depth).
void collect_paths(std::string_view src, const rules::rule_set& set, int depth,
                   std::vector<std::string>& out) {
  for (std::size_t i = 0; i < src.size();) {
    if (!ident_char(src[i]) || (i > 0 && (ident_char(src[i - 1]) || src[i - 1] == '.'))) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < src.size() && (ident_char(src[j]) || src[j] == '.')) ++j;
    std::string word(src.substr(i, j - i));
    while (!word.empty() && word.back() == '.') word.pop_back();
    if (word.rfind("event.", 0) == 0) {
      // A trailing method call (event.type.startsWith) is not part of the path.
      if (j < src.size() && src[j] == '(') word = word.substr(0, word.rfind('.'));
      if (word != "event" && std::find(out.begin(), out.end(), word) == out.end()) {
        out.push_back(word);
      }
    } else if (auto m = set.macros.find(word); m != set.macros.end() && depth < 8) {
      collect_paths(expr::source_of(*m->second), set, depth + 1, out);
    }
    i = j;
  }
}

/// A short, privacy-aware rendering: scalars (strings cut short), container sizes only.
std::string describe(const nlohmann::json* j) {
  if (!j) return "<missing>";
  if (j->is_object()) return fmt::format("<object of {} keys>", j->size());
  if (j->is_array()) return fmt::format("<list of {} items>", j->size());
  std::string s = j->dump();
  if (s.size() > max_observed_chars) s = s.substr(0, max_observed_chars) + "...";
  return s;
}

const nlohmann::json* lookup(const nlohmann::json& doc, std::string_view path) {
  const nlohmann::json* cur = &doc;
  path.remove_prefix(std::string_view("event.").size());
  while (!path.empty()) {
    auto dot = path.find('.');
    std::string key(path.substr(0, dot));
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  }
  return cur;
}

std::string one_line(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

/// What the event showed for the fields `require` looks at, e.g.
/// `event.transport.tls_version = "TLSv1.0"`; the result itself when it names none.
std::string observed(const rules::rule& r, const rules::rule_set& set, const model::event& ev,
                     const expr::truth_result& res) {
  std::vector<std::string> paths;
  collect_paths(expr::source_of(*r.require), set, 0, paths);
  if (paths.empty()) return res.t == expr::truth::error ? "error" : res.val.debug_string();
  std::string out;
  for (const auto& p : paths) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{} = {}", p, describe(lookup(ev.doc, p)));
  }
  return out;
}

model::breach condition_breach(const rules::rule& r, const model::event& ev,
                               std::string observed_text, const std::string& error) {
  model::breach b;
  b.id = model::breach_id(r.id, ev.partner, ev.id, "");
  b.rule = r.id;
  b.rule_version = r.version;
  b.kind = "condition";
  b.category = r.category;
  b.severity = r.severity;
  b.partner = ev.partner;
  b.key = ev.id;
  b.occurred_at = ev.occurred_at;
  b.occurred_offset = ev.occurred_offset;
  b.detected_at = ev.received_at;
  b.status = model::breach_status::closed;
  std::string expected = one_line(expr::source_of(*r.require));
  b.message = fmt::format("Event {} ({}) did not satisfy: {}", ev.id, ev.type, expected);
  b.evidence = {{"events", nlohmann::json::array({ev.id})},
                {"expected", expected},
                {"observed", std::move(observed_text)}};
  if (!error.empty()) b.evidence["error"] = error;
  b.labels = r.labels;
  return b;
}

}  // namespace detail

void engine::on_condition(const condition_ref& c, const model::event& ev,
                          const expr::activation& act, std::vector<std::int8_t>& when_memo,
                          effects& out) const {
  const rules::rule& r = *c.rule;
  if (c.when_slot >= 0) {
    // Same text, same event, same rule set: the same truth (evaluation is pure).
    auto& memo = when_memo[static_cast<std::size_t>(c.when_slot)];
    if (memo == when_unknown) {
      memo = static_cast<std::int8_t>(expr::evaluate_bool(*r.when, act, &st_->fns).t);
    }
    const auto w = static_cast<expr::truth>(memo);
    if (w == expr::truth::error) ++out.evaluation_errors[r.id];
    if (w != expr::truth::yes) return;
  }
  for (const auto& ex : r.exceptions) {
    if (!ex.when || (ex.expires && *ex.expires <= ev.received_at)) continue;
    auto e = expr::evaluate_bool(*ex.when, act, &st_->fns);
    if (e.t == expr::truth::error) ++out.evaluation_errors[r.id];
    if (e.t == expr::truth::yes) return;  // excepted: neither met nor breached
  }
  auto res = expr::evaluate_bool(*r.require, act, &st_->fns);
  if (res.t == expr::truth::error) ++out.evaluation_errors[r.id];
  bool met = res.t == expr::truth::yes;
  out.outcomes.push_back(model::outcome{
      r.id, ev.partner, met ? model::outcome_kind::met : model::outcome_kind::breached,
      ev.occurred_at});
  if (met) return;
  auto obs = detail::observed(r, *rules_, ev, res);
  out.breaches.push_back(detail::condition_breach(r, ev, std::move(obs), res.error));
}

}  // namespace slawatch::engine
