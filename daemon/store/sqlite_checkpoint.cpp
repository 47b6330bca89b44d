// WAL checkpoints off the writer thread: with wal_autocheckpoint, the committing connection
// copies WAL pages into the database file (and fsyncs it) inside COMMIT, on the ingest
// pipeline's critical path. Here a WAL hook on the writer only wakes a thread that runs the
// same PASSIVE checkpoint on a connection of its own.
#include "sqlite_detail.hpp"

namespace slawatch::store::detail {
namespace {

/// A second read-write connection to `path` with the writer's pragmas; null on failure
/// (the writer then keeps SQLite's automatic checkpoints).
sqlite3* open_own(const std::string& path, sync_mode sync) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return nullptr;
  }
  // It never writes rows: no autocheckpoint (and no WAL hook) of its own.
  const std::string sql = pragmas(sync) + " PRAGMA wal_autocheckpoint=0;";
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return nullptr;
  }
  return db;
}

}  // namespace

std::unique_ptr<checkpointer> checkpointer::start(sqlite3* writer, const std::string& path,
                                                  sync_mode sync) {
  if (path.empty() || path == ":memory:" || path.starts_with("file::memory:")) return nullptr;
  if (sqlite3_db_readonly(writer, "main") != 0) return nullptr;
  sqlite3* own = open_own(path, sync);
  if (own == nullptr) return nullptr;
  // The pragma replaces the default WAL hook (which is what autocheckpoint is) with none,
  // so ours must be registered after it.
  if (sqlite3_exec(writer, "PRAGMA wal_autocheckpoint=0;", nullptr, nullptr, nullptr) != SQLITE_OK) {
    sqlite3_close(own);
    return nullptr;
  }
  std::unique_ptr<checkpointer> c(new checkpointer(writer, own));
  sqlite3_wal_hook(writer, &checkpointer::on_commit, c.get());
  return c;
}

checkpointer::checkpointer(sqlite3* writer, sqlite3* own)
    : writer_(writer), own_(own), thread_([this] { loop(); }) {}

checkpointer::~checkpointer() {
  sqlite3_wal_hook(writer_, nullptr, nullptr);
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  // Cuts a running checkpoint short: the writer's close checkpoints what is left.
  sqlite3_interrupt(own_);
  thread_.join();
  sqlite3_close(own_);
  sqlite3_wal_autocheckpoint(writer_, wake_pages);
}

int checkpointer::on_commit(void* self, sqlite3* /*db*/, const char* /*schema*/, int wal_pages) {
  static_cast<checkpointer*>(self)->committed(wal_pages);
  return SQLITE_OK;   // the commit itself has succeeded; nothing here may fail it
}

void checkpointer::committed(int wal_pages) {
  if (wal_pages >= writer_pages) {
    // What SQLite would have done in this commit anyway; BUSY (the thread is checkpointing)
    // is fine, the next commit tries again.
    int log = 0, done = 0;
    if (sqlite3_wal_checkpoint_v2(writer_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done) ==
        SQLITE_OK) {
      ++writer_runs_;
    }
    signalled_at_ = 0;
    return;
  }
  if (wal_pages < signalled_at_) signalled_at_ = 0;   // the WAL restarted after a checkpoint
  if (wal_pages - signalled_at_ < wake_pages) return;
  signalled_at_ = wal_pages;
  {
    std::lock_guard lock(mu_);
    wanted_ = true;
  }
  cv_.notify_one();
}

void checkpointer::loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return wanted_ || stop_; });
    if (stop_) return;
    wanted_ = false;
    lock.unlock();
    int log = 0, done = 0;
    // PASSIVE never waits for readers or the writer: it copies what it can and returns.
    // A failure is not fatal: the WAL just grows until the next attempt.
    if (sqlite3_wal_checkpoint_v2(own_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done) ==
        SQLITE_OK) {
      ++background_runs_;
    } else {
      ++failures_;
    }
    lock.lock();
  }
}

void sqlite_store::checkpoint_in_background() {
  if (checkpointer_) return;
  checkpointer_ = checkpointer::start(c_->raw(), c_->path(), sync_);
}

std::uint64_t sqlite_store::background_checkpoints() const {
  return checkpointer_ ? checkpointer_->background_runs() : 0;
}

}  // namespace slawatch::store::detail
