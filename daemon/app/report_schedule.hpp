#pragma once
// `serve`'s monthly reports (contract 9, 11 reports.monthly; docs/reports.md): on `day` at
// `at` in each partner's time zone, the previous month's report is written to reports.dir
// (html, csv, then json last as the "done" mark) and delivered to the partner's
// report.webhook through the outbox, with a "report" audit entry, on the ingest writer.
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include "slawatch/app/logger.hpp"
#include "slawatch/http/reader_pool.hpp"
#include "slawatch/ingest/pipeline.hpp"
#include "slawatch/report/report.hpp"

namespace slawatch::app::detail {

/// The month whose report is due at `now` for a schedule of `day` (1..28) at `at_min`
/// (minutes after local midnight) in `zone`: the previous month once the current month's
/// `day`/`at` has passed, nullopt before it.
std::optional<report::period> due_report(instant now, const date::time_zone& zone, int day, int at_min);

/// The outbox item delivering `payload` (the JSON report) to sink "partner:<id>": event
/// "report", breach_id "report:<YYYY-MM>", delivery id stable for (partner, period).
store::outbox_item report_delivery(const std::string& partner, report::period p,
                                   const std::string& payload, instant now);

struct report_schedule_options {
  std::string dir;                 ///< reports.dir (created when missing)
  int day = 1;
  int at_min = 6 * 60;
  std::uint64_t outbox_capacity = 10000;
  std::function<bool(const std::string&)> secret_available;   ///< partner report.secret_env set?
  std::function<instant()> now;    ///< empty: the wall clock
  std::chrono::nanoseconds poll = std::chrono::seconds(30);
};

/// Checks every `poll` (and once at start) which partners' reports are due and not yet in
/// `dir`; generates and delivers them. Stops (joins) in stop() or the destructor — before
/// the pipeline stops.
class report_schedule {
 public:
  report_schedule(ingest::pipeline& p, http::reader_pool& readers,
                  std::function<std::shared_ptr<const rules::rule_set>()> rules,
                  report_schedule_options o, logger& log);
  ~report_schedule();
  report_schedule(const report_schedule&) = delete;
  report_schedule& operator=(const report_schedule&) = delete;
  void stop();
  /// One round now (tests); returns the number of reports written.
  int run_once();

 private:
  bool generate(const model::partner& p, const rules::rule_set& set, report::period month, instant now);

  ingest::pipeline& pipeline_;
  http::reader_pool& readers_;
  std::function<std::shared_ptr<const rules::rule_set>()> rules_;
  report_schedule_options o_;
  logger& log_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace slawatch::app::detail
