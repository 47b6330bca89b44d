// The slawatch_* families (contract 7) on one prometheus-cpp registry.
#include "slawatch/metrics/metrics.hpp"
#include <algorithm>
#include <array>
#include <mutex>
#include <stdexcept>
#include <map>
#include <set>
#include <unordered_map>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include "process_collector.hpp"

namespace slawatch::metrics {
namespace detail {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

constexpr const char* rejection_reasons[] = {
    "malformed", "invalid_field", "unknown_partner", "partner_mismatch", "conflict",
    "too_large", "unauthenticated", "signature_invalid", "overloaded"};

/// Partners report from seconds to days late (batch uploads): 1 s up to one week.
Histogram::BucketBoundaries delay_buckets() {
  return {1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200,
          86400, 172800, 345600, 604800};
}

Histogram::BucketBoundaries latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}

/// Every slawatch_* family, in exposition order. Families without series yet are still
/// written (HELP and TYPE only), so dashboards and `absent()` see them from the start.
struct spec {
  const char* name;
  const char* help;
  prometheus::MetricType type;
};
using prometheus::MetricType;
constexpr spec specs[] = {
    {"slawatch_build_info", "Version and revision of the running slawatch; always 1.", MetricType::Gauge},
    {"slawatch_events_received_total", "Events accepted and stored, by partner and type.", MetricType::Counter},
    {"slawatch_events_duplicate_total", "Events ignored as exact resends (same partner, id and content).", MetricType::Counter},
    {"slawatch_events_rejected_total", "Events or requests refused, by reason.", MetricType::Counter},
    {"slawatch_event_transmission_delay_seconds", "received_at minus occurred_at of accepted events, by partner.", MetricType::Histogram},
    {"slawatch_rule_outcomes_total", "Rule decisions: met, breached or waived.", MetricType::Counter},
    {"slawatch_breaches_total", "Breaches recorded.", MetricType::Counter},
    {"slawatch_breaches_open", "Breaches with status open.", MetricType::Gauge},
    {"slawatch_warnings_total", "Deadline warning thresholds crossed, by rule, partner and threshold.", MetricType::Counter},
    {"slawatch_obligations_open", "Open deadline obligations (started, not yet stopped or breached).", MetricType::Gauge},
    {"slawatch_objective_ratio", "Met over decided outcomes of an objective in its current window, by partner.", MetricType::Gauge},
    {"slawatch_objective_target", "Target ratio of an objective.", MetricType::Gauge},
    {"slawatch_error_budget_remaining", "Share of an objective's error budget left in its current window: 1 untouched, 0 spent, negative overspent.", MetricType::Gauge},
    {"slawatch_rule_evaluation_errors_total", "Rule expressions that failed to evaluate.", MetricType::Counter},
    {"slawatch_rules_loaded", "Rules in the active rule set.", MetricType::Gauge},
    {"slawatch_rules_last_reload_successful", "1 when the last rule load succeeded.", MetricType::Gauge},
    {"slawatch_rules_last_reload_timestamp_seconds", "Unix time of the last successful rule load.", MetricType::Gauge},
    {"slawatch_storage_commit_seconds", "Duration of one group-commit storage transaction, begin to durable commit.", MetricType::Histogram},
    {"slawatch_ingest_request_seconds", "Duration of ingest requests, receipt to response.", MetricType::Histogram},
    {"slawatch_notifications_total", "Notification deliveries by sink and result (sent, failed, dropped).", MetricType::Counter},
    {"slawatch_notification_queue_length", "Notifications pending in the durable outbox, by sink.", MetricType::Gauge},
};

template <class T>
Family<T>& family(prometheus::Registry& r, std::string_view name) {
  for (const auto& s : specs) {
    if (name == s.name) return prometheus::detail::Builder<T>().Name(s.name).Help(s.help).Register(r);
  }
  throw std::logic_error("metrics: no spec for " + std::string(name));   // a typo here
}

}  // namespace detail

