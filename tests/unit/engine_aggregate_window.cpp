// Sliding aggregate windows at scale: running measures against a brute-force recomputation,
// bounded per-event state writes (group entry plus write-once chunks), restarts in the
// middle of a long run, the old one-entry layout, events out of time order, and minima and
// maxima whose best value leaves the window.
#include <algorithm>
#include <random>
#include <set>
#include <fmt/format.h>
#include "engine_support.hpp"

using namespace engine_test;

namespace {

const char* rules_text = R"(partners:
  - { id: bank-a, name: Bank A, class: bank, timezone: Africa/Nairobi }
rules:
  - id: win
    kind: aggregate
    category: purpose
    severity: major
    description: Few, small and similar values per minute.
    group: event.attributes.g
    window: 1m
    measures:
      n: { count: true }
      total: { sum: event.attributes.v }
      low: { min: event.attributes.v }
      high: { max: event.attributes.v }
    require: n <= 6 && high - low <= 80 && total <= 300
)";

std::shared_ptr<const rules::rule_set> set() {
  static auto s = load(rules_text);
  return s;
}

const instant base = at("2026-11-02T06:00:00Z");
constexpr auto window = std::chrono::minutes(1);

struct sample {
  std::string id;
  instant t;
  std::int64_t v;
};

model::event to_event(const sample& s, const std::string& group = "g1") {
  return make_event(s.id, "bank-a", "w", timefmt::format_utc_ms(s.t),
                    {{"g", group}, {"v", s.v}});
}

/// What docs/rules.md "Sliding windows" says, computed the slow way.
struct oracle {
  std::vector<sample> kept;   // by time, ties in arrival order
  std::optional<instant> quiet_until, met_until;

  /// The outcome kind ("" when none) and, for a breach, its evidence.
  std::pair<std::string, nlohmann::json> step(const sample& s) {
    auto pos = std::upper_bound(kept.begin(), kept.end(), s.t,
                                [](instant x, const sample& y) { return x < y.t; });
    kept.insert(pos, s);
    const instant newest = kept.back().t;
    std::erase_if(kept, [&](const sample& x) { return x.t <= newest - window; });
    std::int64_t n = 0, total = 0, low = 0, high = 0;
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& x : kept) {
      if (x.t <= s.t - window || x.t > s.t) continue;
      low = n == 0 ? x.v : std::min(low, x.v);
      high = n == 0 ? x.v : std::max(high, x.v);
      total += x.v;
      if (++n <= 20) ids.push_back(x.id);
    }
    // An event dated a window before the newest is dropped at once: its window is empty,
    // min and max are null and `require` fails closed.
    const bool met = n > 0 && n <= 6 && high - low <= 80 && total <= 300;
    if (!met && (!quiet_until || s.t >= *quiet_until)) {
      quiet_until = met_until = s.t + window;
      nlohmann::json evidence = {
          {"events", ids},
          {"event_count", n},
          {"expected", "n <= 6 && high - low <= 80 && total <= 300"},
          {"observed", n == 0 ? "n = 0, total = 0, low = null, high = null"
                              : fmt::format("n = {}, total = {}, low = {}, high = {}", n, total,
                                            low, high)}};
      if (n == 0) evidence["error"] = "no matching overload for '-' applied to (null_type, null_type)";
      return {"breached", evidence};
    }
    if (met && (!met_until || s.t >= *met_until)) {
      met_until = s.t + window;
      return {"met", nullptr};
    }
    return {"", nullptr};
  }
};

/// `count` samples: steps of 0..20 s (ties included), values 0..100; with `late`, about one
/// in ten is dated up to 90 s before the newest.
std::vector<sample> samples(std::size_t count, bool late, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> step(0, 20), value(0, 100), pick(0, 9), back(0, 90);
  std::vector<sample> out;
  instant newest = base;
  for (std::size_t i = 0; i < count; ++i) {
    newest += std::chrono::seconds(step(rng));
    instant t = newest;
    if (late && pick(rng) == 0) t -= std::chrono::seconds(back(rng));
    out.push_back({"e" + std::to_string(i), t, value(rng)});
  }
  return out;
}

void check_against_oracle(const std::vector<sample>& run) {
  harness h(set());
  oracle o;
  std::size_t breaches = 0, mets = 0;
  for (const auto& s : run) {
    auto fx = h.event(to_event(s));
    auto [kind, evidence] = o.step(s);
    INFO(s.id);
    REQUIRE(fx.outcomes.size() == (kind.empty() ? 0U : 1U));
    if (kind.empty()) continue;
    REQUIRE(model::to_string(fx.outcomes[0].kind) == kind);
    if (kind == "met") {
      ++mets;
      continue;
    }
    ++breaches;
    REQUIRE(fx.breaches.size() == 1);
    REQUIRE(fx.breaches[0].evidence == evidence);
  }
  CHECK(breaches > 50);   // both branches well exercised
  CHECK(mets > 50);
}

