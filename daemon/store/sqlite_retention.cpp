// Retention (storage.event_retention) and the read-only opening `slawatch audit verify` uses.
#include <fmt/format.h>
#include "slawatch/model/breach.hpp"
#include "slawatch/model/time.hpp"
#include "sqlite_detail.hpp"

namespace slawatch::store {
namespace detail {

namespace {

struct doomed {
  std::vector<std::int64_t> rowids;
  std::string hashes;                  ///< content hashes, each followed by '\n'
  std::int64_t first_ns = 0, last_ns = 0;
};

/// The oldest events before `older_than`, at most `max_rows`, oldest first.
result<doomed> select_doomed(connection& c, instant older_than, int max_rows) {
  auto st = c.prepare(
      "SELECT rowid, content_hash, received_at_ns FROM events WHERE received_at_ns < ?1"
      " ORDER BY received_at_ns, rowid LIMIT ?2");
  if (!st) return st.err();
  auto& s = (*st)->fresh().bind(1, to_ns(older_than)).bind(2, static_cast<std::int64_t>(max_rows));
  doomed d;
  for (;;) {
    auto row = s.step();
    if (!row) return c.fail("select expired events", row.err().message);
    if (!*row) break;
    if (d.rowids.empty()) d.first_ns = s.int64(2);
    d.last_ns = s.int64(2);
    d.rowids.push_back(s.int64(0));
    d.hashes.append(s.text(1)).push_back('\n');
  }
  return d;
}

}  // namespace

result<prune_result> sqlite_store::prune_events(instant older_than, int max_rows, instant at) {
  if (max_rows < 1) return prune_result{};
  auto d = select_doomed(*c_, older_than, max_rows);
  if (!d) return d.err();
  if (d->rowids.empty()) return prune_result{};
  auto del = c_->prepare("DELETE FROM events WHERE rowid = ?1");
  if (!del) return del.err();
  for (auto id : d->rowids) {
    if (auto r = (*del)->fresh().bind(1, id).step(); !r) {
      return c_->fail("delete expired events", r.err().message);
    }
  }
  const nlohmann::json detail{
      {"count", d->rowids.size()},
      {"from", timefmt::format_utc_ms(instant{duration{d->first_ns}})},
      {"to", timefmt::format_utc_ms(instant{duration{d->last_ns}})},
      {"older_than", timefmt::format_utc_ms(older_than)},
      {"events_sha256", model::sha256_hex(d->hashes)}};
  auto entry = append_audit("retention", detail, at);
  if (!entry) return entry.err();
  return prune_result{d->rowids.size(), std::move(entry.value())};
}

}  // namespace detail

result<std::unique_ptr<store>> open_sqlite_readonly(const std::string& path) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return error{"storage", fmt::format("storage: cannot open {}: {}", path, msg), {}};
  }
  auto c = std::make_unique<detail::connection>(db, path);
  // sqlite3_open_v2 is lazy: read the schema now so a file that is not a database fails here.
  if (auto r = c->exec("PRAGMA busy_timeout=5000; PRAGMA query_only=ON; SELECT count(*) FROM sqlite_master;");
      !r) {
    return error{"storage", fmt::format("storage: cannot open {}: {}", path, sqlite3_errmsg(db)), {}};
  }
  return std::unique_ptr<store>(std::make_unique<detail::sqlite_store>(std::move(c)));
}

}  // namespace slawatch::store
