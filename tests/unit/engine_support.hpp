#pragma once
// Helpers for the engine_*.cpp tests of timer rules: a rule set loaded with the system time
// zone database, events built from RFC 3339 text, a manual clock, and effects rendered to
// JSON so whole steps compare exactly.
#include <map>
#include <stdexcept>
#include <string>
#include <catch2/catch.hpp>
#include "slawatch/engine/engine.hpp"

namespace engine_test {

using namespace slawatch;

inline const date::time_zone* resolve_zone(std::string_view name) {
  try {
    const auto* z = date::locate_zone(name);
    z->get_info(date::sys_seconds{});
    return z;
  } catch (const std::exception&) {
    return nullptr;
  }
}

inline instant at(const std::string& rfc3339) {
  auto t = timefmt::parse_rfc3339(rfc3339);
  if (!t) throw std::invalid_argument("bad test instant " + rfc3339);
  return *t;
}

inline std::shared_ptr<const rules::rule_set> load(const std::string& text) {
  rules::load_options opts;
  opts.zones = resolve_zone;
  auto res = rules::load({{"t.yaml", text}}, opts);
  for (const auto& e : res.errors) FAIL(e.render());
  return res.set;
}

/// An event dated `occurred`, received at `received` (default: when it occurred).
inline model::event make_event(const std::string& id, const std::string& partner,
                               const std::string& type, const std::string& occurred,
                               nlohmann::json attributes = nlohmann::json::object(),
                               const std::string& received = "") {
  model::event ev;
  ev.id = id;
  ev.partner = partner;
  ev.type = type;
  auto occ = timefmt::parse_rfc3339_with_offset(occurred);
  if (!occ) throw std::invalid_argument("bad test instant " + occurred);
  ev.occurred_at = occ->first;
  ev.occurred_offset = occ->second;
  ev.received_at = received.empty() ? ev.occurred_at : at(received);
  ev.doc = {{"id", id},
            {"partner", partner},
            {"type", type},
            {"occurred_at", occurred},
            {"received_at", timefmt::format_utc_ms(ev.received_at)},
            {"attributes", std::move(attributes)}};
  return ev;
}

inline std::string utc(instant t) { return timefmt::format_utc_ms(t); }

/// Everything an effects holds, as JSON (instants in UTC), for exact comparisons.
inline nlohmann::json dump(const engine::effects& fx) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& o : fx.outcomes) {
    j["outcomes"].push_back({o.rule, o.partner, model::to_string(o.kind), utc(o.decided_at)});
  }
  for (const auto& b : fx.breaches) j["breaches"].push_back(b.to_json());
  for (const auto& u : fx.breach_updates) {
    j["updates"].push_back({u.id, model::to_string(u.status),
                            u.completed_at ? utc(*u.completed_at) : "", u.delay_seconds.value_or(-1)});
  }
  for (const auto& w : fx.warnings) {
    j["warnings"].push_back({w.rule, w.partner, w.key, w.threshold, utc(w.at)});
  }
  for (const auto& e : fx.upserts) {
    j["upserts"].push_back({e.id, e.kind, e.fire_at ? utc(*e.fire_at) : "", e.data});
  }
  for (const auto& id : fx.erased) j["erased"].push_back(id);
  for (const auto& [rule, n] : fx.evaluation_errors) j["errors"][rule] = n;
  return j;
}

/// An engine on a manual clock that also keeps the durable state the way a store would:
/// upserts replace by id, erased ids are deleted.
struct harness {
  engine::engine eng;
  std::map<std::string, engine::state_entry> stored;

  explicit harness(std::shared_ptr<const rules::rule_set> set) : eng(std::move(set)) {}

  engine::effects event(const model::event& ev) {
    engine::effects fx;
    eng.on_event(ev, fx);
    apply(fx);
    return fx;
  }
  engine::effects tick(const std::string& now) {
    engine::effects fx;
    eng.on_tick(at(now), fx);
    apply(fx);
    return fx;
  }
  void apply(const engine::effects& fx) {
    for (const auto& e : fx.upserts) stored[e.id] = e;
    for (const auto& id : fx.erased) stored.erase(id);
  }
  [[nodiscard]] std::vector<engine::state_entry> entries() const {
    std::vector<engine::state_entry> out;
    for (const auto& [id, e] : stored) out.push_back(e);
    return out;
  }
};

inline std::vector<std::string> ids(const std::vector<engine::state_entry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.id);
  return out;
}

}  // namespace engine_test
