// The caller side of a report: reads the rows of one period through the store interface.
#include "slawatch/report/report.hpp"

namespace slawatch::report {

result<period_rows> gather(store::store& s, const std::string& partner, period p,
                           const date::time_zone& zone) {
  const bounds b = bounds_of(p, zone);
  const bounds before = bounds_of(p.previous(), zone);
  period_rows rows;
  auto outcomes = s.partner_outcomes(partner, b.from, b.to);
  if (!outcomes) return outcomes.err();
  rows.outcomes = std::move(outcomes.value());
  auto previous = s.partner_outcomes(partner, before.from, before.to);
  if (!previous) return previous.err();
  rows.previous = std::move(previous.value());
  auto breaches = s.partner_breaches(partner, b.from, b.to);
  if (!breaches) return breaches.err();
  rows.breaches = std::move(breaches.value());
  auto buckets = s.partner_event_buckets(partner, b.from, b.to);
  if (!buckets) return buckets.err();
  rows.event_buckets = std::move(buckets.value());
  store::obligation_query q;
  q.partner = partner;
  q.limit = 1000;
  for (;;) {
    auto page = s.list_obligations(q);
    if (!page) return page.err();
    for (auto& o : page->obligations) {
      if (o.started_at < b.to) rows.obligations.push_back(std::move(o));
    }
    if (!page->next_cursor) break;
    q.cursor = page->next_cursor;
  }
  if (auto head = s.audit_head()) {
    rows.audit_head = head->hash;
    rows.audit_seq = head->seq;
  } else {
    rows.audit_note = head.err().message;   // e.g. a store without an audit trail
  }
  return rows;
}

const date::time_zone& partner_zone(const model::partner& partner) {
  try {
    const auto* z = date::locate_zone(partner.timezone.empty() ? "UTC" : partner.timezone);
    z->get_info(date::sys_seconds{});
    return *z;
  } catch (const std::exception&) {
    return *date::locate_zone("UTC");
  }
}

}  // namespace slawatch::report
