#pragma once
// Operations hooks of `serve`: systemd notifications (READY, STATUS, WATCHDOG, STOPPING) and
// the spool directory worker. serve.cpp calls these in a few lines; the logic lives here.
#include <functional>
#include <memory>
#include <string>
#include "slawatch/app/logger.hpp"
#include "slawatch/app/sd_notify.hpp"
#include "slawatch/config/config.hpp"
#include "slawatch/http/server.hpp"
#include "slawatch/ingest/pipeline.hpp"
#include "slawatch/ingest/spool.hpp"
#include "slawatch/metrics/metrics.hpp"
#include "slawatch/rules/rule_set.hpp"

namespace slawatch::app::detail {

/// "serving 127.0.0.1:9780: 61 rules, 30 partners, rule set <version>" for STATUS=.
std::string status_line(const config::config& cfg, const rules::rule_set& rules);

/// Sends READY=1 with STATUS=status(), then — when systemd set WATCHDOG_USEC — WATCHDOG=1
/// with a fresh STATUS every WATCHDOG_USEC/2 from the server's event loop, so a stuck loop
/// stops pinging and systemd restarts the daemon.
void announce_ready(http::server& server, std::function<std::string()> status, logger& log);

/// STOPPING=1 (systemd then waits for the exit instead of timing out the stop).
void announce_stopping();

/// Starts the spool worker when ingest.spool_dir is set (null otherwise); it submits to
/// `pipeline` and validates against the current rules.
std::unique_ptr<ingest::spool> start_spool(const config::config& cfg,
                                           std::function<std::shared_ptr<const rules::rule_set>()> rules,
                                           ingest::pipeline& pipeline, metrics::registry* metrics,
                                           logger& log);

}  // namespace slawatch::app::detail
