// Monthly partner reports in `serve` (report_schedule.hpp).
#include "report_schedule.hpp"
#include <filesystem>
#include <fstream>
#include <future>
#include "slawatch/app/app.hpp"
#include "slawatch/calendar/calendar.hpp"
#include "slawatch/report/render.hpp"

namespace slawatch::app::detail {
namespace {

/// Longest wait for the writer to record a delivery (it may be busy with a big batch).
constexpr auto delivery_timeout = std::chrono::seconds(60);

/// Writes through a temporary file and a rename, so a crash never leaves half a report.
bool write_file(const std::filesystem::path& path, const std::string& text) {
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

}  // namespace

std::optional<report::period> due_report(instant now, const date::time_zone& zone, int day, int at_min) {
  const auto current = report::period_of(now, zone);
  const calendar::local_date first{date::year{current.year} / date::month{static_cast<unsigned>(current.month)} / 1};
  const instant due = calendar::at_local(first + date::days{day - 1}, at_min, zone);
  if (now < due) return std::nullopt;
  return current.previous();
}

store::outbox_item report_delivery(const std::string& partner, report::period p,
                                   const std::string& payload, instant now) {
  store::outbox_item i;
  i.sink = "partner:" + partner;
  i.event = "report";
  i.breach_id = "report:" + p.text();
  i.delivery_id = ingest::delivery_id(i.sink, i.breach_id, i.event);
  i.payload = payload;
  i.created_at = now;
  i.next_at = now;
  return i;
}

report_schedule::report_schedule(ingest::pipeline& p, http::reader_pool& readers,
                                 std::function<std::shared_ptr<const rules::rule_set>()> rules,
                                 report_schedule_options o, logger& log)
    : pipeline_(p), readers_(readers), rules_(std::move(rules)), o_(std::move(o)), log_(log) {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      run_once();
      lock.lock();
      cv_.wait_for(lock, o_.poll, [this] { return stopping_; });
    }
  });
}

report_schedule::~report_schedule() { stop(); }

void report_schedule::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int report_schedule::run_once() {
  auto set = rules_ ? rules_() : nullptr;
  if (!set) return 0;
  const instant now = o_.now ? o_.now() : wall_clock_now();
  int written = 0;
  for (const auto& [id, p] : set->partners) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
    }
    const auto& zone = report::partner_zone(p);
    auto month = due_report(now, zone, o_.day, o_.at_min);
    if (!month) continue;
    const auto marker = std::filesystem::path(o_.dir) / ("report-" + id + "-" + month->text() + ".json");
    std::error_code ec;
    if (std::filesystem::exists(marker, ec)) continue;   // done before (also before a restart)
    written += generate(p, *set, *month, now) ? 1 : 0;
  }
  return written;
}

bool report_schedule::generate(const model::partner& p, const rules::rule_set& set,
                               report::period month, instant now) {
  const auto& zone = report::partner_zone(p);
  auto rows = readers_.with<report::period_rows>(
      [&](store::store& s) { return report::gather(s, p.id, month, zone); });
  if (!rows) {
    log_.error("report: storage read failed", {{"partner", p.id}, {"period", month.text()}, {"error", rows.err().message}});
    return false;
  }
  const auto rep = report::build(p, set, month, zone, now, std::move(rows.value()));
  const std::string json = report::to_json(rep).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::error_code ec;
  std::filesystem::create_directories(o_.dir, ec);
  const std::filesystem::path dir(o_.dir);
  if (!write_file(dir / report::file_name(rep, "html"), report::to_html(rep)) ||
      !write_file(dir / report::file_name(rep, "csv"), report::to_csv(rep))) {
    log_.error("report: cannot write", {{"partner", p.id}, {"period", month.text()}, {"dir", o_.dir}});
    return false;
  }
  const bool deliver = !p.report.webhook.empty() &&
                       (p.report.secret_env.empty() || !o_.secret_available || o_.secret_available(p.report.secret_env));
  auto item = report_delivery(p.id, month, json, now);
  nlohmann::json detail{{"partner", p.id}, {"period", month.text()}, {"sha256", model::sha256_hex(json)},
                        {"delivery", deliver ? nlohmann::json(item.delivery_id) : nlohmann::json(nullptr)}};
  auto promise = std::make_shared<std::promise<result<bool>>>();
  auto done = promise->get_future();
  const bool queued = pipeline_.run(
      [deliver, item, detail, now, cap = o_.outbox_capacity](store::store& s) -> result<bool> {
        if (deliver) {
          auto dropped = s.enqueue({item}, cap);
          if (!dropped) return dropped.err();
        }
        auto e = s.append_audit("report", detail, now);
        if (!e) return e.err();
        return true;
      },
      [promise](result<bool> r) { promise->set_value(std::move(r)); });
  if (!queued || done.wait_for(delivery_timeout) != std::future_status::ready) return false;
  if (auto r = done.get(); !r) {
    log_.error("report: delivery not recorded", {{"partner", p.id}, {"period", month.text()}, {"error", r.err().message}});
    return false;
  }
  if (!write_file(dir / report::file_name(rep, "json"), json)) return false;
  log_.info("report written", {{"partner", p.id}, {"period", month.text()}, {"delivered", deliver}, {"dir", o_.dir}});
  return true;
}

}  // namespace slawatch::app::detail
