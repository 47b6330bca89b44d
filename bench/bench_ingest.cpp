// bench_ingest: loopback load generator for `slawatch serve` (docs/performance.md, "Ingest").
//   every mode: [--tls 1] when the daemon serves TLS (the shipped transport-tls-1-2 rule
//   breaches every event that arrives over plain HTTP)
//   ready  --port P [--timeout-s 30]                      wait for GET /-/ready = 200
//   load   --port P --shape batch|single [--events N] [--connections C] [--batch 1000]
//          [--rate EVENTS_PER_S] [--pid DAEMON_PID] [--run NAME]
//   timers --port P [--timers K] [--lead-s A] [--spread-s S] [--rate R] [--events N] [--pid PID]
// `load` posts N generated events (bench/ingest_events.hpp) as NDJSON batches or as single
// JSON objects and prints events/s, acknowledgement latency, and the daemon's CPU seconds
// (from /proc/PID/stat) and peak RSS (VmHWM). `timers` first posts K contribution.collected
// events whose 15-minute report deadline (contribution-reported-15m, allowed_lateness 5m)
// falls due A..A+S seconds from now, then runs the batch load at R events/s, then reads the
// breaches back from /v1/breaches: lateness = detected_at − (due_at + allowed_lateness).
#include <thread>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include "bench_ingest_load.hpp"
#include "bench_support.hpp"
#include "ingest_events.hpp"

namespace slawatch::bench {
namespace {

using flags = std::map<std::string, std::string>;

std::string flag(const flags& f, const std::string& name, const std::string& fallback) {
  const auto it = f.find(name);
  return it == f.end() ? fallback : it->second;
}
double num(const flags& f, const std::string& name, double fallback) {
  const auto it = f.find(name);
  return it == f.end() ? fallback : std::stod(it->second);
}

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

struct proc_sample {
  double cpu_seconds = 0, vmhwm_mib = 0, vmrss_mib = 0;
};

/// utime + stime of a process (all threads) and its VmHWM / VmRSS; zeros without a pid.
proc_sample sample_process(long pid) {
  proc_sample s;
  if (pid <= 0) return s;
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 0; rest >> field; ++i) {   // field 3 (state) is i == 0; utime 14, stime 15
    if (i == 11) utime = std::stod(field);
    if (i == 12) { stime = std::stod(field); break; }
  }
  s.cpu_seconds = (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) s.vmhwm_mib = std::stod(line.substr(6)) / 1024.0;
    if (line.rfind("VmRSS:", 0) == 0) s.vmrss_mib = std::stod(line.substr(6)) / 1024.0;
  }
  return s;
}

std::vector<prepared_request> build_requests(const event_source& src, long events, long per_request) {
  std::vector<prepared_request> out;
  for (long i = 0; i < events; i += per_request) {
    const long n = std::min(per_request, events - i);
    std::string body;
    for (long j = i; j < i + n; ++j) body += src.json(j) + (per_request > 1 ? "\n" : "");
    out.push_back({http_request("POST", "/v1/events", per_request > 1 ? "application/x-ndjson" : "application/json", body), n});
  }
  return out;
}

nlohmann::json report(load_totals& t, const proc_sample& before, const proc_sample& after) {
  nlohmann::json j = {
      {"requests", t.requests}, {"events", t.events}, {"seconds", t.seconds},
      {"events_per_second", static_cast<double>(t.events) / t.seconds},
      {"accepted", t.accepted}, {"duplicates", t.duplicates}, {"rejected", t.rejected},
      {"failed_requests", t.failed},
      {"latency_ms", {{"p50", percentile(t.latency_ms, 50)}, {"p99", percentile(t.latency_ms, 99)},
                      {"max", percentile(t.latency_ms, 100)}}},
      {"daemon_cpu_seconds", after.cpu_seconds - before.cpu_seconds},
      {"daemon_vmhwm_mib", after.vmhwm_mib}, {"daemon_vmrss_mib", after.vmrss_mib}};
  if (t.failed > 0) j["first_failure"] = {{"status", t.first_failure_status}, {"body", t.first_failure_body}};
  return j;
}

nlohmann::json load(const flags& f) {
  const int port = static_cast<int>(num(f, "--port", 0));
  const bool single = flag(f, "--shape", "batch") == "single";
  const long events = static_cast<long>(num(f, "--events", single ? 200000 : 500000));
  const long per = single ? 1 : static_cast<long>(num(f, "--batch", 1000));
  const int conns = static_cast<int>(num(f, "--connections", single ? 64 : 4));
  const long pid = static_cast<long>(num(f, "--pid", 0));
  event_source src(flag(f, "--run", fmt::format("b{}", unix_ms())), unix_ms(), 42);
  auto reqs = build_requests(src, events, per);
  const auto before = sample_process(pid);
  auto t = run_load(port, reqs, conns, num(f, "--rate", 0));
  auto j = report(t, before, sample_process(pid));
  j["shape"] = single ? "single" : "batch";
  j["connections"] = conns;
  j["events_per_request"] = per;
  return j;
}

