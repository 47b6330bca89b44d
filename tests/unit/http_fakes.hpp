#pragma once
// Test doubles for the router: an in-memory reader store and a pipeline that completes
// only when the test says so.
#include <atomic>
#include <memory>
#include <optional>
#include <vector>
#include "slawatch/http/router.hpp"

namespace http_test {

using namespace slawatch;
namespace st = slawatch::store;

/// What the reader doubles serve; shared by every reader the pool opens.
struct fake_data {
  std::vector<model::breach> breaches;
  std::optional<std::string> next_cursor;
  std::optional<slawatch::error> fail_with;
  st::breach_query last_query;
  std::vector<st::obligation_row> obligations;
  std::optional<std::string> obligations_cursor;
  st::obligation_query last_obligation_query;
};

/// Reader store double: serves `breaches`, remembers the last query, can fail.
class fake_store : public st::store {
 public:
  explicit fake_store(fake_data& d) : d_(d) {}

  result<bool> begin() override { return true; }
  result<bool> commit() override { return true; }
  void rollback() override {}
  result<st::put_status> put_event(const model::event&) override { return st::put_status::accepted; }
  result<bool> add_outcomes(const std::vector<model::outcome>&) override { return true; }
  result<bool> put_breach(const model::breach&) override { return true; }
  result<st::breach_page> list_breaches(const st::breach_query& q) override {
    d_.last_query = q;
    if (d_.fail_with) return *d_.fail_with;
    return st::breach_page{d_.breaches, d_.next_cursor};
  }
  result<std::optional<model::breach>> get_breach(const std::string& id) override {
    if (d_.fail_with) return *d_.fail_with;
    for (const auto& b : d_.breaches) {
      if (b.id == id) return std::optional<model::breach>(b);
    }
    return std::optional<model::breach>{};
  }
  result<std::uint64_t> count_events() override { return std::uint64_t{0}; }
  result<std::vector<st::breach_count>> breach_counts() override { return std::vector<st::breach_count>{}; }
  result<std::vector<st::outcome_count>> outcome_counts() override { return std::vector<st::outcome_count>{}; }
  result<std::optional<model::breach>> update_breach(const st::breach_change&) override { return std::optional<model::breach>{}; }
  result<bool> put_state(const std::vector<st::state_row>&) override { return true; }
  result<bool> erase_state(const std::vector<std::string>&) override { return true; }
  result<std::vector<st::state_row>> load_state() override { return std::vector<st::state_row>{}; }
  result<st::obligation_page> list_obligations(const st::obligation_query& q) override {
    d_.last_obligation_query = q;
    if (d_.fail_with) return *d_.fail_with;
    return st::obligation_page{d_.obligations, d_.obligations_cursor};
  }
  result<std::vector<st::obligation_count>> obligation_counts() override { return std::vector<st::obligation_count>{}; }

 private:
  fake_data& d_;
};

/// A router wired to fakes; every dependency is inspectable.
struct harness {
  std::shared_ptr<rules::rule_set> rules = std::make_shared<rules::rule_set>();
  std::vector<std::vector<model::event>> submitted;
  std::vector<ingest::completion> pending;
  std::atomic<int> submissions{0};
  bool accept_submissions = true;
  bool is_ready = true;
  fake_data reader;   // what every reader of the pool serves
  std::unique_ptr<http::reader_pool> pool;
  std::unique_ptr<http::router> router;
  instant now = instant{std::chrono::seconds(1795000000)};
  http::reload_outcome next_reload;   // what POST /-/reload's reloader answers
  int reloads = 0;
  std::vector<std::pair<std::string, std::string>> waives;   // (id, reason) queued
  std::vector<ingest::waive_completion> pending_waives;
  bool accept_waives = true;
  std::vector<nlohmann::json> logs;   // {"level", "msg", fields...} per log line

  /// `extra` adjusts the dependencies before the router is built (auth, rate limit ...).
  explicit harness(std::uint64_t max_events = 10000,
                   const std::function<void(http::router_deps&)>& extra = {}) {
    model::partner p;
    p.id = "bank-a";
    p.name = "Bank A";
    p.class_ = "bank";
    rules->partners["bank-a"] = p;
    pool = std::make_unique<http::reader_pool>([this]() -> result<std::unique_ptr<st::store>> {
      return std::unique_ptr<st::store>(std::make_unique<fake_store>(reader));
    });
    http::router_deps d;
    d.rules = [this] { return std::shared_ptr<const rules::rule_set>(rules); };
    d.submit = [this](std::vector<model::event> evs, ingest::completion done) {
      if (!accept_submissions) return false;
      submitted.push_back(std::move(evs));
      pending.push_back(std::move(done));
      ++submissions;   // last: a test on another thread may now complete the batch
      return true;
    };
    d.readers = pool.get();
    d.now = [this] { return now; };
    d.ready = [this] { return is_ready; };
    d.max_events_per_request = max_events;
    d.reload = [this] {
      ++reloads;
      return next_reload;
    };
    d.waive = [this](std::string id, std::string reason, ingest::waive_completion done) {
      if (!accept_waives) return false;
      waives.emplace_back(std::move(id), std::move(reason));
      pending_waives.push_back(std::move(done));
      return true;
    };
    d.log = [this](std::string_view level, std::string_view msg, nlohmann::json fields) {
      fields["level"] = level;
      fields["msg"] = msg;
      logs.push_back(std::move(fields));
    };
    if (extra) extra(d);
    router = std::make_unique<http::router>(std::move(d));
  }

  /// Responses in the order they were produced (POSTs answer when `pending` completes).
  std::vector<http::response> responses;

  /// Sends a request; returns the response when it was produced synchronously.
  std::optional<http::response> send(std::string method, std::string target,
                                     std::string content_type = "", std::string body = "") {
    auto before = responses.size();
    http::request req;
    req.method = std::move(method);
    req.target = std::move(target);
    req.content_type = std::move(content_type);
    req.body = std::move(body);
    router->handle(std::move(req), [this](http::response r) { responses.push_back(std::move(r)); });
    if (responses.size() == before) return std::nullopt;
    return responses.back();
  }

  /// Sends a fully built request (headers, connection facts).
  std::optional<http::response> send_request(http::request req) {
    auto before = responses.size();
    router->handle(std::move(req), [this](http::response r) { responses.push_back(std::move(r)); });
    if (responses.size() == before) return std::nullopt;
    return responses.back();
  }

  /// Completes the oldest pending batch with one status per event.
  void complete(std::vector<st::put_status> statuses, bool stored = true) {
    ingest::batch_result r;
    r.stored = stored;
    if (!stored) r.error = "disk I/O error";
    for (auto st : statuses) r.events.push_back({st});
    auto done = std::move(pending.front());
    pending.erase(pending.begin());
    done(std::move(r));
  }
};

inline nlohmann::json body_of(const http::response& r) { return nlohmann::json::parse(r.body); }

}  // namespace http_test
