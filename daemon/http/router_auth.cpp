// The one place where contract 8 is enforced: who may call which route.
#include <cstdlib>
#include <set>
#include <fmt/format.h>
#include "slawatch/http/router.hpp"
#include "slawatch/ingest/batch.hpp"

namespace slawatch::http {

bool allows(access a, const principal& who) {
  const auto& r = who.role;
  bool staff = r == "ops" || r == "officer" || r == "admin";
  switch (a) {
    case access::open:
      return true;
    case access::metrics:
      return r == "metrics" || staff;
    case access::ingest:
      return r == "partner" || r == "admin";
    case access::read_own:
      return r == "partner" || staff;
    case access::read_all:
      return staff;
    case access::report:
      return r == "partner" || r == "officer" || r == "admin";
    case access::officer:
      return r == "officer" || r == "admin";
    case access::admin:
      return r == "admin";
  }
  return false;
}

std::optional<response> router::authorize(request& req, const target& t, const detail::route_match& m) {
  req.caller.reset();   // only this function decides who the caller is
  if (!deps_.auth || !deps_.auth->enabled() || m.needs == access::open) return std::nullopt;
  if (m.needs == access::metrics && deps_.metrics_public) return std::nullopt;
  auto who = deps_.auth->authenticate(req);
  if (!who) {
    if (m.needs == access::ingest && deps_.metrics != nullptr) deps_.metrics->event_rejected("unauthenticated");
    auto r = error_response(401, who.err().message);
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  if (!allows(m.needs, who.value())) {
    return error_response(403, fmt::format("forbidden: role '{}' may not use {} {}", who->role,
                                           req.method, t.path));
  }
  req.caller = std::move(who.value());
  return std::nullopt;
}

namespace detail {

/// The partners a body names (string `partner` fields of its object items).
std::set<std::string> partners_named(const std::vector<ingest::raw_item>& items) {
  std::set<std::string> out;
  for (const auto& it : items) {
    if (!it.doc.is_object()) continue;
    auto p = it.doc.find("partner");
    if (p != it.doc.end() && p->is_string()) out.insert(p->get<std::string>());
  }
  return out;
}

std::optional<std::string> env_value(const router_deps& deps, const std::string& name) {
  if (name.empty()) return std::nullopt;
  if (deps.env) return deps.env(name);
  const char* v = std::getenv(name.c_str());
  return v != nullptr ? std::optional<std::string>(v) : std::nullopt;
}

/// The signing partner's secret, nullopt when it has none (unknown partner, no
/// hmac_secret_env, or the variable unset or empty).
std::optional<std::string> secret_of(const router_deps& deps, const rules::rule_set& rules,
                                     const std::string& partner) {
  auto it = rules.partners.find(partner);
  if (it == rules.partners.end()) return std::nullopt;
  auto v = env_value(deps, it->second.hmac_secret_env);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

}  // namespace detail

std::optional<response> router::check_signature(const request& req,
                                                 const std::vector<ingest::raw_item>& items,
                                                 const rules::rule_set& rules, std::string& signature) {
  signature = "absent";
  auto refuse = [&](std::string message) {
    // Once per event of the body: the whole request is refused, nothing is stored.
    if (deps_.metrics != nullptr) deps_.metrics->event_rejected("signature_invalid", std::max<std::size_t>(1, items.size()));
    auto r = error_response(401, message);
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  };
  auto scope = std::string(req.partner_scope());
  auto named = detail::partners_named(items);
  // The signer is the token's partner; without a partner token, the one partner all events name.
  std::string signer = !scope.empty() ? scope : (named.size() == 1 ? *named.begin() : std::string{});
  if (!req.signature.empty()) {
    if (signer.empty()) {
      return refuse("signature: cannot tell the signing partner: the events must all name one partner");
    }
    auto secret = detail::secret_of(deps_, rules, signer);
    if (!secret) return refuse(fmt::format("signature: no signing secret configured for partner '{}'", signer));
    auto check = verify_signature(req.signature, req.body, *secret);
    if (check == signature_check::malformed) return refuse("signature: expected 'sha256=<64 hex digits>'");
    if (check == signature_check::mismatch) return refuse("signature: does not match the body");
    signature = "valid";
  }
  // With a partner token, events of other partners are rejected (partner_mismatch) anyway.
  const std::set<std::string> senders = !scope.empty() ? std::set<std::string>{scope} : named;
  for (const auto& p : senders) {
    auto it = rules.partners.find(p);
    if (it == rules.partners.end() || !it->second.require_signature) continue;
    if (signature != "valid" || signer != p) {
      return refuse(fmt::format("signature: required for partner '{}'", p));
    }
  }
  return std::nullopt;
}

}  // namespace slawatch::http
