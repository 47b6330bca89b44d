// The reads behind a partner report (issue 7): outcome counts, breaches decided and event
// coverage of one partner over [from, to). No new table or index: the report runs monthly.
#include <algorithm>
#include <fmt/format.h>
#include "sqlite_detail.hpp"

namespace slawatch::store {

result<std::vector<outcome_count>> store::partner_outcomes(const std::string&, instant, instant) {
  return error{"unsupported", "storage: reports not supported", {}};
}
result<std::vector<model::breach>> store::partner_breaches(const std::string&, instant, instant) {
  return error{"unsupported", "storage: reports not supported", {}};
}
result<std::vector<instant>> store::partner_event_buckets(const std::string&, instant, instant) {
  return error{"unsupported", "storage: reports not supported", {}};
}

namespace detail {
namespace {

/// Seconds since the epoch, rounded up: a bucket counts when it starts at or after `t`.
std::int64_t ceil_seconds(instant t) {
  const auto s = std::chrono::ceil<std::chrono::seconds>(t);
  return s.time_since_epoch().count();
}

std::optional<model::outcome_kind> kind_of(std::string_view s) {
  if (s == "met") return model::outcome_kind::met;
  if (s == "breached") return model::outcome_kind::breached;
  if (s == "waived") return model::outcome_kind::waived;
  return std::nullopt;
}

/// A breach is detected at processing time, at most this long before it was decided (an
/// event dated ahead of its receipt, within ingest.max_future_skew): the detected_at
/// pre-filter widens the range by it.
constexpr auto detection_slack = std::chrono::hours(24);

}  // namespace

result<std::vector<outcome_count>> sqlite_store::partner_outcomes(const std::string& partner,
                                                                  instant from, instant to) {
  auto st = c_->prepare(
      "SELECT rule, outcome, sum(count) FROM outcome_buckets"
      " WHERE partner = ?1 AND bucket_start >= ?2 AND bucket_start < ?3"
      " GROUP BY rule, outcome ORDER BY rule, outcome");
  if (!st) return st.err();
  auto& s = (*st)->fresh();
  s.bind(1, partner).bind(2, ceil_seconds(from)).bind(3, ceil_seconds(to));
  std::vector<outcome_count> out;
  for (;;) {
    auto row = s.step();
    if (!row) return c_->fail("report outcomes", row.err().message);
    if (!*row) break;
    auto kind = kind_of(s.text(1));
    if (!kind) continue;   // written by a newer version
    out.push_back({s.text(0), partner, *kind, static_cast<std::uint64_t>(s.int64(2))});
  }
  return out;
}

result<std::vector<model::breach>> sqlite_store::partner_breaches(const std::string& partner,
                                                                  instant from, instant to) {
  // decided_at lives in the document only; detected_at (a column) is never much earlier.
  auto st = c_->prepare(
      "SELECT seq, doc FROM breaches WHERE partner = ?1 AND detected_at_ns >= ?2 ORDER BY seq");
  if (!st) return st.err();
  auto& s = (*st)->fresh();
  s.bind(1, partner).bind(2, to_ns(from - detection_slack));
  std::vector<model::breach> out;
  for (;;) {
    auto row = s.step();
    if (!row) return c_->fail("report breaches", row.err().message);
    if (!*row) break;
    auto j = nlohmann::json::parse(s.text(1), nullptr, false);
    auto b = j.is_discarded() ? std::nullopt : model::breach::from_json(j);
    if (!b) return c_->fail("report breaches", fmt::format("breach seq {} is unreadable", s.int64(0)));
    const instant d = breach_decided_at(*b);
    if (d >= from && d < to) out.push_back(std::move(*b));
  }
  std::stable_sort(out.begin(), out.end(), [](const model::breach& a, const model::breach& b) {
    const auto da = breach_decided_at(a), db = breach_decided_at(b);
    return da != db ? da < db : a.id < b.id;
  });
  return out;
}

result<std::vector<instant>> sqlite_store::partner_event_buckets(const std::string& partner,
                                                                 instant from, instant to) {
  auto st = c_->prepare(
      "SELECT DISTINCT occurred_at_ns / 900000000000 FROM events"
      " WHERE partner = ?1 AND occurred_at_ns >= ?2 AND occurred_at_ns < ?3 ORDER BY 1");
  if (!st) return st.err();
  auto& s = (*st)->fresh();
  s.bind(1, partner).bind(2, to_ns(from)).bind(3, to_ns(to));
  std::vector<instant> out;
  for (;;) {
    auto row = s.step();
    if (!row) return c_->fail("report event days", row.err().message);
    if (!*row) break;
    out.push_back(instant{std::chrono::seconds(s.int64(0) * 900)});
  }
  return out;
}

}  // namespace detail
}  // namespace slawatch::store
