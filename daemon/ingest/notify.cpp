// Which sinks a breach event goes to (contract 9), as outbox items.
#include <algorithm>
#include "slawatch/ingest/pipeline.hpp"

namespace slawatch::ingest {
namespace {

bool allows(const std::vector<std::string>& filter, const std::string& value) {
  return filter.empty() || std::find(filter.begin(), filter.end(), value) != filter.end();
}

store::outbox_item item(std::string sink, const model::breach& b, std::string_view event,
                        const std::string& payload, instant now) {
  store::outbox_item i;
  i.delivery_id = delivery_id(sink, b.id, event);
  i.sink = std::move(sink);
  i.event = std::string(event);
  i.breach_id = b.id;
  i.payload = payload;
  i.created_at = now;
  i.next_at = now;
  return i;
}

}  // namespace

std::string delivery_id(std::string_view sink, std::string_view breach_id,
                        std::string_view event) {
  std::string joined;
  joined.append(sink).append(1, '\x1f').append(breach_id).append(1, '\x1f').append(event);
  return "d-" + model::sha256_hex(joined).substr(0, 16);
}

std::vector<store::outbox_item> notifications(const notify_routes& routes,
                                              const rules::rule_set& rules,
                                              const model::breach& b, std::string_view event,
                                              instant now) {
  std::vector<store::outbox_item> out;
  const std::string payload = b.to_json().dump();
  if (routes.alertmanager) out.push_back(item("alertmanager", b, event, payload, now));
  for (const auto& w : routes.webhooks) {
    if (allows(w.categories, b.category) && allows(w.severities, b.severity) &&
        allows(w.partners, b.partner)) {
      out.push_back(item("webhook:" + w.name, b, event, payload, now));
    }
  }
  if (routes.partner_webhooks) {
    auto p = rules.partners.find(b.partner);
    const auto& env = p == rules.partners.end() ? std::string() : p->second.report.secret_env;
    const bool signable = env.empty() || !routes.secret_available || routes.secret_available(env);
    if (p != rules.partners.end() && !p->second.report.webhook.empty() && signable) {
      out.push_back(item("partner:" + b.partner, b, event, payload, now));
    }
  }
  return out;
}

}  // namespace slawatch::ingest
