// The single writer: a bounded queue of batches, group commit, timers on the clock, metrics
// after commit, and the engine restored from storage whenever a transaction fails.
#include "slawatch/ingest/pipeline.hpp"
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_set>
#include "slawatch/ingest/audit.hpp"
#include "slawatch/ingest/effects.hpp"
#include "step.hpp"

namespace slawatch::ingest {
namespace detail {

struct waive_request {
  std::string id, reason;
  waive_completion done;
};

struct task_request {
  task_fn work;
  task_completion done;
};

/// A batch of events, or a waive or task (which always run alone in their transaction).
struct job {
  std::vector<model::event> events;
  completion done;
  /// Per event, made on the submitting thread (off the single writer): the content hash and
  /// the stored JSON text. Empty for waives and tasks.
  std::vector<std::string> hashes = {};
  std::vector<std::string> texts = {};
  std::optional<waive_request> waive = std::nullopt;
  std::optional<task_request> task = std::nullopt;

  [[nodiscard]] bool alone() const { return waive.has_value() || task.has_value(); }
};

double seconds_between(instant from, instant to) {
  return std::chrono::duration<double>(to - from).count();
}

instant system_now() {
  return std::chrono::time_point_cast<duration>(std::chrono::system_clock::now());
}

/// After a failed tick, the next try waits this long (no busy loop on a broken disk).
constexpr auto retry_delay = std::chrono::seconds(1);
/// Longest sleep between two looks at the clock (catches wall-clock steps).
constexpr auto max_sleep = std::chrono::seconds(1);
/// Stored state rows per chunk of a restore: ~1 MB of rows, reused while still in cache
/// (10 000-row chunks restored a million obligations 1.9× slower in bench_state).
constexpr std::size_t restore_chunk_rows = 1000;

/// Stored open obligations (sizes the engine's map once); 0 when the count fails.
std::size_t stored_obligations(store::store& s) {
  auto counts = s.obligation_counts();
  std::size_t n = 0;
  if (counts) {
    for (const auto& c : counts.value()) n += static_cast<std::size_t>(c.open);
  }
  return n;
}

}  // namespace detail

struct pipeline::impl {
  std::unique_ptr<store::store> store_;
  engine::engine engine_;
  metrics::registry* metrics_;
  pipeline_options opts_;
  clock_fn clock_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<detail::job> queue_;
  std::size_t queued_events_ = 0;
  bool stopping_ = false;
  std::uint64_t wakes_ = 0;          ///< bumped by wake(): the clock moved
  std::shared_ptr<const rules::rule_set> pending_rules_;
  std::vector<swap_done> pending_swap_done_;   ///< told about the next swap
  std::once_flag joined_;
  std::thread writer_;

  // Writer thread only:
  bool need_restore_ = false;            ///< the engine may be ahead of the database
  std::vector<std::string> orphans_;     ///< stored ids the engine dropped: delete next commit
  std::optional<instant> not_before_;    ///< no tick before this (after a failed one)
  std::optional<error> startup_error_;
  bool starting_ = true;                 ///< in the constructor, before the writer thread
  std::vector<swap_done> swapped_;       ///< to tell, outside mu_, about the last swap
  swap_report swap_report_;

  impl(std::unique_ptr<store::store> s, std::shared_ptr<const rules::rule_set> rules,
       metrics::registry* m, pipeline_options o, clock_fn clock)
      : store_(std::move(s)), engine_(std::move(rules)), metrics_(m), opts_(o),
        clock_(std::move(clock)) {
    engine_.defer_state(true);   // flushed once per group in transact()
    store_->checkpoint_in_background();   // WAL checkpoints off the writer's commits
  }

  instant now() const { return clock_ ? clock_() : detail::system_now(); }

