// The writer side of the SQLite store: transactions, events, outcome buckets, breaches.
#include <map>
#include <tuple>
#include "sqlite_detail.hpp"

namespace slawatch::store::detail {
namespace {

result<bool> run(connection& c, const std::string& sql, std::string_view what) {
  auto st = c.prepare(sql);
  if (!st) return st.err();
  auto r = (*st)->fresh().step();
  if (!r) return c.fail(what, r.err().message);
  return true;
}

}  // namespace

result<bool> sqlite_store::begin() {
  // IMMEDIATE takes the write lock now, so a busy database fails here (after busy_timeout)
  // instead of half-way through a batch.
  return run(*c_, "BEGIN IMMEDIATE", "begin");
}

result<bool> sqlite_store::commit() { return run(*c_, "COMMIT", "commit"); }

void sqlite_store::rollback() {
  // Without an open transaction ROLLBACK fails harmlessly; nothing to report.
  if (sqlite3_get_autocommit(c_->raw()) == 0) (void)run(*c_, "ROLLBACK", "rollback");
}

result<put_status> sqlite_store::put_event(const model::event& ev) {
  return put_event_hashed(ev, ev.content_hash());
}

result<put_status> sqlite_store::put_event_hashed(const model::event& ev, const std::string& hash) {
  return put_event_encoded(ev, hash, ev.doc.dump());
}

result<put_status> sqlite_store::put_event_encoded(const model::event& ev, const std::string& hash,
                                                   const std::string& doc_text) {
  auto ins = c_->prepare(
      "INSERT INTO events (partner, id, content_hash, type, occurred_at_ns, received_at_ns, doc)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (partner, id) DO NOTHING");
  if (!ins) return ins.err();
  auto& s = (*ins)->fresh();
  s.bind(1, ev.partner).bind(2, ev.id).bind(3, hash).bind(4, ev.type);
  s.bind(5, to_ns(ev.occurred_at)).bind(6, to_ns(ev.received_at)).bind(7, doc_text);
  if (auto r = s.step(); !r) return c_->fail("insert event", r.err().message);
  if (sqlite3_changes(c_->raw()) == 1) return put_status::accepted;

  // (partner, id) exists (possibly written earlier in this same transaction).
  auto sel = c_->prepare("SELECT content_hash FROM events WHERE partner = ?1 AND id = ?2");
  if (!sel) return sel.err();
  auto& q = (*sel)->fresh();
  q.bind(1, ev.partner).bind(2, ev.id);
  auto row = q.step();
  if (!row) return c_->fail("read event", row.err().message);
  const bool same = *row && q.text(0) == hash;
  q.fresh();
  return same ? put_status::duplicate : put_status::conflict;
}

result<bool> sqlite_store::add_outcomes(const std::vector<model::outcome>& outcomes) {
  // Sum in memory first: one upsert per bucket instead of one per outcome.
  using bucket_key = std::tuple<std::string, std::string, std::int64_t, std::string>;
  std::map<bucket_key, std::int64_t> sums;
  for (const auto& o : outcomes) {
    ++sums[{o.rule, o.partner, bucket_start(o.decided_at), std::string(model::to_string(o.kind))}];
  }
  if (sums.empty()) return true;
  auto st = c_->prepare(
      "INSERT INTO outcome_buckets (rule, partner, bucket_start, outcome, count)"
      " VALUES (?1, ?2, ?3, ?4, ?5)"
      " ON CONFLICT (rule, partner, bucket_start, outcome) DO UPDATE SET count = count + ?5");
  if (!st) return st.err();
  for (const auto& [k, n] : sums) {
    auto& s = (*st)->fresh();
    s.bind(1, std::get<0>(k)).bind(2, std::get<1>(k)).bind(3, std::get<2>(k));
    s.bind(4, std::get<3>(k)).bind(5, n);
    if (auto r = s.step(); !r) return c_->fail("add outcomes", r.err().message);
  }
  return true;
}

result<bool> sqlite_store::put_breach(const model::breach& b) {
  auto st = c_->prepare(
      "INSERT INTO breaches (id, partner, rule, category, severity, status, detected_at_ns, doc)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO NOTHING");
  if (!st) return st.err();
  auto& s = (*st)->fresh();
  s.bind(1, b.id).bind(2, b.partner).bind(3, b.rule).bind(4, b.category).bind(5, b.severity);
  s.bind(6, model::to_string(b.status)).bind(7, to_ns(b.detected_at));
  s.bind(8, b.to_json().dump());
  if (auto r = s.step(); !r) return c_->fail("insert breach", r.err().message);
  return sqlite3_changes(c_->raw()) == 1;
}

}  // namespace slawatch::store::detail
