#pragma once
// Internals of the engine's timer state: compact in-memory forms of the state entries
// (obligations, early stops, absence periods, open breaches) and the ordered timer set.
// JSON is produced only for effects (state_entry::data), never kept per obligation.
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>
#include "slawatch/engine/engine.hpp"

namespace slawatch::engine::detail {

/// (rule, partner, key): rule = index into rule_set::rules, partner = index into
/// engine_state::partner_ids (sorted ids), so an obligation costs one short string.
struct okey {
  std::uint32_t rule = 0;
  std::uint32_t partner = 0;
  std::string key;
  friend bool operator==(const okey&, const okey&) = default;
  friend bool operator<(const okey& a, const okey& b) {
    return std::tie(a.rule, a.partner, a.key) < std::tie(b.rule, b.partner, b.key);
  }
};

struct okey_hash {
  std::size_t operator()(const okey& k) const {
    auto h = std::hash<std::string>{}(k.key);
    return h ^ ((static_cast<std::size_t>(k.rule) << 20) + k.partner + 0x9e3779b97f4a7c15ULL +
                (h << 6) + (h >> 2));
  }
};

/// Order of timers that fire at the same instant (then rule, partner, key).
/// Objectives fire last, so outcomes of other timers due at the same instant count first.
enum class timer_kind : std::uint8_t { absence, early_stop, obligation, aggregate, objective };

struct obligation {
  instant started_at{};
  instant due{};
  instant fire_at{};
  std::string start_event;
  const std::string* start_type = nullptr;   ///< interned in engine_state::types
  std::uint8_t warned = 0;                    ///< warn_at thresholds already passed
  bool stored = false;                        ///< its entry was handed out (or restored)
};

struct early_stop {
  instant at{};           ///< the stop's `at`
  instant fire_at{};      ///< received_at + allowed_lateness: when it is dropped
  std::string stop_event;
};

struct absence_slot {
  instant due{};                    ///< end of the current period (and its timer)
  bool seen = false;                ///< a matching event dated inside the current period
  std::optional<instant> ahead;     ///< earliest matching event dated after `due`
};

struct open_breach {
  std::string breach_id;
  instant due{};
};

__extension__ typedef __int128 int128;   // exact sums (micro-units); __extension__: -Wpedantic

/// A number as measures see it: ints stay exact ints.
struct number {
  bool is_int = true;
  std::int64_t i = 0;
  double d = 0;
  [[nodiscard]] double as_double() const { return is_int ? static_cast<double>(i) : d; }
};

/// One measure's running value (docs/rules.md "Exact sums").
struct measure_acc {
  std::uint64_t n = 0;          ///< contributions (the count)
  bool all_int = true;          ///< every summed value was an int
  int128 micro = 0;             ///< the sum in millionths, exact
  std::optional<number> best;   ///< min / max so far
};

/// An event kept by a sliding aggregate: its time and what it gave each measure.
struct agg_entry {
  instant at{};
  std::string event;
  std::vector<std::optional<number>> parts;   ///< per measure, in rule order
  std::uint64_t seq = 0;   ///< insertion number in its group: tells where it is stored
};

/// Entries of a sliding group moved out of the group's own state entry into an
/// aggregate_chunk entry: written once, erased once none of its entries is kept.
struct agg_chunk {
  std::vector<agg_entry> entries;   ///< as written, kept or not (the stored row)
  std::size_t kept = 0;             ///< how many are still in agg_group::entries
};
/// A sliding group's own entry holds at most this many entries before they move to a chunk:
/// a step writes O(1) bytes however many events the window keeps.
inline constexpr std::size_t agg_chunk_entries = 16;

/// Running measures over every kept entry of a sliding group, which is exactly the window
/// (newest - window, newest]: events in time order update them in O(1) amortised.
struct window_acc {
  std::vector<measure_acc> acc;          ///< count and sum (best unused)
  std::vector<std::uint64_t> doubles;    ///< per sum: kept non-int values (all_int)
  /// per min/max: candidates in time order (seq, value), the front is the best
  std::vector<std::deque<std::pair<std::uint64_t, number>>> best;
};

/// One aggregate group (rule, partner, group value).
struct agg_group {
  instant first_at{};               ///< settled: the first event's occurred_at
  std::string first_event;          ///< settled: its id (part of the breach identity)
  instant fire_at{};                ///< settled: settle time; sliding: when it is dropped
  std::uint64_t count = 0;          ///< settled: events added
  std::vector<std::string> events;  ///< settled: the first max_evidence_events ids
  std::vector<measure_acc> acc;     ///< settled: per measure
  std::deque<agg_entry> entries;    ///< sliding: kept, by (occurred_at, seq)
  window_acc win;                   ///< sliding: measures over `entries`
  std::vector<agg_entry> tail;      ///< sliding: stored in the group's entry, seq from `sealed`
  std::size_t tail_kept = 0;        ///< sliding: entries of `tail` still kept
  std::uint64_t sealed = 0;         ///< sliding: entries moved to chunks (seq of tail[0])
  std::map<std::uint64_t, agg_chunk> chunks;   ///< sliding: by the seq of their first entry
  std::optional<instant> quiet_until;   ///< sliding: no new breach before this event time
  std::optional<instant> met_until;     ///< sliding: no new met outcome before this event time
};
inline constexpr std::size_t max_evidence_events = 20;

/// Counts of one objective window (or, for rolling objectives, one local day).
struct objective_counter {
  instant start{};                  ///< first instant of the window (local midnight)
  instant end{};                    ///< exclusive end; its timer
  std::uint64_t met = 0, breached = 0, waived = 0;
  bool closed = false;              ///< judged; kept only to recognise late outcomes
};

struct timer {
  instant at{};
  timer_kind kind = timer_kind::obligation;
  const okey* k = nullptr;          ///< the key inside its map node (stable address)
};

struct timer_less {
  bool operator()(const timer& a, const timer& b) const {
    return std::tie(a.at, a.kind, *a.k) < std::tie(b.at, b.kind, *b.k);
  }
};

using obligation_map = std::unordered_map<okey, obligation, okey_hash>;

/// A streaming restore under way (engine::restore_begin ... restore_end): only what the
/// chunks leave behind, never the chunks themselves.
struct restore_progress {
  std::string last_rule, last_partner;   ///< (rule, partner) indices of the last entry
  std::optional<std::pair<std::uint32_t, std::uint32_t>> last;
  std::vector<std::pair<okey, state_entry>> waiting;   ///< chunks whose group came later
  /// Entries that may not be held at the end (rejected, or aggregate chunks), as holds()
  /// reads them: few, and checked once every chunk is in.
  std::vector<state_entry> unsure;
};

struct engine_state {
  const rules::rule_set* set = nullptr;
  expr::host_functions fns;      ///< business-time functions of `set` (built once per set)
  std::vector<std::string> partner_ids;                ///< sorted, index = okey::partner
  std::vector<const nlohmann::json*> partner_docs;     ///< same index: partner as rules see it
  std::map<std::string, std::uint32_t, std::less<>> rule_index;  ///< rule id -> index

