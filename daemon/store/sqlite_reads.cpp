// The reader side of the SQLite store: breach listing and paging, counts for start-up.
#include <variant>
#include <fmt/format.h>
#include "sqlite_detail.hpp"

namespace slawatch::store::detail {
namespace {

using param = std::variant<std::string, std::int64_t>;

struct where_clause {
  std::string sql;
  std::vector<param> params;

  void add(const char* cond, param p) {
    sql += sql.empty() ? " WHERE " : " AND ";
    sql += fmt::format(fmt::runtime(cond), params.size() + 1);
    params.push_back(std::move(p));
  }
};

where_clause filters(const breach_query& q, std::optional<std::int64_t> before_seq) {
  where_clause w;
  if (q.partner) w.add("partner = ?{}", *q.partner);
  if (q.rule) w.add("rule = ?{}", *q.rule);
  if (q.category) w.add("category = ?{}", *q.category);
  if (q.severity) w.add("severity = ?{}", *q.severity);
  if (q.status) w.add("status = ?{}", *q.status);
  if (q.since) w.add("detected_at_ns >= ?{}", to_ns(*q.since));
  if (q.until) w.add("detected_at_ns < ?{}", to_ns(*q.until));
  if (before_seq) w.add("seq < ?{}", *before_seq);
  return w;
}

error query_error(std::string message) { return error{"bad_request", std::move(message), {}}; }

std::optional<model::breach> parse_breach(const std::string& doc) {
  auto j = nlohmann::json::parse(doc, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return model::breach::from_json(j);
}

std::optional<model::outcome_kind> outcome_of(std::string_view s) {
  if (s == "met") return model::outcome_kind::met;
  if (s == "breached") return model::outcome_kind::breached;
  if (s == "waived") return model::outcome_kind::waived;
  return std::nullopt;
}

}  // namespace

result<breach_page> sqlite_store::list_breaches(const breach_query& q) {
  if (q.limit < 1 || q.limit > 1000) return query_error("limit: expected 1 to 1000");
  std::optional<std::int64_t> before;
  if (q.cursor) {
    before = decode_cursor(*q.cursor);
    if (!before) return query_error("cursor: invalid");
  }
  const where_clause w = filters(q, before);
  // One row more than asked tells whether a next page exists.
  auto st = c_->prepare(fmt::format("SELECT seq, doc FROM breaches{} ORDER BY seq DESC LIMIT ?{}",
                                    w.sql, w.params.size() + 1));
  if (!st) return st.err();
  auto& s = (*st)->fresh();
  int i = 1;
  for (const auto& p : w.params) std::visit([&](const auto& v) { s.bind(i++, v); }, p);
  s.bind(i, static_cast<std::int64_t>(q.limit) + 1);

  breach_page page;
  std::int64_t last_seq = 0;
  for (;;) {
    auto row = s.step();
    if (!row) return c_->fail("list breaches", row.err().message);
    if (!*row) break;
    if (page.breaches.size() == static_cast<std::size_t>(q.limit)) {
      page.next_cursor = encode_cursor(last_seq);
      break;
    }
    auto b = parse_breach(s.text(1));
    if (!b) return c_->fail("list breaches", fmt::format("breach seq {} is unreadable", s.int64(0)));
    last_seq = s.int64(0);
    page.breaches.push_back(std::move(*b));
  }
  s.fresh();
  return page;
}

result<std::optional<model::breach>> sqlite_store::get_breach(const std::string& id) {
  auto st = c_->prepare("SELECT doc FROM breaches WHERE id = ?1");
  if (!st) return st.err();
  auto& s = (*st)->fresh().bind(1, id);
  auto row = s.step();
  if (!row) return c_->fail("get breach", row.err().message);
  if (!*row) return std::optional<model::breach>{};
  auto b = parse_breach(s.text(0));
  s.fresh();
  if (!b) return c_->fail("get breach", fmt::format("breach {} is unreadable", id));
  return b;
}

result<std::uint64_t> sqlite_store::count_events() {
  auto st = c_->prepare("SELECT count(*) FROM events");
  if (!st) return st.err();
  auto row = (*st)->fresh().step();
  if (!row) return c_->fail("count events", row.err().message);
  const auto n = static_cast<std::uint64_t>((*st)->int64(0));
  (*st)->fresh();
  return n;
}

result<std::vector<breach_count>> sqlite_store::breach_counts() {
  auto st = c_->prepare(
      "SELECT rule, partner, category, severity, count(*), sum(status = 'open') FROM breaches"
      " GROUP BY rule, partner, category, severity ORDER BY rule, partner, category, severity");
  if (!st) return st.err();
  auto& s = (*st)->fresh();
  std::vector<breach_count> out;
  for (;;) {
    auto row = s.step();
    if (!row) return c_->fail("count breaches", row.err().message);
    if (!*row) break;
    out.push_back({s.text(0), s.text(1), s.text(2), s.text(3),
                   static_cast<std::uint64_t>(s.int64(4)), static_cast<std::uint64_t>(s.int64(5))});
  }
  return out;
}

result<std::vector<outcome_count>> sqlite_store::outcome_counts() {
  auto st = c_->prepare(
      "SELECT rule, partner, outcome, sum(count) FROM outcome_buckets"
      " GROUP BY rule, partner, outcome ORDER BY rule, partner, outcome");
  if (!st) return st.err();
  auto& s = (*st)->fresh();
  std::vector<outcome_count> out;
  for (;;) {
    auto row = s.step();
    if (!row) return c_->fail("count outcomes", row.err().message);
    if (!*row) break;
    auto kind = outcome_of(s.text(2));
    if (!kind) continue;   // written by a newer version: not ours to count
    out.push_back({s.text(0), s.text(1), *kind, static_cast<std::uint64_t>(s.int64(3))});
  }
  return out;
}

}  // namespace slawatch::store::detail
