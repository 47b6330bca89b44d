// Connection, statements, migrations and open_sqlite().
#include <charconv>
#include <filesystem>
#include <system_error>
#include <fmt/format.h>
#include "sqlite_detail.hpp"

namespace slawatch::store {
namespace detail {

statement& statement::fresh() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
  return *this;
}

statement& statement::bind(int i, std::string_view text) {
  sqlite3_bind_text(s_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

statement& statement::bind(int i, std::int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}

result<bool> statement::step() {
  const int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // The statement is reset so a failed step never holds a read lock open.
  error e{"storage", sqlite3_errmsg(db_), {}};
  sqlite3_reset(s_);
  return e;
}

std::string statement::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col)))
           : std::string();
}

connection::~connection() {
  cache_.clear();   // finalize every statement before closing
  sqlite3_close(db_);
}

result<statement*> connection::prepare(const std::string& sql) {
  if (auto it = cache_.find(sql); it != cache_.end()) return it->second.get();
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
    return fail("prepare");
  }
  auto& slot = cache_[sql];
  slot = std::make_unique<statement>(db_, s);
  return slot.get();
}

result<bool> connection::exec(const std::string& sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string detail = msg ? msg : sqlite3_errmsg(db_);
    sqlite3_free(msg);
    return fail("exec", detail);
  }
  return true;
}

error connection::fail(std::string_view what) const { return fail(what, sqlite3_errmsg(db_)); }

error connection::fail(std::string_view what, std::string_view detail) const {
  return error{"storage", fmt::format("storage: {}: {}: {}", path_, what, detail), {}};
}

std::int64_t to_ns(instant t) { return t.time_since_epoch().count(); }

std::int64_t bucket_start(instant t) {
  const auto s = std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
  // floor division so instants before 1970 land in the right bucket too
  const std::int64_t q = s / 900 - ((s % 900) < 0 ? 1 : 0);
  return q * 900;
}

std::string encode_cursor(std::int64_t seq) { return fmt::format("c{}", seq); }

result<std::int64_t> page_after(int limit, const std::optional<std::string>& cursor) {
  if (limit < 1 || limit > 1000) return error{"bad_request", "limit: expected 1 to 1000", {}};
  if (!cursor) return std::int64_t{0};
  auto seq = decode_cursor(*cursor);
  if (!seq) return error{"bad_request", "cursor: invalid", {}};
  return *seq;
}

std::optional<std::int64_t> decode_cursor(std::string_view cursor) {
  if (cursor.size() < 2 || cursor.size() > 20 || cursor[0] != 'c') return std::nullopt;
  std::int64_t seq = 0;
  const char* first = cursor.data() + 1;
  const char* last = cursor.data() + cursor.size();
  if (*first < '1' || *first > '9') return std::nullopt;   // no sign, no leading zero
  auto [p, ec] = std::from_chars(first, last, seq);
  if (ec != std::errc{} || p != last) return std::nullopt;
  return seq;
}

}  // namespace detail

namespace {

error open_error(const std::string& path, std::string_view detail) {
  return error{"storage", fmt::format("storage: cannot open {}: {}", path, detail), {}};
}

/// Creates the parent directory so a fresh data dir works without a manual mkdir.
std::optional<error> ensure_parent(const std::string& path) {
  if (path == ":memory:" || path.empty()) return std::nullopt;
  const auto parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return std::nullopt;
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    return open_error(path, fmt::format("cannot create directory {}: {}", parent.string(),
                                        ec.message()));
  }
  return std::nullopt;
}

}  // namespace

namespace detail {

std::string pragmas(sync_mode sync) {
  // WAL: readers (HTTP) run beside the single writer. FULL fsyncs the WAL on every commit
  // (an acknowledged batch survives power loss); NORMAL only survives process crashes.
  return fmt::format(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous={}; PRAGMA busy_timeout=5000;"
      " PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;",
      sync == sync_mode::full ? "FULL" : "NORMAL");
}

}  // namespace detail

result<std::unique_ptr<store>> open_sqlite(const std::string& path, sync_mode sync) {
  if (auto e = ensure_parent(path)) return *e;
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return open_error(path, msg);
  }
  auto c = std::make_unique<detail::connection>(db, path);
  if (auto r = c->exec(detail::pragmas(sync)); !r) {
    return open_error(path, sqlite3_errmsg(db));
  }
  if (auto r = detail::migrate(*c); !r) return r.err();
  return std::unique_ptr<store>(std::make_unique<detail::sqlite_store>(std::move(c), sync));
}

}  // namespace slawatch::store
