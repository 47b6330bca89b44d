// `serve`'s notification start-up step: secrets, the worker's store, the delivery service.
#include "alerting_setup.hpp"
#include "slawatch/app/app.hpp"

namespace slawatch::app {

ingest::notify_routes notify_routes(const config::config& c) {
  ingest::notify_routes r;
  r.alertmanager = !c.alertmanagers.empty();
  r.webhooks = c.webhooks;
  r.partner_webhooks = true;
  r.secret_available = [](const std::string& env) {
    return alerting::system_getenv(env).has_value();
  };
  r.outbox_capacity = c.outbox_capacity;
  return r;
}

std::unique_ptr<alerting::service> start_alerting(
    const config::config& c, std::function<std::shared_ptr<const rules::rule_set>()> rules,
    metrics::registry* m, alerting::log_fn log, std::vector<error>& errors) {
  auto set = rules ? rules() : nullptr;
  if (set) errors = alerting::check_secrets(c, *set, alerting::system_getenv);
  if (!errors.empty()) return nullptr;
  if (set && log) {
    for (const auto& w : alerting::partner_secret_warnings(*set, alerting::system_getenv)) {
      log("warn", w, nlohmann::json::object());
    }
  }
  alerting::service_options o;
  o.alertmanagers = c.alertmanagers;
  o.resend_interval = c.resend_interval;
  o.hold = c.hold;
  for (const auto& w : c.webhooks) {
    std::string secret;
    if (!w.secret_env.empty()) secret = alerting::system_getenv(w.secret_env).value_or("");
    o.webhooks["webhook:" + w.name] = {w.url, secret};
  }
  o.rules = std::move(rules);
  o.now = wall_clock_now;
  auto s = store::open_sqlite(c.storage_path, c.synchronous == "normal" ? store::sync_mode::normal
                                                                       : store::sync_mode::full);
  if (!s) {
    errors.push_back(s.err());
    return nullptr;
  }
  auto svc = std::make_unique<alerting::service>(std::move(s.value()), m, std::move(o), std::move(log));
  svc->start();
  return svc;
}

}  // namespace slawatch::app