  /// Replaces the engine's state with the stored one; ids it did not take back (rules gone
  /// or changed) are deleted in the next transaction.
  result<bool> recover() {
    // Streamed in chunks: a million stored rows at once (JSON `data` each) cost a gigabyte
    // at start-up; the engine reports the ids it did not take back (no snapshot diff).
    orphans_.clear();
    engine_.restore_begin(detail::stored_obligations(*store_));
    std::vector<engine::state_entry> entries;
    auto rows = store_->load_state_chunks(detail::restore_chunk_rows, [&](auto& chunk) {
      for (auto& r : chunk) entries.push_back(detail::to_entry(std::move(r)));
      engine_.restore_add(entries, orphans_);
      entries.clear();
      return true;
    });
    engine_.restore_end(orphans_);
    if (!rows) {   // the engine holds part of the state: restored again before the next write
      need_restore_ = true;
      return rows.err();
    }
    need_restore_ = false;
    return true;
  }

  /// Runs `fill` (engine steps into the group) and writes the group in one transaction.
  /// On any failure: rollback and restore the engine from storage.
  template <class Fill>
  result<bool> transact(detail::group_effects& g, Fill&& fill, bool skip_if_empty) {
    if (need_restore_) {
      if (auto r = recover(); !r) return r;
    }
    result<bool> done = true;
    try {
      detail::absorb_erased(g, orphans_);
      bool begun = false;
      if (!skip_if_empty) {
        done = store_->begin();
        begun = true;
      }
      if (done) done = fill();
      if (done) {   // each changed state entry once per group (engine::defer_state)
        engine::effects changed;
        engine_.flush_state(changed);
        detail::absorb(g, changed, engine_);
      }
      if (done && !begun && !g.empty()) {
        done = store_->begin();
        begun = true;
      }
      if (done && begun) done = detail::persist(*store_, g, notify_context(), now());
      if (done && begun) done = store_->commit();
    } catch (const std::exception& e) {   // nothing may kill the writer thread
      done = error{"storage", std::string("storage: ") + e.what(), {}};
    }
    if (!done) {
      store_->rollback();
      (void)recover();   // a failure here leaves need_restore_ set: retried before next write
      return done;
    }
    orphans_.clear();
    return true;
  }

  /// Notifications go out only when a sink is configured (no outbox writes otherwise).
  detail::notify_context notify_context() const {
    const auto& r = opts_.notify;
    if (!r.alertmanager && r.webhooks.empty() && !r.partner_webhooks) return {};
    return {&r, &engine_.rules(), now()};
  }

  /// Applies a pending rule set (under mu_). Reload takes effect between groups, never
  /// inside one; entries the new set drops are deleted by the next transaction. True when
  /// there are such entries (a tick writes them right away when no batch waits).
  bool swap_rules() {
    engine::effects dropped;
    engine_.set_rules(std::move(pending_rules_), dropped);
    pending_rules_.reset();
    orphans_.insert(orphans_.end(), dropped.erased.begin(), dropped.erased.end());
    swapped_ = std::move(pending_swap_done_);
    pending_swap_done_.clear();
    if (!swapped_.empty()) swap_report_ = {dropped.erased, obligation_counts(engine_)};
    return !dropped.erased.empty();
  }

  /// Waits for work or a due timer. Returns the queued batches (up to
  /// max_events_per_commit, at least one); empty with `tick` set when timers are due;
  /// empty without `tick` when stopping and drained.
  std::vector<detail::job> take(bool& tick) {
    std::unique_lock lock(mu_);
    for (;;) {
      if (!queue_.empty() || stopping_) break;
      if (pending_rules_) break;
      auto due = engine_.next_due();
      if (due && not_before_ && *due < *not_before_) due = not_before_;
      const auto t = now();
      if (due && *due <= t) {
        tick = true;
        return {};
      }
      auto sleep = std::chrono::duration_cast<std::chrono::nanoseconds>(detail::max_sleep);
      if (due) sleep = std::min(sleep, std::chrono::duration_cast<std::chrono::nanoseconds>(*due - t));
      const auto seen = wakes_;
      cv_.wait_for(lock, sleep, [&] {
        return !queue_.empty() || stopping_ || pending_rules_ || wakes_ != seen;
      });
    }
    // After a swap the writer must go round once more even with nothing dropped: an empty
    // group without `tick` means "stopped" to run(). The tick writes the dropped entries.
    if (pending_rules_) {
      (void)swap_rules();
      tick = true;
    }
    std::vector<detail::job> group;
    std::size_t events = 0;
    while (!queue_.empty()) {
      // A waive runs alone: breaches of earlier batches are then committed and findable.
      if (queue_.front().alone() && !group.empty()) break;
      if (queue_.front().alone()) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
        break;
      }
      const auto n = queue_.front().events.size();
      if (!group.empty() && events + n > opts_.max_events_per_commit) break;
      events += n;
      group.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    queued_events_ -= events;
    if (!group.empty()) tick = false;   // the group ticks to its own received_at
    return group;
  }

