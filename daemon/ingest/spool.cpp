// The spool directory worker (contract 2.4). One file = one batch through the same
// parse/prepare/pipeline path as POST /v1/events; the file moves only after its commit, so a
// crash in between re-ingests it (duplicates, never doubles).
#include "slawatch/ingest/spool.hpp"
#include <algorithm>
#include <condition_variable>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>
#include <fmt/format.h>

namespace slawatch::ingest {

namespace fs = std::filesystem;

namespace detail {

struct candidate {
  fs::path file;
  fs::path partner_dir;     ///< where done/ and failed/ go
  std::string partner;      ///< empty: the file is not in a partner directory
};

bool is_reserved(const std::string& name) { return name == "done" || name == "failed"; }

/// Only finished `*.ndjson` files: writers use dot-files or `*.tmp` while writing.
bool is_ingestible(const fs::directory_entry& e) {
  const auto name = e.path().filename().string();
  std::error_code ec;
  return e.is_regular_file(ec) && !name.starts_with(".") && e.path().extension() == ".ndjson";
}

std::vector<fs::directory_entry> sorted_entries(const fs::path& dir) {
  std::vector<fs::directory_entry> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) out.push_back(*it);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path() < b.path(); });
  return out;
}

/// Root files first (they fail: no partner), then each partner directory in name order.
std::vector<candidate> list_candidates(const fs::path& root, std::size_t limit) {
  std::vector<candidate> out;
  for (const auto& e : sorted_entries(root)) {
    if (out.size() >= limit) break;
    const auto name = e.path().filename().string();
    std::error_code ec;
    if (is_ingestible(e)) {
      out.push_back({e.path(), root, ""});
    } else if (e.is_directory(ec) && !name.starts_with(".") && !is_reserved(name)) {
      for (const auto& f : sorted_entries(e.path())) {
        if (out.size() >= limit) break;
        if (is_ingestible(f)) out.push_back({f.path(), e.path(), name});
      }
    }
  }
  return out;
}

bool settled(const fs::path& file, duration settle) {
  std::error_code ec;
  auto mtime = fs::last_write_time(file, ec);
  if (ec) return false;
  return fs::file_time_type::clock::now() - mtime >= settle;
}

std::optional<std::string> read_all(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(s).str();
}

/// Writes `text` to `target` through a temporary name, so a reader never sees half a file.
bool write_atomically(const fs::path& target, const std::string& text) {
  fs::path tmp = target;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text << '\n';
    if (!out.flush()) return false;
  }
  std::error_code ec;
  fs::rename(tmp, target, ec);
  return !ec;
}

}  // namespace detail

fs::path unique_target(const fs::path& dir, const std::string& name) {
  fs::path first = dir / name;
  std::error_code ec;
  if (!fs::exists(first, ec)) return first;
  const auto stem = fs::path(name).stem().string();
  const auto ext = fs::path(name).extension().string();
  for (int n = 1;; ++n) {
    fs::path p = dir / fmt::format("{}.{}{}", stem, n, ext);
    if (!fs::exists(p, ec)) return p;
  }
}

struct spool::impl {
  spool_options opts;
  spool_deps deps;
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::thread worker;

  void note(std::string_view level, std::string_view msg, nlohmann::json fields) const {
    if (deps.log) deps.log(level, msg, std::move(fields));
  }

  /// Moves the file to `<partner_dir>/<sub>/` and writes `<name><suffix>` beside it.
  bool file_away(const detail::candidate& c, std::string_view sub, std::string_view suffix,
                 const nlohmann::json& body) {
    const fs::path dir = c.partner_dir / sub;
    std::error_code ec;
    fs::create_directories(dir, ec);
    const fs::path target = unique_target(dir, c.file.filename().string());
    fs::path side = target;
    side += std::string(suffix);
    if (ec || !detail::write_atomically(side, body.dump())) {
      note("error", "spool: cannot write result file", {{"file", side.string()}});
      return false;
    }
    fs::rename(c.file, target, ec);
    if (ec) note("error", "spool: cannot move file", {{"file", c.file.string()}, {"error", ec.message()}});
    return !ec;
  }

  bool fail(const detail::candidate& c, const std::string& message, scan_report& r) {
    // The reason can quote file content: it goes to the .error.json only, never to the log.
    note("warn", "spool: file failed, see its .error.json", {{"file", c.file.string()}});
    if (file_away(c, "failed", ".error.json", {{"error", message}})) ++r.failed;
    return false;
  }

