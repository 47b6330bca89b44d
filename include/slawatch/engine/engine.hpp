#pragma once
/// The deterministic rule engine: fed validated events (and, later, clock ticks), it returns
/// outcomes, breaches and counts of evaluation errors. Pure: no I/O, clocks or threads; the
/// caller serialises calls. Processing time is the event's received_at.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>
#include "slawatch/model/breach.hpp"
#include "slawatch/model/event.hpp"
#include "slawatch/rules/rule_set.hpp"

namespace slawatch::engine {

namespace detail {
struct engine_state;
}

/// One durable piece of engine state: an open deadline obligation, a stop that arrived
/// before its start, an absence period, an open deadline/absence breach awaiting its late
/// stop/report. The engine's whole state is the set of its entries: the caller persists
/// every upsert/erase in the same commit as the event or tick that caused it, and a restart
/// (or a rollback) restores the engine from them.
struct state_entry {
  std::string id;          ///< deterministic: "<kind>/<rule>/<partner>/<key>"
  std::string kind;        ///< obligation | early_stop | absence | open_breach | aggregate |
                           ///< aggregate_chunk | objective
  std::string rule;
  std::string partner;
  std::string key;
  std::optional<instant> fire_at;   ///< when the entry next needs the clock (timer), if ever
  nlohmann::json data = nlohmann::json::object();   ///< kind-specific, owned by the engine
  friend bool operator==(const state_entry&, const state_entry&) = default;
};
// Entry layouts (instants in `data` are integer nanoseconds since the Unix epoch, exact):
//   obligation   id obligation/<rule>/<partner>/<key>; fire_at = next warning or due +
//                allowed_lateness; data {started_at, due, start_event, start_type, warned}
//                (warned = how many warn_at thresholds have passed).
//   early_stop   id early_stop/<rule>/<partner>/<key>; fire_at = when it is dropped;
//                data {at, stop_event}.
//   absence      id absence/<rule>/<partner>/<key>; fire_at = due of the current period;
//                data {due, seen, ahead (null or ns)}.
//   open_breach  id open_breach/<rule>/<partner>/<breach id>/<key>; no fire_at;
//                data {breach_id, due}. Several may exist per key (oldest closed first).
//   aggregate    id aggregate/<rule>/<partner>/<group value>; fire_at = settle time (settled)
//                or when an idle sliding group is dropped; data {mode: settle|window, names
//                (measure names), settled: first_at, first_event, count, events (first 20),
//                measures [{n, all_int, micro (decimal string), best}]; window: quiet_until,
//                met_until, sealed, entries [[at, event id, [part per measure]]]}. A window
//                group keeps its newest entries (at most 16; seq numbers sealed, sealed + 1, ...)
//                and moves them, once 16, to a chunk, so a step writes O(1) bytes. Without
//                `sealed` (the layout before chunks) entries hold every kept event.
//   aggregate_chunk  id aggregate_chunk/<rule>/<partner>/<group value>/<first>; no fire_at;
//                data {first (seq of its first entry), entries (same form, written once)}.
//                Erased when none of its entries is within a window of the group's newest,
//                or with its group. Loaded only with its group's entry, in any order.
//   objective    id objective/<rule>/<partner>/<window label>; fire_at = window end while
//                open, none once judged (kept to recognise late outcomes); data {start, end,
//                met, breached, waived, closed}.

/// A change to an existing breach (a late stop or late report closes an open breach).
struct breach_update {
  std::string id;
  model::breach_status status = model::breach_status::closed;
  std::optional<instant> completed_at;
  std::optional<double> delay_seconds;
};

/// A deadline warning threshold crossed (fires once per obligation and threshold).
struct warning {
  std::string rule, partner, key;
  std::string threshold;   ///< as written: "50%"
  instant at{};
};

/// An objective's numbers for one (objective, partner, window), emitted whenever they change
/// (for slawatch_objective_ratio / _target / slawatch_error_budget_remaining).
struct objective_status {
  std::string rule;          ///< the objective's id
  std::string partner;
  double ratio = 1.0;        ///< met / decided; 1.0 when nothing was decided
  double target = 1.0;       ///< fraction: 99% = 0.99
  /// 1 - (breached / decided) / (1 - target): 1 untouched, 0 spent, negative overspent; with
  /// a 100% target 1 without breaches and 0 with any.
  double error_budget_remaining = 1.0;
  instant window_start{};    ///< first instant of the window (local midnight)
  instant window_end{};      ///< exclusive end (the next window's start)
  std::uint64_t decided = 0; ///< met + breached (waived outcomes leave the ratio)
  std::uint64_t met = 0;
  std::uint64_t breached = 0;
  std::uint64_t waived = 0;
};

/// What one step produced.
struct effects {
  std::vector<model::outcome> outcomes;
  std::vector<model::breach> breaches;          ///< new breaches
  std::vector<breach_update> breach_updates;
  std::vector<warning> warnings;
  std::vector<state_entry> upserts;             ///< state to write (insert or replace by id)
  std::vector<std::string> erased;              ///< state entry ids to delete
  std::map<std::string, std::uint64_t> evaluation_errors;   ///< rule id → count
  std::vector<objective_status> objectives;     ///< objectives whose numbers changed
  void clear();
};

class engine {
 public:
  explicit engine(std::shared_ptr<const rules::rule_set> rules);
  ~engine();
  engine(engine&&) noexcept;
  engine& operator=(engine&&) noexcept;