struct registry::impl {
  template <class T>
  using fam = prometheus::Family<T>;
  using counter = prometheus::Counter;
  using gauge = prometheus::Gauge;
  using histogram = prometheus::Histogram;
  std::shared_ptr<prometheus::Registry> reg = std::make_shared<prometheus::Registry>();
  fam<counter>& received = detail::family<counter>(*reg, "slawatch_events_received_total");
  fam<counter>& duplicates = detail::family<counter>(*reg, "slawatch_events_duplicate_total");
  fam<counter>& rejected = detail::family<counter>(*reg, "slawatch_events_rejected_total");
  fam<histogram>& delay = detail::family<histogram>(*reg, "slawatch_event_transmission_delay_seconds");
  fam<counter>& outcomes = detail::family<counter>(*reg, "slawatch_rule_outcomes_total");
  fam<counter>& breaches = detail::family<counter>(*reg, "slawatch_breaches_total");
  fam<gauge>& open = detail::family<gauge>(*reg, "slawatch_breaches_open");
  fam<counter>& warnings = detail::family<counter>(*reg, "slawatch_warnings_total");
  fam<gauge>& obligations = detail::family<gauge>(*reg, "slawatch_obligations_open");
  fam<gauge>& objective_ratio = detail::family<gauge>(*reg, "slawatch_objective_ratio");
  fam<gauge>& objective_target = detail::family<gauge>(*reg, "slawatch_objective_target");
  fam<gauge>& budget = detail::family<gauge>(*reg, "slawatch_error_budget_remaining");
  fam<counter>& eval_errors = detail::family<counter>(*reg, "slawatch_rule_evaluation_errors_total");
  gauge& loaded = detail::family<gauge>(*reg, "slawatch_rules_loaded").Add({});
  gauge& reload_ok = detail::family<gauge>(*reg, "slawatch_rules_last_reload_successful").Add({});
  gauge& reload_ts = detail::family<gauge>(*reg, "slawatch_rules_last_reload_timestamp_seconds").Add({});
  histogram& commit = detail::family<histogram>(*reg, "slawatch_storage_commit_seconds")
                          .Add({}, detail::latency_buckets());
  histogram& request = detail::family<histogram>(*reg, "slawatch_ingest_request_seconds")
                           .Add({}, detail::latency_buckets());
  fam<gauge>& build = detail::family<gauge>(*reg, "slawatch_build_info");
  fam<counter>& notifications = detail::family<counter>(*reg, "slawatch_notifications_total");
  fam<gauge>& queue_length = detail::family<gauge>(*reg, "slawatch_notification_queue_length");
  detail::process_collector process;

  std::uint64_t max_types;
  std::mutex mu_;   // guards the two maps below (prometheus-cpp guards its own series)
  std::set<std::string, std::less<>> types_;
  // Family<Histogram>::Add builds a histogram before looking the series up: cache them.
  std::unordered_map<std::string, prometheus::Histogram*> delay_by_partner_;
  // Outcome series by (rule, partner), per kind (met, breached, waived): an outcome is
  // counted per rule per event, and Family::Add builds a label map each time. Hashed, looked
  // up without copying the names. Series are never removed.
  struct name_pair_hash {
    using is_transparent = void;
    std::size_t operator()(std::pair<std::string_view, std::string_view> k) const {
      const std::size_t h = std::hash<std::string_view>{}(k.first);
      return h ^ (std::hash<std::string_view>{}(k.second) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
    }
    std::size_t operator()(const std::pair<std::string, std::string>& k) const {
      return (*this)(std::pair<std::string_view, std::string_view>(k.first, k.second));
    }
  };
  struct name_pair_eq {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return std::string_view(a.first) == std::string_view(b.first) &&
             std::string_view(a.second) == std::string_view(b.second);
    }
  };
  std::unordered_map<std::pair<std::string, std::string>, std::array<counter*, 3>, name_pair_hash,
                     name_pair_eq>
      outcome_series_;
  std::mutex obligations_mu_;   // one gauge update at a time: zeroing needs the known set
  std::set<std::pair<std::string, std::string>> obligation_series_;
  /// (rule, partner) of objective series → start of the window they show (also under
  /// obligations_mu_: reload removals and updates must not interleave).
  std::map<std::pair<std::string, std::string>, instant> objective_windows_;

  explicit impl(std::uint64_t max_event_types) : max_types(max_event_types) {}

  std::string capped_type(std::string_view type) {
    std::lock_guard lock(mu_);
    if (types_.find(type) != types_.end()) return std::string(type);
    if (types_.size() >= max_types) return "other";
    return *types_.emplace(type).first;
  }

