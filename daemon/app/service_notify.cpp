// systemd notifications of `serve`. WATCHDOG=1 is sent from an asio timer on the HTTP event
// loop, not from a thread of its own: when the loop hangs, the pings stop and systemd acts.
#include <fmt/format.h>
#include "ops_hooks.hpp"

namespace slawatch::app::detail {

std::string status_line(const config::config& cfg, const rules::rule_set& rules) {
  return fmt::format("serving {}:{}: {} rules, {} partners, rule set {}", cfg.listen_host,
                     cfg.listen_port, rules.rules.size(), rules.partners.size(), rules.version);
}

void announce_ready(http::server& server, std::function<std::string()> status, logger& log) {
  if (!notify("READY=1\nSTATUS=" + status())) log.warn("systemd: READY notification failed");
  auto every = watchdog_interval();
  if (!every) return;
  log.info("systemd watchdog on", {{"interval_ms", std::chrono::duration_cast<std::chrono::milliseconds>(*every).count()}});
  server.every(*every, [status = std::move(status)] { (void)notify("WATCHDOG=1\nSTATUS=" + status()); });
}

void announce_stopping() { (void)notify("STOPPING=1\nSTATUS=shutting down"); }

}  // namespace slawatch::app::detail
