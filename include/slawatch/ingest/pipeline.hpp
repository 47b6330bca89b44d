#pragma once
/// The ingest pipeline: one writer thread that owns the engine and the writer store.
/// Requests submit validated batches; the writer groups every batch waiting in the queue
/// into one transaction (group commit), evaluates accepted events in arrival order, commits
/// events with every effect they caused (outcomes, breaches, breach updates, engine state)
/// together, and only then completes each batch. Between batches it wakes at the engine's
/// next due time and runs the timers in a transaction of their own. The engine never runs
/// ahead of the database: after a failed commit it is restored from the stored state.
#include <cstddef>
#include <optional>
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

/// Processing time for timers (contract 3): the wall clock in `serve`. Tests inject a
/// stepped clock and call pipeline::wake() after each step.
using clock_fn = std::function<instant()>;

class pipeline {
 public:
  /// Restores the engine from the store's state, ticks it to the clock once (timers that
  /// came due while the daemon was down fire now: detected_at = start-up), sets the
  /// obligation gauges, then starts the writer thread. `metrics` may be null (tests).
  /// A failure to load or write that start-up state is in startup_error().
  /// `clock` empty = the system clock.
  pipeline(std::unique_ptr<store::store> writer, std::shared_ptr<const rules::rule_set> rules,
           metrics::registry* metrics, pipeline_options opts = {}, clock_fn clock = {});
  ~pipeline();   ///< drains the queue (every submitted batch completes), then joins

  /// Queues a batch. `done` runs on the writer thread after commit (or failure): keep it
  /// short (post to your executor). Returns false (and never calls `done`) when the queue
  /// is full or the pipeline is stopping.
  bool submit(std::vector<model::event> events, completion done);

  /// Swaps the rule set between two batches (reload); state entries the new set drops
  /// (engine::set_rules) are deleted in the next transaction.
  void set_rules(std::shared_ptr<const rules::rule_set> rules);

  /// Makes the writer look at the clock now (after a test stepped an injected clock).
  void wake();

  /// The error of the start-up restore or tick, if any (the daemon refuses to start).
  [[nodiscard]] const std::optional<error>& startup_error() const;

  /// Stops accepting, finishes every queued batch, joins the writer. Idempotent.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace slawatch::ingest
