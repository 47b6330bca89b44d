// The delivery worker: drains the outbox (webhooks oldest first per sink, with backoff and
// dead letters) and keeps every configured Alertmanager's alerts current.
#include <condition_variable>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <fmt/format.h>
#include "slawatch/alerting/alerting.hpp"

namespace slawatch::alerting {
namespace {

constexpr std::string_view am_sink = "alertmanager";
constexpr std::size_t am_batch = 64;          // alerts per POST (Prometheus's convention)
constexpr int webhook_batch = 32;             // items per sink and pass
constexpr auto max_eval_every = std::chrono::seconds(1);

instant system_now() {
  return std::chrono::time_point_cast<duration>(std::chrono::system_clock::now());
}

std::string alerts_url(std::string base) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/api/v2/alerts";
}

}  // namespace

struct service::impl {
  std::unique_ptr<store::store> store_;
  metrics::registry* metrics_;
  service_options o_;
  log_fn log_;
  alert_state alerts_;
  std::mt19937_64 rng_{std::random_device{}()};
  int am_attempts_ = 0;
  std::optional<instant> am_not_before_, last_eval_;
  std::set<std::string> known_sinks_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;

  impl(std::unique_ptr<store::store> s, metrics::registry* m, service_options o, log_fn log)
      : store_(std::move(s)), metrics_(m), o_(std::move(o)), log_(std::move(log)),
        alerts_(o_.resend_interval, o_.hold) {
    if (!o_.alertmanagers.empty()) known_sinks_.insert(std::string(am_sink));
    for (const auto& [sink, t] : o_.webhooks) known_sinks_.insert(sink);
  }

  instant now() const { return o_.now ? o_.now() : system_now(); }
  double jitter() {
    if (o_.jitter) return o_.jitter();
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  }
  result<http_response> send(const http_request& r) { return o_.send ? o_.send(r) : send_http(r); }
  void log(std::string_view level, std::string_view msg, nlohmann::json fields) {
    if (log_) log_(level, msg, std::move(fields));
  }
  void count(std::string_view sink, std::string_view result) {
    if (metrics_ != nullptr) metrics_->notification(sink, result);
  }

  /// URL and secret of a webhook sink; an error when the sink is gone or its secret unset.
  result<service_options::target> resolve(const std::string& sink) {
    if (auto it = o_.webhooks.find(sink); it != o_.webhooks.end()) return it->second;
    if (sink.starts_with("partner:")) {
      auto rules = o_.rules ? o_.rules() : nullptr;
      const auto id = sink.substr(8);
      auto p = rules ? rules->partners.find(id) : decltype(rules->partners.end()){};
      if (rules && p != rules->partners.end() && !p->second.report.webhook.empty()) {
        service_options::target t{p->second.report.webhook, {}};
        const auto& env = p->second.report.secret_env;
        if (env.empty()) return t;
        auto secret = o_.getenv ? o_.getenv(env) : system_getenv(env);
        if (!secret) return error{"retry", fmt::format("environment variable {} is not set", env), {}};
        t.secret = *secret;
        return t;
      }
    }
    return error{"dead", "sink not configured", {}};
  }

  void retry(const store::outbox_item& i, int attempts, instant t, const std::string& why) {
    const auto next = t + backoff_delay(attempts, jitter(), o_.retry);
    (void)store_->outbox_retry(i.seq, attempts, next, why);
    count(i.sink, "failed");
    log("warn", "notification failed, will retry",
        {{"sink", i.sink}, {"delivery", i.delivery_id}, {"attempt", attempts}, {"error", why}});
  }

  void dead(const store::outbox_item& i, int attempts, const std::string& why) {
    (void)store_->outbox_dead(i.seq, attempts, why);
    count(i.sink, "failed");
    log("warn", "notification refused, dead-lettered",
        {{"sink", i.sink}, {"delivery", i.delivery_id}, {"error", why}});
  }

  /// Delivers one item. False when the sink must wait (a retry is scheduled).
  bool deliver(const store::outbox_item& i, instant t) {
    const int attempts = i.attempts + 1;
    auto target = resolve(i.sink);
    if (!target) {
      if (target.err().code == "dead") {
        dead(i, attempts, target.err().message);
        return true;
      }
      retry(i, attempts, t, target.err().message);
      return false;
    }
    auto r = send(webhook_request(target->url, target->secret, i, o_.timeout));
    if (!r) {
      retry(i, attempts, t, r.err().message);
      return false;
    }
    const auto why = fmt::format("HTTP {}", r->status);
    switch (classify(r->status)) {
      case verdict::delivered:
        (void)store_->outbox_delivered(i.sink, i.seq);
        count(i.sink, "sent");
        return true;
      case verdict::dead: dead(i, attempts, why); return true;
      case verdict::retry: break;
    }
    retry(i, attempts, t, why);
    return false;
  }

