// GET /v1/obligations (contract 6): open deadline obligations, most urgent (earliest due)
// first, with times in the calendar's offset and how much of the span has elapsed.
#include <cmath>
#include <set>
#include <fmt/format.h>
#include "slawatch/calendar/span.hpp"
#include "slawatch/http/router.hpp"

namespace slawatch::http {

namespace detail {

/// Store errors about the request are the client's; anything else means storage is down.
response obligation_store_error(const error& e, const log_fn& log) {
  if (e.code == "bad_request") return error_response(400, e.message);
  if (log) log("error", "storage: read failed", {{"error", e.message}});
  return error_response(503, "storage: " + e.message);
}

/// One listed obligation as JSON. With the rule gone from the current set (a reload dropped
/// it and the entry is not deleted yet) times are UTC and elapsed is linear.
nlohmann::json obligation_json(const store::obligation_row& o, const rules::rule_set* set,
                               instant now) {
  const rules::rule* r = set ? set->find_rule(o.rule) : nullptr;
  const calendar::business_calendar* cal = r ? set->calendar_for(*r, o.partner) : nullptr;
  auto fmt_time = [&](instant t) {
    return cal && cal->zone ? calendar::format_rfc3339_local(t, *cal->zone) : timefmt::format_utc_ms(t);
  };
  double elapsed = 0;
  if (r && cal) {
    elapsed = calendar::elapsed_fraction(o.started_at, r->within, now, *cal);
  } else if (o.due > o.started_at) {
    elapsed = std::chrono::duration<double>(now - o.started_at) /
              std::chrono::duration<double>(o.due - o.started_at);
  }
  elapsed = std::max(0.0, std::round(elapsed * 10000) / 10000);   // 4 places are plenty
  auto warnings = nlohmann::json::array();
  for (unsigned i = 0; r && i < o.warned && i < r->warn_at.size(); ++i) {
    warnings.push_back(fmt::format("{}%", r->warn_at[i]));
  }
  return {{"rule", o.rule},        {"partner", o.partner},
          {"key", o.key},          {"started_at", fmt_time(o.started_at)},
          {"due_at", fmt_time(o.due)}, {"elapsed", elapsed},
          {"warnings", std::move(warnings)}};
}

std::optional<int> parse_obligation_limit(const std::string& v) {
  if (v.empty() || v.size() > 4 || v.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  int n = std::stoi(v);
  if (n < 1 || n > 1000) return std::nullopt;
  return n;
}

}  // namespace detail

result<store::obligation_query> parse_obligation_query(
    const std::vector<std::pair<std::string, std::string>>& query) {
  store::obligation_query q;
  std::set<std::string> seen;
  for (const auto& [name, value] : query) {
    if (!seen.insert(name).second) return error{"bad_request", name + ": given more than once"};
    if (name != "partner" && name != "rule" && name != "limit" && name != "cursor") {
      return error{"bad_request", name + ": unknown query parameter"};
    }
    if (value.empty()) continue;   // empty means "no filter"
    if (name == "partner") q.partner = value;
    if (name == "rule") q.rule = value;
    if (name == "cursor") q.cursor = value;
    if (name == "limit") {
      auto n = detail::parse_obligation_limit(value);
      if (!n) return error{"bad_request", "limit: expected an integer from 1 to 1000"};
      q.limit = *n;
    }
  }
  return q;
}

response router::get_obligations(const request& req, const target& t) {
  auto q = parse_obligation_query(t.query);
  if (!q) return error_response(400, q.err().message);
  if (auto scope = req.partner_scope(); !scope.empty()) {   // as in get_breaches
    if (q->partner && *q->partner != scope) {
      return json_response(200, nlohmann::json{{"obligations", nlohmann::json::array()}, {"next_cursor", nullptr}});
    }
    q->partner = std::string(scope);
  }
  if (deps_.readers == nullptr) return error_response(503, "storage: not open");
  auto page = deps_.readers->with<store::obligation_page>(
      [&](store::store& s) { return s.list_obligations(q.value()); });
  if (!page) return detail::obligation_store_error(page.err(), deps_.log);
  auto rules = deps_.rules ? deps_.rules() : nullptr;
  const instant now = deps_.now ? deps_.now() : instant{};
  auto list = nlohmann::json::array();
  for (const auto& o : page->obligations) list.push_back(detail::obligation_json(o, rules.get(), now));
  nlohmann::json body{{"obligations", std::move(list)}, {"next_cursor", nullptr}};
  if (page->next_cursor) body["next_cursor"] = *page->next_cursor;
  return json_response(200, body);
}

}  // namespace slawatch::http
