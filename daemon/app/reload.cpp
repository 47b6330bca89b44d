// Safe hot reload of the rule set (contract 5.3 "Reload").
#include "reload.hpp"
#include <algorithm>
#include <chrono>
#include <future>
#include "slawatch/app/app.hpp"

namespace slawatch::app::detail {

namespace {

/// Longest wait for the writer to take a new set: it swaps between two groups, and a group
/// commits within seconds even under load.
constexpr auto swap_timeout = std::chrono::seconds(30);

double unix_seconds(instant t) { return std::chrono::duration<double>(t.time_since_epoch()).count(); }

std::vector<std::string> rendered(const std::vector<error>& errors) {
  std::vector<std::string> out;
  out.reserve(errors.size());
  for (const auto& e : errors) out.push_back(e.render());
  return out;
}

}  // namespace

rule_diff diff_rules(const rules::rule_set& before, const rules::rule_set& after) {
  rule_diff d;
  for (const auto& r : after.rules) {
    const auto* old = before.find_rule(r.id);
    if (old == nullptr) {
      d.added.push_back(r.id);
    } else if (old->version != r.version) {
      d.changed.push_back(r.id);
    }
  }
  for (const auto& r : before.rules) {
    if (after.find_rule(r.id) == nullptr) d.removed.push_back(r.id);
  }
  for (auto* v : {&d.added, &d.changed, &d.removed}) std::sort(v->begin(), v->end());
  return d;
}

std::map<std::string, std::map<std::string, std::uint64_t>> dropped_by_rule(
    const std::vector<std::string>& ids) {
  std::map<std::string, std::map<std::string, std::uint64_t>> out;
  for (const auto& id : ids) {
    // Rule ids match [a-z0-9_.-]+: the second '/'-separated part is the whole rule id.
    const auto kind_end = id.find('/');
    if (kind_end == std::string::npos) continue;
    const auto rule_end = id.find('/', kind_end + 1);
    const auto rule = id.substr(kind_end + 1, rule_end == std::string::npos ? std::string::npos
                                                                              : rule_end - kind_end - 1);
    ++out[rule][id.substr(0, kind_end)];
  }
  return out;
}

bool series_survives(const rules::rule_set& set, const std::string& rule, const std::string& partner) {
  const auto* r = set.find_rule(rule);
  const auto* p = set.find_partner(partner);
  return r != nullptr && p != nullptr && r->enabled && r->partners.matches(*p);
}

rule_reloader::rule_reloader(logger& log, std::optional<std::string> config_file)
    : log_(log), config_file_(std::move(config_file)) {}

std::vector<error> rule_reloader::load(const std::vector<std::string>& patterns) {
  auto loaded = load_rules(patterns, wall_clock_now());
  for (const auto& w : loaded.warnings) log_.warn("rules: warning", {{"warning", w.render()}});
  if (!loaded.errors.empty() || !loaded.set) return loaded.errors;
  {
    std::lock_guard lock(rules_mu_);
    rules_ = loaded.set;
  }
  log_.info("rules loaded", {{"rules", loaded.set->rules.size()},
                             {"partners", loaded.set->partners.size()},
                             {"version", loaded.set->version}});
  return {};
}

void rule_reloader::attach(ingest::pipeline* p, metrics::registry* m) {
  pipeline_ = p;
  metrics_ = m;
}

std::shared_ptr<const rules::rule_set> rule_reloader::current() const {
  std::lock_guard lock(rules_mu_);
  return rules_;
}

http::reload_outcome rule_reloader::refuse(std::string_view trigger, const std::vector<error>& errors) {
  if (metrics_ != nullptr) metrics_->rules_loaded(0, false, unix_seconds(wall_clock_now()));
  http::reload_outcome out;
  out.errors = rendered(errors);
  log_.error("rules reload failed, the previous rules stay active",
             {{"trigger", trigger}, {"errors", out.errors}});
  return out;
}

http::reload_outcome rule_reloader::reload(std::string_view trigger) {
  std::lock_guard serial(reload_mu_);
  log_.info("rules reload", {{"trigger", trigger}});
  auto cfg = load_config(config_file_);
  if (!cfg.errors.empty() || !cfg.cfg) return refuse(trigger, cfg.errors);
  auto loaded = load_rules(cfg.cfg->rules, wall_clock_now());
  for (const auto& w : loaded.warnings) log_.warn("rules: warning", {{"warning", w.render()}});
  if (!loaded.errors.empty() || !loaded.set) return refuse(trigger, loaded.errors);
  auto before = current();
  const auto diff = before ? diff_rules(*before, *loaded.set) : rule_diff{};
  const auto dropped = swap(loaded.set);
  audit(trigger, before.get(), *loaded.set, diff, dropped);
  if (metrics_ != nullptr) {
    metrics_->rules_loaded(loaded.set->rules.size(), true, unix_seconds(wall_clock_now()));
  }
  if (before) log_changes(trigger, *before, *loaded.set, diff);
  return {true, {}, loaded.set->rules.size(), loaded.set->version, diff.added, diff.changed, diff.removed};
}

/// The router sees the new set only once the writer has it: a request that read the new set
/// submits after the swap, so its batch is evaluated by the new set. Batches queued before
/// are evaluated by whichever set is active when the writer takes them (each exactly once).
/// Gauges change on the writer thread, ordered with its own updates.
std::vector<std::string> rule_reloader::swap(const std::shared_ptr<const rules::rule_set>& set) {
  if (pipeline_ == nullptr) {
    std::lock_guard lock(rules_mu_);
    rules_ = set;
    return {};
  }
  auto swapped = std::make_shared<std::promise<ingest::swap_report>>();
  auto report = swapped->get_future();
  pipeline_->set_rules(set, [this, swapped, set](const ingest::swap_report& r) {
    if (metrics_ != nullptr) {
      metrics_->remove_rule_series([&set](const std::string& rule, const std::string& partner) {
        return series_survives(*set, rule, partner);
      });
      metrics_->obligations_open(r.obligations);
    }
    {
      std::lock_guard lock(rules_mu_);
      rules_ = set;
    }
    swapped->set_value(r);
  });
  if (report.wait_for(swap_timeout) != std::future_status::ready) {
    log_.warn("rules reload: the ingest writer has not taken the new rules yet", {{"version", set->version}});
    return {};
  }
  auto dropped = report.get().dropped;
  for (const auto& [rule, kinds] : dropped_by_rule(dropped)) {
    const auto obligations = kinds.count("obligation") != 0U ? kinds.at("obligation") : 0;
    log_.info("rule state dropped", {{"audit", "reload"}, {"rule", rule}, {"obligations", obligations},
                                     {"entries", kinds}});
  }
  return dropped;
}

/// The "reload" audit entry (contract 8), written by the writer right after the swap; the
/// reload answers once it is committed (or failed: logged, the new rules stay).
void rule_reloader::audit(std::string_view trigger, const rules::rule_set* before,
                          const rules::rule_set& after, const rule_diff& diff,
                          const std::vector<std::string>& dropped) {
  if (pipeline_ == nullptr) return;
  nlohmann::json detail{{"trigger", trigger},
                        {"version", after.version},
                        {"previous_version", before ? nlohmann::json(before->version) : nlohmann::json(nullptr)},
                        {"rules", after.rules.size()},
                        {"added", diff.added},
                        {"changed", diff.changed},
                        {"removed", diff.removed},
                        {"dropped_state", dropped_by_rule(dropped)}};
  auto written = std::make_shared<std::promise<result<bool>>>();
  auto done = written->get_future();
  const bool queued = pipeline_->run(
      [detail = std::move(detail)](store::store& s) -> result<bool> {
        auto e = s.append_audit("reload", detail, wall_clock_now());
        if (!e) return e.err();
        return true;
      },
      [written](result<bool> r) { written->set_value(std::move(r)); });
  if (!queued || done.wait_for(swap_timeout) != std::future_status::ready) {
    log_.error("audit: reload entry not written", {{"version", after.version}});
    return;
  }
  if (auto r = done.get(); !r) {
    log_.error("audit: reload entry not written", {{"version", after.version}, {"error", r.err().message}});
  }
}

void rule_reloader::log_changes(std::string_view trigger, const rules::rule_set& before,
                                const rules::rule_set& after, const rule_diff& diff) {
  for (const auto& id : diff.added) {
    log_.info("rule added", {{"rule", id}, {"version", after.find_rule(id)->version}});
  }
  for (const auto& id : diff.changed) {
    log_.info("rule changed", {{"rule", id}, {"previous_version", before.find_rule(id)->version},
                               {"version", after.find_rule(id)->version}});
  }
  for (const auto& id : diff.removed) {
    log_.info("rule removed", {{"rule", id}, {"version", before.find_rule(id)->version}});
  }
  log_.info("rules reloaded", {{"audit", "reload"}, {"trigger", trigger}, {"rules", after.rules.size()},
                               {"partners", after.partners.size()}, {"version", after.version},
                               {"previous_version", before.version}, {"added", diff.added.size()},
                               {"changed", diff.changed.size()}, {"removed", diff.removed.size()}});
}

}  // namespace slawatch::app::detail
