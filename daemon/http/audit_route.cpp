// GET /v1/audit (contract 8): the hash-chained audit trail, oldest first, with its head.
#include <algorithm>
#include <array>
#include <set>
#include "slawatch/http/router.hpp"

namespace slawatch::http {

namespace {

constexpr std::array<std::string_view, 7> audit_kinds = {"batch",  "breach", "waiver", "reload",
                                                         "config", "report", "retention"};

/// Applies one non-empty parameter; returns the error message, empty when fine.
std::string apply_audit_param(store::audit_query& q, const std::string& name, const std::string& v) {
  if (name == "kind") {
    if (std::find(audit_kinds.begin(), audit_kinds.end(), v) == audit_kinds.end()) {
      return "kind: expected batch, breach, waiver, reload, config, report or retention";
    }
    q.kind = v;
  } else if (name == "since") {
    auto t = timefmt::parse_rfc3339(v);
    if (!t) return "since: not an RFC 3339 timestamp";
    q.since = *t;
  } else if (name == "limit") {
    const bool digits = v.size() <= 4 && v.find_first_not_of("0123456789") == std::string::npos;
    const int n = digits ? std::stoi(v) : 0;
    if (n < 1 || n > 1000) return "limit: expected an integer from 1 to 1000";
    q.limit = n;
  } else if (name == "cursor") {
    q.cursor = v;
  } else {
    return name + ": unknown query parameter";
  }
  return {};
}

nlohmann::json entry_json(const store::audit_entry& e) {
  return {{"seq", e.seq},   {"at", e.at},
          {"kind", e.kind}, {"detail", e.detail},
          {"prev_hash", e.prev_hash}, {"hash", e.hash}};
}

struct audit_answer {
  store::audit_page page;
  store::audit_position head;
};

}  // namespace

result<store::audit_query> parse_audit_query(
    const std::vector<std::pair<std::string, std::string>>& query) {
  store::audit_query q;
  std::set<std::string> seen;
  for (const auto& [name, value] : query) {
    if (!seen.insert(name).second) return error{"bad_request", name + ": given more than once"};
    if (name != "kind" && name != "since" && name != "limit" && name != "cursor") {
      return error{"bad_request", name + ": unknown query parameter"};
    }
    if (value.empty()) continue;   // empty means "not given"
    if (auto msg = apply_audit_param(q, name, value); !msg.empty()) return error{"bad_request", msg};
  }
  return q;
}

response router::get_audit(const target& t) {
  auto q = parse_audit_query(t.query);
  if (!q) return error_response(400, q.err().message);
  if (deps_.readers == nullptr) return error_response(503, "storage: not open");
  auto answer = deps_.readers->with<audit_answer>([&](store::store& s) -> result<audit_answer> {
    auto page = s.list_audit(q.value());
    if (!page) return page.err();
    auto head = s.audit_head();
    if (!head) return head.err();
    return audit_answer{std::move(page.value()), head.value()};
  });
  if (!answer) {
    if (answer.err().code == "bad_request") return error_response(400, answer.err().message);
    if (deps_.log) deps_.log("error", "storage: read failed", {{"error", answer.err().message}});
    return error_response(503, "storage: " + answer.err().message);
  }
  auto list = nlohmann::json::array();
  for (const auto& e : answer->page.entries) list.push_back(entry_json(e));
  nlohmann::json body{{"entries", std::move(list)},
                      {"head", {{"seq", answer->head.seq}, {"hash", answer->head.hash}}},
                      {"next_cursor", nullptr}};
  if (answer->page.next_cursor) body["next_cursor"] = *answer->page.next_cursor;
  return json_response(200, body);
}

}  // namespace slawatch::http