std::size_t json_size(const engine::state_entry& e) { return e.data.dump().size(); }

}  // namespace

TEST_CASE("10 000 events in time order give the breaches and outcomes of a full recomputation") {
  check_against_oracle(samples(10000, false, 7));
}

TEST_CASE("events out of time order are judged over their own window, as a scan does") {
  check_against_oracle(samples(3000, true, 11));
}

TEST_CASE("a step writes the group entry and at most one chunk, both small; old chunks are erased") {
  harness h(set());
  std::set<std::string> written;
  std::size_t chunks = 0, largest = 0;
  for (const auto& s : samples(10000, false, 3)) {
    auto fx = h.event(to_event(s));
    REQUIRE(!fx.upserts.empty());
    REQUIRE(fx.upserts.size() <= 2);
    CHECK(fx.upserts.back().id == "aggregate/win/bank-a/g1");
    if (fx.upserts.size() == 2) {
      CHECK(fx.upserts[0].kind == "aggregate_chunk");
      CHECK(fx.upserts[0].data["entries"].size() == 16);
      ++chunks;
    }
    for (const auto& e : fx.upserts) {
      written.insert(e.id);
      largest = std::max(largest, json_size(e));
    }
    for (const auto& id : fx.erased) {
      INFO(id);
      CHECK(id.rfind("aggregate_chunk/win/bank-a/g1/", 0) == 0);
      CHECK(written.count(id) == 1);
    }
  }
  CHECK(chunks == 10000 / 16);
  CHECK(largest < 1200);   // 16 entries at most, however long the run
  // The store holds what the window keeps (about 6 events): the group and a chunk or two.
  CHECK(h.stored.size() <= 4);
  CHECK(h.entries() == h.eng.snapshot());
  for (const auto& e : h.entries()) CHECK(h.eng.holds(e));

  // Idle for a window of processing time: the group and its chunks are erased.
  const auto before = h.stored.size();
  auto idle = h.tick(timefmt::format_utc_ms(h.eng.next_due().value()));
  CHECK(idle.erased.size() == before);
  CHECK(h.stored.empty());
}

TEST_CASE("a restart in the middle of a long run continues exactly like an uninterrupted engine") {
  auto run = samples(4000, true, 5);
  for (std::size_t cut : {1U, 17U, 1234U, 2999U}) {
    INFO(cut);
    harness h(set());
    for (std::size_t i = 0; i < cut; ++i) h.event(to_event(run[i]));
    auto stored = h.entries();
    std::reverse(stored.begin(), stored.end());   // restore does not rely on the order
    engine::engine restored(set());
    restored.restore(stored);
    CHECK(restored.snapshot() == h.eng.snapshot());
    for (const auto& e : stored) CHECK(restored.holds(e));
    for (std::size_t i = cut; i < std::min(run.size(), cut + 1000); ++i) {
      engine::effects a, b;
      h.eng.on_event(to_event(run[i]), a);
      restored.on_event(to_event(run[i]), b);
      REQUIRE(dump(a) == dump(b));
    }
  }
}

TEST_CASE("a group stored in the old one-entry layout restores and continues") {
  auto run = samples(200, false, 9);
  harness live(set());
  for (std::size_t i = 0; i < 100; ++i) live.event(to_event(run[i]));
  // The old layout: every kept entry in the group's own entry, no chunks, no `sealed`.
  engine::state_entry old = live.stored.at("aggregate/win/bank-a/g1");
  old.data.erase("sealed");
  old.data["entries"] = nlohmann::json::array();
  const instant newest = run[99].t;
  for (std::size_t i = 0; i < 100; ++i) {
    if (run[i].t > newest - window) {
      old.data["entries"].push_back(
          {run[i].t.time_since_epoch().count(), run[i].id, {1, run[i].v, run[i].v, run[i].v}});
    }
  }
  REQUIRE(old.data["entries"].size() >= 2);
  engine::engine restored(set());
  restored.restore({old});
  CHECK(restored.holds(old));
  for (std::size_t i = 100; i < run.size(); ++i) {
    engine::effects a, b;
    live.eng.on_event(to_event(run[i]), a);
    restored.on_event(to_event(run[i]), b);
    INFO(run[i].id);
    REQUIRE(dump(a)["outcomes"] == dump(b)["outcomes"]);
    REQUIRE(dump(a)["breaches"] == dump(b)["breaches"]);
  }
}

namespace {

std::string observed(harness& h, const std::string& id, int seconds, nlohmann::json v) {
  auto fx = h.event(make_event(id, "bank-a", "w",
                               timefmt::format_utc_ms(base + std::chrono::seconds(seconds)),
                               {{"g", "g1"}, {"v", std::move(v)}}));
  if (fx.breaches.empty()) return "";
  return fx.breaches[0].evidence["observed"].get<std::string>();
}

}  // namespace

