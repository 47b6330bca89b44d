// Waiving a breach (POST /v1/breaches/{id}/waive): the breach document and status column,
// and the outcome bucket its decision was counted in, change together.
#include <fmt/format.h>
#include "sqlite_detail.hpp"

namespace slawatch::store {

instant breach_decided_at(const model::breach& b) {
  // deadline and absence outcomes are decided at the due time, count-window aggregates at
  // their fire time (= due_at); conditions, sliding aggregates and objectives at occurred_at.
  return b.due_at.value_or(b.occurred_at);
}

result<waive_result> store::waive_breach(const std::string&, const std::string&, instant) {
  return error{"unsupported", "storage: waive not supported", {}};
}

namespace detail {

result<waive_result> sqlite_store::waive_breach(const std::string& id, const std::string& reason,
                                                instant at) {
  auto found = get_breach(id);
  if (!found) return found.err();
  if (!found.value()) return waive_result{waive_status::not_found, std::nullopt};
  model::breach before = std::move(*found.value());
  if (before.status == model::breach_status::waived) {
    return waive_result{waive_status::already_waived, std::move(before)};
  }
  model::breach after = before;
  after.status = model::breach_status::waived;
  after.waived_reason = reason;
  after.waived_at = at;
  auto up = c_->prepare("UPDATE breaches SET status = 'waived', doc = ?2 WHERE id = ?1");
  if (!up) return up.err();
  auto& u = (*up)->fresh();
  u.bind(1, id).bind(2, after.to_json().dump());
  if (auto r = u.step(); !r) return c_->fail("waive breach", r.err().message);

  // Move one count: breached −1 (never below zero; a zero row sums to nothing), waived +1.
  const std::int64_t bucket = bucket_start(breach_decided_at(before));
  auto dec = c_->prepare(
      "UPDATE outcome_buckets SET count = count - 1 WHERE rule = ?1 AND partner = ?2"
      " AND bucket_start = ?3 AND outcome = 'breached' AND count > 0");
  if (!dec) return dec.err();
  auto& d = (*dec)->fresh();
  d.bind(1, before.rule).bind(2, before.partner).bind(3, bucket);
  if (auto r = d.step(); !r) return c_->fail("waive outcome", r.err().message);
  model::outcome waived{before.rule, before.partner, model::outcome_kind::waived,
                        breach_decided_at(before)};
  if (auto r = add_outcomes({waived}); !r) return r.err();
  return waive_result{waive_status::waived, std::move(before)};
}

}  // namespace detail
}  // namespace slawatch::store
