// Converts between the engine's compact in-memory state and durable state entries
// (layouts in engine.hpp). Instants are stored as integer nanoseconds: exact round trips.
#include <fmt/format.h>
#include <algorithm>
#include "state.hpp"

namespace slawatch::engine::detail {
namespace {

std::int64_t ns(instant t) { return t.time_since_epoch().count(); }
instant from_ns(std::int64_t v) { return instant{duration{v}}; }

state_entry base(const engine_state& st, std::string_view kind, const okey& k) {
  state_entry e;
  e.id = entry_id(st, kind, k);
  e.kind = std::string(kind);
  e.rule = st.rule_at(k).id;
  e.partner = st.partner_at(k);
  e.key = k.key;
  return e;
}

std::optional<instant> read_ns(const nlohmann::json& d, const char* name) {
  auto it = d.find(name);
  if (it == d.end() || !it->is_number_integer()) return std::nullopt;
  return from_ns(it->get<std::int64_t>());
}

/// The string member `name` of `d` (not copied: restore reads a million of these), or null.
const std::string* read_str(const nlohmann::json& d, const char* name) {
  auto it = d.find(name);
  if (it == d.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

bool load_obligation(engine_state& st, okey k, const state_entry& e) {
  auto started = read_ns(e.data, "started_at");
  auto due = read_ns(e.data, "due");
  auto start_event = read_str(e.data, "start_event");
  auto type = read_str(e.data, "start_type");
  auto warned = e.data.find("warned");
  if (!started || !due || !start_event || !type || !e.fire_at || warned == e.data.end() ||
      !warned->is_number_integer() || warned->get<std::int64_t>() < 0) {
    return false;
  }
  obligation o{*started, *due, *e.fire_at, *start_event, &*st.types.insert(*type).first,
               static_cast<std::uint8_t>(std::min<std::int64_t>(warned->get<std::int64_t>(), 255)),
               /*stored=*/true};
  auto [it, fresh] = st.obligations.emplace(std::move(k), std::move(o));
  if (!fresh) return false;
  st.obligation_added(it->first);
  add_timer(st, it->second.fire_at, timer_kind::obligation, it->first);
  return true;
}

bool load_early_stop(engine_state& st, okey k, const state_entry& e) {
  auto at = read_ns(e.data, "at");
  auto stop_event = read_str(e.data, "stop_event");
  if (!at || !stop_event || !e.fire_at) return false;
  auto [it, fresh] = st.early_stops.emplace(std::move(k), early_stop{*at, *e.fire_at, *stop_event});
  if (fresh) add_timer(st, it->second.fire_at, timer_kind::early_stop, it->first);
  return fresh;
}

bool load_absence(engine_state& st, okey k, const state_entry& e) {
  auto due = read_ns(e.data, "due");
  auto seen = e.data.find("seen");
  if (!due || seen == e.data.end() || !seen->is_boolean()) return false;
  absence_slot slot{*due, seen->get<bool>(), read_ns(e.data, "ahead")};
  auto [it, fresh] = st.absences.emplace(std::move(k), slot);
  if (fresh) add_timer(st, it->second.due, timer_kind::absence, it->first);
  return fresh;
}

bool load_open_breach(engine_state& st, okey k, const state_entry& e) {
  auto id = read_str(e.data, "breach_id");
  auto due = read_ns(e.data, "due");
  if (!id || !due) return false;
  auto& list = st.open_breaches[std::move(k)];
  list.push_back(open_breach{*id, *due});
  std::stable_sort(list.begin(), list.end(),
                   [](const open_breach& a, const open_breach& b) { return a.due < b.due; });
  return true;
}

}  // namespace

std::string entry_id(const engine_state& st, std::string_view kind, const okey& k) {
  return fmt::format("{}/{}/{}/{}", kind, st.rule_at(k).id, st.partner_at(k), k.key);
}

std::string open_breach_id(const engine_state& st, const okey& k, const open_breach& b) {
  return fmt::format("open_breach/{}/{}/{}/{}", st.rule_at(k).id, st.partner_at(k), b.breach_id,
                     k.key);
}

state_entry obligation_entry(const engine_state& st, const okey& k, const obligation& o) {
  auto e = base(st, "obligation", k);
  e.fire_at = o.fire_at;
  e.data = {{"started_at", ns(o.started_at)},
            {"due", ns(o.due)},
            {"start_event", o.start_event},
            {"start_type", o.start_type ? *o.start_type : std::string()},
            {"warned", static_cast<unsigned>(o.warned)}};
  return e;
}

state_entry early_stop_entry(const engine_state& st, const okey& k, const early_stop& s) {
  auto e = base(st, "early_stop", k);
  e.fire_at = s.fire_at;
  e.data = {{"at", ns(s.at)}, {"stop_event", s.stop_event}};
  return e;
}

state_entry absence_entry(const engine_state& st, const okey& k, const absence_slot& a) {
  auto e = base(st, "absence", k);
  e.fire_at = a.due;
  e.data = {{"due", ns(a.due)},
            {"seen", a.seen},
            {"ahead", a.ahead ? nlohmann::json(ns(*a.ahead)) : nlohmann::json(nullptr)}};
  return e;
}

state_entry open_breach_entry(const engine_state& st, const okey& k, const open_breach& b) {
  auto e = base(st, "open_breach", k);
  e.id = open_breach_id(st, k, b);
  e.data = {{"breach_id", b.breach_id}, {"due", ns(b.due)}};
  return e;
}

std::vector<state_entry> snapshot(const engine_state& st) {
  std::vector<state_entry> out;
  out.reserve(st.obligations.size() + st.early_stops.size() + st.absences.size() +
              st.open_breaches.size());
  for (const auto& [k, o] : st.obligations) out.push_back(obligation_entry(st, k, o));
  for (const auto& [k, s] : st.early_stops) out.push_back(early_stop_entry(st, k, s));
  for (const auto& [k, a] : st.absences) out.push_back(absence_entry(st, k, a));
  for (const auto& [k, list] : st.open_breaches) {
    for (const auto& b : list) out.push_back(open_breach_entry(st, k, b));
  }
  for (const auto& [k, g] : st.aggregates) {
    out.push_back(aggregate_entry(st, k, g));
    for (const auto& [first, c] : g.chunks) out.push_back(aggregate_chunk_entry(st, k, first, c));
  }
  for (const auto& [k, c] : st.objectives) out.push_back(objective_entry(st, k, c));
  std::sort(out.begin(), out.end(),
            [](const state_entry& a, const state_entry& b) { return a.id < b.id; });
  return out;
}

namespace {

/// (rule, partner) indices of an entry; entries come sorted by id, so consecutive ones
/// mostly share both and the last answer is reused (restore takes a million entries).
std::optional<std::pair<std::uint32_t, std::uint32_t>> find_indices(const engine_state& st,
                                                                    restore_progress& p,
                                                                    const state_entry& e) {
  if (!p.last || e.rule != p.last_rule || e.partner != p.last_partner) {
    p.last_rule = e.rule;
    p.last_partner = e.partner;
    p.last.reset();
    auto r = st.rule_index.find(e.rule);
    auto it = std::lower_bound(st.partner_ids.begin(), st.partner_ids.end(), e.partner);
    if (r == st.rule_index.end() || it == st.partner_ids.end() || *it != e.partner) {
      return std::nullopt;   // not cached: misses are rare
    }
    p.last = {r->second, static_cast<std::uint32_t>(it - st.partner_ids.begin())};
  }
  return p.last;
}

/// What engine::holds reads of an entry (no payload beyond breach_id / first).
state_entry holds_key(const state_entry& e) {
  state_entry k{e.id, e.kind, e.rule, e.partner, e.key, std::nullopt, nlohmann::json::object()};
  for (const char* name : {"breach_id", "first"}) {
    if (auto it = e.data.find(name); it != e.data.end()) k.data[name] = *it;
  }
  return k;
}

/// Loads one entry of a known (rule, partner); false when it was not taken (another kind,
/// malformed, or a duplicate). A chunk whose group is not loaded yet waits in `p`.
bool load_one(engine_state& st, restore_progress& p, okey k, const state_entry& e) {
  const auto kind = st.set->rules[k.rule].kind;
  using rk = rules::rule_kind;
  if (kind == rk::deadline && e.kind == "obligation") return load_obligation(st, std::move(k), e);
  if (kind == rk::deadline && e.kind == "early_stop") return load_early_stop(st, std::move(k), e);
  if (kind == rk::absence && e.kind == "absence") return load_absence(st, std::move(k), e);
  if (kind == rk::aggregate && e.kind == "aggregate") return load_aggregate(st, std::move(k), e);
  if (kind == rk::aggregate && e.kind == "aggregate_chunk") {
    if (st.aggregates.count(k) == 0) {
      p.waiting.emplace_back(std::move(k), e);   // its group may come in a later chunk
      return true;
    }
    return load_aggregate_chunk(st, k, e);
  }
  if (kind == rk::objective && e.kind == "objective") return load_objective(st, std::move(k), e);
  if ((kind == rk::deadline || kind == rk::absence) && e.kind == "open_breach") {
    return load_open_breach(st, std::move(k), e);
  }
  return false;
}

}  // namespace

void load_chunk(engine_state& st, restore_progress& p, const std::vector<state_entry>& entries,
                std::vector<std::string>& not_taken) {
  if (st.obligations.empty()) {   // one big chunk (restore of all entries): size once
    auto is_obligation = [](const state_entry& e) { return e.kind == "obligation"; };
    auto n = static_cast<std::size_t>(std::count_if(entries.begin(), entries.end(), is_obligation));
    if (n > st.obligations.bucket_count()) st.obligations.reserve(n);   // never shrinks a hint
  }
  for (const auto& e : entries) {
    auto idx = find_indices(st, p, e);
    if (!idx) {
      not_taken.push_back(e.id);
      continue;
    }
    bool taken = load_one(st, p, okey{idx->first, idx->second, e.key}, e);
    // A chunk may still be dropped by finish_load (no entry of it within the window).
    if (!taken || e.kind == "aggregate_chunk") p.unsure.push_back(holds_key(e));
  }
}

void finish_load(engine_state& st, restore_progress& p) {
  for (const auto& [k, e] : p.waiting) load_aggregate_chunk(st, k, e);
  p.waiting.clear();
  for (auto& [k, g] : st.aggregates) {
    if (!st.rule_at(k).settle) finish_sliding(st.rule_at(k), g);
  }
}

void load_entries(engine_state& st, const std::vector<state_entry>& entries) {
  restore_progress p;
  std::vector<std::string> ignored;
  load_chunk(st, p, entries, ignored);
  finish_load(st, p);
}

void flush_dirty(engine_state& st, effects& out) {
  using kind = engine_state::dirty_kind;
  for (const auto& [k, key] : st.dirty) {
    if (k == kind::obligation) {
      if (auto it = st.obligations.find(key); it != st.obligations.end()) {
        it->second.stored = true;
        out.upserts.push_back(obligation_entry(st, it->first, it->second));
      }
    } else if (k == kind::aggregate) {
      if (auto it = st.aggregates.find(key); it != st.aggregates.end()) {
        out.upserts.push_back(aggregate_entry(st, it->first, it->second));
      }
    } else if (auto it = st.objectives.find(key); it != st.objectives.end()) {
      out.upserts.push_back(objective_entry(st, it->first, it->second));
    }
  }
  st.dirty.clear();
}

}  // namespace slawatch::engine::detail
