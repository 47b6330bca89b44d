#pragma once
/// The `slawatch` command line (contract 10): serve, check, test, replay, version.
#include <map>
#include <optional>
#include <string>
#include <vector>
#include "slawatch/calendar/calendar.hpp"
#include "slawatch/config/config.hpp"
#include "slawatch/model/result.hpp"
#include "slawatch/rules/rule_set.hpp"

namespace slawatch::app {

/// Exit codes: 0 success, 1 a user error (bad config, rules, storage), 2 bad usage.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;

/// Runs `slawatch <args...>` (args exclude the program name); returns the exit code.
int run(const std::vector<std::string>& args);

/// `slawatch serve`: runs until SIGINT/SIGTERM, then shuts down gracefully (exit 0).
int serve(const std::optional<std::string>& config_file);

/// `slawatch check`: validates the configuration and rules (the given files instead of the
/// configured ones when `rule_files` is non-empty).
int check(const std::optional<std::string>& config_file, const std::vector<std::string>& rule_files);

/// `slawatch replay`: evaluates the events of an NDJSON file (events as stored) on the
/// simulated clock, in memory; breaches as NDJSON on stdout, a JSON summary on stderr.
struct replay_options {
  std::optional<std::string> config_file;
  std::string events_file;
  std::optional<std::string> until;   ///< RFC 3339: tick the clock to it at the end
};
int replay(const replay_options& opts);

/// `slawatch audit verify`: opens the configured database read-only and recomputes the audit
/// chain. Exit 0 with "audit: N entries, chain intact, head <seq> <hash>" on stdout; exit 1
/// with "audit: entry <seq> broken: <reason>" on stdout; exit 2 on configuration or storage
/// errors ("audit: storage: cannot open <path>: <reason>" on stderr).
int audit_verify(const std::optional<std::string>& config_file);

/// `slawatch test`: runs rule test files (contract 5.4); exit 0 all passed, 1 any failure,
/// 2 a broken test file.
int test(const std::vector<std::string>& test_files);

/// `slawatch simulate` (contract 10): synthetic traffic for up to `partners` partners of a
/// running daemon (GET /v1/partners), `rate` events per second for `length`; a fraction
/// `breach_rate` of operations violates a rule. Prints a JSON summary on stdout; exit 1 when
/// the daemon cannot be reached or any request failed.
struct simulate_options {
  std::string url;                       ///< http://HOST:PORT
  std::string token;                     ///< Bearer token, empty = none
  std::size_t partners = 5;
  double rate = 50.0;                    ///< events per second
  duration length = std::chrono::seconds(10);
  double breach_rate = 0.05;
  std::optional<std::uint64_t> seed;     ///< nullopt: from the clock
};
/// Validates the flags (--url --token --partners --rate --duration --breach-rate --seed).
/// Errors: "simulate needs --url URL", "--rate: expected a number from 0.1 to 1000000, got 'x'",
/// "--duration: expected a duration such as 30s, 5m or 1h, got 'x'".
result<simulate_options> parse_simulate_options(const std::map<std::string, std::string, std::less<>>& flags);
int simulate(const simulate_options& opts);

/// `slawatch backup`: online copy of the configured database to `dest` (which must not
/// exist) with the SQLite backup API while a daemon may keep running; prints a JSON summary
/// (pages, bytes, schema_version, events, breaches, integrity) on stdout. Exit 1 on a
/// configuration or storage error, an existing `dest` or a copy that fails integrity_check.
struct backup_options {
  std::optional<std::string> config_file;
  std::string dest;
};
int backup(const backup_options& opts);

/// `slawatch report` (report_cli.cpp, docs/reports.md): one partner's report for one month
/// from the configured database (read-only), to stdout or `output`. Exit 2 on usage errors
/// ("report: period: expected YYYY-MM", "report: --format: expected html, json or csv"),
/// 1 on "report: unknown partner '<id>'", "report: period: in the future", configuration,
/// rule or storage errors.
struct report_options {
  std::optional<std::string> config_file;
  std::string partner, period;
  std::string format = "html";
  std::optional<std::string> output;
};
int report_command(const report_options& opts);

// --- loading, shared by serve, check, replay and test ------------------------------------

/// IANA zones from the system tz database (date::locate_zone); nullptr for unknown names.
calendar::zone_resolver system_zones();

/// Reads and parses the configuration file, or returns config::defaults() when none is given.
/// Errors: "<file>: cannot read: <reason>" and those of config::parse.
config::parse_result load_config(const std::optional<std::string>& file);

/// Expands each pattern with glob(3) (sorted, relative to the working directory) and reads
/// the files. Errors: "rules: no file matches '<pattern>'", "<file>: cannot read: <reason>".
struct rule_files {
  std::vector<rules::source_file> files;
  std::vector<error> errors;
};
rule_files read_rule_files(const std::vector<std::string>& patterns);

/// Loads rules from the files of `patterns` with system_zones(), judging exception expiry
/// against `today`.
rules::load_result load_rules(const std::vector<std::string>& patterns, instant today);
/// Same for files already read.
rules::load_result load_rules(const std::vector<rules::source_file>& files, instant today);

/// The wall clock (only the app edge reads it).
instant wall_clock_now();

}  // namespace slawatch::app
