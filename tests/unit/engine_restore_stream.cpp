// Streaming restore (restore_begin / restore_add / restore_end): any chunking and any order
// gives the state restore() of all entries gives, and reports exactly the entries not held.
#include <algorithm>
#include <random>
#include "engine_support.hpp"

using namespace engine_test;

namespace {

const char* rules_text = R"(calendars:
  ke-banking: { timezone: Africa/Nairobi, holidays: [2026-12-25] }
partners:
  - { id: bank-a, name: Bank A, class: bank, timezone: Africa/Nairobi, calendar: ke-banking }
rules:
  - id: remit
    kind: deadline
    category: timeliness
    severity: major
    description: Remitted within 1 business day.
    start: { when: "event.type == 'collected'", key: event.attributes.receipt_no }
    stop: { when: "event.type == 'remitted'", key: event.attributes.receipt_nos }
    within: 1 business_days
    warn_at: [50%]
    allowed_lateness: 1h
  - id: recon
    kind: absence
    category: timeliness
    severity: major
    description: Daily file.
    expect: event.type == 'report'
    schedule: { every: business_day, due: "10:00" }
  - id: tls
    kind: condition
    category: security
    severity: major
    description: Secure.
    when: event.type == 'tx'
    require: event.attributes.ok
  - id: tls-daily
    kind: objective
    category: security
    severity: minor
    description: Half of the transmissions secure each day.
    partners: { classes: [bank] }
    of: [tls]
    target: 50%
    window: day
  - id: win
    kind: aggregate
    category: purpose
    severity: major
    description: Few per minute.
    group: event.attributes.g
    window: 1m
    measures:
      n: { count: true }
      total: { sum: event.attributes.v }
    require: n <= 6 && total <= 300
)";

std::shared_ptr<const rules::rule_set> set() {
  static auto s = load(rules_text);
  return s;
}

model::event ev(const std::string& id, const std::string& type, const std::string& occurred,
                nlohmann::json attrs = nlohmann::json::object()) {
  return make_event(id, "bank-a", type, occurred, std::move(attrs), "");
}

/// Open obligations, an early stop, open breaches, absence periods, an objective window and
/// two window groups with several chunks each.
harness busy() {
  harness h(set());
  h.tick("2026-11-02T08:00:00+03:00");
  for (int i = 0; i < 6; ++i) {
    h.event(ev("c" + std::to_string(i), "collected", "2026-11-02T09:0" + std::to_string(i) + ":00+03:00",
               {{"receipt_no", "R" + std::to_string(i)}}));
  }
  h.event(ev("t1", "tx", "2026-11-02T09:40:00+03:00", {{"ok", false}}));
  h.event(ev("t2", "tx", "2026-11-02T09:41:00+03:00", {{"ok", true}}));
  h.tick("2026-11-04T01:30:00+03:00");   // R0..R5 breach open, absences breach
  h.event(ev("c9", "collected", "2026-11-04T09:00:00+03:00", {{"receipt_no", "R9"}}));
  h.event(ev("e1", "remitted", "2026-11-04T09:30:00+03:00", {{"receipt_nos", {"R77"}}}));
  for (int i = 0; i < 90; ++i) {   // 1 event per second: a group keeps 60, in chunks of 16
    auto t = "2026-11-04T07:" + std::string(i / 60 < 1 ? "00" : "01") + ":" +
             (i % 60 < 10 ? "0" : "") + std::to_string(i % 60) + "Z";
    h.event(ev("w" + std::to_string(i), "w", t, {{"g", i % 3 == 0 ? "g2" : "g1"}, {"v", 1}}));
  }
  return h;
}

struct streamed {
  engine::engine eng{set()};
  std::vector<std::string> not_taken;
};

/// Restores `entries` in chunks of `size` into a fresh engine.
void stream(streamed& s, const std::vector<engine::state_entry>& entries, std::size_t size) {
  s.eng.restore_begin();
  for (std::size_t at = 0; at < entries.size(); at += size) {
    std::vector<engine::state_entry> chunk(entries.begin() + static_cast<std::ptrdiff_t>(at),
                                           entries.begin() + static_cast<std::ptrdiff_t>(
                                                                 std::min(entries.size(), at + size)));
    s.eng.restore_add(chunk, s.not_taken);
  }
  s.eng.restore_end(s.not_taken);
}

