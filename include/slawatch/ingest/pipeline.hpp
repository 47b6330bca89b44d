#pragma once
/// The ingest pipeline: one writer thread that owns the engine and the writer store.
/// Requests submit validated batches; the writer groups every batch waiting in the queue
/// into one transaction (group commit), evaluates accepted events in arrival order, commits
/// events, outcomes and breaches together, and only then completes each batch.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>
#include "slawatch/engine/engine.hpp"
#include "slawatch/metrics/metrics.hpp"
#include "slawatch/model/event.hpp"
#include "slawatch/store/store.hpp"

namespace slawatch::ingest {

struct event_result {
  store::put_status status = store::put_status::accepted;
};

struct batch_result {
  bool stored = false;            ///< false: storage failed, nothing of the batch was kept
  std::string error;              ///< when !stored
  std::vector<event_result> events;   ///< one per submitted event, same order
};

using completion = std::function<void(batch_result)>;

struct pipeline_options {
  std::size_t queue_capacity_events = 200000;  ///< beyond this submit() refuses (overloaded)
  std::size_t max_events_per_commit = 20000;
};

class pipeline {
 public:
  /// Starts the writer thread. `metrics` may be null (tests).
  pipeline(std::unique_ptr<store::store> writer, std::shared_ptr<const rules::rule_set> rules,
           metrics::registry* metrics, pipeline_options opts = {});
  ~pipeline();   ///< drains the queue (every submitted batch completes), then joins

  /// Queues a batch. `done` runs on the writer thread after commit (or failure): keep it
  /// short (post to your executor). Returns false (and never calls `done`) when the queue
  /// is full or the pipeline is stopping.
  bool submit(std::vector<model::event> events, completion done);

  /// Swaps the rule set between two batches (reload).
  void set_rules(std::shared_ptr<const rules::rule_set> rules);

  /// Stops accepting, finishes every queued batch, joins the writer. Idempotent.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace slawatch::ingest