/// Every breach of the rule (paging with next_cursor) whose key starts with prefix.
std::vector<nlohmann::json> read_breaches(int port, const std::string& rule, const std::string& prefix) {
  std::vector<nlohmann::json> out;
  std::string cursor;
  for (;;) {
    std::string target = "/v1/breaches?partner=bank-a&limit=1000&rule=" + rule;
    if (!cursor.empty()) target += "&cursor=" + cursor;
    auto r = http_once(port, http_request("GET", target, nullptr, ""));
    if (r.status != 200) throw std::runtime_error(fmt::format("GET {}: {} {}", target, r.status, r.body));
    auto page = nlohmann::json::parse(r.body);
    for (auto& b : page["breaches"]) {
      if (b.value("key", "").rfind(prefix, 0) == 0) out.push_back(b);
    }
    if (!page["next_cursor"].is_string()) return out;
    cursor = page["next_cursor"].get<std::string>();
  }
}

nlohmann::json timers(const flags& f) {
  const int port = static_cast<int>(num(f, "--port", 0));
  const long k = static_cast<long>(num(f, "--timers", 1000));
  const double lead = num(f, "--lead-s", 5), spread = num(f, "--spread-s", 20);
  const double rate = num(f, "--rate", 50000);
  const long events = static_cast<long>(num(f, "--events", rate * (lead + spread + 2)));
  const std::string run = fmt::format("tmr{}", unix_ms());
  // Starts due A..A+S from now: occurred_at = now − 20 min (15m within + 5m lateness) + offset.
  const std::int64_t base = unix_ms() - 20 * 60000 + static_cast<std::int64_t>(lead * 1000);
  std::string body;
  for (long i = 0; i < k; ++i) {
    const auto at = base + static_cast<std::int64_t>(spread * 1000 * static_cast<double>(i) / static_cast<double>(k));
    body += fmt::format(
        R"({{"id":"{0}-{1:06d}","partner":"bank-a","type":"contribution.collected","occurred_at":"{2}",)"
        R"("attributes":{{"amount":100.00,"currency":"KES","channel":"branch","receipt_no":"{0}-{1:06d}"}}}})"
        "\n", run, i, iso_ms(at));
  }
  auto posted = http_once(port, http_request("POST", "/v1/events", "application/x-ndjson", body));
  if (posted.status != 200 || json_count(posted.body, "accepted") != k) {
    throw std::runtime_error(fmt::format("posting the timer events: {} {}", posted.status, posted.body));
  }
  const long pid = static_cast<long>(num(f, "--pid", 0));
  event_source src(run + "-load", unix_ms(), 43);
  auto reqs = build_requests(src, events, 1000);
  const auto before = sample_process(pid);
  auto t = run_load(port, reqs, 4, rate);
  auto j = report(t, before, sample_process(pid));
  const auto last_due = std::chrono::milliseconds(base + 20 * 60000 + static_cast<std::int64_t>(spread * 1000) + 2000);
  std::this_thread::sleep_until(std::chrono::system_clock::time_point(last_due));
  std::vector<double> late_ms;
  for (const auto& b : read_breaches(port, "contribution-reported-15m", run)) {
    const auto due = timefmt::parse_rfc3339(b["due_at"].get<std::string>());
    const auto detected = timefmt::parse_rfc3339(b["detected_at"].get<std::string>());
    if (!due || !detected) continue;
    late_ms.push_back(std::chrono::duration<double, std::milli>(*detected - *due - std::chrono::minutes(5)).count());
  }
  j["timers"] = k;
  j["breaches_found"] = late_ms.size();
  j["lateness_ms"] = {{"min", late_ms.empty() ? 0 : *std::min_element(late_ms.begin(), late_ms.end())},
                      {"p50", percentile(late_ms, 50)}, {"p99", percentile(late_ms, 99)},
                      {"max", percentile(late_ms, 100)}};
  j["load_rate_target"] = rate;
  return j;
}

void wait_ready(const flags& f) {
  const int port = static_cast<int>(num(f, "--port", 0));
  const auto until = steady::now() + std::chrono::duration<double>(num(f, "--timeout-s", 30));
  while (steady::now() < until) {
    try {
      if (http_once(port, http_request("GET", "/-/ready", nullptr, "")).status == 200) return;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("the daemon is not ready");
}

}  // namespace
}  // namespace slawatch::bench

int main(int argc, char** argv) {
  using namespace slawatch::bench;
  if (argc < 2 || (argc % 2) != 0) {
    std::cerr << "usage: bench_ingest ready|load|timers --port P [--flag value]...\n";
    return 2;
  }
  flags f;
  for (int i = 2; i + 1 < argc; i += 2) f[argv[i]] = argv[i + 1];
  if (num(f, "--tls", 0) != 0) enable_tls();
  try {
    const std::string mode = argv[1];
    if (mode == "ready") wait_ready(f);
    else if (mode == "load") std::cout << load(f).dump() << std::endl;
    else if (mode == "timers") std::cout << timers(f).dump() << std::endl;
    else throw std::runtime_error("unknown mode " + mode);
  } catch (const std::exception& e) {
    std::cerr << "bench_ingest: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
