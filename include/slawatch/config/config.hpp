#pragma once
/// The configuration file (contract 11). Parsing is strict: unknown keys are errors;
/// every duration, size and path is validated with a message naming the key.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include "slawatch/model/result.hpp"
#include "slawatch/model/time.hpp"

namespace slawatch::config {

struct tls_config {
  std::string cert, key, client_ca;
  std::string min_version = "1.2";    ///< "1.2" | "1.3"
};

struct token {
  std::string name, sha256, role, partner;   ///< role: partner | metrics | ops | officer | admin
};

/// Extension auth.certificates: a verified TLS client certificate subject (RFC 2253 text,
/// exactly as http::connection_facts::client_cert shows it) mapped to a principal like a token.
struct certificate {
  std::string name, subject, role, partner;   ///< role and partner as for token
};

/// Extension ingest.rate_limit: a token bucket per partner; events_per_second 0 = off.
struct rate_limit {
  std::uint64_t events_per_second = 0;
  std::uint64_t burst = 0;                    ///< defaults to events_per_second when not set
};

struct webhook {
  std::string name, url, secret_env;
  std::vector<std::string> categories, severities, partners;   ///< filters, empty = all
};

struct config {
  // server
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 9780;
  std::optional<tls_config> tls;
  std::uint64_t max_body_bytes = 16777216;
  std::uint64_t max_events_per_request = 10000;
  duration read_timeout = std::chrono::seconds(30);   ///< extension: server.read_timeout
  std::uint64_t max_connections = 4096;               ///< extension: server.max_connections
  // storage
  std::string storage_path = "slawatch-data/slawatch.db";
  std::string synchronous = "full";                  ///< full | normal
  duration event_retention = std::chrono::hours(24 * 400);
  // rules: file names or globs
  std::vector<std::string> rules = {"rules/*.yaml"};
  // auth
  std::vector<token> tokens;
  std::vector<certificate> certificates;      ///< extension: auth.certificates
  // metrics
  bool metrics_public = false;
  std::uint64_t max_event_types = 200;
  // privacy
  std::vector<std::string> pseudonymize;
  std::string pseudonym_key_file;
  // ingest
  std::string spool_dir;
  duration max_future_skew = std::chrono::minutes(5);   ///< extension: ingest.max_future_skew
  struct rate_limit rate_limit;                         ///< extension: ingest.rate_limit
  // alerting
  std::vector<std::string> alertmanagers;
  duration resend_interval = std::chrono::minutes(1);
  duration hold = std::chrono::minutes(15);
  std::vector<webhook> webhooks;
  std::uint64_t outbox_capacity = 10000;   ///< extension: alerting.outbox_capacity (per sink)
  // reports
  std::string reports_dir;
  int reports_monthly_day = 0;        ///< 0 = no monthly schedule
  std::string reports_monthly_at;     ///< "06:00"

  std::string source;                 ///< file name it came from, "<defaults>" otherwise
};

/// Splits a listen address "host:port"; IPv6 hosts are bracketed ("[::1]:9780") and come
/// back without brackets. Port 0 is allowed (the OS picks one). nullopt when malformed.
std::optional<std::pair<std::string, std::uint16_t>> parse_listen(std::string_view text);

/// True for "localhost", 127.0.0.0/8 and ::1: the only hosts served without auth (contract 8).
bool is_loopback(std::string_view host);

/// The server.tls files are readable (start-up, before the server parses them). One error
/// per file, naming the key: "server.tls.cert: cannot read /x.crt: No such file or directory".
std::vector<error> check_tls_files(const tls_config& t);

/// The built-in defaults of `slawatch serve` without --config (contract 10):
/// listen 127.0.0.1:9780, data in ./slawatch-data/, rules from rules/.
config defaults();

/// Parses a configuration file's text. Relative paths stay relative (resolved by the caller
/// against the working directory). Returns every error found, each `file:line:col: message`.
struct parse_result {
  std::optional<config> cfg;
  std::vector<error> errors;
};
parse_result parse(const std::string& text, const std::string& file_name);

}  // namespace slawatch::config