std::vector<std::string> not_held(const engine::engine& eng,
                                  const std::vector<engine::state_entry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) {
    if (!eng.holds(e)) out.push_back(e.id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("a streamed restore in chunks of any size equals restore of all entries") {
  auto h = busy();
  auto entries = h.entries();
  auto kinds = std::map<std::string, int>{};
  for (const auto& e : entries) ++kinds[e.kind];
  REQUIRE(kinds["aggregate"] == 2);
  REQUIRE(kinds["aggregate_chunk"] >= 3);
  REQUIRE(kinds["obligation"] >= 1);
  REQUIRE(kinds["open_breach"] >= 6);
  REQUIRE(kinds["absence"] == 1);
  REQUIRE(kinds["objective"] == 1);
  REQUIRE(kinds["early_stop"] == 1);
  engine::engine all(set());
  all.restore(entries);
  REQUIRE(all.snapshot() == h.eng.snapshot());
  for (std::size_t size : {1U, 3U, 1000U}) {
    for (bool reversed : {false, true}) {   // chunks before their group: kept aside
      CAPTURE(size, reversed);
      auto order = entries;
      if (reversed) std::reverse(order.begin(), order.end());
      streamed s;
      stream(s, order, size);
      CHECK(s.eng.snapshot() == all.snapshot());
      CHECK(s.eng.next_due() == all.next_due());
      CHECK(s.not_taken.empty());
      engine::effects a, b;   // and both continue alike
      all.on_tick(at("2026-11-07T00:00:00+03:00"), a);
      s.eng.on_tick(at("2026-11-07T00:00:00+03:00"), b);
      CHECK(dump(a) == dump(b));
      all.restore(entries);
    }
  }
}

TEST_CASE("a streamed restore reports exactly the entries it does not hold") {
  auto h = busy();
  auto entries = h.entries();
  // Entries the engine cannot take: a rule gone, a partner gone, another kind, malformed, and
  // a chunk no entry of which is within a window of its group's newest entry.
  auto gone = entries.front();
  gone.id = "obligation/gone/bank-a/X";
  gone.kind = "obligation";
  gone.rule = "gone";
  auto stranger = entries.front();
  stranger.id = "obligation/remit/bank-z/X";
  stranger.kind = "obligation";
  stranger.rule = "remit";
  stranger.partner = "bank-z";
  auto other_kind = stranger;
  other_kind.id = "absence/remit/bank-a/X";
  other_kind.kind = "absence";
  other_kind.partner = "bank-a";
  auto malformed = other_kind;
  malformed.id = "obligation/remit/bank-a/X";
  malformed.kind = "obligation";
  malformed.data = {{"due", "soon"}};
  auto old_chunk = std::find_if(entries.begin(), entries.end(), [](const auto& e) {
    return e.kind == "aggregate_chunk";
  });
  REQUIRE(old_chunk != entries.end());
  auto stale = *old_chunk;
  stale.data["first"] = 0;
  stale.id = "aggregate_chunk/win/bank-a/" + stale.key + "/0";
  for (const auto& e : {gone, stranger, other_kind, malformed}) entries.push_back(e);
  if (std::none_of(entries.begin(), entries.end(), [&](const auto& e) { return e.id == stale.id; })) {
    entries.push_back(stale);
  }
  std::mt19937 rng(7);
  std::shuffle(entries.begin(), entries.end(), rng);
  engine::engine all(set());
  all.restore(entries);
  const auto expected = not_held(all, entries);
  REQUIRE(expected.size() >= 4);
  for (std::size_t size : {1U, 3U, 1000U}) {
    CAPTURE(size);
    streamed s;
    stream(s, entries, size);
    CHECK(s.eng.snapshot() == all.snapshot());
    CHECK(s.eng.next_due() == all.next_due());
    std::sort(s.not_taken.begin(), s.not_taken.end());
    CHECK(s.not_taken == expected);
  }
}

TEST_CASE("a streamed restore replaces the state held before and restore_end alone empties it") {
  auto h = busy();
  engine::engine eng(set());
  eng.restore(h.entries());
  std::vector<std::string> not_taken;
  eng.restore_begin();
  eng.restore_end(not_taken);
  CHECK(eng.snapshot().empty());
  CHECK(not_taken.empty());
  engine::engine none(nullptr);
  none.restore_begin();
  none.restore_add(h.entries(), not_taken);
  none.restore_end(not_taken);
  CHECK(not_taken == ids(h.entries()));
}
