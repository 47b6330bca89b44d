#pragma once
/// The standard process_* metrics, read from /proc/self at each scrape (Linux only).
#include <vector>
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

namespace slawatch::metrics::detail {

/// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
/// process_open_fds, process_max_fds, process_start_time_seconds. A value that cannot be
/// read is left out of the scrape rather than reported as 0.
class process_collector final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace slawatch::metrics::detail
