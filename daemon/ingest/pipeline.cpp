// The single writer: a bounded queue of batches, group commit, metrics after commit.
#include "slawatch/ingest/pipeline.hpp"
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

namespace slawatch::ingest {
namespace detail {

struct job {
  std::vector<model::event> events;
  completion done;
};

/// What one group transaction produced, kept until after the commit for metrics.
struct group_effects {
  engine::effects fx;
  std::vector<const model::breach*> new_breaches;   ///< into fx.breaches
};

double seconds_between(instant from, instant to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace detail

struct pipeline::impl {
  std::unique_ptr<store::store> store_;
  engine::engine engine_;
  metrics::registry* metrics_;
  pipeline_options opts_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<detail::job> queue_;
  std::size_t queued_events_ = 0;
  bool stopping_ = false;
  std::shared_ptr<const rules::rule_set> pending_rules_;
  std::once_flag joined_;
  std::thread writer_;

  impl(std::unique_ptr<store::store> s, std::shared_ptr<const rules::rule_set> rules,
       metrics::registry* m, pipeline_options o)
      : store_(std::move(s)), engine_(std::move(rules)), metrics_(m), opts_(o) {}

  /// Waits for work; takes every queued batch up to max_events_per_commit (always at least
  /// one). Empty result: stopping and drained.
  std::vector<detail::job> take() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !queue_.empty() || stopping_; });
    std::vector<detail::job> group;
    std::size_t events = 0;
    while (!queue_.empty()) {
      const auto n = queue_.front().events.size();
      if (!group.empty() && events + n > opts_.max_events_per_commit) break;
      events += n;
      group.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    queued_events_ -= events;
    // Reload takes effect between groups, never inside one.
    if (pending_rules_) engine_.set_rules(std::move(pending_rules_));
    pending_rules_.reset();
    return group;
  }

  /// Writes one group in one transaction. Effects come from the engine in arrival order.
  result<bool> write(std::vector<detail::job>& group, std::vector<batch_result>& results,
                     detail::group_effects& out) {
    if (auto r = store_->begin(); !r) return r;
    for (std::size_t j = 0; j < group.size(); ++j) {
      results[j].events.reserve(group[j].events.size());
      for (const auto& ev : group[j].events) {
        auto st = store_->put_event(ev);
        if (!st) return st.err();
        results[j].events.push_back({*st});
        // The engine is stateless for condition rules, so a rollback below needs no engine
        // undo. Stateful kinds (deadlines, next issue) must snapshot the engine here and
        // restore the snapshot when the group is rolled back.
        if (*st == store::put_status::accepted) engine_.on_event(ev, out.fx);
      }
    }
    if (auto r = store_->add_outcomes(out.fx.outcomes); !r) return r;
    for (const auto& b : out.fx.breaches) {
      auto inserted = store_->put_breach(b);
      if (!inserted) return inserted.err();
      if (*inserted) out.new_breaches.push_back(&b);   // a retried group never counts twice
    }
    return store_->commit();
  }

  void count(const std::vector<detail::job>& group, const std::vector<batch_result>& results,
             const detail::group_effects& out, double commit_seconds) {
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
    for (const auto& o : out.fx.outcomes) metrics_->outcome(o);
    for (const auto* b : out.new_breaches) metrics_->breach(*b);
    for (const auto& [rule, n] : out.fx.evaluation_errors) metrics_->evaluation_errors(rule, n);
    metrics_->storage_commit_seconds(commit_seconds);
  }

  void process(std::vector<detail::job>& group) {
    std::vector<batch_result> results(group.size());
    detail::group_effects out;
    const auto started = std::chrono::steady_clock::now();
    result<bool> written = false;
    try {
      written = write(group, results, out);
    } catch (const std::exception& e) {   // nothing may kill the writer thread
      written = error{"storage", std::string("storage: ") + e.what(), {}};
    }
    if (written) {
      count(group, results, out,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      for (auto& r : results) r.stored = true;
    } else {
      store_->rollback();
      for (auto& r : results) r = batch_result{false, written.err().message, {}};
    }
    for (std::size_t j = 0; j < group.size(); ++j) {
      try {
        if (group[j].done) group[j].done(std::move(results[j]));
      } catch (...) {   // a completion's failure is its caller's; the writer goes on
      }
    }
  }

  void run() {
    for (;;) {
      auto group = take();
      if (group.empty()) return;
      process(group);
    }
  }
};

pipeline::pipeline(std::unique_ptr<store::store> writer,
                   std::shared_ptr<const rules::rule_set> rules, metrics::registry* metrics,
                   pipeline_options opts)
    : impl_(std::make_unique<impl>(std::move(writer), std::move(rules), metrics, opts)) {
  impl_->writer_ = std::thread([this] { impl_->run(); });
}

pipeline::~pipeline() { stop(); }

bool pipeline::submit(std::vector<model::event> events, completion done) {
  {
    std::lock_guard lock(impl_->mu_);
    if (impl_->stopping_) return false;
    const auto n = events.size();
    // An oversized batch is still taken when nothing waits, else it could never go in.
    if (!impl_->queue_.empty() && impl_->queued_events_ + n > impl_->opts_.queue_capacity_events) {
      return false;
    }
    impl_->queued_events_ += n;
    impl_->queue_.push_back({std::move(events), std::move(done)});
  }
  impl_->cv_.notify_one();
  return true;
}

void pipeline::set_rules(std::shared_ptr<const rules::rule_set> rules) {
  std::lock_guard lock(impl_->mu_);
  impl_->pending_rules_ = std::move(rules);
}

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