  obligation_map obligations;
  std::unordered_map<okey, early_stop, okey_hash> early_stops;
  std::unordered_map<okey, absence_slot, okey_hash> absences;
  std::map<okey, std::vector<open_breach>> open_breaches;   ///< oldest due first
  std::unordered_map<okey, agg_group, okey_hash> aggregates;
  std::map<okey, objective_counter> objectives;   ///< key = window label; ordered per (rule, partner)
  /// rule id → indices of the enabled objective rules listing it (built per rule set).
  std::map<std::string, std::vector<std::uint32_t>, std::less<>> objectives_of;
  std::set<timer, timer_less> timers;
  std::set<std::string, std::less<>> types;                ///< interned start event types

  std::optional<instant> clock;     ///< latest processing time seen (tick or received_at)
  bool seeded = false;              ///< absence slots of expected partners created
  std::optional<restore_progress> restoring;   ///< between restore_begin and restore_end

  [[nodiscard]] const rules::rule& rule_at(const okey& k) const { return set->rules[k.rule]; }
  [[nodiscard]] const std::string& partner_at(const okey& k) const {
    return partner_ids[k.partner];
  }
  [[nodiscard]] std::uint32_t index_of(const rules::rule& r) const {
    return static_cast<std::uint32_t>(&r - set->rules.data());
  }
  /// Open obligations per (rule, partner) index, kept with every insert and erase of
  /// `obligations`: gauges read it after every write group, and counting a million open
  /// obligations each time would cost milliseconds.
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t> obligation_tally;
  void obligation_added(const okey& k) { ++obligation_tally[{k.rule, k.partner}]; }
  void obligation_removed(const okey& k) {
    auto it = obligation_tally.find({k.rule, k.partner});
    if (it != obligation_tally.end() && --it->second == 0) obligation_tally.erase(it);
  }
  /// Entries changed since the last flush (kinds changed once per event, written once per
  /// flush): flush_state() hands out the ones still held; an erased one was reported as it
  /// went (an obligation only when it had been stored).
  enum class dirty_kind : std::uint8_t { obligation, aggregate, objective };
  std::set<std::pair<dirty_kind, okey>> dirty;
  bool defer = false;                 ///< flush only when asked (the pipeline: once per group)
  void mark(dirty_kind kind, const okey& k) { dirty.emplace(kind, k); }
  void clear_entries();
};

// ---- state entries (state_codec.cpp) ---------------------------------------------------------
std::string entry_id(const engine_state& st, std::string_view kind, const okey& k);
std::string open_breach_id(const engine_state& st, const okey& k, const open_breach& b);
state_entry obligation_entry(const engine_state& st, const okey& k, const obligation& o);
/// Upserts for every dirty entry still held (obligations become `stored`); clears `dirty`.
void flush_dirty(engine_state& st, effects& out);
state_entry early_stop_entry(const engine_state& st, const okey& k, const early_stop& e);
state_entry absence_entry(const engine_state& st, const okey& k, const absence_slot& a);
state_entry open_breach_entry(const engine_state& st, const okey& k, const open_breach& b);
std::vector<state_entry> snapshot(const engine_state& st);
/// Loads entries into an empty state; entries of unknown rules/partners or of a rule of
/// another kind, and malformed ones, are skipped.
void load_entries(engine_state& st, const std::vector<state_entry>& entries);
/// Loads one chunk of entries (any order across chunks). Ids of entries of unknown rules or
/// partners go to `not_taken`; entries that may yet turn out not held go to p.unsure.
void load_chunk(engine_state& st, restore_progress& p, const std::vector<state_entry>& entries,
                std::vector<std::string>& not_taken);
/// After the last chunk: loads the waiting aggregate chunks and rebuilds sliding windows.
void finish_load(engine_state& st, restore_progress& p);

// ---- kinds (deadline.cpp, absence.cpp) ------------------------------------------------------
void deadline_event(engine_state& st, const rules::rule& r, std::uint32_t partner,
                    const model::event& ev, const expr::activation& act, effects& out);
void fire_obligation(engine_state& st, const okey& k, instant now, effects& out);
void expire_early_stop(engine_state& st, const okey& k, effects& out);

void absence_event(engine_state& st, const rules::rule& r, std::uint32_t partner,
                   const model::event& ev, const expr::activation& act, effects& out);
void fire_absence(engine_state& st, const okey& k, instant now, effects& out);
/// Creates the absence periods of every expected (rule, partner) that has none yet.
void seed_absences(engine_state& st, instant now, effects& out);
/// True when every expected (rule, partner) already has its absence period (after a restore).
bool absences_complete(const engine_state& st);

// ---- aggregate (aggregate.cpp, aggregate_measures.cpp) -----------------------------------------
void aggregate_event(engine_state& st, const rules::rule& r, std::uint32_t partner,
                     const model::event& ev, const expr::activation& act, effects& out);
void fire_aggregate(engine_state& st, const okey& k, instant now, effects& out);
state_entry aggregate_entry(const engine_state& st, const okey& k, const agg_group& g);
bool load_aggregate(engine_state& st, okey k, const state_entry& e);
/// True when `x` replaces `best` as a min / max (ties keep the earlier value).
bool better(const number& x, const number& best, rules::rule::aggregation agg);

// ---- sliding windows (aggregate_window.cpp) -------------------------------------------------
/// Empties `w` and sizes it for `r`'s measures.
void window_reset(const rules::rule& r, window_acc& w);
/// Whether the rule has a min or max measure (running values that depend on time order).
bool has_extremes(const rules::rule& r);
/// Adds an entry that is not older than any entry already added.
void window_add(const rules::rule& r, window_acc& w, const agg_entry& e);
/// Removes the oldest entry added (eviction is in time order).
void window_drop(const rules::rule& r, window_acc& w, const agg_entry& e);
/// The measures as `require` sees them.
std::vector<measure_acc> window_current(const rules::rule& r, const window_acc& w);
/// Stores a new entry (in the group's tail) and returns its seq.
std::uint64_t store_entry(agg_group& g, const agg_entry& e);
/// An entry left the window: its chunk is erased once none of its entries is kept.
void forget_entry(const engine_state& st, const okey& k, agg_group& g, const agg_entry& e,
                  effects& out);
/// Moves a full tail into a chunk (upserted) so the group's own entry stays small.
void seal_tail(const engine_state& st, const okey& k, agg_group& g, effects& out);
/// Ids of every entry of a dropped group: its own and its chunks'.
void erase_group(const engine_state& st, const okey& k, const agg_group& g, effects& out);
state_entry aggregate_chunk_entry(const engine_state& st, const okey& k, std::uint64_t first,
                                  const agg_chunk& c);
/// Adds a chunk entry to its (already loaded) sliding group; false when malformed.
bool load_aggregate_chunk(engine_state& st, const okey& k, const state_entry& e);
/// After a load: rebuilds kept entries, chunk counts and measures from tail and chunks.
void finish_sliding(const rules::rule& r, agg_group& g);
nlohmann::json entries_to_json(const std::vector<agg_entry>& entries);
/// Parses [[at, event, [parts]]] with seq from `first`; false when malformed.
bool entries_from_json(const rules::rule& r, const nlohmann::json& j, std::uint64_t first,
                       std::vector<agg_entry>& out);
std::optional<number> to_number(const expr::value& v);
/// Adds `x` to `a`; false (nothing added) when a summed value is out of the exact range.
bool fold(measure_acc& a, rules::rule::aggregation agg, const number& x);
/// The measure's value for `require`: sums exact (int when every value was), null min/max
/// when nothing contributed.
expr::value measure_value(const measure_acc& a, rules::rule::aggregation agg);
nlohmann::json acc_to_json(const measure_acc& a);
std::optional<measure_acc> acc_from_json(const nlohmann::json& j);
nlohmann::json number_to_json(const std::optional<number>& n);
std::optional<std::optional<number>> number_from_json(const nlohmann::json& j);

// ---- objective (objective.cpp) -------------------------------------------------------------
/// Rebuilds objectives_of for st.set.
void index_objectives(engine_state& st);
/// Counts out.outcomes[from..] (and the objective outcomes that counting produces) into the
/// windows of the objectives listing their rules.
void count_outcomes(engine_state& st, std::size_t from, effects& out);
void fire_objective(engine_state& st, const okey& k, instant now, effects& out);
void waive_outcome(engine_state& st, const std::string& rule, const std::string& partner,
                   instant decided_at, effects& out);
state_entry objective_entry(const engine_state& st, const okey& k, const objective_counter& c);
bool load_objective(engine_state& st, okey k, const state_entry& e);

// ---- shared helpers (timers.cpp) ------------------------------------------------------------
/// Fires every timer due at or before `now`, earliest first.
void fire_due(engine_state& st, instant now, effects& out);
void add_timer(engine_state& st, instant at, timer_kind kind, const okey& k);
void remove_timer(engine_state& st, instant at, timer_kind kind, const okey& k);
/// Closes the open breaches of `k` (all when `all`, else only the oldest) at `completed`.
/// True when one was closed.
bool close_open_breaches(engine_state& st, const okey& k, instant completed, bool all,
                         effects& out);
void record_open_breach(engine_state& st, const okey& k, open_breach b, effects& out);
/// Seconds as a double (delay_seconds).
double seconds(duration d);
/// Breach fields common to deadline and absence breaches.
model::breach timer_breach(const rules::rule& r, const std::string& partner,
                           const std::string& key, instant due,
                           const slawatch::calendar::business_calendar& cal);
/// Evaluates a filter; errors count for the rule and are false.
bool matches(const expr::program& p, const rules::rule& r, const expr::activation& act,
             const engine_state& st, effects& out);
/// True when an unexpired exception of `r` matches (errors count and do not match).
bool excepted(const rules::rule& r, instant now, const expr::activation& act,
              const engine_state& st, effects& out);

}  // namespace slawatch::engine::detail