  /// Writes one group in one transaction. Before each batch the clock advances to its
  /// received_at (timers due by then fire first); effects come in arrival order.
  result<bool> write(std::vector<detail::job>& group, std::vector<batch_result>& results,
                     detail::group_effects& g) {
    return transact(g, [&]() -> result<bool> {
      engine::effects step;
      for (std::size_t j = 0; j < group.size(); ++j) {
        results[j].events.clear();
        results[j].events.reserve(group[j].events.size());
        if (!group[j].events.empty()) {
          engine_.on_tick(group[j].events.front().received_at, step);
          detail::absorb(g, step, engine_);
        }
        std::vector<std::string> accepted_hashes;   // for the batch audit entry
        for (std::size_t k = 0; k < group[j].events.size(); ++k) {
          const auto& ev = group[j].events[k];
          const std::string& hash = group[j].hashes[k];
          auto st = store_->put_event_encoded(ev, hash, group[j].texts[k]);
          if (!st) return st.err();
          results[j].events.push_back({*st});
          if (*st != store::put_status::accepted) continue;
          accepted_hashes.push_back(hash);
          engine_.on_event(ev, step);
          detail::absorb(g, step, engine_);
        }
        if (auto r = audit_batch(group[j].events, results[j], accepted_hashes); !r) return r;
      }
      return true;
    }, /*skip_if_empty=*/false);
  }

  /// The "batch" audit entry of one batch, in its transaction; none when nothing was
  /// accepted (a replayed request changes nothing).
  result<bool> audit_batch(const std::vector<model::event>& events, const batch_result& r,
                           const std::vector<std::string>& accepted_hashes) {
    std::vector<const model::event*> accepted;
    std::size_t duplicates = 0, conflicts = 0;
    for (std::size_t k = 0; k < events.size(); ++k) {
      const auto st = r.events[k].status;
      if (st == store::put_status::accepted) accepted.push_back(&events[k]);
      duplicates += st == store::put_status::duplicate ? 1 : 0;
      conflicts += st == store::put_status::conflict ? 1 : 0;
    }
    if (accepted.empty()) return true;
    auto e = store_->append_audit(
        "batch", batch_audit_detail(accepted, accepted_hashes, duplicates, conflicts), now());
    if (!e) return e.err();
    return true;
  }

  /// Fires the timers due at `t` in a transaction of their own.
  void tick(instant t) {
    detail::group_effects g;
    const auto started = std::chrono::steady_clock::now();
    auto done = transact(g, [&]() -> result<bool> {
      engine::effects step;
      engine_.on_tick(t, step);
      detail::absorb(g, step, engine_);
      return true;
    }, /*skip_if_empty=*/true);
    if (!done) {
      not_before_ = t + detail::retry_delay;
      if (starting_) startup_error_ = done.err();
      return;
    }
    not_before_.reset();
    if (!g.empty()) count_effects(g, seconds_since(started));
  }

  static double seconds_since(std::chrono::steady_clock::time_point started) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }

  void count_effects(const detail::group_effects& g, double commit_seconds) {
    if (metrics_ == nullptr) return;
    committed_step step{g.new_breaches, g.closed_breaches, std::nullopt};
    if (g.obligations_changed) step.obligations = obligation_counts(engine_);
    record_effects(*metrics_, g.fx, step);
    for (const auto& [sink, n] : g.dropped) metrics_->notification(sink, "dropped", n);
    metrics_->storage_commit_seconds(commit_seconds);
  }

