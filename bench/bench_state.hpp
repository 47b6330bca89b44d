#pragma once
// bench_state: the rule set both phases share and the restore phase (bench_state_restore.cpp).
#include <string>
#include <nlohmann/json.hpp>
#include "bench_support.hpp"

namespace slawatch::bench {

/// One deadline rule (the shipped remittance-electronic-t1: T+1 business day, warning at
/// 75%) and one bank on the Kenyan banking calendar.
std::shared_ptr<const rules::rule_set> state_rules();

/// Opens the store at `db`, loads and restores the state as serve does, then ticks through
/// every due time. Returns the measurements.
nlohmann::json restore_phase(const std::string& db);

}  // namespace slawatch::bench