  /// Submits and waits for the commit; nullopt when refused (overloaded) or stopping.
  std::optional<batch_result> store(const prepared_batch& batch) {
    if (batch.events.empty()) return batch_result{true, {}, {}};
    auto done = std::make_shared<std::promise<batch_result>>();
    auto got = done->get_future();
    if (!deps.submit || !deps.submit(batch.events, [done](batch_result r) { done->set_value(std::move(r)); })) {
      if (deps.metrics != nullptr) deps.metrics->event_rejected("overloaded", batch.events.size());
      return std::nullopt;
    }
    return got.get();
  }

  std::optional<std::string> check_file(const detail::candidate& c, const rules::rule_set& rules) const;
  scan_report scan();
  void handle(const detail::candidate& c, scan_report& r);
  void run();
};

/// Reasons a file fails before its content is looked at.
std::optional<std::string> spool::impl::check_file(const detail::candidate& c,
                                                   const rules::rule_set& rules) const {
  if (c.partner.empty()) {
    return "spool: file is not in a partner directory (expected <spool_dir>/<partner>/" +
           c.file.filename().string() + ")";
  }
  if (rules.find_partner(c.partner) == nullptr) {
    return fmt::format("spool: unknown partner '{}' (directory {})", c.partner, c.partner_dir.string());
  }
  std::error_code ec;
  auto size = fs::file_size(c.file, ec);
  if (!ec && size > opts.max_bytes) {
    return fmt::format("body: {} bytes, more than the limit of {}", size, opts.max_bytes);
  }
  return std::nullopt;
}

void spool::impl::handle(const detail::candidate& c, scan_report& r) {
  auto rules = deps.rules ? deps.rules() : nullptr;
  if (!rules) {
    ++r.waiting;
    return;
  }
  if (auto why = check_file(c, *rules)) return (void)fail(c, *why, r);
  auto text = detail::read_all(c.file);
  if (!text) return (void)fail(c, "spool: cannot read " + c.file.filename().string(), r);
  auto items = parse_body(*text, body_format::ndjson, opts.max_events);
  if (!items) {
    if (deps.metrics != nullptr) deps.metrics->event_rejected(items.err().code == "too_large" ? "too_large" : "malformed");
    return (void)fail(c, items.err().message, r);
  }
  sender who{c.partner, {}};
  who.transport.source = "file";
  auto batch = prepare(std::move(items.value()), *rules, who, deps.now ? deps.now() : instant{}, opts.max_future_skew);
  auto stored = store(batch);
  if (!stored || !stored->stored) {   // overloaded or storage down: keep the file, retry later
    note("warn", "spool: file not stored, will retry", {{"file", c.file.string()}, {"error", stored ? stored->error : "overloaded"}});
    ++r.waiting;
    return;
  }
  if (deps.metrics != nullptr) {
    for (const auto& e : batch.errors) deps.metrics->event_rejected(e.reason);
  }
  auto body = response_body(batch, *stored);
  if (file_away(c, "done", ".result.json", body)) ++r.done;
  note("info", "spool: file ingested", {{"file", c.file.string()}, {"partner", c.partner},
                                        {"accepted", body["accepted"]}, {"duplicates", body["duplicates"]},
                                        {"rejected", body["rejected"]}});
}

scan_report spool::impl::scan() {
  scan_report r;
  for (const auto& c : detail::list_candidates(opts.dir, opts.max_files_per_scan)) {
    {
      std::lock_guard lock(mu);
      if (stopping) break;
    }
    if (!detail::settled(c.file, opts.settle)) {
      ++r.waiting;
      continue;
    }
    handle(c, r);
  }
  return r;
}

void spool::impl::run() {
  for (;;) {
    auto r = scan();
    std::unique_lock lock(mu);
    if (stopping) return;
    // A full scan means more files wait: go again at once.
    if (r.done + r.failed >= opts.max_files_per_scan) continue;
    cv.wait_for(lock, opts.poll_interval, [this] { return stopping; });
    if (stopping) return;
  }
}

spool::spool(spool_options opts, spool_deps deps) : impl_(std::make_unique<impl>()) {
  impl_->opts = std::move(opts);
  impl_->deps = std::move(deps);
}

spool::~spool() { stop(); }

scan_report spool::scan_once() { return impl_->scan(); }

void spool::start() {
  if (impl_->worker.joinable()) return;
  std::error_code ec;
  std::filesystem::create_directories(impl_->opts.dir, ec);
  impl_->worker = std::thread([this] { impl_->run(); });
}

void spool::stop() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->worker.joinable()) impl_->worker.join();
}

}  // namespace slawatch::ingest
