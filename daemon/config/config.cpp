// The configuration file (contract 11), read section by section with every error collected.
#include "slawatch/config/config.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "reader.hpp"

namespace slawatch::config {
namespace detail {

bool all_of_chars(std::string_view s, bool (*pred)(char)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}
bool is_env_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

bool is_url(std::string_view s) {
  for (const std::string_view scheme : {"http://", "https://"}) {
    if (s.size() > scheme.size() && s.substr(0, scheme.size()) == scheme) return true;
  }
  return false;
}

bool is_env_name(std::string_view s) {
  return all_of_chars(s, is_env_char) && !(s[0] >= '0' && s[0] <= '9');
}

/// "HH:MM" with HH 00-23 and MM 00-59.
bool is_clock_time(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return false;
  const auto digit = [&](std::size_t i) { return s[i] >= '0' && s[i] <= '9'; };
  if (!digit(0) || !digit(1) || !digit(3) || !digit(4)) return false;
  return (s[0] - '0') * 10 + (s[1] - '0') <= 23 && s[3] <= '5';
}

void read_listen(reader& r, const YAML::Node& server, config& c) {
  const YAML::Node n = server["listen"];
  if (!n.IsDefined()) return;
  const std::string expected = "host:port like 127.0.0.1:9780 or [::1]:9780";
  const auto text = r.member(server, "listen", "server.listen", expected);
  if (!text) return;
  const auto ep = parse_listen(*text);
  if (!ep) {
    r.fail(n, "invalid_value",
           fmt::format("server.listen: expected {}, got '{}'", expected, *text));
    return;
  }
  c.listen_host = ep->first;
  c.listen_port = ep->second;
}

void read_tls(reader& r, const YAML::Node& n, config& c) {
  if (!r.mapping(n, "server.tls", {"cert", "key", "client_ca", "min_version"})) return;
  tls_config t;
  r.string(n, "cert", "server.tls", t.cert);
  r.string(n, "key", "server.tls", t.key);
  r.string(n, "client_ca", "server.tls", t.client_ca);
  r.string(n, "min_version", "server.tls", t.min_version);
  if (t.min_version != "1.2" && t.min_version != "1.3")
    r.fail(n["min_version"], "invalid_value",
           fmt::format("server.tls.min_version: expected \"1.2\" or \"1.3\", got '{}'",
                       t.min_version));
  for (const char* key : {"cert", "key"}) {
    if (!n[key].IsDefined())
      r.fail(n, "missing_key", fmt::format("server.tls.{}: required when server.tls is set", key));
  }
  c.tls = t;
}

void read_server(reader& r, const YAML::Node& n, config& c) {
  if (!r.mapping(n, "server",
                 {"listen", "tls", "max_body_bytes", "max_events_per_request", "read_timeout",
                  "max_connections"}))
    return;
  read_listen(r, n, c);
  read_tls(r, n["tls"], c);
  r.positive(n, "max_body_bytes", "server", c.max_body_bytes, true);
  r.positive(n, "max_events_per_request", "server", c.max_events_per_request);
  r.duration(n, "read_timeout", "server", "30s", false, c.read_timeout);
  r.positive(n, "max_connections", "server", c.max_connections);
}

void read_storage(reader& r, const YAML::Node& n, config& c) {
  if (!r.mapping(n, "storage", {"path", "synchronous", "event_retention"})) return;
  r.string(n, "path", "storage", c.storage_path);
  std::string sync = c.synchronous;
  r.string(n, "synchronous", "storage", sync);
  if (sync != "full" && sync != "normal")
    r.fail(n["synchronous"], "invalid_value",
           fmt::format("storage.synchronous: expected full or normal, got '{}'", sync));
  else
    c.synchronous = sync;
  r.duration(n, "event_retention", "storage", "400d", false, c.event_retention);
}

void read_metrics(reader& r, const YAML::Node& n, config& c) {
  if (!r.mapping(n, "metrics", {"public", "max_event_types"})) return;
  r.boolean(n, "public", "metrics", c.metrics_public);
  r.positive(n, "max_event_types", "metrics", c.max_event_types);
}

/// Fields a pseudonym can replace: string fields of the envelope that identify a person.
bool is_pseudonymizable(std::string_view f) {
  if (f == "subject" || f == "correlation_id") return true;
  constexpr std::string_view prefix = "attributes.";
  if (f.size() <= prefix.size() || f.substr(0, prefix.size()) != prefix) return false;
  return f.back() != '.' && f.find("..") == std::string_view::npos;
}

void read_privacy(reader& r, const YAML::Node& n, config& c) {
  if (!r.mapping(n, "privacy", {"pseudonymize", "key_file"})) return;
  r.string_list(n, "pseudonymize", "privacy", c.pseudonymize);
  r.string(n, "key_file", "privacy", c.pseudonym_key_file);
  const YAML::Node list = n["pseudonymize"];
  if (!list.IsDefined() || !list.IsSequence()) return;
  std::size_t i = 0;
  std::set<std::string> seen;
  for (const auto& item : list) {
    if (item.IsScalar() && !item.Scalar().empty() && !is_pseudonymizable(item.Scalar()))
      r.fail(item, "invalid_value",
             fmt::format("privacy.pseudonymize[{}]: expected subject, correlation_id or "
                         "attributes.<name>, got '{}'",
                         i, item.Scalar()));
    else if (item.IsScalar() && !seen.insert(item.Scalar()).second)
      r.fail(item, "invalid_value",
             fmt::format("privacy.pseudonymize[{}]: '{}' is listed twice", i, item.Scalar()));
    ++i;
  }
  if (!c.pseudonymize.empty() && c.pseudonym_key_file.empty())
    r.fail(n, "missing_key", "privacy.key_file: required when privacy.pseudonymize is set");
}

void read_ingest(reader& r, const YAML::Node& n, config& c) {
  if (!r.mapping(n, "ingest", {"spool_dir", "max_future_skew", "rate_limit"})) return;
  r.string(n, "spool_dir", "ingest", c.spool_dir);
  r.duration(n, "max_future_skew", "ingest", "5m", false, c.max_future_skew);
  read_rate_limit(r, n["rate_limit"], c);   // auth.cpp
}

void read_rules(reader& r, const YAML::Node& root, config& c) {
  std::vector<std::string> rules = c.rules;
  r.string_list(root, "rules", "", rules);
  c.rules = std::move(rules);
}

/// With authentication off, only a loopback listener is safe (contract 8).
void check_open_listener(reader& r, const YAML::Node& root, const config& c) {
  if (!c.tokens.empty() || !c.certificates.empty() || is_loopback(c.listen_host)) return;
  const YAML::Node listen = root["server"].IsMap() ? root["server"]["listen"] : YAML::Node{};
  r.fail(listen, "invalid_value",
         fmt::format("server.listen: with no auth.tokens slawatch only listens on a loopback "
                     "address, got '{}'",
                     c.listen_host));
}

void read_root(reader& r, const YAML::Node& root, config& c) {
  if (!r.mapping(root, "",
                 {"server", "storage", "rules", "auth", "metrics", "privacy", "ingest", "alerting",
                  "reports"}))
    return;
  read_server(r, root["server"], c);
  read_storage(r, root["storage"], c);
  read_rules(r, root, c);
  read_auth(r, root["auth"], c);
  read_metrics(r, root["metrics"], c);
  read_privacy(r, root["privacy"], c);
  read_ingest(r, root["ingest"], c);
  read_alerting(r, root["alerting"], c);
  read_reports(r, root["reports"], c);
  check_open_listener(r, root, c);
}

}  // namespace detail

config defaults() {
  config c;
  c.source = "<defaults>";
  return c;
}

parse_result parse(const std::string& text, const std::string& file_name) {
  detail::reader r(file_name);
  config c = defaults();
  c.source = file_name;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {  // a syntax error: nothing else can be checked then
    r.fail_at(e.mark, "syntax", "YAML syntax error: " + e.msg);
  }
  if (r.errors().empty()) {
    try {
      detail::read_root(r, root, c);
    } catch (const YAML::Exception& e) {  // a node shape the readers did not expect
      r.fail_at(e.mark, "invalid_value", e.msg);
    }
  }
  parse_result out;
  out.errors = std::move(r.errors());
  // Sections are read in a fixed order; users read errors top to bottom.
  std::stable_sort(out.errors.begin(), out.errors.end(), [](const error& a, const error& b) {
    return std::pair{a.where.line, a.where.col} < std::pair{b.where.line, b.where.col};
  });
  if (out.errors.empty()) out.cfg = std::move(c);
  return out;
}

}  // namespace slawatch::config