  void count(const std::vector<detail::job>& group, const std::vector<batch_result>& results,
             const detail::group_effects& g, double commit_seconds) {
    if (metrics_ == nullptr) return;
    for (std::size_t j = 0; j < group.size(); ++j) {
      for (std::size_t k = 0; k < group[j].events.size(); ++k) {
        const auto& ev = group[j].events[k];
        switch (results[j].events[k].status) {
          case store::put_status::accepted:
            metrics_->event_received(ev.partner, ev.type);
            metrics_->transmission_delay(ev.partner,
                                         detail::seconds_between(ev.occurred_at, ev.received_at));
            break;
          case store::put_status::duplicate: metrics_->event_duplicate(ev.partner); break;
          case store::put_status::conflict: metrics_->event_rejected("conflict"); break;
        }
      }
    }
    count_effects(g, commit_seconds);
  }

  /// One waive in its own transaction; metrics after the commit.
  void process_waive(detail::waive_request& w) {
    waive_result res;
    bool was_open = false;
    detail::group_effects g;
    const auto started = std::chrono::steady_clock::now();
    auto written = transact(g, [&]() -> result<bool> {
      const instant at = now();
      auto r = store_->waive_breach(w.id, w.reason, at);
      if (!r) return r.err();
      res.status = r->status;
      res.breach = std::move(r->before);
      if (r->status != store::waive_status::waived) return true;
      if (auto a = store_->append_audit("waiver", waiver_audit_detail(*res.breach, w.reason), at); !a) {
        return a.err();
      }
      was_open = res.breach->status == model::breach_status::open;
      res.breach->status = model::breach_status::waived;
      res.breach->waived_reason = w.reason;
      res.breach->waived_at = at;
      engine::effects step;
      engine_.on_waive(res.breach->rule, res.breach->partner,
                       store::breach_decided_at(*res.breach), step);
      detail::absorb(g, step, engine_);
      return true;
    }, /*skip_if_empty=*/false);
    if (!written) {
      res = waive_result{false, written.err().message, store::waive_status::waived, {}};
    } else {
      res.stored = true;
      if (res.status == store::waive_status::waived) {
        count_waive(*res.breach, was_open, g, seconds_since(started));
      }
    }
    try {
      if (w.done) w.done(std::move(res));
    } catch (...) {   // a completion's failure is its caller's; the writer goes on
    }
  }

  /// One task in its own transaction (rolled back when it fails).
  void process_task(detail::task_request& t) {
    detail::group_effects g;
    auto written = transact(g, [&]() -> result<bool> { return t.work(*store_); },
                            /*skip_if_empty=*/false);
    try {
      if (t.done) t.done(std::move(written));
    } catch (...) {   // a completion's failure is its caller's; the writer goes on
    }
  }

  void count_waive(const model::breach& b, bool was_open, const detail::group_effects& g,
                   double seconds) {
    if (metrics_ == nullptr) return;
    metrics_->outcome({b.rule, b.partner, model::outcome_kind::waived, store::breach_decided_at(b)});
    if (was_open) metrics_->breach_closed(b);
    count_effects(g, seconds);
  }

  void process(std::vector<detail::job>& group) {
    if (group.size() == 1 && group.front().waive) {
      process_waive(*group.front().waive);
      return;
    }
    if (group.size() == 1 && group.front().task) {
      process_task(*group.front().task);
      return;
    }
    std::vector<batch_result> results(group.size());
    detail::group_effects g;
    const auto started = std::chrono::steady_clock::now();
    auto written = write(group, results, g);
    if (written) {
      count(group, results, g, seconds_since(started));
      for (auto& r : results) r.stored = true;
    } else {
      for (auto& r : results) r = batch_result{false, written.err().message, {}};
    }
    for (std::size_t j = 0; j < group.size(); ++j) {
      try {
        if (group[j].done) group[j].done(std::move(results[j]));
      } catch (...) {   // a completion's failure is its caller's; the writer goes on
      }
    }
  }

  /// Start-up (before the writer thread exists): restore, one tick at the clock, gauges.
  void start_up() {
    if (auto r = recover(); !r) {
      startup_error_ = r.err();
      starting_ = false;
      return;
    }
    tick(now());
    starting_ = false;
    if (metrics_ != nullptr) metrics_->obligations_open(obligation_counts(engine_));
  }

