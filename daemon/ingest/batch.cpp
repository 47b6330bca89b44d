// Validation, partner checks and stamping of a parsed body; the contract 2.3 response body.
#include <algorithm>
#include <fmt/format.h>
#include "slawatch/ingest/batch.hpp"

namespace slawatch::ingest {
namespace detail {

std::string string_id(const nlohmann::json& doc) {
  if (!doc.is_object()) return {};
  const auto it = doc.find("id");
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// The partner checks after field validation. A mismatch is checked first: a partner token
/// must not learn which other partner ids exist in the registry.
std::optional<item_error> check_partner(const model::event& ev, const rules::rule_set& rules,
                                        const sender& who) {
  if (!who.partner.empty() && ev.partner != who.partner) {
    return item_error{0, ev.id, "partner_mismatch",
                      fmt::format("partner: token is for '{}', not '{}'", who.partner, ev.partner)};
  }
  if (rules.find_partner(ev.partner) == nullptr) {
    return item_error{0, ev.id, "unknown_partner",
                      fmt::format("partner: unknown partner '{}'", ev.partner)};
  }
  return std::nullopt;
}

/// A clock far ahead would open obligations and fill windows from the future: refuse it.
std::optional<item_error> check_skew(const model::event& ev, instant received_at,
                                     duration max_future_skew) {
  // Compared as a difference: received_at + duration::max() would overflow.
  if (ev.occurred_at <= received_at || ev.occurred_at - received_at <= max_future_skew) {
    return std::nullopt;
  }
  auto written = ev.doc.find("occurred_at");
  std::string text = written != ev.doc.end() && written->is_string()
                         ? written->get<std::string>()
                         : timefmt::format_utc_ms(ev.occurred_at);
  return item_error{0, ev.id, "invalid_field",
                    fmt::format("occurred_at: {} is more than {} after received_at", text,
                                timefmt::format_duration(max_future_skew))};
}

nlohmann::json error_entry(std::size_t index, const std::string& id, const std::string& message,
                           const std::string& reason) {
  return {{"index", index},
          {"id", id.empty() ? nlohmann::json(nullptr) : nlohmann::json(id)},
          {"error", message},
          {"reason", reason}};
}

}  // namespace detail

prepared_batch prepare(std::vector<raw_item> items, const rules::rule_set& rules,
                       const sender& who, instant received_at) {
  return prepare(std::move(items), rules, who, received_at, duration::max());
}

prepared_batch prepare(std::vector<raw_item> items, const rules::rule_set& rules,
                       const sender& who, instant received_at, duration max_future_skew) {
  prepared_batch out;
  out.events.reserve(items.size());
  out.indexes.reserve(items.size());
  const model::stamps stamps(received_at, who.transport);
  for (std::size_t pos = 0; pos < items.size(); ++pos) {
    auto& item = items[pos];
    const std::size_t index = item.index.value_or(pos);
    auto ev = model::validate_envelope(item.doc, item.encoded_size);
    if (!ev) {
      out.errors.push_back({index, detail::string_id(item.doc), ev.err().code, ev.err().message});
      continue;
    }
    if (auto bad = detail::check_skew(*ev, received_at, max_future_skew)) {
      bad->index = index;
      out.errors.push_back(std::move(*bad));
      continue;
    }
    if (auto bad = detail::check_partner(*ev, rules, who)) {
      bad->index = index;
      out.errors.push_back(std::move(*bad));
      continue;
    }
    model::stamp(*ev, stamps);
    out.events.push_back(std::move(*ev));
    out.indexes.push_back(index);
  }
  return out;
}

nlohmann::json response_body(const prepared_batch& batch, const batch_result& stored) {
  std::size_t accepted = 0, duplicates = 0;
  std::vector<std::pair<std::size_t, nlohmann::json>> errors;
  for (const auto& e : batch.errors) {
    errors.emplace_back(e.index, detail::error_entry(e.index, e.id, e.message, e.reason));
  }
  const auto n = std::min(stored.events.size(), batch.events.size());
  for (std::size_t k = 0; k < n; ++k) {
    switch (stored.events[k].status) {
      case store::put_status::accepted: ++accepted; break;
      case store::put_status::duplicate: ++duplicates; break;
      case store::put_status::conflict: {
        const auto index = k < batch.indexes.size() ? batch.indexes[k] : k;
        errors.emplace_back(index, detail::error_entry(index, batch.events[k].id,
                                                       "id: already received with different content",
                                                       "conflict"));
        break;
      }
    }
  }
  std::stable_sort(errors.begin(), errors.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  nlohmann::json list = nlohmann::json::array();
  for (auto& [index, entry] : errors) list.push_back(std::move(entry));
  return {{"accepted", accepted},
          {"duplicates", duplicates},
          {"rejected", list.size()},
          {"errors", std::move(list)}};
}

}  // namespace slawatch::ingest
