// GET /v1/breaches and GET /v1/breaches/{id} (contract 6).
#include <algorithm>
#include <array>
#include <charconv>
#include <set>
#include "slawatch/http/router.hpp"

namespace slawatch::http {

namespace detail {

constexpr std::array<std::string_view, 3> statuses = {"open", "closed", "waived"};
constexpr std::array<std::string_view, 5> categories = {"timeliness", "security", "purpose",
                                                        "integrity", "availability"};
constexpr std::array<std::string_view, 4> severities = {"critical", "major", "minor", "info"};

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& allowed, const std::string& v) {
  return std::find(allowed.begin(), allowed.end(), v) != allowed.end();
}

std::optional<int> parse_limit(const std::string& v) {
  int n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || p != v.data() + v.size() || n < 1 || n > 1000) return std::nullopt;
  return n;
}

/// Applies one (non-empty) parameter; returns the error message, empty when fine.
std::string apply_param(store::breach_query& q, const std::string& name, const std::string& v) {
  if (name == "partner") {
    q.partner = v;
  } else if (name == "rule") {
    q.rule = v;
  } else if (name == "category") {
    if (!one_of(categories, v)) return "category: expected timeliness, security, purpose, integrity or availability";
    q.category = v;
  } else if (name == "severity") {
    if (!one_of(severities, v)) return "severity: expected critical, major, minor or info";
    q.severity = v;
  } else if (name == "status") {
    if (!one_of(statuses, v)) return "status: expected open, closed or waived";
    q.status = v;
  } else if (name == "since" || name == "until") {
    auto t = timefmt::parse_rfc3339(v);
    if (!t) return name + ": not an RFC 3339 timestamp";
    (name == "since" ? q.since : q.until) = *t;
  } else if (name == "limit") {
    auto n = parse_limit(v);
    if (!n) return "limit: expected an integer from 1 to 1000";
    q.limit = *n;
  } else if (name == "cursor") {
    q.cursor = v;
  } else {
    return name + ": unknown query parameter";
  }
  return {};
}

/// Store errors about the request (a cursor that is not one of ours) are the client's
/// fault; anything else means storage is unavailable.
response store_error(const error& e, const log_fn& log) {
  if (e.code == "invalid_cursor" || e.code == "bad_request" || e.message.starts_with("cursor:")) {
    return error_response(400, e.message);
  }
  if (log) log("error", "storage: read failed", {{"error", e.message}});
  return error_response(503, "storage: " + e.message);
}

}  // namespace detail

result<store::breach_query> parse_breach_query(
    const std::vector<std::pair<std::string, std::string>>& query) {
  store::breach_query q;
  std::set<std::string> seen;
  for (const auto& [name, value] : query) {
    if (!seen.insert(name).second) return error{"bad_request", name + ": given more than once"};
    if (value.empty()) {
      // Empty means "no filter", but the name must still be one we know.
      store::breach_query probe;
      auto msg = detail::apply_param(probe, name, "x");
      if (msg.ends_with("unknown query parameter")) return error{"bad_request", msg};
      continue;
    }
    auto msg = detail::apply_param(q, name, value);
    if (!msg.empty()) return error{"bad_request", msg};
  }
  return q;
}

response router::get_breaches(const request& req, const target& t) {
  auto q = parse_breach_query(t.query);
  if (!q) return error_response(400, q.err().message);
  if (auto scope = req.partner_scope(); !scope.empty()) {
    // A partner sees its own rows only: another partner's filter matches nothing, and the
    // forced filter keeps every cursor page inside the caller's partner.
    if (q->partner && *q->partner != scope) {
      return json_response(200, nlohmann::json{{"breaches", nlohmann::json::array()}, {"next_cursor", nullptr}});
    }
    q->partner = std::string(scope);
  }
  if (deps_.readers == nullptr) return error_response(503, "storage: not open");
  auto page = deps_.readers->with<store::breach_page>(
      [&](store::store& s) { return s.list_breaches(q.value()); });
  if (!page) return detail::store_error(page.err(), deps_.log);
  auto list = nlohmann::json::array();
  for (const auto& b : page->breaches) list.push_back(b.to_json());
  nlohmann::json body{{"breaches", std::move(list)}, {"next_cursor", nullptr}};
  if (page->next_cursor) body["next_cursor"] = *page->next_cursor;
  return json_response(200, body);
}

response router::get_breach(const request& req, const std::string& id) {
  if (deps_.readers == nullptr) return error_response(503, "storage: not open");
  auto found = deps_.readers->with<std::optional<model::breach>>(
      [&](store::store& s) { return s.get_breach(id); });
  if (!found) return detail::store_error(found.err(), deps_.log);
  auto scope = req.partner_scope();
  // Another partner's breach is answered exactly like an unknown id.
  if (!found.value() || (!scope.empty() && found.value()->partner != scope)) {
    return error_response(404, "breach not found");
  }
  return json_response(200, found.value()->to_json());
}

}  // namespace slawatch::http