  /// Replaces the rule set (reload). Caller guarantees no concurrent on_event. Dropped state
  /// entries are not reported: use the overload below when state is persisted.
  void set_rules(std::shared_ptr<const rules::rule_set> rules);
  /// Same, reporting the state entries it drops in out.erased: entries of rules that are
  /// gone, disabled, of another kind now, or no longer select the entry's partner. Entries
  /// of surviving rules are kept as they are (an open obligation keeps its due time).
  void set_rules(std::shared_ptr<const rules::rule_set> rules, effects& out);
  [[nodiscard]] const rules::rule_set& rules() const { return *rules_; }

  /// Evaluates every enabled rule whose partner selector matches the event's partner.
  /// The event's partner must exist in the rule set (the caller rejected unknown partners).
  /// Appends to `out`.
  void on_event(const model::event& ev, effects& out);

  /// Advances processing time to `now`: fires every timer whose fire time (due +
  /// allowed_lateness, or a warning threshold, or an absence due time) is <= now, in time
  /// order. Breaches it creates have detected_at = now. Appends to `out`.
  void on_tick(instant now, effects& out);

  /// A breached outcome of `rule` for `partner` decided at `decided_at` was waived: every
  /// objective counting it moves one breached outcome of that window to waived (out of the
  /// ratio) and reports its new numbers. No-op when no open or kept window holds it.
  void on_waive(const std::string& rule, const std::string& partner, instant decided_at,
                effects& out);

  /// Pipeline mode: changes to obligations, aggregate groups and objective counters are
  /// kept until flush_state(), so a group of events writes each entry once instead of once
  /// per event (and an obligation opened and closed within the group not at all). Off by
  /// default: every call then ends with its own flush.
  void defer_state(bool on);
  /// Hands out, as upserts sorted by kind and key, the changed entries still held.
  void flush_state(effects& out);

  /// The earliest pending fire time, if any (the scheduler sleeps until then). The epoch
  /// (instant{}) when absence periods wait for the clock to start: tick right away.
  [[nodiscard]] std::optional<instant> next_due() const;

  /// Replaces the whole state with stored entries (start-up, or after a failed commit).
  /// Entries of rules that no longer exist are ignored (the caller records them).
  void restore(const std::vector<state_entry>& entries);