  void tell_swapped() {
    for (auto& done : swapped_) {
      try {
        done(swap_report_);
      } catch (...) {   // the caller's failure; the writer goes on
      }
    }
    swapped_.clear();
  }

  void run() {
    for (;;) {
      bool due = false;
      auto group = take(due);
      tell_swapped();
      if (!group.empty()) {
        process(group);
      } else if (due) {
        tick(now());
      } else {
        return;
      }
    }
  }
};

pipeline::pipeline(std::unique_ptr<store::store> writer,
                   std::shared_ptr<const rules::rule_set> rules, metrics::registry* metrics,
                   pipeline_options opts, clock_fn clock)
    : impl_(std::make_unique<impl>(std::move(writer), std::move(rules), metrics, opts,
                                   std::move(clock))) {
  impl_->start_up();
  impl_->writer_ = std::thread([this] { impl_->run(); });
}

pipeline::~pipeline() { stop(); }

bool pipeline::submit(std::vector<model::event> events, completion done) {
  // On the caller's thread: every source (HTTP, spool) passes here, so no raw value of a
  // listed field reaches the writer thread, the store or the engine.
  if (const auto& ps = impl_->opts_.pseudonyms) {
    for (auto& ev : events) ps->apply(ev.doc);
  }
  std::vector<std::string> hashes, texts;
  hashes.reserve(events.size());
  texts.reserve(events.size());
  for (const auto& ev : events) {
    hashes.push_back(ev.content_hash());
    texts.push_back(ev.doc.dump());
  }
  {
    std::lock_guard lock(impl_->mu_);
    if (impl_->stopping_) return false;
    const auto n = events.size();
    // An oversized batch is still taken when nothing waits, else it could never go in.
    if (!impl_->queue_.empty() && impl_->queued_events_ + n > impl_->opts_.queue_capacity_events) {
      return false;
    }
    impl_->queued_events_ += n;
    detail::job j{std::move(events), std::move(done)};
    j.hashes = std::move(hashes);
    j.texts = std::move(texts);
    impl_->queue_.push_back(std::move(j));
  }
  impl_->cv_.notify_one();
  return true;
}

bool pipeline::waive(std::string id, std::string reason, waive_completion done) {
  {
    std::lock_guard lock(impl_->mu_);
    if (impl_->stopping_) return false;
    detail::job j;
    j.waive = detail::waive_request{std::move(id), std::move(reason), std::move(done)};
    impl_->queue_.push_back(std::move(j));
  }
  impl_->cv_.notify_one();
  return true;
}

bool pipeline::run(task_fn work, task_completion done) {
  {
    std::lock_guard lock(impl_->mu_);
    if (impl_->stopping_) return false;
    detail::job j;
    j.task = detail::task_request{std::move(work), std::move(done)};
    impl_->queue_.push_back(std::move(j));
  }
  impl_->cv_.notify_one();
  return true;
}

void pipeline::set_rules(std::shared_ptr<const rules::rule_set> rules) {
  {
    std::lock_guard lock(impl_->mu_);
    impl_->pending_rules_ = std::move(rules);
  }
  impl_->cv_.notify_one();
}

void pipeline::set_rules(std::shared_ptr<const rules::rule_set> rules, swap_done done) {
  {
    std::lock_guard lock(impl_->mu_);
    impl_->pending_rules_ = std::move(rules);
    if (done) impl_->pending_swap_done_.push_back(std::move(done));
  }
  impl_->cv_.notify_one();
}

void pipeline::wake() {
  {
    std::lock_guard lock(impl_->mu_);
    ++impl_->wakes_;
  }
  impl_->cv_.notify_one();
}

const std::optional<error>& pipeline::startup_error() const { return impl_->startup_error_; }

void pipeline::stop() {
  {
    std::lock_guard lock(impl_->mu_);
    impl_->stopping_ = true;
  }
  impl_->cv_.notify_one();
  std::call_once(impl_->joined_, [this] {
    if (impl_->writer_.joinable()) impl_->writer_.join();
  });
}

}  // namespace slawatch::ingest
