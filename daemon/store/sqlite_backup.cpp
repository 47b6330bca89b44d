// backup_sqlite(): online copy with the SQLite backup API (docs/operations.md, "Backup").
#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <sqlite3.h>
#include "slawatch/store/store.hpp"

namespace slawatch::store {
namespace {

/// Closes a raw connection on scope exit.
struct db_handle {
  sqlite3* db = nullptr;
  db_handle() = default;
  db_handle(const db_handle&) = delete;
  db_handle& operator=(const db_handle&) = delete;
  ~db_handle() { sqlite3_close(db); }
};

error backup_error(const std::string& dest, std::string_view reason) {
  return error{"storage", fmt::format("backup: {}: {}", dest, reason), {}};
}

/// Creates `dest` exclusively (O_EXCL), so an existing file is never overwritten, not even
/// by a race; SQLite accepts the empty file as an empty database.
std::optional<error> create_exclusive(const std::string& dest) {
  const int fd = ::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return std::nullopt;
  }
  if (errno == EEXIST) return error{"usage", fmt::format("backup: {} already exists", dest), {}};
  return backup_error(dest, std::strerror(errno));
}

result<std::int64_t> scalar(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) {
    return error{"storage", sqlite3_errmsg(db), {}};
  }
  const int rc = sqlite3_step(st);
  const std::int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return error{"storage", sqlite3_errmsg(db), {}};
  return v;
}

std::string integrity_of(sqlite3* db) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) != SQLITE_OK) {
    return sqlite3_errmsg(db);
  }
  std::string out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    if (!out.empty()) out += "; ";
    out += t ? t : "";
  }
  sqlite3_finalize(st);
  return out;
}

/// Copies page by page. The source holds one read transaction for the whole copy: under WAL
/// the daemon's writer goes on committing, and the copy never restarts on its commits.
result<int> copy_pages(sqlite3* src, sqlite3* dst, const std::string& dest, int pages_per_step) {
  if (sqlite3_exec(src, "BEGIN; SELECT count(*) FROM sqlite_schema;", nullptr, nullptr, nullptr) !=
      SQLITE_OK) {
    return backup_error(dest, sqlite3_errmsg(src));
  }
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
  if (b == nullptr) return backup_error(dest, sqlite3_errmsg(dst));
  int steps = 0;
  int rc = SQLITE_OK;
  while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    rc = sqlite3_backup_step(b, pages_per_step);
    ++steps;
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(10);
  }
  sqlite3_backup_finish(b);
  sqlite3_exec(src, "COMMIT", nullptr, nullptr, nullptr);
  if (rc != SQLITE_DONE) return backup_error(dest, sqlite3_errstr(rc));
  return steps;
}

result<backup_stats> describe(sqlite3* dst, int steps) {
  backup_stats s;
  s.steps = steps;
  auto pages = scalar(dst, "PRAGMA page_count");
  auto size = scalar(dst, "PRAGMA page_size");
  if (!pages || !size) return !pages ? pages.err() : size.err();
  s.pages = *pages;
  s.page_size = *size;
  s.bytes = s.pages * s.page_size;
  auto version = scalar(dst, "SELECT coalesce(max(version), 0) FROM schema_version");
  if (version) s.schema_version = static_cast<int>(*version);
  if (auto n = scalar(dst, "SELECT count(*) FROM events")) s.events = *n;
  if (auto n = scalar(dst, "SELECT count(*) FROM breaches")) s.breaches = *n;
  s.integrity = integrity_of(dst);
  return s;
}

result<backup_stats> run_backup(const std::string& source, const std::string& dest,
                                int pages_per_step) {
  db_handle src;
  if (sqlite3_open_v2(source.c_str(), &src.db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    return error{"storage", fmt::format("storage: {}: cannot open: {}", source,
                                        src.db ? sqlite3_errmsg(src.db) : "out of memory"), {}};
  }
  sqlite3_busy_timeout(src.db, 5000);
  db_handle dst;
  if (sqlite3_open_v2(dest.c_str(), &dst.db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    return backup_error(dest, dst.db ? sqlite3_errmsg(dst.db) : "out of memory");
  }
  auto steps = copy_pages(src.db, dst.db, dest, pages_per_step);
  if (!steps) return steps.err();
  auto s = describe(dst.db, *steps);
  if (!s) return backup_error(dest, s.err().message);
  return s;
}

}  // namespace

result<backup_stats> backup_sqlite(const std::string& source, const std::string& dest,
                                   int pages_per_step) {
  if (!std::filesystem::exists(source)) {
    return error{"storage", fmt::format("storage: {}: cannot open: no such file", source), {}};
  }
  if (auto e = create_exclusive(dest)) return *e;
  auto r = run_backup(source, dest, pages_per_step < 1 ? 1 : pages_per_step);
  if (!r) {
    std::error_code ec;   // never leave a half-written copy that looks like a backup
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::filesystem::remove(dest + suffix, ec);
    }
  }
  return r;
}

}  // namespace slawatch::store