  prometheus::Histogram& delay_for(std::string_view partner) {
    std::lock_guard lock(mu_);
    auto [it, fresh] = delay_by_partner_.try_emplace(std::string(partner), nullptr);
    if (fresh) it->second = &delay.Add({{"partner", it->first}}, detail::delay_buckets());
    return *it->second;
  }
};

registry::registry(std::string version, std::string revision, std::uint64_t max_event_types)
    : impl_(std::make_unique<impl>(max_event_types)) {
  impl_->build.Add({{"version", std::move(version)}, {"revision", std::move(revision)}}).Set(1);
  // Every reason exists from the start, so rate() and absent() work before the first one.
  for (const char* reason : detail::rejection_reasons) impl_->rejected.Add({{"reason", reason}});
}

registry::~registry() = default;

void registry::event_received(std::string_view partner, std::string_view type) {
  impl_->received.Add({{"partner", std::string(partner)}, {"type", impl_->capped_type(type)}})
      .Increment();
}

void registry::event_duplicate(std::string_view partner) {
  impl_->duplicates.Add({{"partner", std::string(partner)}}).Increment();
}

void registry::event_rejected(std::string_view reason, std::uint64_t n) {
  impl_->rejected.Add({{"reason", std::string(reason)}}).Increment(static_cast<double>(n));
}

void registry::transmission_delay(std::string_view partner, double seconds) {
  // An occurred_at in the future (clock skew) would make the histogram sum decrease.
  impl_->delay_for(partner).Observe(seconds < 0 ? 0 : seconds);
}

void registry::outcome(const model::outcome& o) {
  std::lock_guard lock(impl_->mu_);
  auto& series = impl_->outcome_series_;
  auto it = series.find(std::pair<std::string_view, std::string_view>(o.rule, o.partner));
  if (it == series.end()) it = series.emplace(std::pair(o.rule, o.partner), std::array<impl::counter*, 3>{}).first;
  auto& slot = it->second[static_cast<std::size_t>(o.kind)];
  if (slot == nullptr) {
    slot = &impl_->outcomes.Add(
        {{"rule", o.rule}, {"partner", o.partner}, {"outcome", std::string(model::to_string(o.kind))}});
  }
  slot->Increment();
}

namespace {
prometheus::Labels breach_labels(std::string_view rule, std::string_view partner,
                                 std::string_view category, std::string_view severity) {
  return {{"rule", std::string(rule)}, {"partner", std::string(partner)},
          {"category", std::string(category)}, {"severity", std::string(severity)}};
}
}  // namespace

void registry::breach(const model::breach& b) {
  const auto l = breach_labels(b.rule, b.partner, b.category, b.severity);
  impl_->breaches.Add(l).Increment();
  auto& open = impl_->open.Add(l);   // the series exists (at 0) even for a closed breach
  if (b.status == model::breach_status::open) open.Increment();
}

void registry::breach_closed(const model::breach& b) {
  impl_->open.Add(breach_labels(b.rule, b.partner, b.category, b.severity)).Decrement();
}

void registry::warning(std::string_view rule, std::string_view partner, std::string_view threshold) {
  impl_->warnings
      .Add({{"rule", std::string(rule)}, {"partner", std::string(partner)},
            {"threshold", std::string(threshold)}})
      .Increment();
}

void registry::obligations_open(const std::vector<store::obligation_count>& counts) {
  std::lock_guard lock(impl_->obligations_mu_);
  std::set<std::pair<std::string, std::string>> now;
  for (const auto& c : counts) {
    impl_->obligations.Add({{"rule", c.rule}, {"partner", c.partner}}).Set(static_cast<double>(c.open));
    now.emplace(c.rule, c.partner);
  }
  // Series that had obligations and have none now go to 0 (kept, so rate()/absent() work).
  for (const auto& [rule, partner] : impl_->obligation_series_) {
    if (!now.count({rule, partner})) impl_->obligations.Add({{"rule", rule}, {"partner", partner}}).Set(0);
  }
  impl_->obligation_series_.insert(now.begin(), now.end());
}

void registry::evaluation_errors(std::string_view rule, std::uint64_t n) {
  impl_->eval_errors.Add({{"rule", std::string(rule)}}).Increment(static_cast<double>(n));
}

