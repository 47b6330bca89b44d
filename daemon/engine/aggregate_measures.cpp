// Measures of aggregate rules: exact sums, counts, minima and maxima, and their durable form.
// Sums are kept as a 128-bit count of millionths, so amounts with up to 6 decimals add up
// exactly and 0.1 + 0.2 is 0.3; the double a requirement sees is converted once at the end.
#include <cmath>
#include <string>
#include "state.hpp"

namespace slawatch::engine::detail {
namespace {

constexpr std::int64_t micro_per_unit = 1'000'000;
/// Largest |value| summed exactly: below it, value * 1e6 has no fraction error worth a
/// millionth and fits an int64 (docs/rules.md "Exact sums").
constexpr double max_exact_value = 1e12;

std::string int128_to_string(int128 v) {
  if (v == 0) return "0";
  bool neg = v < 0;
  std::string s;
  while (v != 0) {
    int digit = static_cast<int>(v % 10);
    s.insert(s.begin(), static_cast<char>('0' + (neg ? -digit : digit)));
    v /= 10;
  }
  return neg ? "-" + s : s;
}

std::optional<int128> int128_from_string(const std::string& s) {
  if (s.empty() || s.size() > 40) return std::nullopt;
  bool neg = s[0] == '-';
  int128 v = 0;
  for (std::size_t i = neg ? 1 : 0; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return neg ? -v : v;
}

}  // namespace

bool better(const number& x, const number& best, rules::rule::aggregation agg) {
  if (x.is_int && best.is_int) return agg == rules::rule::aggregation::min ? x.i < best.i : x.i > best.i;
  return agg == rules::rule::aggregation::min ? x.as_double() < best.as_double()
                                              : x.as_double() > best.as_double();
}

std::optional<number> to_number(const expr::value& v) {
  if (v.kind() == expr::type::int_type) return number{true, v.as_int(), 0};
  if (v.kind() == expr::type::double_type && std::isfinite(v.as_double())) {
    return number{false, 0, v.as_double()};
  }
  return std::nullopt;
}

bool fold(measure_acc& a, rules::rule::aggregation agg, const number& x) {
  using agg_t = rules::rule::aggregation;
  if (agg == agg_t::sum) {
    if (x.is_int) {
      a.micro += static_cast<int128>(x.i) * micro_per_unit;
    } else {
      if (!(std::fabs(x.d) < max_exact_value)) return false;
      a.micro += static_cast<int128>(std::llround(x.d * static_cast<double>(micro_per_unit)));
      a.all_int = false;
    }
  } else if (agg == agg_t::min || agg == agg_t::max) {
    if (!a.best || better(x, *a.best, agg)) a.best = x;
  }
  ++a.n;
  return true;
}

expr::value measure_value(const measure_acc& a, rules::rule::aggregation agg) {
  using agg_t = rules::rule::aggregation;
  switch (agg) {
    case agg_t::count:
      return static_cast<std::int64_t>(a.n);
    case agg_t::sum: {
      int128 whole = a.micro / micro_per_unit;
      if (a.all_int && whole >= INT64_MIN && whole <= INT64_MAX) {
        return static_cast<std::int64_t>(whole);
      }
      // One rounding below 2^53 millionths (|sum| < 9e9): the double nearest the exact sum.
      return static_cast<double>(a.micro) / static_cast<double>(micro_per_unit);
    }
    case agg_t::min:
    case agg_t::max:
      break;
  }
  if (!a.best) return expr::value();
  if (a.best->is_int) return a.best->i;
  return a.best->d;
}

nlohmann::json number_to_json(const std::optional<number>& n) {
  if (!n) return nullptr;
  if (n->is_int) return n->i;
  return n->d;
}

std::optional<std::optional<number>> number_from_json(const nlohmann::json& j) {
  if (j.is_null()) return std::optional<number>{};
  if (j.is_number_integer()) return std::optional<number>{number{true, j.get<std::int64_t>(), 0}};
  if (j.is_number_float()) return std::optional<number>{number{false, 0, j.get<double>()}};
  return std::nullopt;
}

nlohmann::json acc_to_json(const measure_acc& a) {
  return {{"n", a.n},
          {"all_int", a.all_int},
          {"micro", int128_to_string(a.micro)},
          {"best", number_to_json(a.best)}};
}

std::optional<measure_acc> acc_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  auto n = j.find("n");
  auto all_int = j.find("all_int");
  auto micro = j.find("micro");
  auto best = j.find("best");
  if (n == j.end() || !n->is_number_unsigned() || all_int == j.end() || !all_int->is_boolean() ||
      micro == j.end() || !micro->is_string() || best == j.end()) {
    return std::nullopt;
  }
  auto m = int128_from_string(micro->get<std::string>());
  auto b = number_from_json(*best);
  if (!m || !b) return std::nullopt;
  return measure_acc{n->get<std::uint64_t>(), all_int->get<bool>(), *m, *b};
}

namespace {

std::int64_t ns(instant t) { return t.time_since_epoch().count(); }
nlohmann::json opt_ns(const std::optional<instant>& t) {
  return t ? nlohmann::json(ns(*t)) : nlohmann::json(nullptr);
}

std::optional<std::optional<instant>> read_opt_ns(const nlohmann::json& d, const char* name) {
  auto it = d.find(name);
  if (it == d.end()) return std::nullopt;
  if (it->is_null()) return std::optional<instant>{};
  if (!it->is_number_integer()) return std::nullopt;
  return std::optional<instant>{instant{duration{it->get<std::int64_t>()}}};
}

nlohmann::json names_of(const rules::rule& r) {
  auto names = nlohmann::json::array();
  for (const auto& m : r.measures) names.push_back(m.name);
  return names;
}

bool load_settled(const rules::rule& r, const nlohmann::json& d, agg_group& g) {
  auto first = read_opt_ns(d, "first_at");
  auto first_event = d.find("first_event");
  auto count = d.find("count");
  auto events = d.find("events");
  auto acc = d.find("measures");
  if (!first || !*first || first_event == d.end() || !first_event->is_string() ||
      count == d.end() || !count->is_number_unsigned() || events == d.end() ||
      !events->is_array() || acc == d.end() || !acc->is_array() ||
      acc->size() != r.measures.size()) {
    return false;
  }
  g.first_at = **first;
  g.first_event = first_event->get<std::string>();
  g.count = count->get<std::uint64_t>();
  for (const auto& e : *events) {
    if (!e.is_string()) return false;
    g.events.push_back(e.get<std::string>());
  }
  for (const auto& a : *acc) {
    auto m = acc_from_json(a);
    if (!m) return false;
    g.acc.push_back(*m);
  }
  return true;
}

/// The group's own part of a sliding window: its newest entries (seq from `sealed`); the
/// older ones are in aggregate_chunk entries. An entry written before chunks existed has
/// every kept entry and no `sealed`.
bool load_sliding(const rules::rule& r, const nlohmann::json& d, agg_group& g) {
  auto quiet = read_opt_ns(d, "quiet_until");
  auto met = read_opt_ns(d, "met_until");
  auto entries = d.find("entries");
  auto sealed = d.find("sealed");
  if (!quiet || !met || entries == d.end()) return false;
  if (sealed != d.end() && !sealed->is_number_unsigned()) return false;
  g.quiet_until = *quiet;
  g.met_until = *met;
  g.sealed = sealed == d.end() ? 0 : sealed->get<std::uint64_t>();
  return entries_from_json(r, *entries, g.sealed, g.tail);
}

}  // namespace

state_entry aggregate_entry(const engine_state& st, const okey& k, const agg_group& g) {
  const auto& r = st.rule_at(k);
  state_entry e;
  e.id = entry_id(st, "aggregate", k);
  e.kind = "aggregate";
  e.rule = r.id;
  e.partner = st.partner_at(k);
  e.key = k.key;
  e.fire_at = g.fire_at;
  e.data = {{"mode", r.settle ? "settle" : "window"}, {"names", names_of(r)}};
  if (r.settle) {
    auto acc = nlohmann::json::array();
    for (const auto& a : g.acc) acc.push_back(acc_to_json(a));
    e.data.update({{"first_at", ns(g.first_at)},
                   {"first_event", g.first_event},
                   {"count", g.count},
                   {"events", g.events},
                   {"measures", std::move(acc)}});
    return e;
  }
  e.data.update({{"quiet_until", opt_ns(g.quiet_until)},
                 {"met_until", opt_ns(g.met_until)},
                 {"sealed", g.sealed},
                 {"entries", entries_to_json(g.tail)}});
  return e;
}

bool load_aggregate(engine_state& st, okey k, const state_entry& e) {
  const auto& r = st.rule_at(k);
  const auto& d = e.data;
  // A group written under another definition (mode or measures changed by a reload) is not
  // taken back: its sums would mean something else.
  if (!e.fire_at || d.value("mode", "") != (r.settle ? "settle" : "window") ||
      d.value("names", nlohmann::json()) != names_of(r)) {
    return false;
  }
  agg_group g;
  g.fire_at = *e.fire_at;
  if (!(r.settle ? load_settled(r, d, g) : load_sliding(r, d, g))) return false;
  auto [it, fresh] = st.aggregates.emplace(std::move(k), std::move(g));
  if (fresh) add_timer(st, it->second.fire_at, timer_kind::aggregate, it->first);
  return fresh;
}

}  // namespace slawatch::engine::detail