TEST_CASE("a maximum whose best value leaves the window falls back to the next best") {
  harness h(set());
  CHECK(observed(h, "a", 0, 100) == "");
  CHECK(observed(h, "c", 10, 10) == "n = 2, total = 110, low = 10, high = 100");
  CHECK(observed(h, "b", 30, 95) == "");   // quiet until 70 s
  // (10 s, 70 s]: a and c are out, b (not the newest) is the maximum.
  CHECK(observed(h, "d", 70, 0) == "n = 2, total = 95, low = 0, high = 95");
}

TEST_CASE("a minimum whose best value leaves the window falls back to the next best") {
  harness h(set());
  CHECK(observed(h, "a", 0, 0) == "");
  CHECK(observed(h, "c", 10, 90) == "n = 2, total = 90, low = 0, high = 90");
  CHECK(observed(h, "b", 30, 5) == "");
  CHECK(observed(h, "d", 70, 100) == "n = 2, total = 105, low = 5, high = 100");
}

TEST_CASE("a maximum keeps the type of the earliest equal value left in the window") {
  harness h(set());
  CHECK(observed(h, "a", 0, 200) == "");
  CHECK(observed(h, "x", 5, -100) == "n = 2, total = 100, low = -100, high = 200");
  CHECK(observed(h, "b", 30, 200.0) == "");   // quiet until 65 s; the int 200 stays the max
  // (5 s, 65 s]: a and x are out, the 200.0 of b is the maximum now.
  CHECK(observed(h, "t", 65, 150) == "n = 2, total = 350.0, low = 150, high = 200.0");
}

TEST_CASE("a reload keeps a window group's chunks, and drops them with a dropped rule") {
  harness h(set());
  for (const auto& s : samples(100, false, 13)) h.event(to_event(s));
  const auto before = h.eng.snapshot();
  REQUIRE(before.size() >= 2);   // the group and at least one chunk
  engine::effects same;
  h.eng.set_rules(load(rules_text), same);
  CHECK(same.erased.empty());
  CHECK(h.eng.snapshot() == before);

  std::string text = rules_text;
  engine::effects gone;
  h.eng.set_rules(load(text.substr(0, text.find("rules:")) + "rules: []\n"), gone);
  h.apply(gone);
  CHECK(gone.erased == ids(before));
  CHECK(h.stored.empty());
}

TEST_CASE("counts and sums out of time order stay running and agree with the rebuilt path") {
  // `plain` has no min/max: an event older than the newest is added to the running values;
  // `with_max` adds an unused max, which makes the engine rebuild them (checked against the
  // oracle above). Both must decide the same.
  auto rule = [](const std::string& id, const std::string& extra) {
    return fmt::format(R"(  - id: {}
    kind: aggregate
    category: purpose
    severity: major
    description: d
    group: event.attributes.g
    window: 1m
    measures:
      n: {{ count: true }}
      total: {{ sum: event.attributes.v }}{}
    require: n <= 6 && total <= 300
)", id, extra);
  };
  auto both = load(std::string("partners:\n  - { id: bank-a, name: Bank A, class: bank, "
                               "timezone: Africa/Nairobi }\nrules:\n") +
                   rule("plain", "") + rule("with_max", "\n      high: { max: event.attributes.v }"));
  engine::engine eng(both);
  std::map<std::string, std::size_t> outcomes;
  for (const auto& s : samples(4000, true, 9)) {
    engine::effects fx;
    eng.on_event(to_event(s), fx);
    std::map<std::string, std::string> by_rule;
    for (const auto& o : fx.outcomes) by_rule[o.rule] = std::string(model::to_string(o.kind));
    INFO(s.id);
    REQUIRE(by_rule["plain"] == by_rule["with_max"]);
    ++outcomes[by_rule["plain"]];
    for (const auto& b : fx.breaches) CHECK(b.evidence["event_count"] == fx.breaches[0].evidence["event_count"]);
  }
  CHECK(outcomes["breached"] > 50);
  CHECK(outcomes["met"] > 50);
}

TEST_CASE("a reload that changes a window rule's measures drops and reports its group and chunks") {
  harness h(set());
  for (const auto& s : samples(100, false, 13)) h.event(to_event(s));
  const auto before = h.eng.snapshot();
  REQUIRE(before.size() >= 2);   // the group and at least one chunk
  // Same rule id and kind (so the entries survive by kind), another measure: they no longer
  // load, and storage must learn that they are gone.
  std::string text = rules_text;
  text.replace(text.find("high: { max"), 4, "peak");
  text.replace(text.find("high - low"), 4, "peak");
  engine::effects changed;
  h.eng.set_rules(load(text), changed);
  h.apply(changed);
  CHECK(changed.erased == ids(before));
  CHECK(h.eng.snapshot().empty());
  CHECK(h.stored.empty());
}