void registry::objective(std::string_view rule, std::string_view partner, double ratio,
                         double target, double error_budget_remaining, instant window_start) {
  std::lock_guard lock(impl_->obligations_mu_);
  auto [it, fresh] = impl_->objective_windows_.try_emplace({std::string(rule), std::string(partner)}, window_start);
  if (!fresh && window_start < it->second) return;
  it->second = window_start;
  const prometheus::Labels l{{"rule", it->first.first}, {"partner", it->first.second}};
  impl_->objective_ratio.Add(l).Set(ratio);
  impl_->objective_target.Add(l).Set(target);
  impl_->budget.Add(l).Set(error_budget_remaining);
}

void registry::remove_rule_series(
    const std::function<bool(const std::string& rule, const std::string& partner)>& keep) {
  std::lock_guard lock(impl_->obligations_mu_);
  auto labels = [](const std::pair<std::string, std::string>& k) {
    return prometheus::Labels{{"rule", k.first}, {"partner", k.second}};
  };
  for (auto it = impl_->obligation_series_.begin(); it != impl_->obligation_series_.end();) {
    if (keep(it->first, it->second)) {
      ++it;
      continue;
    }
    impl_->obligations.Remove(&impl_->obligations.Add(labels(*it)));
    it = impl_->obligation_series_.erase(it);
  }
  for (auto it = impl_->objective_windows_.begin(); it != impl_->objective_windows_.end();) {
    if (keep(it->first.first, it->first.second)) {
      ++it;
      continue;
    }
    const auto l = labels(it->first);
    for (auto* f : {&impl_->objective_ratio, &impl_->objective_target, &impl_->budget}) f->Remove(&f->Add(l));
    it = impl_->objective_windows_.erase(it);
  }
}

void registry::rules_loaded(std::uint64_t n, bool successful, double unix_seconds) {
  // A failed reload keeps the previous rule set: its count and load time stay.
  impl_->reload_ok.Set(successful ? 1 : 0);
  if (!successful) return;
  impl_->loaded.Set(static_cast<double>(n));
  impl_->reload_ts.Set(unix_seconds);
}

void registry::storage_commit_seconds(double s) { impl_->commit.Observe(s); }
void registry::ingest_request_seconds(double s) { impl_->request.Observe(s); }

void registry::notification(std::string_view sink, std::string_view result, std::uint64_t n) {
  impl_->notifications.Add({{"sink", std::string(sink)}, {"result", std::string(result)}})
      .Increment(static_cast<double>(n));
}

void registry::notification_queue_length(std::string_view sink, double n) {
  impl_->queue_length.Add({{"sink", std::string(sink)}}).Set(n);
}

void registry::restore(const std::vector<store::breach_count>& breaches,
                       const std::vector<store::outcome_count>& outcomes) {
  for (const auto& c : breaches) {
    const auto l = breach_labels(c.rule, c.partner, c.category, c.severity);
    impl_->breaches.Add(l).Increment(static_cast<double>(c.total));
    impl_->open.Add(l).Set(static_cast<double>(c.open));
  }
  for (const auto& c : outcomes) {
    impl_->outcomes
        .Add({{"rule", c.rule}, {"partner", c.partner}, {"outcome", std::string(model::to_string(c.kind))}})
        .Increment(static_cast<double>(c.total));
    // Storage moves a waived outcome out of 'breached'; the counter never gave it back while
    // running (counters do not go down), so the restored breached series counts it too.
    if (c.kind == model::outcome_kind::waived) {
      impl_->outcomes.Add({{"rule", c.rule}, {"partner", c.partner}, {"outcome", "breached"}})
          .Increment(static_cast<double>(c.total));
    }
  }
}

std::string registry::serialize() const {
  auto collected = impl_->reg->Collect();   // leaves out families without series
  std::vector<prometheus::MetricFamily> families;
  for (const auto& s : detail::specs) {
    auto it = std::find_if(collected.begin(), collected.end(),
                           [&](const auto& f) { return f.name == s.name; });
    families.push_back(it != collected.end() ? std::move(*it)
                                             : prometheus::MetricFamily{s.name, s.help, s.type, {}});
  }
  auto process = impl_->process.Collect();
  families.insert(families.end(), std::make_move_iterator(process.begin()),
                  std::make_move_iterator(process.end()));
  return prometheus::TextSerializer{}.Serialize(families);
}

}  // namespace slawatch::metrics
