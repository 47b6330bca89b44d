// The hash-chained audit trail (migration 4, contract 8): append, head, listing, verify.
#include <fmt/format.h>
#include "slawatch/model/breach.hpp"
#include "slawatch/model/time.hpp"
#include "sqlite_detail.hpp"

namespace slawatch::store {

namespace {
error unsupported() { return error{"storage", "storage: audit not supported", {}}; }
}  // namespace

const std::string& audit_genesis_hash() {
  static const std::string zeros(64, '0');
  return zeros;
}

std::string audit_canonical(const audit_entry& e) {
  // nlohmann's object is a std::map: keys come out in byte order, dump() adds no spaces.
  const nlohmann::json doc{{"seq", e.seq}, {"at", e.at}, {"kind", e.kind}, {"detail", e.detail}};
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string audit_hash(std::string_view prev_hash, std::string_view canonical) {
  std::string joined;
  joined.reserve(prev_hash.size() + canonical.size());
  joined.append(prev_hash).append(canonical);
  return model::sha256_hex(joined);
}

// Defaults for stores without an audit trail (test doubles): appends record nothing.
result<audit_entry> store::append_audit(const std::string& kind, const nlohmann::json& detail,
                                        instant at) {
  return audit_entry{0, timefmt::format_utc_ms(at), kind, detail, {}, {}};
}
result<audit_position> store::audit_head() { return unsupported(); }
result<std::optional<audit_entry>> store::last_audit(const std::string&) { return unsupported(); }
result<audit_page> store::list_audit(const audit_query&) { return unsupported(); }
result<audit_verdict> store::verify_audit() { return unsupported(); }
result<prune_result> store::prune_events(instant, int, instant) { return unsupported(); }

namespace detail {
namespace {

constexpr const char* audit_columns = "seq, at, kind, detail, prev_hash, hash";

/// One row as stored; `detail_ok` false when the detail column is not JSON.
audit_entry read_entry(const statement& s, bool& detail_ok) {
  audit_entry e;
  e.seq = s.int64(0);
  e.at = s.text(1);
  e.kind = s.text(2);
  e.detail = nlohmann::json::parse(s.text(3), nullptr, /*allow_exceptions=*/false);
  detail_ok = !e.detail.is_discarded();
  if (!detail_ok) e.detail = nullptr;
  e.prev_hash = s.text(4);
  e.hash = s.text(5);
  return e;
}

result<std::vector<audit_entry>> read_entries(connection& c, statement& s, std::string_view what) {
  return read_rows(c, s, what, [](const statement& row) {
    bool ok = true;   // listing shows a broken detail as null; verify_audit judges it
    return read_entry(row, ok);
  });
}

/// The verdict on `e` given the entry before it (`prev`), empty when the entry is sound.
std::string check_entry(const audit_entry& e, bool detail_ok, const audit_position& prev) {
  if (e.seq != prev.seq + 1) return "seq gap";
  if (e.prev_hash != prev.hash) return "prev_hash mismatch";
  if (!detail_ok) return "detail is not JSON";
  if (audit_hash(e.prev_hash, audit_canonical(e)) != e.hash) return "hash mismatch";
  return {};
}

}  // namespace

result<audit_position> sqlite_store::audit_head() {
  auto st = c_->prepare("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
  if (!st) return st.err();
  auto& s = (*st)->fresh();
  auto row = s.step();
  if (!row) return c_->fail("read audit head", row.err().message);
  audit_position head;
  if (*row) head = {s.int64(0), s.text(1)};
  s.fresh();   // release the read
  return head;
}

result<audit_entry> sqlite_store::append_audit(const std::string& kind,
                                               const nlohmann::json& detail, instant at) {
  // Read the head inside the caller's write transaction: no other writer can interleave.
  auto head = audit_head();
  if (!head) return head.err();
  audit_entry e{head->seq + 1, timefmt::format_utc_ms(at), kind, detail, head->hash, {}};
  e.hash = audit_hash(e.prev_hash, audit_canonical(e));
  auto st = c_->prepare(
      "INSERT INTO audit (seq, at, kind, detail, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!st) return st.err();
  auto& s = (*st)->fresh();
  s.bind(1, e.seq).bind(2, e.at).bind(3, e.kind);
  s.bind(4, e.detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  s.bind(5, e.prev_hash).bind(6, e.hash);
  if (auto r = s.step(); !r) return c_->fail("append audit", r.err().message);
  return e;
}

result<std::optional<audit_entry>> sqlite_store::last_audit(const std::string& kind) {
  auto st = c_->prepare(fmt::format(
      "SELECT {} FROM audit WHERE kind = ?1 ORDER BY seq DESC LIMIT 1", audit_columns));
  if (!st) return st.err();
  auto& s = (*st)->fresh().bind(1, kind);
  auto rows = read_entries(*c_, s, "read audit");
  if (!rows) return rows.err();
  if (rows->empty()) return std::optional<audit_entry>{};
  return std::optional<audit_entry>{std::move(rows->front())};
}

result<audit_page> sqlite_store::list_audit(const audit_query& q) {
  auto after = page_after(q.limit, q.cursor);
  if (!after) return after.err();
  // "at" is always written as format_utc_ms: fixed width, so text order is time order.
  auto st = c_->prepare(fmt::format("SELECT {} FROM audit WHERE seq > ?1{}{} ORDER BY seq LIMIT ?4",
                                    audit_columns, q.kind ? " AND kind = ?2" : "",
                                    q.since ? " AND at >= ?3" : ""));
  if (!st) return st.err();
  auto& s = (*st)->fresh().bind(1, *after);
  if (q.kind) s.bind(2, *q.kind);
  if (q.since) s.bind(3, timefmt::format_utc_ms(*q.since));
  s.bind(4, static_cast<std::int64_t>(q.limit) + 1);   // one more tells whether a page follows
  auto rows = read_entries(*c_, s, "list audit");
  if (!rows) return rows.err();
  audit_page page;
  page.entries = std::move(rows.value());
  page.next_cursor = page_end(page.entries, q.limit);
  return page;
}

result<audit_verdict> sqlite_store::verify_audit() {
  // Streams the table once in seq order: memory stays flat however long the trail is.
  auto st = c_->prepare(fmt::format("SELECT {} FROM audit ORDER BY seq", audit_columns));
  if (!st) return st.err();
  auto& s = (*st)->fresh();
  audit_verdict v;
  for (;;) {
    auto row = s.step();
    if (!row) return c_->fail("verify audit", row.err().message);
    if (!*row) break;
    bool detail_ok = true;
    const auto e = read_entry(s, detail_ok);
    if (auto why = check_entry(e, detail_ok, v.head); !why.empty()) {
      v.broken_seq = e.seq;
      v.reason = std::move(why);
      s.fresh();
      return v;
    }
    ++v.entries;
    v.head = {e.seq, e.hash};
  }
  return v;
}

}  // namespace detail
}  // namespace slawatch::store
