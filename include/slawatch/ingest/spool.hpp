#pragma once
/// File ingestion (contract 2.4): partners drop `<spool_dir>/<partner>/<name>.ndjson`; each
/// file is ingested atomically as one batch (transport source "file", sender = the directory's
/// partner), then moved to `<partner>/done/` with `<name>.result.json` beside it (the body a
/// POST would return), or to `<partner>/failed/` with `<name>.error.json` {"error": "..."}.
/// Only finished files are taken: dot-files, `*.tmp` and anything not `*.ndjson` are ignored,
/// and a file must be unchanged for `settle` (writers write `x.tmp`, then rename to
/// `x.ndjson`). Re-ingesting a file after a crash between commit and move yields duplicates,
/// never doubles (event ids are idempotency keys).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <nlohmann/json.hpp>
#include "slawatch/ingest/batch.hpp"
#include "slawatch/ingest/pipeline.hpp"
#include "slawatch/metrics/metrics.hpp"
#include "slawatch/rules/rule_set.hpp"

namespace slawatch::ingest {

struct spool_options {
  std::filesystem::path dir;                        ///< ingest.spool_dir
  duration settle = std::chrono::seconds(1);        ///< a file's mtime must be this old
  duration poll_interval = std::chrono::milliseconds(500);
  std::size_t max_files_per_scan = 64;              ///< bounds one scan; the rest wait
  std::uint64_t max_bytes = 16777216;               ///< server.max_body_bytes
  std::size_t max_events = 10000;                   ///< server.max_events_per_request
  duration max_future_skew = default_max_future_skew;
};

struct spool_deps {
  std::function<std::shared_ptr<const rules::rule_set>()> rules;
  /// pipeline::submit: false = refused (overloaded), the file is retried on a later scan.
  std::function<bool(std::vector<model::event>, completion)> submit;
  std::function<instant()> now;                     ///< received_at
  metrics::registry* metrics = nullptr;             ///< may be null
  std::function<void(std::string_view level, std::string_view msg, nlohmann::json fields)> log;
};

/// What one scan did with the files it saw.
struct scan_report {
  std::size_t done = 0;       ///< ingested, moved to done/
  std::size_t failed = 0;     ///< moved to failed/
  std::size_t waiting = 0;    ///< not settled yet, or storage refused/failed: retried later
};

class spool {
 public:
  spool(spool_options opts, spool_deps deps);
  ~spool();   ///< stop()
  spool(const spool&) = delete;
  spool& operator=(const spool&) = delete;

  /// One pass over the partner directories (sorted), at most max_files_per_scan files,
  /// each file fully handled (submitted, committed, moved) before the next. Blocks.
  scan_report scan_once();

  /// Starts the worker thread: scan, then wait poll_interval (or stop), repeatedly.
  void start();
  /// Stops the worker after the file in hand is finished. Idempotent.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// `name` with a counter before the extension when `dir/name` exists: "a.ndjson" →
/// "a.1.ndjson", "a.2.ndjson"... so a re-sent file name never overwrites an earlier one.
std::filesystem::path unique_target(const std::filesystem::path& dir, const std::string& name);

}  // namespace slawatch::ingest
