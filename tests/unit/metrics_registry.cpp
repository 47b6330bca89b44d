// The slawatch_* families and the process_* collector, as Prometheus scrapes them.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <catch2/catch.hpp>
#include <unistd.h>
#include "slawatch/metrics/metrics.hpp"

using namespace slawatch;
using Catch::Matchers::Contains;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

model::breach breach(const std::string& rule, model::breach_status status) {
  model::breach b;
  b.id = "b-1";
  b.rule = rule;
  b.partner = "bank-a";
  b.category = "timeliness";
  b.severity = "major";
  b.status = status;
  return b;
}

/// Runs `promtool check metrics` on the text; returns its exit status.
int promtool_check(const std::string& text) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto file = dir / ("slawatch-metrics-" + std::to_string(::getpid()) + ".txt");
  const auto out = dir / ("slawatch-metrics-" + std::to_string(::getpid()) + ".out");
  std::ofstream(file) << text;
  const int rc = std::system(("promtool check metrics < " + file.string() + " > " +
                              out.string() + " 2>&1").c_str());
  std::ifstream in(out);
  std::string report((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  INFO(report);
  std::filesystem::remove(file);
  std::filesystem::remove(out);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

}  // namespace

TEST_CASE("every family is exposed with HELP and TYPE before its first series") {
  metrics::registry m("0.1.0", "abc123");
  const auto text = m.serialize();
  const std::pair<const char*, const char*> families[] = {
      {"slawatch_build_info", "gauge"},
      {"slawatch_events_received_total", "counter"},
      {"slawatch_events_duplicate_total", "counter"},
      {"slawatch_events_rejected_total", "counter"},
      {"slawatch_event_transmission_delay_seconds", "histogram"},
      {"slawatch_rule_outcomes_total", "counter"},
      {"slawatch_breaches_total", "counter"},
      {"slawatch_breaches_open", "gauge"},
      {"slawatch_warnings_total", "counter"},
      {"slawatch_obligations_open", "gauge"},
      {"slawatch_rule_evaluation_errors_total", "counter"},
      {"slawatch_rules_loaded", "gauge"},
      {"slawatch_rules_last_reload_successful", "gauge"},
      {"slawatch_rules_last_reload_timestamp_seconds", "gauge"},
      {"slawatch_storage_commit_seconds", "histogram"},
      {"slawatch_ingest_request_seconds", "histogram"},
      {"process_cpu_seconds_total", "counter"},
      {"process_resident_memory_bytes", "gauge"},
      {"process_virtual_memory_bytes", "gauge"},
      {"process_open_fds", "gauge"},
      {"process_max_fds", "gauge"},
      {"process_start_time_seconds", "gauge"},
  };
  for (const auto& [name, type] : families) {
    INFO(name);
    CHECK(has_line(text, std::string("# TYPE ") + name + " " + type));
    CHECK_THAT(text, Contains(std::string("# HELP ") + name + " "));
  }
  CHECK(has_line(text, R"(slawatch_build_info{revision="abc123",version="0.1.0"} 1)"));
  CHECK(has_line(text, R"(slawatch_events_rejected_total{reason="overloaded"} 0)"));
  CHECK(has_line(text, R"(slawatch_events_rejected_total{reason="signature_invalid"} 0)"));
}

TEST_CASE("event counters carry partner, type and reason labels") {
  metrics::registry m("0.1.0", "abc");
  m.event_received("bank-a", "contribution.collected");
  m.event_received("bank-a", "contribution.collected");
  m.event_duplicate("bank-b");
  m.event_rejected("overloaded", 7);
  m.event_rejected("conflict");
  const auto text = m.serialize();
  CHECK(has_line(text, R"(slawatch_events_received_total{partner="bank-a",type="contribution.collected"} 2)"));
  CHECK(has_line(text, R"(slawatch_events_duplicate_total{partner="bank-b"} 1)"));
  CHECK(has_line(text, R"(slawatch_events_rejected_total{reason="overloaded"} 7)"));
  CHECK(has_line(text, R"(slawatch_events_rejected_total{reason="conflict"} 1)"));
}

TEST_CASE("types beyond max_event_types are counted as other") {
  metrics::registry m("0.1.0", "abc", 2);
  m.event_received("bank-a", "a.one");
  m.event_received("bank-b", "a.two");
  m.event_received("bank-a", "a.three");
  m.event_received("bank-b", "a.four");
  m.event_received("bank-a", "a.one");   // known types keep their own series
  const auto text = m.serialize();
  CHECK(has_line(text, R"(slawatch_events_received_total{partner="bank-a",type="a.one"} 2)"));
  CHECK(has_line(text, R"(slawatch_events_received_total{partner="bank-b",type="a.two"} 1)"));
  CHECK(has_line(text, R"(slawatch_events_received_total{partner="bank-a",type="other"} 1)"));
  CHECK(has_line(text, R"(slawatch_events_received_total{partner="bank-b",type="other"} 1)"));
  CHECK_THAT(text, !Contains("a.three") && !Contains("a.four"));
}

TEST_CASE("the transmission delay histogram spans one second to one week") {
  metrics::registry m("0.1.0", "abc");
  m.transmission_delay("bank-a", 12.5);
  m.transmission_delay("bank-a", -3);   // clock skew counts as no delay
  m.transmission_delay("bank-a", 30 * 86400.0);
  const auto text = m.serialize();
  CHECK(has_line(text, R"(slawatch_event_transmission_delay_seconds_bucket{partner="bank-a",le="1"} 1)"));
  CHECK(has_line(text, R"(slawatch_event_transmission_delay_seconds_bucket{partner="bank-a",le="15"} 2)"));
  CHECK(has_line(text, R"(slawatch_event_transmission_delay_seconds_bucket{partner="bank-a",le="604800"} 2)"));
  CHECK(has_line(text, R"(slawatch_event_transmission_delay_seconds_bucket{partner="bank-a",le="+Inf"} 3)"));
  CHECK(has_line(text, R"(slawatch_event_transmission_delay_seconds_count{partner="bank-a"} 3)"));
}

TEST_CASE("outcomes, breaches and evaluation errors are labelled by rule and partner") {
  metrics::registry m("0.1.0", "abc");
  m.outcome({"r1", "bank-a", model::outcome_kind::met, {}});
  m.outcome({"r1", "bank-a", model::outcome_kind::breached, {}});
  m.breach(breach("r1", model::breach_status::open));
  m.breach(breach("r2", model::breach_status::closed));
  m.evaluation_errors("r1", 3);
  const auto text = m.serialize();
  CHECK(has_line(text, R"(slawatch_rule_outcomes_total{outcome="met",partner="bank-a",rule="r1"} 1)"));
  CHECK(has_line(text, R"(slawatch_rule_outcomes_total{outcome="breached",partner="bank-a",rule="r1"} 1)"));
  CHECK(has_line(text, R"(slawatch_breaches_total{category="timeliness",partner="bank-a",rule="r1",severity="major"} 1)"));
  CHECK(has_line(text, R"(slawatch_breaches_open{category="timeliness",partner="bank-a",rule="r1",severity="major"} 1)"));
  CHECK(has_line(text, R"(slawatch_breaches_total{category="timeliness",partner="bank-a",rule="r2",severity="major"} 1)"));
  CHECK(has_line(text, R"(slawatch_breaches_open{category="timeliness",partner="bank-a",rule="r2",severity="major"} 0)"));
  CHECK(has_line(text, R"(slawatch_rule_evaluation_errors_total{rule="r1"} 3)"));
}

TEST_CASE("a failed reload keeps the loaded count and time of the last good one") {
  metrics::registry m("0.1.0", "abc");
  m.rules_loaded(12, true, 1795000000);
  m.rules_loaded(0, false, 1795000100);
  const auto text = m.serialize();
  CHECK(has_line(text, "slawatch_rules_loaded 12"));
  CHECK(has_line(text, "slawatch_rules_last_reload_successful 0"));
  CHECK(has_line(text, "slawatch_rules_last_reload_timestamp_seconds 1795000000"));
}

TEST_CASE("restore sets counters and open gauges from stored totals") {
  metrics::registry m("0.1.0", "abc");
  m.restore({{"r1", "bank-a", "timeliness", "major", 5, 2}},
            {{"r1", "bank-a", model::outcome_kind::met, 40}});
  m.breach(breach("r1", model::breach_status::open));
  const auto text = m.serialize();
  CHECK(has_line(text, R"(slawatch_breaches_total{category="timeliness",partner="bank-a",rule="r1",severity="major"} 6)"));
  CHECK(has_line(text, R"(slawatch_breaches_open{category="timeliness",partner="bank-a",rule="r1",severity="major"} 3)"));
  CHECK(has_line(text, R"(slawatch_rule_outcomes_total{outcome="met",partner="bank-a",rule="r1"} 40)"));
}

TEST_CASE("restored waived outcomes count in breached too, as they did while running") {
  metrics::registry m("0.1.0", "abc");
  m.restore({}, {{"r1", "bank-a", model::outcome_kind::breached, 4},
                 {"r1", "bank-a", model::outcome_kind::waived, 1}});
  const auto text = m.serialize();
  CHECK(has_line(text, R"(slawatch_rule_outcomes_total{outcome="breached",partner="bank-a",rule="r1"} 5)"));
  CHECK(has_line(text, R"(slawatch_rule_outcomes_total{outcome="waived",partner="bank-a",rule="r1"} 1)"));
}

TEST_CASE("process metrics describe this process") {
  metrics::registry m("0.1.0", "abc");
  const auto text = m.serialize();
  CHECK_THAT(text, Contains("\nprocess_open_fds "));
  CHECK_THAT(text, Contains("\nprocess_resident_memory_bytes "));
  CHECK_THAT(text, Contains("\nprocess_start_time_seconds 1"));   // a unix time, not ticks
  CHECK_FALSE(has_line(text, "process_resident_memory_bytes 0"));
}

TEST_CASE("promtool accepts the exposition, empty and populated") {
  metrics::registry m("0.1.0", "abc");
  CHECK(promtool_check(m.serialize()) == 0);
  m.event_received("bank-a", "contribution.collected");
  m.event_duplicate("bank-a");
  m.event_rejected("malformed");
  m.transmission_delay("bank-a", 4);
  m.outcome({"r1", "bank-a", model::outcome_kind::met, {}});
  m.breach(breach("r1", model::breach_status::open));
  m.evaluation_errors("r1", 1);
  m.rules_loaded(3, true, 1795000000);
  m.storage_commit_seconds(0.004);
  m.ingest_request_seconds(0.02);
  m.warning("r1", "bank-a", "50%");
  m.obligations_open({{"r1", "bank-a", 2}});
  m.breach_closed(breach("r1", model::breach_status::open));
  CHECK(promtool_check(m.serialize()) == 0);
  // and the check can fail: a counter not named *_total is a lint problem
  CHECK(promtool_check("# HELP foo A counter.\n# TYPE foo counter\nfoo 1\n") != 0);
}

TEST_CASE("closing an open breach lowers breaches_open; warnings count per threshold") {
  metrics::registry m("0.1.0", "abc");
  m.breach(breach("r1", model::breach_status::open));
  m.breach(breach("r1", model::breach_status::open));
  m.breach_closed(breach("r1", model::breach_status::open));
  m.warning("r1", "bank-a", "50%");
  m.warning("r1", "bank-a", "50%");
  m.warning("r1", "bank-a", "75%");
  const auto text = m.serialize();
  CHECK(has_line(text, R"(slawatch_breaches_open{category="timeliness",partner="bank-a",rule="r1",severity="major"} 1)"));
  CHECK(has_line(text, R"(slawatch_breaches_total{category="timeliness",partner="bank-a",rule="r1",severity="major"} 2)"));
  CHECK(has_line(text, R"(slawatch_warnings_total{partner="bank-a",rule="r1",threshold="50%"} 2)"));
  CHECK(has_line(text, R"(slawatch_warnings_total{partner="bank-a",rule="r1",threshold="75%"} 1)"));
}

TEST_CASE("obligations_open takes complete counts: a pair left out drops to 0") {
  metrics::registry m("0.1.0", "abc");
  m.obligations_open({{"r1", "bank-a", 3}, {"r1", "bank-b", 1}});
  auto text = m.serialize();
  CHECK(has_line(text, R"(slawatch_obligations_open{partner="bank-a",rule="r1"} 3)"));
  CHECK(has_line(text, R"(slawatch_obligations_open{partner="bank-b",rule="r1"} 1)"));
  m.obligations_open({{"r1", "bank-b", 2}});
  text = m.serialize();
  CHECK(has_line(text, R"(slawatch_obligations_open{partner="bank-a",rule="r1"} 0)"));
  CHECK(has_line(text, R"(slawatch_obligations_open{partner="bank-b",rule="r1"} 2)"));
}
