// Read-only questions about the engine's state: obligation counts for gauges, and whether
// an entry is held (the caller nets a step's upserts and erases with it).
#include <algorithm>
#include "slawatch/engine/engine.hpp"
#include "state.hpp"

namespace slawatch::engine {

std::map<std::pair<std::string, std::string>, std::uint64_t> engine::obligation_counts() const {
  std::map<std::pair<std::string, std::string>, std::uint64_t> out;
  for (const auto& [ix, n] : st_->obligation_tally) {
    out[{st_->set->rules[ix.first].id, st_->partner_ids[ix.second]}] = n;
  }
  return out;
}

bool engine::holds(const state_entry& e) const {
  if (!rules_) return false;
  auto r = st_->rule_index.find(e.rule);
  const auto& ids = st_->partner_ids;
  auto p = std::lower_bound(ids.begin(), ids.end(), e.partner);
  if (r == st_->rule_index.end() || p == ids.end() || *p != e.partner) return false;
  const detail::okey k{r->second, static_cast<std::uint32_t>(p - ids.begin()), e.key};
  if (e.kind == "obligation") return st_->obligations.count(k) != 0;
  if (e.kind == "early_stop") return st_->early_stops.count(k) != 0;
  if (e.kind == "absence") return st_->absences.count(k) != 0;
  if (e.kind == "aggregate") return st_->aggregates.count(k) != 0;
  if (e.kind == "aggregate_chunk") {
    auto g = st_->aggregates.find(k);
    auto first = e.data.find("first");
    return g != st_->aggregates.end() && first != e.data.end() && first->is_number_unsigned() &&
           g->second.chunks.count(first->get<std::uint64_t>()) != 0;
  }
  if (e.kind == "objective") return st_->objectives.count(k) != 0;
  if (e.kind != "open_breach") return false;
  auto it = st_->open_breaches.find(k);
  auto id = e.data.find("breach_id");
  if (it == st_->open_breaches.end() || id == e.data.end() || !id->is_string()) return false;
  return std::any_of(it->second.begin(), it->second.end(),
                     [&](const detail::open_breach& b) { return b.breach_id == *id; });
}

}  // namespace slawatch::engine
