// bench_state restore: the start-up path of serve (ingest pipeline recover(): streamed in
// chunks) on the store file the fill phase wrote, then the former all-rows path for
// comparison, then every timer fired on the simulated clock.
#include <malloc.h>
#include "bench_state.hpp"
#include "slawatch/store/store.hpp"

namespace slawatch::bench {

namespace {

/// Ticks at each next_due() until no timer is left. In simulation a breach must be detected
/// exactly at due + allowed_lateness (0 here): the largest difference is reported.
nlohmann::json tick_all(engine::engine& eng) {
  std::uint64_t ticks = 0, breaches = 0, warnings = 0, off_time = 0;
  std::int64_t max_lag_ns = 0;
  engine::effects fx;
  stopwatch sw;
  while (auto due = eng.next_due()) {
    fx.clear();
    eng.on_tick(*due, fx);
    ++ticks;
    warnings += fx.warnings.size();
    for (const auto& b : fx.breaches) {
      ++breaches;
      if (b.detected_at != *due) ++off_time;
      if (b.due_at) {
        auto lag = (b.detected_at - *b.due_at).count();
        max_lag_ns = std::max(max_lag_ns, lag < 0 ? -lag : lag);
      }
    }
  }
  double s = sw.seconds();
  return {{"tick_seconds", s}, {"tick_cpu_seconds", sw.cpu()},
          {"breaches_per_cpu_second", static_cast<double>(breaches) / sw.cpu()}, {"ticks", ticks}, {"tick_breaches", breaches},
          {"tick_warnings", warnings}, {"breaches_per_second", static_cast<double>(breaches) / s},
          {"timers_per_second", static_cast<double>(breaches + warnings) / s},
          {"max_detection_lag_ns", max_lag_ns}, {"breaches_not_at_tick", off_time}};
}

/// What ingest's recover() did before streaming: ask the engine, entry by entry, whether it
/// took the entry back (engine::holds), to find the ids to delete.
std::size_t count_orphans(const engine::engine& eng,
                          const std::vector<engine::state_entry>& entries) {
  std::size_t orphans = 0;
  for (const auto& e : entries) orphans += eng.holds(e) ? 0 : 1;
  return orphans;
}

std::uint64_t open_obligations(const engine::engine& eng) {
  std::uint64_t n = 0;
  for (const auto& [pair, count] : eng.obligation_counts()) n += count;
  return n;
}

/// What ingest's recover() does now: load_state_chunks + restore_add per chunk, the ids
/// not taken back reported by the engine. Runs first, so the process peak is its own.
nlohmann::json stream_phase(const std::string& db,
                            const std::shared_ptr<const rules::rule_set>& set) {
  constexpr std::size_t chunk_rows = 1000;   // as ingest::detail::restore_chunk_rows
  stopwatch sw;
  auto s = store::open_sqlite(db, store::sync_mode::normal);
  if (!s) throw std::runtime_error(s.err().message);
  engine::engine eng(set);
  std::vector<std::string> not_taken;
  std::vector<engine::state_entry> entries;
  std::size_t rows = 0;
  std::size_t hint = 0;   // as ingest's recover(): the stored count sizes the map once
  if (auto counts = (*s)->obligation_counts()) {
    for (const auto& c : counts.value()) hint += static_cast<std::size_t>(c.open);
  }
  eng.restore_begin(hint);
  auto r = (*s)->load_state_chunks(chunk_rows, [&](std::vector<store::state_row>& chunk) {
    rows += chunk.size();
    for (auto& c : chunk) {
      entries.push_back({std::move(c.id), std::move(c.kind), std::move(c.rule),
                         std::move(c.partner), std::move(c.key), c.fire_at, std::move(c.data)});
    }
    eng.restore_add(entries, not_taken);
    entries.clear();
    return true;
  });
  if (!r) throw std::runtime_error(r.err().message);
  eng.restore_end(not_taken);
  double secs = sw.seconds(), cpu = sw.cpu(), peak = peak_rss_mib(), rss = rss_mib();
  entries.shrink_to_fit();
  ::malloc_trim(0);
  auto due = eng.next_due();
  return {{"stream_open_obligations", open_obligations(eng)},
          {"stream_chunk_rows", chunk_rows}, {"stream_entries", rows},
          {"stream_orphans", not_taken.size()},
          {"stream_restore_seconds", secs}, {"stream_restore_cpu_seconds", cpu},
          {"stream_peak_rss_mib", peak}, {"stream_rss_after_restore_mib", rss},
          {"stream_rss_after_trim_mib", rss_mib()},
          {"stream_next_due_ns", due ? due->time_since_epoch().count() : 0}};
}

}  // namespace

nlohmann::json restore_phase(const std::string& db) {
  auto set = state_rules();
  double rss_before = rss_mib();
  nlohmann::json streamed = stream_phase(db, set);   // engine and rows freed again here
  ::malloc_trim(0);
  stopwatch total;
  auto s = store::open_sqlite(db, store::sync_mode::normal);
  if (!s) throw std::runtime_error(s.err().message);
  double open_s = total.seconds();
  stopwatch load_sw;
  auto rows = (*s)->load_state();
  if (!rows) throw std::runtime_error(rows.err().message);
  double load_s = load_sw.seconds(), load_cpu = load_sw.cpu();
  double rss_rows = rss_mib();
  std::vector<engine::state_entry> entries;   // as ingest's detail::to_entry
  entries.reserve(rows->size());
  for (auto& r : rows.value()) {
    entries.push_back({std::move(r.id), std::move(r.kind), std::move(r.rule),
                       std::move(r.partner), std::move(r.key), r.fire_at, std::move(r.data)});
  }
  engine::engine eng(set);
  stopwatch restore_sw;
  eng.restore(entries);
  double restore_s = restore_sw.seconds(), restore_cpu = restore_sw.cpu();
  double core_s = total.seconds(), core_cpu = total.cpu();
  double peak_core = peak_rss_mib();
  std::size_t orphans = count_orphans(eng, entries);
  double recover_s = total.seconds(), recover_cpu = total.cpu();
  std::size_t restored = entries.size();
  { auto drop_rows = std::move(rows.value()); auto drop_entries = std::move(entries); }
  double rss_freed = rss_mib();
  ::malloc_trim(0);   // what glibc keeps of the freed rows, shown apart from the live state
  nlohmann::json out = {
      {"phase", "restore"}, {"entries", restored}, {"orphans", orphans},
      {"open_seconds", open_s}, {"load_state_seconds", load_s},
      {"load_state_cpu_seconds", load_cpu}, {"restore_seconds", restore_s},
      {"restore_cpu_seconds", restore_cpu},
      {"restore_core_seconds", core_s}, {"restore_core_cpu_seconds", core_cpu},
      {"recover_total_seconds", recover_s}, {"recover_total_cpu_seconds", recover_cpu},
      {"rss_before_mib", rss_before}, {"rss_with_rows_mib", rss_rows},
      {"peak_rss_core_mib", peak_core}, {"peak_rss_recover_mib", peak_rss_mib()},
      {"rss_after_restore_mib", rss_freed}, {"rss_after_trim_mib", rss_mib()}};
  out.update(streamed);
  auto due = eng.next_due();
  out["stream_matches"] = streamed["stream_orphans"] == orphans &&
                          streamed["stream_next_due_ns"] == (due ? due->time_since_epoch().count() : 0) &&
                          streamed["stream_entries"] == restored &&
                          streamed["stream_open_obligations"] == open_obligations(eng);
  out.update(tick_all(eng));
  out["rss_after_ticks_mib"] = rss_mib();
  return out;
}

}  // namespace slawatch::bench
