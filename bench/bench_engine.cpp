// bench_engine: condition evaluation per core. Events (the mix of bench/gen_events.py: 45%
// contribution.collected, 30% contribution.remitted, 25% data.accessed, 1% breaching) are
// built once; only engine.on_event is timed, single-threaded.
//   BM_generated_conditions: 50 generated condition rules.
//   BM_shipped_pack:         every rules/*.yaml of the source tree (all kinds).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include "bench_support.hpp"

namespace slawatch::bench {
namespace {

// SLAWATCH_BENCH_ENGINE_EVENTS shrinks the run (scripts/bench --smoke).
const std::int64_t event_count = [] {
  const char* env = std::getenv("SLAWATCH_BENCH_ENGINE_EVENTS");
  return env != nullptr ? std::max<std::int64_t>(1, std::atoll(env)) : std::int64_t{200000};
}();
const char* partner_ids[] = {"bank-a", "posta-ke", "mm-pay", "agent-afya"};

model::event sample_event(std::int64_t i, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  const std::string partner = partner_ids[i % 4];
  bool breach = u(rng) < 0.01;
  double kind = u(rng);
  double amount = breach ? 0.0 : std::round(u(rng) * 499000 + 1000) / 100;
  auto at = *timefmt::parse_rfc3339("2026-11-02T06:00:00Z") + std::chrono::milliseconds(50 * i);
  std::string type;
  nlohmann::json attrs;
  if (kind < 0.45) {
    type = "contribution.collected";
    attrs = {{"amount", amount}, {"currency", "KES"}, {"receipt_no", fmt::format("R-{:09d}", i)},
             {"channel", "branch"}};
  } else if (kind < 0.75) {
    type = "contribution.remitted";
    attrs = {{"amount", amount}, {"currency", "KES"},
             {"receipt_nos", {fmt::format("R-{:09d}", i - 1)}}};
    if (!breach) attrs["report_id"] = fmt::format("RPT-{}", i / 1000);
  } else {
    type = "data.accessed";
    attrs = {{"operator_id", fmt::format("op-{}", i % 97)}, {"role", "clerk"},
             {"data_category", "identity.basic"}};
  }
  auto ev = make_event(fmt::format("E-{:09d}", i), partner, type, at, std::move(attrs));
  if (type == "data.accessed") {
    ev.doc["purpose"] = breach ? "marketing" : (partner == "agent-afya" ? "verify_entitlement"
                                                                         : "reconcile");
    ev.doc["subject"] = fmt::format("ps:{:020x}", rng() >> 4);
  }
  ev.doc["transport"] = {{"source", "http"}, {"tls", true}, {"tls_version", "TLSv1.3"},
                         {"client_cert", nullptr}, {"authenticated_as", partner + "-ingest"},
                         {"signature", "absent"}};
  return ev;
}

const std::vector<model::event>& events() {
  static const auto all = [] {
    std::mt19937_64 rng(42);
    std::vector<model::event> out;
    out.reserve(event_count);
    for (std::int64_t i = 0; i < event_count; ++i) out.push_back(sample_event(i, rng));
    return out;
  }();
  return all;
}

/// 50 condition rules over the sample mix: type filters, numbers, membership, strings, has().
std::string generated_rules() {
  std::string text =
      "lists:\n  currencies: [KES, UGX, TZS, RWF, GHS, ZAR, USD, EUR]\npartners:\n"
      "  - { id: bank-a, name: Bank A, class: bank, timezone: Africa/Nairobi }\n"
      "  - { id: posta-ke, name: Posta, class: post_office, timezone: Africa/Nairobi }\n"
      "  - { id: mm-pay, name: MobiPay, class: mobile_money, timezone: Africa/Nairobi }\n"
      "  - { id: agent-afya, name: Afya, class: agent, timezone: Africa/Nairobi }\nrules:\n";
  const char* shapes[][2] = {
      {"event.type == 'contribution.collected'", "double(event.attributes.amount) > {}.0"},
      {"event.type.startsWith('contribution.')", "event.attributes.currency in lists.currencies"},
      {"event.type == 'contribution.remitted'", "has(event.attributes.report_id) && {} >= 0"},
      {"event.type == 'data.accessed'", "event.purpose != 'marketing' || {} < 0"},
      {"event.transport.tls", "event.transport.tls_version in ['TLSv1.2', 'TLSv1.3'] && {} >= 0"},
  };
  for (int i = 0; i < 50; ++i) {
    const auto& s = shapes[i % 5];
    text += fmt::format(
        "  - {{ id: gen-{:02d}, kind: condition, category: integrity, severity: minor,\n"
        "      description: generated, when: \"{}\", require: \"{}\" }}\n",
        i, s[0], fmt::format(fmt::runtime(s[1]), i / 5));
  }
  return text;
}

std::shared_ptr<const rules::rule_set> load_or_die(const std::vector<rules::source_file>& f) {
  rules::load_options opts;
  opts.zones = resolve_zone;
  auto res = rules::load(f, opts);
  if (!res.errors.empty()) throw std::runtime_error(res.errors.front().render());
  return res.set;
}

std::vector<rules::source_file> shipped_files() {
  std::vector<std::filesystem::path> names;
  for (const auto& e : std::filesystem::directory_iterator(SLAWATCH_SOURCE_DIR "/rules")) {
    if (e.path().extension() == ".yaml") names.push_back(e.path());
  }
  std::sort(names.begin(), names.end());
  std::vector<rules::source_file> files;
  for (const auto& n : names) {
    std::ifstream in(n);
    std::stringstream ss;
    ss << in.rdbuf();
    files.push_back({n.string(), ss.str()});
  }
  return files;
}

void run(benchmark::State& state, const std::shared_ptr<const rules::rule_set>& set) {
  const auto& evs = events();
  engine::engine eng(set);
  engine::effects fx;
  std::size_t i = 0, breaches = 0;
  for (auto _ : state) {
    eng.on_event(evs[i++ % evs.size()], fx);
    breaches += fx.breaches.size();
    fx.clear();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["rules"] = static_cast<double>(set->rules.size());
  state.counters["breaches"] = static_cast<double>(breaches);
}

void BM_generated_conditions(benchmark::State& state) {
  static const auto set = load_or_die({{"generated.yaml", generated_rules()}});
  run(state, set);
}

void BM_shipped_pack(benchmark::State& state) {
  static const auto set = load_or_die(shipped_files());
  run(state, set);
}

/// The peer benchmark (bench/peer/peer.js) reads the same events: the first n as NDJSON docs.
int dump_events(const char* path, std::int64_t n) {
  std::ofstream out(path);
  const auto& evs = events();
  for (std::int64_t i = 0; i < n && i < event_count; ++i) out << evs[static_cast<std::size_t>(i)].doc.dump() << '\n';
  return out ? 0 : 1;
}

}  // namespace
}  // namespace slawatch::bench

// bench_engine [google benchmark flags] | bench_engine --dump-events FILE N
int main(int argc, char** argv) {
  using namespace slawatch::bench;
  if (argc == 4 && std::string_view(argv[1]) == "--dump-events") return dump_events(argv[2], std::atoll(argv[3]));
  // Fixed iterations: every event is seen once, in order (processing time only moves forward).
  benchmark::RegisterBenchmark("BM_generated_conditions", BM_generated_conditions)
      ->Iterations(event_count)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_shipped_pack", BM_shipped_pack)
      ->Iterations(event_count)->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
