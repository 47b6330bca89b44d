#pragma once
// `serve`'s notification start-up step (contract 9): what the pipeline writes to the
// outbox, and the delivery service that drains it.
#include <functional>
#include <memory>
#include "slawatch/alerting/alerting.hpp"
#include "slawatch/config/config.hpp"
#include "slawatch/ingest/pipeline.hpp"

namespace slawatch::app {

/// The pipeline's notification routes from the configuration (partners' report.webhook is
/// always routed; alertmanager and webhooks when configured).
ingest::notify_routes notify_routes(const config::config& c);

/// Checks the secrets the configuration names (a missing environment variable is a
/// start-up error naming it, in `errors`; null is returned), opens the worker's own store connection and starts it.
std::unique_ptr<alerting::service> start_alerting(
    const config::config& c, std::function<std::shared_ptr<const rules::rule_set>()> rules,
    metrics::registry* m, alerting::log_fn log, std::vector<error>& errors);

}  // namespace slawatch::app