  void deliver_webhooks(instant t) {
    auto heads = store_->outbox_heads();
    if (!heads) {
      log("error", "outbox: read failed", {{"error", heads.err().message}});
      return;
    }
    for (const auto& head : heads.value()) {
      if (head.sink == am_sink || head.next_at > t) continue;   // oldest first: the head waits
      auto items = store_->outbox_pending(head.sink, webhook_batch);
      if (!items) continue;
      for (const auto& i : items.value()) {
        if (stopping() || i.next_at > t || !deliver(i, t)) break;
      }
    }
  }

  /// Posts the payload to every Alertmanager in batches. True when all took all of it.
  bool post_alerts(const std::vector<nlohmann::json>& alerts) {
    bool all = true;
    for (const auto& base : o_.alertmanagers) {
      for (std::size_t k = 0; k < alerts.size(); k += am_batch) {
        nlohmann::json batch = nlohmann::json::array();
        for (std::size_t j = k; j < std::min(alerts.size(), k + am_batch); ++j) batch.push_back(alerts[j]);
        http_request req{"POST", alerts_url(base), {{"Content-Type", "application/json"}},
                         batch.dump(), o_.timeout};
        auto r = send(req);
        const bool ok = r && r->status >= 200 && r->status < 300;
        count(am_sink, ok ? "sent" : "failed");
        if (!ok) {
          all = false;
          log("warn", "alertmanager: post failed",
              {{"url", req.url}, {"error", r ? fmt::format("HTTP {}: {}", r->status, r->body)
                                              : r.err().message}});
          break;   // this Alertmanager is down or refusing: try it again later
        }
      }
    }
    return all;
  }

  void alertmanager(instant t) {
    if (o_.alertmanagers.empty()) return;
    if (am_not_before_ && t < *am_not_before_) return;
    auto rows = store_->outbox_pending(std::string(am_sink), 1000);
    if (!rows) return;
    const bool triggered = !rows->empty();
    const auto eval_every = std::min<duration>(o_.resend_interval, max_eval_every);
    if (triggered || !last_eval_ || t - *last_eval_ >= eval_every) {
      auto pairs = store_->alert_pairs(alerts_.hold_since(t));
      auto risk = store_->at_risk_obligations(t);
      if (!pairs || !risk) return;
      auto rules = o_.rules ? o_.rules() : nullptr;
      alerts_.update(pairs.value(), risk.value(), rules.get(), t);
      last_eval_ = t;
    }
    const bool send_now = alerts_.send_due(t);
    if (send_now && !post_alerts(alerts_.payload(t))) {
      ++am_attempts_;
      am_not_before_ = t + std::min<duration>(backoff_delay(am_attempts_, jitter(), o_.retry),
                                              o_.resend_interval);
      return;
    }
    if (send_now) alerts_.sent(t);
    am_attempts_ = 0;
    am_not_before_.reset();
    if (triggered) (void)store_->outbox_delivered(std::string(am_sink), rows->back().seq);
  }

  void queue_lengths() {
    if (metrics_ == nullptr) return;
    auto n = store_->outbox_lengths();
    if (!n) return;
    for (const auto& [sink, count] : n.value()) known_sinks_.insert(sink);
    for (const auto& sink : known_sinks_) {
      auto it = n->find(sink);
      metrics_->notification_queue_length(sink, it == n->end() ? 0.0 : static_cast<double>(it->second));
    }
  }

  bool stopping() {
    std::lock_guard lock(mu_);
    return stopping_;
  }

  void run_once() {
    const instant t = now();
    deliver_webhooks(t);
    alertmanager(t);
    queue_lengths();
  }

  void loop() {
    for (;;) {
      try {
        run_once();
      } catch (const std::exception& e) {   // nothing may kill the worker
        log("error", "notifications: unexpected failure", {{"error", e.what()}});
      }
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, o_.poll, [&] { return stopping_; })) return;
    }
  }
};

service::service(std::unique_ptr<store::store> s, metrics::registry* m, service_options o,
                 log_fn log)
    : impl_(std::make_unique<impl>(std::move(s), m, std::move(o), std::move(log))) {}

service::~service() { stop(); }

void service::start() {
  impl_->thread_ = std::thread([this] { impl_->loop(); });
}

void service::stop() {
  {
    std::lock_guard lock(impl_->mu_);
    impl_->stopping_ = true;
  }
  impl_->cv_.notify_all();
  if (impl_->thread_.joinable()) impl_->thread_.join();
}

void service::run_once() { impl_->run_once(); }

}  // namespace slawatch::alerting
