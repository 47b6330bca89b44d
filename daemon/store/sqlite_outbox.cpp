// The notification outbox (migration 3) and the reads the alert state is built from.
#include <fmt/format.h>
#include "sqlite_detail.hpp"

namespace slawatch::store {

namespace {
error unsupported() { return error{"storage", "storage: outbox not supported", {}}; }
}  // namespace

// Defaults for stores without an outbox (test fakes): every call is an error.
result<std::map<std::string, std::uint64_t>> store::enqueue(const std::vector<outbox_item>&,
                                                            std::uint64_t) {
  return unsupported();
}
result<std::vector<outbox_item>> store::outbox_heads() { return unsupported(); }
result<std::vector<outbox_item>> store::outbox_pending(const std::string&, int) {
  return unsupported();
}
result<bool> store::outbox_delivered(const std::string&, std::int64_t) { return unsupported(); }
result<bool> store::outbox_retry(std::int64_t, int, instant, const std::string&) {
  return unsupported();
}
result<bool> store::outbox_dead(std::int64_t, int, const std::string&) { return unsupported(); }
result<std::map<std::string, std::uint64_t>> store::outbox_lengths() { return unsupported(); }
result<outbox_page> store::list_outbox(const outbox_query&) { return unsupported(); }
result<std::vector<alert_pair>> store::alert_pairs(instant) { return unsupported(); }
result<std::vector<obligation_row>> store::at_risk_obligations(instant) { return unsupported(); }

namespace detail {
namespace {

constexpr const char* item_columns =
    "seq, sink, delivery_id, event, breach_id, payload, state, attempts, created_at_ns,"
    " next_at_ns, last_error";

outbox_item read_item(const statement& s) {
  outbox_item i;
  i.seq = s.int64(0);
  i.sink = s.text(1);
  i.delivery_id = s.text(2);
  i.event = s.text(3);
  i.breach_id = s.text(4);
  i.payload = s.text(5);
  i.state = s.text(6);
  i.attempts = static_cast<int>(s.int64(7));
  i.created_at = instant{duration{s.int64(8)}};
  i.next_at = instant{duration{s.int64(9)}};
  i.last_error = s.text(10);
  return i;
}

result<std::vector<outbox_item>> read_items(connection& c, statement& s, std::string_view what) {
  return read_rows(c, s, what, read_item);
}

result<bool> run_write(connection& c, statement& s, std::string_view what) {
  if (auto r = s.step(); !r) return c.fail(what, r.err().message);
  return true;
}

}  // namespace

result<std::map<std::string, std::uint64_t>> sqlite_store::enqueue(
    const std::vector<outbox_item>& items, std::uint64_t capacity) {
  std::map<std::string, std::uint64_t> dropped;
  std::map<std::string, std::uint64_t> pending;   // counted once per sink and call
  auto count = c_->prepare("SELECT count(*) FROM outbox WHERE state = 'pending' AND sink = ?1");
  auto ins = c_->prepare(fmt::format(
      "INSERT INTO outbox (sink, delivery_id, event, breach_id, payload, state, attempts,"
      " created_at_ns, next_at_ns) VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, ?7)"
      " ON CONFLICT (sink, delivery_id) DO NOTHING"));
  if (!count) return count.err();
  if (!ins) return ins.err();
  for (const auto& i : items) {
    auto it = pending.find(i.sink);
    if (it == pending.end()) {
      auto& q = (*count)->fresh().bind(1, i.sink);
      if (auto r = q.step(); !r) return c_->fail("count outbox", r.err().message);
      it = pending.emplace(i.sink, static_cast<std::uint64_t>(q.int64(0))).first;
      q.fresh();
    }
    if (it->second >= capacity) {   // full: the new notification is the one dropped
      ++dropped[i.sink];
      continue;
    }
    auto& s = (*ins)->fresh();
    s.bind(1, i.sink).bind(2, i.delivery_id).bind(3, i.event).bind(4, i.breach_id);
    s.bind(5, i.payload).bind(6, to_ns(i.created_at)).bind(7, to_ns(i.next_at));
    if (auto r = run_write(*c_, s, "enqueue notification"); !r) return r.err();
    if (sqlite3_changes(c_->raw()) == 1) ++it->second;
  }
  return dropped;
}

result<std::vector<outbox_item>> sqlite_store::outbox_heads() {
  auto st = c_->prepare(fmt::format(
      "SELECT {} FROM outbox WHERE seq IN (SELECT min(seq) FROM outbox WHERE state = 'pending'"
      " GROUP BY sink) ORDER BY sink", item_columns));
  if (!st) return st.err();
  return read_items(*c_, (*st)->fresh(), "read outbox");
}

result<std::vector<outbox_item>> sqlite_store::outbox_pending(const std::string& sink, int limit) {
  auto st = c_->prepare(fmt::format(
      "SELECT {} FROM outbox WHERE state = 'pending' AND sink = ?1 ORDER BY seq LIMIT ?2",
      item_columns));
  if (!st) return st.err();
  auto& s = (*st)->fresh().bind(1, sink).bind(2, static_cast<std::int64_t>(limit));
  return read_items(*c_, s, "read outbox");
}

result<bool> sqlite_store::outbox_delivered(const std::string& sink, std::int64_t up_to_seq) {
  auto st = c_->prepare("DELETE FROM outbox WHERE state = 'pending' AND sink = ?1 AND seq <= ?2");
  if (!st) return st.err();
  return run_write(*c_, (*st)->fresh().bind(1, sink).bind(2, up_to_seq), "delete delivered");
}

result<bool> sqlite_store::outbox_retry(std::int64_t seq, int attempts, instant next_at,
                                        const std::string& last_error) {
  auto st = c_->prepare(
      "UPDATE outbox SET attempts = ?2, next_at_ns = ?3, last_error = ?4 WHERE seq = ?1");
  if (!st) return st.err();
  auto& s = (*st)->fresh().bind(1, seq).bind(2, static_cast<std::int64_t>(attempts));
  s.bind(3, to_ns(next_at)).bind(4, last_error);
  return run_write(*c_, s, "reschedule notification");
}

result<bool> sqlite_store::outbox_dead(std::int64_t seq, int attempts,
                                       const std::string& last_error) {
  auto st = c_->prepare(
      "UPDATE outbox SET state = 'dead', attempts = ?2, last_error = ?3 WHERE seq = ?1");
  if (!st) return st.err();
  auto& s = (*st)->fresh().bind(1, seq).bind(2, static_cast<std::int64_t>(attempts));
  s.bind(3, last_error);
  return run_write(*c_, s, "dead-letter notification");
}

result<std::map<std::string, std::uint64_t>> sqlite_store::outbox_lengths() {
  auto st = c_->prepare(
      "SELECT sink, count(*) FROM outbox WHERE state = 'pending' GROUP BY sink ORDER BY sink");
  if (!st) return st.err();
  auto& s = (*st)->fresh();
  std::map<std::string, std::uint64_t> out;
  for (;;) {
    auto row = s.step();
    if (!row) return c_->fail("count outbox", row.err().message);
    if (!*row) break;
    out[s.text(0)] = static_cast<std::uint64_t>(s.int64(1));
  }
  return out;
}

result<outbox_page> sqlite_store::list_outbox(const outbox_query& q) {
  auto after = page_after(q.limit, q.cursor);
  if (!after) return after.err();
  auto st = c_->prepare(fmt::format(
      "SELECT {} FROM outbox WHERE state = ?1 AND seq > ?2{} ORDER BY seq LIMIT ?4", item_columns,
      q.sink ? " AND sink = ?3" : ""));
  if (!st) return st.err();
  auto& s = (*st)->fresh().bind(1, q.state).bind(2, *after);
  if (q.sink) s.bind(3, *q.sink);
  s.bind(4, static_cast<std::int64_t>(q.limit) + 1);   // one more tells whether a page follows
  auto items = read_items(*c_, s, "list outbox");
  if (!items) return items.err();
  outbox_page page;
  page.items = std::move(items.value());
  page.next_cursor = page_end(page.items, q.limit);
  return page;
}

result<std::vector<alert_pair>> sqlite_store::alert_pairs(instant hold_since) {
  // Open breaches come from the partial index, recent ones from breaches_detected.
  auto st = c_->prepare(
      "WITH c AS (SELECT seq, rule, partner, status, detected_at_ns FROM breaches"
      " WHERE status = 'open' UNION SELECT seq, rule, partner, status, detected_at_ns"
      " FROM breaches WHERE detected_at_ns >= ?1)"
      " SELECT rule, partner, sum(detected_at_ns >= ?1), sum(status = 'open'), max(seq)"
      " FROM c GROUP BY rule, partner ORDER BY rule, partner");
  auto doc = c_->prepare("SELECT doc FROM breaches WHERE seq = ?1");
  if (!st) return st.err();
  if (!doc) return doc.err();
  auto& s = (*st)->fresh().bind(1, to_ns(hold_since));
  std::vector<std::pair<alert_pair, std::int64_t>> found;
  for (;;) {
    auto row = s.step();
    if (!row) return c_->fail("read alert state", row.err().message);
    if (!*row) break;
    alert_pair p{s.text(0), s.text(1), static_cast<std::uint64_t>(s.int64(2)),
                 static_cast<std::uint64_t>(s.int64(3)), {}};
    found.emplace_back(std::move(p), s.int64(4));
  }
  std::vector<alert_pair> out;
  for (auto& [p, seq] : found) {
    auto& d = (*doc)->fresh().bind(1, seq);
    auto row = d.step();
    if (!row) return c_->fail("read alert state", row.err().message);
    auto j = nlohmann::json::parse(d.text(0), nullptr, /*allow_exceptions=*/false);
    d.fresh();
    auto b = j.is_discarded() ? std::nullopt : model::breach::from_json(j);
    if (!b) return c_->fail("read alert state", fmt::format("breach seq {} is unreadable", seq));
    p.latest = std::move(*b);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace detail
}  // namespace slawatch::store
