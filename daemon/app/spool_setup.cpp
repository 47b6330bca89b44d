// Wires the spool directory worker (contract 2.4) into `serve`.
#include "slawatch/app/app.hpp"
#include "ops_hooks.hpp"

namespace slawatch::app::detail {

std::unique_ptr<ingest::spool> start_spool(const config::config& cfg,
                                           std::function<std::shared_ptr<const rules::rule_set>()> rules,
                                           ingest::pipeline& pipeline, metrics::registry* metrics,
                                           logger& log) {
  if (cfg.spool_dir.empty()) return nullptr;
  ingest::spool_options o;
  o.dir = cfg.spool_dir;
  o.max_bytes = cfg.max_body_bytes;
  o.max_events = cfg.max_events_per_request;
  o.max_future_skew = cfg.max_future_skew;
  ingest::spool_deps d;
  d.rules = std::move(rules);
  d.submit = [&pipeline](std::vector<model::event> events, ingest::completion done) {
    return pipeline.submit(std::move(events), std::move(done));
  };
  d.now = wall_clock_now;
  d.metrics = metrics;
  d.log = log.sink();
  auto s = std::make_unique<ingest::spool>(std::move(o), std::move(d));
  s->start();
  log.info("spool directory watched", {{"dir", cfg.spool_dir}});
  return s;
}

}  // namespace slawatch::app::detail
