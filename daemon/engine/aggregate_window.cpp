// Sliding aggregate windows in O(1) amortised per event: running measures over the kept
// entries, and their durable form split into the group's own entry (the newest entries)
// plus write-once chunks, so a step never rewrites the whole window (docs/performance.md).
#include <fmt/format.h>
#include <algorithm>
#include "state.hpp"

namespace slawatch::engine::detail {
namespace {

using agg_t = rules::rule::aggregation;

bool is_extreme(agg_t agg) { return agg == agg_t::min || agg == agg_t::max; }

std::string chunk_id(const engine_state& st, const okey& k, std::uint64_t first) {
  return fmt::format("aggregate_chunk/{}/{}/{}/{}", st.rule_at(k).id, st.partner_at(k), k.key,
                     first);
}

}  // namespace

void window_reset(const rules::rule& r, window_acc& w) {
  w.acc.assign(r.measures.size(), measure_acc{});
  w.doubles.assign(r.measures.size(), 0);
  w.best.assign(r.measures.size(), {});
}

bool has_extremes(const rules::rule& r) {
  return std::any_of(r.measures.begin(), r.measures.end(),
                     [](const auto& m) { return is_extreme(m.agg); });
}

void window_add(const rules::rule& r, window_acc& w, const agg_entry& e) {
  for (std::size_t i = 0; i < e.parts.size(); ++i) {
    if (!e.parts[i]) continue;
    const agg_t agg = r.measures[i].agg;
    const number& x = *e.parts[i];
    if (is_extreme(agg)) {
      // Candidates the new value beats can never be the best again; ties keep the earlier
      // one, as folding in time order does.
      auto& d = w.best[i];
      while (!d.empty() && better(x, d.back().second, agg)) d.pop_back();
      d.emplace_back(e.seq, x);
      ++w.acc[i].n;
      continue;
    }
    if (fold(w.acc[i], agg, x) && !x.is_int) ++w.doubles[i];
  }
}

void window_drop(const rules::rule& r, window_acc& w, const agg_entry& e) {
  for (std::size_t i = 0; i < e.parts.size(); ++i) {
    if (!e.parts[i]) continue;
    const agg_t agg = r.measures[i].agg;
    const number& x = *e.parts[i];
    if (is_extreme(agg)) {
      auto& d = w.best[i];
      if (!d.empty() && d.front().first == e.seq) d.pop_front();
      --w.acc[i].n;
      continue;
    }
    measure_acc one;   // the exact amount add folded in (sums are exact, so this undoes it)
    if (!fold(one, agg, x)) continue;
    w.acc[i].micro -= one.micro;
    --w.acc[i].n;
    if (!x.is_int) --w.doubles[i];
  }
}

std::vector<measure_acc> window_current(const rules::rule& r, const window_acc& w) {
  std::vector<measure_acc> acc = w.acc;
  for (std::size_t i = 0; i < acc.size(); ++i) {
    acc[i].all_int = w.doubles[i] == 0;
    if (is_extreme(r.measures[i].agg) && !w.best[i].empty()) acc[i].best = w.best[i].front().second;
  }
  return acc;
}

std::uint64_t store_entry(agg_group& g, const agg_entry& e) {
  const std::uint64_t seq = g.sealed + g.tail.size();
  g.tail.push_back(e);
  g.tail.back().seq = seq;
  ++g.tail_kept;
  return seq;
}

void forget_entry(const engine_state& st, const okey& k, agg_group& g, const agg_entry& e,
                  effects& out) {
  if (e.seq >= g.sealed) {
    --g.tail_kept;
    return;
  }
  auto it = g.chunks.upper_bound(e.seq);
  if (it == g.chunks.begin()) return;   // not stored (cannot happen)
  --it;
  if (--it->second.kept == 0) {
    out.erased.push_back(chunk_id(st, k, it->first));
    g.chunks.erase(it);
  }
}

void seal_tail(const engine_state& st, const okey& k, agg_group& g, effects& out) {
  if (g.tail.size() < agg_chunk_entries) return;
  const std::uint64_t first = g.sealed;
  g.sealed += g.tail.size();
  if (g.tail_kept != 0) {   // a tail of evicted entries needs no chunk
    auto& c = g.chunks[first];
    c.entries = std::move(g.tail);
    c.kept = g.tail_kept;
    out.upserts.push_back(aggregate_chunk_entry(st, k, first, c));
  }
  g.tail.clear();
  g.tail_kept = 0;
}

void erase_group(const engine_state& st, const okey& k, const agg_group& g, effects& out) {
  out.erased.push_back(entry_id(st, "aggregate", k));
  for (const auto& [first, c] : g.chunks) out.erased.push_back(chunk_id(st, k, first));
}

nlohmann::json entries_to_json(const std::vector<agg_entry>& entries) {
  auto out = nlohmann::json::array();
  for (const auto& x : entries) {
    auto parts = nlohmann::json::array();
    for (const auto& p : x.parts) parts.push_back(number_to_json(p));
    out.push_back({x.at.time_since_epoch().count(), x.event, std::move(parts)});
  }
  return out;
}

bool entries_from_json(const rules::rule& r, const nlohmann::json& j, std::uint64_t first,
                       std::vector<agg_entry>& out) {
  if (!j.is_array()) return false;
  for (const auto& e : j) {
    if (!e.is_array() || e.size() != 3 || !e[0].is_number_integer() || !e[1].is_string() ||
        !e[2].is_array() || e[2].size() != r.measures.size()) {
      return false;
    }
    agg_entry entry{instant{duration{e[0].get<std::int64_t>()}}, e[1].get<std::string>(), {},
                    first + out.size()};
    for (const auto& p : e[2]) {
      auto n = number_from_json(p);
      if (!n) return false;
      entry.parts.push_back(*n);
    }
    out.push_back(std::move(entry));
  }
  return true;
}

state_entry aggregate_chunk_entry(const engine_state& st, const okey& k, std::uint64_t first,
                                  const agg_chunk& c) {
  state_entry e;
  e.id = chunk_id(st, k, first);
  e.kind = "aggregate_chunk";
  e.rule = st.rule_at(k).id;
  e.partner = st.partner_at(k);
  e.key = k.key;
  e.data = {{"first", first}, {"entries", entries_to_json(c.entries)}};
  return e;
}

bool load_aggregate_chunk(engine_state& st, const okey& k, const state_entry& e) {
  const auto& r = st.rule_at(k);
  auto it = st.aggregates.find(k);
  auto first = e.data.find("first");
  auto entries = e.data.find("entries");
  if (r.settle || it == st.aggregates.end() || first == e.data.end() ||
      !first->is_number_unsigned() || entries == e.data.end()) {
    return false;
  }
  agg_group& g = it->second;
  const auto seq = first->get<std::uint64_t>();
  agg_chunk c;
  if (seq >= g.sealed || g.chunks.count(seq) != 0 ||
      !entries_from_json(r, *entries, seq, c.entries) || c.entries.empty()) {
    return false;
  }
  g.chunks.emplace(seq, std::move(c));
  return true;
}

void finish_sliding(const rules::rule& r, agg_group& g) {
  std::vector<agg_entry*> all;
  for (auto& [first, c] : g.chunks) {
    for (auto& e : c.entries) all.push_back(&e);
  }
  for (auto& e : g.tail) all.push_back(&e);
  std::sort(all.begin(), all.end(), [](const agg_entry* a, const agg_entry* b) {
    return std::tie(a->at, a->seq) < std::tie(b->at, b->seq);
  });
  // The newest entry is never evicted, so the kept ones are exactly those within a window
  // of it, as they were before the restart.
  g.entries.clear();
  window_reset(r, g.win);
  if (all.empty()) return;
  g.tail_kept = 0;
  for (auto& [first, c] : g.chunks) c.kept = 0;
  for (const agg_entry* e : all) {
    if (e->at <= all.back()->at - r.window) continue;
    g.entries.push_back(*e);
    window_add(r, g.win, *e);
    if (e->seq >= g.sealed) {
      ++g.tail_kept;
    } else {
      ++std::prev(g.chunks.upper_bound(e->seq))->second.kept;
    }
  }
  // A chunk none of whose entries is kept was erased before the restart: not taken back.
  std::erase_if(g.chunks, [](const auto& kv) { return kv.second.kept == 0; });
}

}  // namespace slawatch::engine::detail
