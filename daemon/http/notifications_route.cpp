// GET /v1/notifications: the durable outbox as operators see it (dead letters by default).
#include <set>
#include "slawatch/http/router.hpp"

namespace slawatch::http {

result<store::outbox_query> parse_notification_query(
    const std::vector<std::pair<std::string, std::string>>& query) {
  store::outbox_query q;
  std::set<std::string> seen;
  for (const auto& [name, value] : query) {
    if (!seen.insert(name).second) return error{"bad_request", name + ": given more than once"};
    if (name != "state" && name != "sink" && name != "limit" && name != "cursor") {
      return error{"bad_request", name + ": unknown query parameter"};
    }
    if (value.empty()) continue;   // empty means "not given"
    if (name == "state") {
      if (value != "dead" && value != "pending") {
        return error{"bad_request", "state: expected dead or pending"};
      }
      q.state = value;
    }
    if (name == "sink") q.sink = value;
    if (name == "cursor") q.cursor = value;
    if (name == "limit") {
      const bool digits = value.size() <= 4 && value.find_first_not_of("0123456789") == std::string::npos;
      const int n = digits ? std::stoi(value) : 0;
      if (n < 1 || n > 1000) return error{"bad_request", "limit: expected an integer from 1 to 1000"};
      q.limit = n;
    }
  }
  return q;
}

nlohmann::json notification_json(const store::outbox_item& i) {
  return {{"sink", i.sink},
          {"delivery_id", i.delivery_id},
          {"event", i.event},
          {"breach_id", i.breach_id},
          {"state", i.state},
          {"attempts", i.attempts},
          {"created_at", timefmt::format_utc_ms(i.created_at)},
          {"next_attempt_at", i.state == "pending" ? nlohmann::json(timefmt::format_utc_ms(i.next_at))
                                                   : nlohmann::json(nullptr)},
          {"last_error", i.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(i.last_error)}};
}

response get_notifications(reader_pool* readers, const target& t, const log_fn& log) {
  auto q = parse_notification_query(t.query);
  if (!q) return error_response(400, q.err().message);
  if (readers == nullptr) return error_response(503, "storage: not open");
  auto page = readers->with<store::outbox_page>([&](store::store& s) { return s.list_outbox(q.value()); });
  if (!page) {
    if (page.err().code == "bad_request") return error_response(400, page.err().message);
    if (log) log("error", "storage: read failed", {{"error", page.err().message}});
    return error_response(503, "storage: " + page.err().message);
  }
  auto list = nlohmann::json::array();
  for (const auto& i : page->items) list.push_back(notification_json(i));
  nlohmann::json body{{"notifications", std::move(list)}, {"next_cursor", nullptr}};
  if (page->next_cursor) body["next_cursor"] = *page->next_cursor;
  return json_response(200, body);
}

}  // namespace slawatch::http
