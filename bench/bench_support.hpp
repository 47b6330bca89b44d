#pragma once
// Shared helpers of the benchmark programs: the system zone resolver (as serve uses it),
// memory readings, a stopwatch and synthetic events. Not part of the daemon.
#include <sys/resource.h>
#include <time.h>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include "slawatch/engine/engine.hpp"

namespace slawatch::bench {

/// Same as app::system_zones (daemon/app/loading.cpp): zone files loaded eagerly.
inline const date::time_zone* resolve_zone(std::string_view name) {
  try {
    const auto* zone = date::locate_zone(std::string(name));
    zone->get_info(date::sys_seconds{});
    return zone;
  } catch (const std::exception&) {
    return nullptr;
  }
}

/// Current resident set size (VmRSS) in MiB.
inline double rss_mib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;   // kB
  }
  return -1;
}

/// Peak resident set size of the process so far (ru_maxrss) in MiB.
inline double peak_rss_mib() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;   // kB on Linux
}

/// CPU time of the process (all threads) in seconds: on a shared machine wall time also
/// counts the time other processes held the cores.
inline double cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

/// Wall (steady clock) and CPU time since construction.
class stopwatch {
 public:
  stopwatch() : start_(std::chrono::steady_clock::now()), cpu_start_(cpu_seconds()) {}
  [[nodiscard]] double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  [[nodiscard]] double cpu() const { return cpu_seconds() - cpu_start_; }

 private:
  std::chrono::steady_clock::time_point start_;
  double cpu_start_;
};

/// An event as validate_stored would produce it (doc = envelope + received_at).
inline model::event make_event(std::string id, const std::string& partner, std::string type,
                               instant at, nlohmann::json attributes) {
  model::event ev;
  ev.id = std::move(id);
  ev.partner = partner;
  ev.type = std::move(type);
  ev.occurred_at = at;
  ev.received_at = at;
  auto text = timefmt::format_utc_ms(at);
  ev.doc = {{"id", ev.id},           {"partner", partner},   {"type", ev.type},
            {"occurred_at", text},   {"received_at", text},  {"attributes", std::move(attributes)}};
  return ev;
}

}  // namespace slawatch::bench