  /// Streaming restore (start-up with a million entries: never all of them in memory at
  /// once). restore_begin() empties the state; restore_add() takes one chunk of stored
  /// entries, converted to the compact form at once (the caller may drop the chunk after the
  /// call); restore_end() finishes. Chunks may come in any order and size: an aggregate_chunk
  /// whose group comes in a later chunk is kept aside until restore_end(). Afterwards the
  /// state, snapshot() and next_due() are those restore(all entries of all chunks) gives.
  /// `not_taken` receives, over restore_add() and restore_end() together, exactly the ids of
  /// the entries e with holds(e) false afterwards (rules or partners gone, another kind,
  /// malformed, aggregate chunks no longer in a window): the entries to delete.
  /// restore_add()/restore_end() without restore_begin() start one implicitly.
  /// `expected_obligations` (e.g. the store's count; 0 = unknown) sizes the obligation map
  /// once instead of growing it through rehashes; it changes nothing else.
  void restore_begin(std::size_t expected_obligations = 0);
  void restore_add(const std::vector<state_entry>& chunk, std::vector<std::string>& not_taken);
  void restore_end(std::vector<std::string>& not_taken);

  /// The whole state as entries, sorted by id (what restore() takes back).
  [[nodiscard]] std::vector<state_entry> snapshot() const;

  /// Open obligations per (rule id, partner id) with at least one (exact gauges).
  [[nodiscard]] std::map<std::pair<std::string, std::string>, std::uint64_t>
  obligation_counts() const;

  /// Whether the state holds the entry `e` names (by kind, rule, partner and key; an
  /// open_breach also by its data.breach_id). Contents are not compared. Lets a caller that
  /// sees one id both upserted and erased in a step tell which came last.
  [[nodiscard]] bool holds(const state_entry& e) const;

 private:
  /// Per partner: its registry entry as rules see it (built once per rule set, not per
  /// event) and the enabled condition rules whose selector matches it, in file order.
  /// A condition rule as one event type meets it. `when_slot` indexes the event's memo of
  /// distinct `when` texts (rules sharing a filter evaluate it once per event); -1 when
  /// nothing needs evaluating: no `when`, or one the event type alone makes true.
  struct condition_ref {
    const rules::rule* rule = nullptr;
    int when_slot = -1;
  };
  /// The rules of one partner an event of one type can match, in file order (rule indexing:
  /// a rule whose filters are false for the type is left out without being evaluated).
  struct typed_view {
    std::vector<condition_ref> conditions;
    std::size_t when_slots = 0;
    std::vector<const rules::rule*> deadlines, absences, aggregates;
  };
  struct partner_view {
    nlohmann::json doc;
    std::vector<const rules::rule*> conditions;
    std::vector<const rules::rule*> deadlines;   ///< enabled deadline rules selecting it
    std::vector<const rules::rule*> absences;    ///< enabled absence rules selecting it
    std::vector<const rules::rule*> aggregates;  ///< enabled aggregate rules selecting it
    std::uint32_t index = 0;                     ///< position among the sorted partner ids
    /// Built on first sight of a type; bounded (max_cached_types), beyond that built per event.
    std::unordered_map<std::string, typed_view> by_type;
  };
  void build_views();
  [[nodiscard]] typed_view build_typed(const partner_view& view, std::string_view type) const;
  const typed_view& typed(partner_view& view, const std::string& type, typed_view& scratch) const;
  /// Advances the processing clock to `now` and creates absence periods on first sight.
  void observe_clock(instant now, effects& out);
  void on_condition(const condition_ref& c, const model::event& ev, const expr::activation& act,
                    std::vector<std::int8_t>& when_memo, effects& out) const;

  std::shared_ptr<const rules::rule_set> rules_;
  std::map<std::string, partner_view, std::less<>> partners_;
  std::vector<expr::string_guard> guards_;     ///< per rule index: which event types it can match
  std::vector<std::int8_t> when_memo_;         ///< per event: truth of each distinct `when`
  static constexpr std::int8_t when_unknown = -1;   ///< else the expr::truth value
  std::unique_ptr<detail::engine_state> st_;   ///< timers, obligations, host functions
};

}  // namespace slawatch::engine
