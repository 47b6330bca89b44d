// process_* metrics from /proc/self, as the Go and Python clients export them.
#include "process_collector.hpp"
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <unistd.h>

namespace slawatch::metrics::detail {
namespace {

struct proc_stat {
  double cpu_seconds = 0;
  double start_ticks = 0;
  double virtual_bytes = 0;
  double resident_bytes = 0;
};

/// /proc/self/stat: "pid (comm) state ..." — comm may hold spaces and parentheses, so
/// fields are counted from the last ')'. Field n (1-based, man proc) is tokens[n - 3].
std::optional<proc_stat> read_stat() {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 1));
  std::vector<std::string> t;
  for (std::string f; fields >> f;) t.push_back(f);
  if (t.size() < 22) return std::nullopt;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  try {
    proc_stat s;
    s.cpu_seconds = (std::stod(t[11]) + std::stod(t[12])) / ticks;   // utime + stime
    s.start_ticks = std::stod(t[19]) / ticks;                         // since boot
    s.virtual_bytes = std::stod(t[20]);
    s.resident_bytes = std::stod(t[21]) * page;
    return s;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<double> boot_time() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return std::nullopt;
}

std::optional<double> open_fds() {
  std::error_code ec;
  double n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++n;
  }
  if (ec) return std::nullopt;
  return n;
}

prometheus::MetricFamily family(const char* name, const char* help, prometheus::MetricType type,
                                double value) {
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  return prometheus::MetricFamily{name, help, type, {m}};
}

}  // namespace

std::vector<prometheus::MetricFamily> process_collector::Collect() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  if (auto s = read_stat()) {
    out.push_back(family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                         MetricType::Counter, s->cpu_seconds));
    out.push_back(family("process_resident_memory_bytes", "Resident memory size in bytes.",
                         MetricType::Gauge, s->resident_bytes));
    out.push_back(family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                         MetricType::Gauge, s->virtual_bytes));
    if (auto boot = boot_time()) {
      out.push_back(family("process_start_time_seconds",
                           "Start time of the process since unix epoch in seconds.",
                           MetricType::Gauge, *boot + s->start_ticks));
    }
  }
  if (auto fds = open_fds()) {
    out.push_back(family("process_open_fds", "Number of open file descriptors.",
                         MetricType::Gauge, *fds));
  }
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    out.push_back(family("process_max_fds", "Maximum number of open file descriptors.",
                         MetricType::Gauge, static_cast<double>(lim.rlim_cur)));
  }
  return out;
}

}  // namespace slawatch::metrics::detail
