#pragma once
// `serve`'s audit trail and retention steps (contract 8, 11 storage.event_retention): the
// "config" entry at start-up and the pruning of old events, both on the ingest writer.
#include <chrono>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include "slawatch/app/logger.hpp"
#include "slawatch/ingest/pipeline.hpp"

namespace slawatch::app::detail {

/// Rows deleted per pruning transaction: small, so batches queued meanwhile wait at most
/// one short transaction (each chunk is its own pipeline::run task, queued behind them).
inline constexpr int retention_chunk = 1000;

/// How often pruning runs after the start-up round: retention / 2, within [1 s, 1 h].
std::chrono::nanoseconds retention_period(duration retention);

/// Appends a "config" entry (sha256 of the configuration file's text; "" for the built-in
/// defaults) when it differs from the newest one recorded, or none exists. Waits for the
/// writer. Errors: "<file>: cannot read: <reason>", storage errors.
result<bool> record_configuration(ingest::pipeline& p, const std::optional<std::string>& config_file);

/// Prunes events older than now − retention at start and every retention_period(), in
/// chunks of retention_chunk rows, each chunk a pipeline::run task with its "retention"
/// audit entry. Stops (joins) in stop() or the destructor — before the pipeline stops.
class retention_job {
 public:
  retention_job(ingest::pipeline& p, duration retention, logger& log);
  ~retention_job();
  retention_job(const retention_job&) = delete;
  retention_job& operator=(const retention_job&) = delete;
  void stop();

  /// Shared with the queued chunks, whose completions may run after this object is gone.
  struct state {
    state(ingest::pipeline& p, duration r, logger& l) : pipeline(p), retention(r), log(l) {}
    ingest::pipeline& pipeline;
    duration retention;
    logger& log;
    std::mutex mu;
    std::condition_variable cv;
    bool stopping = false;
    bool busy = false;   ///< a round's chunks are still queued
  };

 private:
  std::shared_ptr<state> st_;
  std::thread thread_;
};

}  // namespace slawatch::app::detail
