// The "config" audit entry at start-up and the retention job (storage.event_retention).
#include "audit_setup.hpp"
#include <algorithm>
#include <fstream>
#include <future>
#include <iterator>
#include "slawatch/app/app.hpp"
#include "slawatch/ingest/audit.hpp"
#include "slawatch/model/breach.hpp"

namespace slawatch::app::detail {

namespace {

/// Longest wait for the writer to run a start-up task (it may be busy with a big batch).
constexpr auto task_timeout = std::chrono::seconds(60);

result<std::string> file_sha256(const std::optional<std::string>& file) {
  if (!file) return model::sha256_hex("");
  std::ifstream in(*file, std::ios::binary);
  if (!in) return error{"io", *file + ": cannot read: cannot open file", {}};
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return error{"io", *file + ": cannot read: read error", {}};
  return model::sha256_hex(text);
}

using state = retention_job::state;

void run_chunk(const std::shared_ptr<state>& st, instant older_than, std::uint64_t so_far);

/// After a chunk: the next one when this one was full, else the round is over.
void chunk_done(const std::shared_ptr<state>& st, instant older_than, std::uint64_t so_far,
                const result<bool>& r, std::uint64_t removed) {
  if (!r) {
    st->log.error("retention: pruning failed", {{"error", r.err().message}});
  } else if (removed == static_cast<std::uint64_t>(retention_chunk)) {
    run_chunk(st, older_than, so_far + removed);
    return;
  } else if (so_far + removed > 0) {
    st->log.info("retention: events pruned", {{"events", so_far + removed},
                                              {"older_than", timefmt::format_utc_ms(older_than)}});
  }
  std::lock_guard lock(st->mu);
  st->busy = false;
}

void run_chunk(const std::shared_ptr<state>& st, instant older_than, std::uint64_t so_far) {
  {
    std::lock_guard lock(st->mu);
    if (st->stopping) {
      st->busy = false;
      return;
    }
  }
  auto removed = std::make_shared<std::uint64_t>(0);
  const bool queued = st->pipeline.run(
      [older_than, removed](store::store& s) -> result<bool> {
        auto p = s.prune_events(older_than, retention_chunk, wall_clock_now());
        if (!p) return p.err();
        *removed = p->count;
        return true;
      },
      [st, older_than, so_far, removed](result<bool> r) { chunk_done(st, older_than, so_far, r, *removed); });
  if (!queued) {
    std::lock_guard lock(st->mu);
    st->busy = false;
  }
}

void prune_round(const std::shared_ptr<state>& st) {
  {
    std::lock_guard lock(st->mu);
    if (st->busy || st->stopping) return;   // the previous round is still pruning
    st->busy = true;
  }
  run_chunk(st, wall_clock_now() - st->retention, 0);
}

}  // namespace

std::chrono::nanoseconds retention_period(duration retention) {
  const std::chrono::nanoseconds half = retention / 2;
  return std::clamp<std::chrono::nanoseconds>(half, std::chrono::seconds(1), std::chrono::hours(1));
}

result<bool> record_configuration(ingest::pipeline& p, const std::optional<std::string>& config_file) {
  auto sha = file_sha256(config_file);
  if (!sha) return sha.err();
  auto written = std::make_shared<std::promise<result<bool>>>();
  auto done = written->get_future();
  const std::string file = config_file.value_or("<defaults>");
  const bool queued = p.run(
      [file, hash = sha.value()](store::store& s) -> result<bool> {
        auto e = ingest::record_config(s, file, hash, wall_clock_now());
        if (!e) return e.err();
        return true;
      },
      [written](result<bool> r) { written->set_value(std::move(r)); });
  if (!queued) return error{"storage", "audit: the ingest writer is stopping", {}};
  if (done.wait_for(task_timeout) != std::future_status::ready) {
    return error{"storage", "audit: the ingest writer did not record the configuration within 60s", {}};
  }
  return done.get();
}

retention_job::retention_job(ingest::pipeline& p, duration retention, logger& log)
    : st_(std::make_shared<state>(p, retention, log)) {
  thread_ = std::thread([st = st_] {
    const auto period = retention_period(st->retention);
    for (;;) {
      prune_round(st);
      std::unique_lock lock(st->mu);
      if (st->cv.wait_for(lock, period, [&] { return st->stopping; })) return;
    }
  });
}

retention_job::~retention_job() { stop(); }

void retention_job::stop() {
  {
    std::lock_guard lock(st_->mu);
    st_->stopping = true;
  }
  st_->cv.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace slawatch::app::detail
