// The auth section (contract 8: tokens; extension: client certificates) and the extension
// ingest.rate_limit. Credentials are validated strictly: a typo here would either lock a
// partner out or, worse, give someone a role they should not have.
#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>

#include "reader.hpp"

namespace slawatch::config::detail {
namespace {

constexpr std::string_view roles[] = {"partner", "metrics", "ops", "officer", "admin"};

bool is_sha256_hex(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c)) != 0;
         });
}

/// The fields every principal entry shares: name (required, unique across tokens and
/// certificates), role (required, one of roles) and partner (required iff role partner).
void check_principal(reader& r, const YAML::Node& n, const std::string& path,
                     const std::string& name, const std::string& role,
                     std::set<std::string>& names) {
  if (!name.empty() && !names.insert(name).second)
    r.fail(n["name"], "invalid_value",
           fmt::format("{}.name: duplicate name '{}' (names are unique across auth.tokens and "
                       "auth.certificates)",
                       path, name));
  if (!role.empty() && std::find(std::begin(roles), std::end(roles), role) == std::end(roles))
    r.fail(n["role"], "invalid_value",
           fmt::format("{}.role: expected partner, metrics, ops, officer or admin, got '{}'", path,
                       role));
  if (role == "partner" && !n["partner"].IsDefined())
    r.fail(n, "missing_key", fmt::format("{}.partner: required for role partner", path));
  if (!role.empty() && role != "partner" && n["partner"].IsDefined())
    r.fail(n["partner"], "invalid_value",
           fmt::format("{}.partner: only allowed with role partner", path));
}

/// False (with an error) unless `n` is a mapping with exactly the allowed keys and the
/// required ones present.
bool entry(reader& r, const YAML::Node& n, const std::string& path,
           std::initializer_list<std::string_view> allowed,
           std::initializer_list<const char*> required) {
  if (!r.mapping(n, path, allowed)) {
    if (n.IsNull())
      r.fail(n, "invalid_value", fmt::format("{}: expected a mapping, got nothing", path));
    return false;
  }
  for (const char* key : required) {
    if (!n[key].IsDefined()) r.fail(n, "missing_key", fmt::format("{}.{}: required", path, key));
  }
  return true;
}

void read_token(reader& r, const YAML::Node& n, const std::string& path,
                std::set<std::string>& names, config& c) {
  if (!entry(r, n, path, {"name", "sha256", "role", "partner"}, {"name", "sha256", "role"})) return;
  token t;
  r.string(n, "name", path, t.name);
  r.string(n, "sha256", path, t.sha256);
  r.string(n, "role", path, t.role);
  r.string(n, "partner", path, t.partner);
  if (!t.sha256.empty() && !is_sha256_hex(t.sha256))
    r.fail(n["sha256"], "invalid_value",
           fmt::format("{}.sha256: expected 64 hex characters (the SHA-256 of the token)",
                       path));
  check_principal(r, n, path, t.name, t.role, names);
  c.tokens.push_back(std::move(t));
}

void read_certificate(reader& r, const YAML::Node& n, const std::string& path,
                      std::set<std::string>& names, std::set<std::string>& subjects,
                      config& c) {
  if (!entry(r, n, path, {"name", "subject", "role", "partner"}, {"name", "subject", "role"}))
    return;
  certificate t;
  r.string(n, "name", path, t.name);
  r.string(n, "subject", path, t.subject);
  r.string(n, "role", path, t.role);
  r.string(n, "partner", path, t.partner);
  if (!t.subject.empty() && !subjects.insert(t.subject).second)
    r.fail(n["subject"], "invalid_value",
           fmt::format("{}.subject: duplicate subject '{}'", path, t.subject));
  check_principal(r, n, path, t.name, t.role, names);
  c.certificates.push_back(std::move(t));
}

}  // namespace

void read_auth(reader& r, const YAML::Node& n, config& c) {
  if (!r.mapping(n, "auth", {"tokens", "certificates"})) return;
  std::set<std::string> names;
  const YAML::Node tokens = n["tokens"];
  if (r.sequence(tokens, "auth.tokens", "a list of tokens")) {
    std::size_t i = 0;
    for (const auto& t : tokens) read_token(r, t, fmt::format("auth.tokens[{}]", i++), names, c);
  }
  const YAML::Node certs = n["certificates"];
  if (r.sequence(certs, "auth.certificates", "a list of certificates")) {
    std::set<std::string> subjects;
    std::size_t i = 0;
    for (const auto& t : certs)
      read_certificate(r, t, fmt::format("auth.certificates[{}]", i++), names, subjects, c);
  }
}

void read_rate_limit(reader& r, const YAML::Node& n, config& c) {
  if (!r.mapping(n, "ingest.rate_limit", {"events_per_second", "burst"})) return;
  if (!n["events_per_second"].IsDefined()) {
    r.fail(n, "missing_key", "ingest.rate_limit.events_per_second: required");
    return;
  }
  r.positive(n, "events_per_second", "ingest.rate_limit", c.rate_limit.events_per_second);
  c.rate_limit.burst = c.rate_limit.events_per_second;
  r.positive(n, "burst", "ingest.rate_limit", c.rate_limit.burst);
}

}  // namespace slawatch::config::detail
