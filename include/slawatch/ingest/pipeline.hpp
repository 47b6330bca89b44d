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
#include "slawatch/config/config.hpp"
#include "slawatch/engine/engine.hpp"
#include "slawatch/metrics/metrics.hpp"
#include "slawatch/model/event.hpp"
#include "slawatch/model/pseudonymize.hpp"
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

/// What a waive (POST /v1/breaches/{id}/waive) did.
struct waive_result {
  bool stored = false;     ///< false: storage failed, nothing was changed
  std::string error;       ///< when !stored
  store::waive_status status = store::waive_status::waived;
  std::optional<model::breach> breach;   ///< as stored after the waive (status waived)
};
using waive_completion = std::function<void(waive_result)>;

/// Where breaches are notified (contract 9). Every inserted breach ("opened") and every
/// closure ("closed") is written to the store's outbox in the same transaction, one item
/// per matching sink: "alertmanager" (when any is configured), "webhook:<name>" for each
/// alerting.webhooks entry whose filters match, "partner:<id>" when the breach's partner has
/// a report.webhook in the current rule set.
struct notify_routes {
  bool alertmanager = false;
  std::vector<config::webhook> webhooks;
  bool partner_webhooks = false;
  /// Whether a partner's report.secret_env variable is set; a partner whose variable is
  /// unset gets no notifications (unset function: every variable counts as set).
  std::function<bool(const std::string& env)> secret_available;
  std::uint64_t outbox_capacity = 10000;   ///< pending items per sink; beyond, new ones drop
};

struct pipeline_options {
  std::size_t queue_capacity_events = 200000;  ///< beyond this submit() refuses (overloaded)
  std::size_t max_events_per_commit = 20000;
  /// privacy.pseudonymize: applied to every submitted event's doc in submit(), before the
  /// content hash, storage, rules, metrics and notifications see it. Null = none listed.
  std::shared_ptr<const model::pseudonymizer> pseudonyms = nullptr;
  notify_routes notify;                        ///< default: no sinks, nothing enqueued
};

/// The stable delivery id of one notification: "d-" + 16 hex of
/// sha256(sink \x1f breach id \x1f event). The same on every retry and after restarts.
std::string delivery_id(std::string_view sink, std::string_view breach_id, std::string_view event);

/// The outbox items for one breach event ("opened" | "closed"), one per matching sink, in
/// sink order alertmanager, webhooks (config order), partner. Payload: the breach JSON.
std::vector<store::outbox_item> notifications(const notify_routes& routes,
                                              const rules::rule_set& rules,
                                              const model::breach& b, std::string_view event,
                                              instant now);

/// Work on the writer store (audit entries, retention, report deliveries): runs inside a
/// transaction of its own on the writer thread, ordered with the batches; an error rolls
/// the transaction back.
using task_fn = std::function<result<bool>(store::store&)>;
using task_completion = std::function<void(result<bool>)>;

/// What a rule swap did, reported on the writer thread right after it (reload).
struct swap_report {
  std::vector<std::string> dropped;                     ///< state entry ids the new set dropped
  std::vector<store::obligation_count> obligations;     ///< open obligations under the new set
};
using swap_done = std::function<void(const swap_report&)>;

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

  /// Queues a waive of breach `id`, ordered with the batches: it runs in a transaction of
  /// its own (store::waive_breach, then engine::on_waive at the breach's decision instant,
  /// whose effects are persisted like any step). After commit: outcomes_total{waived} +1,
  /// breaches_open −1 when it was open. `done` runs on the writer thread. False (and
  /// `done` never called) when the pipeline is stopping.
  bool waive(std::string id, std::string reason, waive_completion done);

  /// Queues `work` (see task_fn); `done` (may be empty) runs on the writer thread after the
  /// commit or the rollback. False (and `done` never called) when the pipeline is stopping.
  bool run(task_fn work, task_completion done = {});

  /// Swaps the rule set between two batches (reload); state entries the new set drops
  /// (engine::set_rules) are deleted in the next transaction.
  void set_rules(std::shared_ptr<const rules::rule_set> rules);
  /// Same, and calls `done` on the writer thread right after the swap, before any batch is
  /// evaluated with the new set (its deletions are not committed yet). When several swaps
  /// wait, only the last set is applied and every `done` gets its report.
  void set_rules(std::shared_ptr<const rules::rule_set> rules, swap_done done);

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
