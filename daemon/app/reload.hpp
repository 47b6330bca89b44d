#pragma once
// Loading the rule set in `serve`: at start-up, on SIGHUP and on POST /-/reload. The whole
// new set is validated first and swapped in atomically between two batches of the ingest
// writer; on any error the old set stays. Only `serve` uses it.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include "slawatch/app/logger.hpp"
#include "slawatch/http/router.hpp"
#include "slawatch/ingest/pipeline.hpp"
#include "slawatch/metrics/metrics.hpp"
#include "slawatch/rules/rule_set.hpp"

namespace slawatch::app::detail {

/// Rule ids of `after` against `before`, each list sorted: new ids, ids whose `version`
/// changed, ids gone.
struct rule_diff {
  std::vector<std::string> added, changed, removed;
};
rule_diff diff_rules(const rules::rule_set& before, const rules::rule_set& after);

/// Dropped state entry ids ("<kind>/<rule>/<partner>/...") counted per rule, then per kind.
std::map<std::string, std::map<std::string, std::uint64_t>> dropped_by_rule(
    const std::vector<std::string>& ids);

/// Whether gauge series of (rule, partner) still mean something under `set`: the rule
/// exists, is enabled and selects the partner.
bool series_survives(const rules::rule_set& set, const std::string& rule, const std::string& partner);

/// Owns the active rule set. Thread-safe: current() from any thread; reloads are serialised.
class rule_reloader {
 public:
  /// `config_file` is re-read on every reload for its `rules` patterns (nullopt: defaults).
  rule_reloader(logger& log, std::optional<std::string> config_file);

  /// The load at start-up (no pipeline yet): the set becomes current on success.
  std::vector<error> load(const std::vector<std::string>& patterns);

  /// Wires the pipeline that evaluates the set and the metrics to update (both may be null).
  void attach(ingest::pipeline* p, metrics::registry* m);

  /// Re-reads the configuration's rule patterns and the files, validates the whole set and
  /// swaps it in; returns after the writer has swapped. On any error nothing changes but
  /// slawatch_rules_last_reload_successful (0). `trigger` ("SIGHUP", "POST /-/reload") is logged.
  http::reload_outcome reload(std::string_view trigger);

  /// The active set (null before the first successful load).
  [[nodiscard]] std::shared_ptr<const rules::rule_set> current() const;

 private:
  http::reload_outcome refuse(std::string_view trigger, const std::vector<error>& errors);
  /// Returns the state entry ids the new set dropped.
  std::vector<std::string> swap(const std::shared_ptr<const rules::rule_set>& set);
  void audit(std::string_view trigger, const rules::rule_set* before, const rules::rule_set& after,
             const rule_diff& diff, const std::vector<std::string>& dropped);
  void log_changes(std::string_view trigger, const rules::rule_set& before,
                   const rules::rule_set& after, const rule_diff& diff);

  logger& log_;
  std::optional<std::string> config_file_;
  ingest::pipeline* pipeline_ = nullptr;
  metrics::registry* metrics_ = nullptr;
  std::mutex reload_mu_;          ///< one reload at a time
  mutable std::mutex rules_mu_;   ///< guards rules_
  std::shared_ptr<const rules::rule_set> rules_;
};

}  // namespace slawatch::app::detail
