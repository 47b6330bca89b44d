// bench_state: 1,000,000 open deadline obligations. Phase "fill" feeds start events with
// distinct keys into the engine (in memory), measures events/s and the memory the open
// obligations hold, then writes the engine's snapshot into a SQLite store file. Phase
// "restore" (a fresh process, so its peak RSS is its own) restores it as serve does and
// ticks through every due time. Each phase prints one JSON object on stdout.
//
// Usage: bench_state fill --db FILE [--events N]
//        bench_state restore --db FILE
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <fmt/format.h>
#include "bench_state.hpp"
#include "slawatch/store/store.hpp"

namespace slawatch::bench {

namespace {

const char* state_rules_text = R"(calendars:
  ke-banking: { timezone: Africa/Nairobi, holidays: [2026-12-25, 2026-12-26] }
partners:
  - { id: bank-a, name: Bank A, class: bank, timezone: Africa/Nairobi, calendar: ke-banking }
rules:
  - id: remittance-electronic-t1
    kind: deadline
    category: timeliness
    severity: major
    description: Contributions collected electronically are remitted by the end of the next business day.
    partners: { classes: [bank] }
    start:  { when: event.type == 'contribution.collected', key: event.attributes.receipt_no }
    stop:   { when: event.type == 'contribution.remitted', key: event.attributes.receipt_nos }
    within: 1 business_days
    warn_at: [75%]
)";

constexpr std::size_t batch_size = 10000;
const instant first_start = *timefmt::parse_rfc3339("2026-11-02T06:00:00Z");   // a Monday

/// Feeds `n` start events (one every 50 ms, distinct receipts) in batches built ahead, so
/// only engine.on_event is timed. Returns the wall and CPU seconds spent in on_event.
std::pair<double, double> feed(engine::engine& eng, std::size_t n) {
  double engine_seconds = 0, engine_cpu = 0;
  engine::effects fx;
  std::vector<model::event> batch;
  for (std::size_t from = 0; from < n; from += batch_size) {
    batch.clear();
    for (std::size_t i = from; i < std::min(n, from + batch_size); ++i) {
      auto at = first_start + std::chrono::milliseconds(50 * static_cast<std::int64_t>(i));
      batch.push_back(make_event(fmt::format("E-{:09d}", i), "bank-a", "contribution.collected",
                                 at, {{"receipt_no", fmt::format("R-{:09d}", i)}}));
    }
    stopwatch sw;
    for (const auto& ev : batch) {
      eng.on_event(ev, fx);
      fx.clear();
    }
    engine_seconds += sw.seconds();
    engine_cpu += sw.cpu();
  }
  return {engine_seconds, engine_cpu};
}

/// Writes the engine's snapshot into a new store file in transactions of batch_size rows.
nlohmann::json write_store(const engine::engine& eng, const std::string& db) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  stopwatch snap_sw;
  auto entries = eng.snapshot();
  double snapshot_s = snap_sw.seconds();
  double rss_snapshot = rss_mib();
  stopwatch sw;
  auto s = store::open_sqlite(db, store::sync_mode::normal);
  if (!s) throw std::runtime_error(s.err().message);
  std::vector<store::state_row> rows;
  for (std::size_t from = 0; from < entries.size(); from += batch_size) {
    rows.clear();
    for (std::size_t i = from; i < std::min(entries.size(), from + batch_size); ++i) {
      auto& e = entries[i];
      rows.push_back({std::move(e.id), std::move(e.kind), std::move(e.rule), std::move(e.partner),
                      std::move(e.key), e.fire_at, std::move(e.data)});
    }
    auto ok = (*s)->begin();
    if (ok) ok = (*s)->put_state(rows);
    if (ok) ok = (*s)->commit();
    if (!ok) throw std::runtime_error(ok.err().message);
  }
  double write_s = sw.seconds(), write_cpu = sw.cpu();
  s.value().reset();
  return {{"snapshot_seconds", snapshot_s}, {"rss_with_snapshot_mib", rss_snapshot},
          {"store_write_seconds", write_s}, {"store_write_cpu_seconds", write_cpu},
          {"store_rows", entries.size()},
          {"store_rows_per_second", static_cast<double>(entries.size()) / write_s},
          {"store_file_mib", static_cast<double>(std::filesystem::file_size(db)) / 1048576.0}};
}

nlohmann::json fill_phase(const std::string& db, std::size_t n) {
  auto set = state_rules();
  engine::engine eng(set);
  double rss_before = rss_mib();
  double peak_before = peak_rss_mib();
  auto [engine_s, engine_cpu] = feed(eng, n);
  double rss_after = rss_mib();
  std::uint64_t open = 0;
  for (const auto& [k, count] : eng.obligation_counts()) open += count;
  nlohmann::json out = {
      {"phase", "fill"}, {"events", n}, {"open_obligations", open},
      {"engine_seconds", engine_s}, {"engine_cpu_seconds", engine_cpu},
      {"events_per_second", static_cast<double>(n) / engine_s},
      {"events_per_cpu_second", static_cast<double>(n) / engine_cpu},
      {"rss_before_mib", rss_before}, {"rss_after_mib", rss_after},
      {"peak_rss_before_mib", peak_before}, {"peak_rss_after_fill_mib", peak_rss_mib()},
      {"obligations_mib", rss_after - rss_before},
      {"bytes_per_obligation", open ? (rss_after - rss_before) * 1048576.0 / open : 0.0}};
  out.update(write_store(eng, db));
  out["peak_rss_mib"] = peak_rss_mib();
  return out;
}

}  // namespace

std::shared_ptr<const rules::rule_set> state_rules() {
  rules::load_options opts;
  opts.zones = resolve_zone;
  auto res = rules::load({{"bench_state.yaml", state_rules_text}}, opts);
  if (!res.errors.empty()) throw std::runtime_error(res.errors.front().render());
  return res.set;
}

}  // namespace slawatch::bench

int main(int argc, char** argv) {
  using namespace slawatch::bench;
  std::string phase = argc > 1 ? argv[1] : "";
  std::string db = "/tmp/slawatch-bench-state.db";
  std::size_t n = 1000000;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string opt = argv[i];
    if (opt == "--db") db = argv[i + 1];
    else if (opt == "--events") n = std::stoul(argv[i + 1]);
  }
  try {
    if (phase == "fill") std::cout << fill_phase(db, n).dump() << "\n";
    else if (phase == "restore") std::cout << restore_phase(db).dump() << "\n";
    else {
      std::cerr << "usage: bench_state fill|restore [--db FILE] [--events N]\n";
      return 2;
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_state: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
