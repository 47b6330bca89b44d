#pragma once
// Shared helpers for the store tests: events, breaches and temporary database files.
#include <atomic>
#include <filesystem>
#include <string>
#include <unistd.h>
#include "slawatch/store/store.hpp"

namespace store_test {

using namespace slawatch;

inline instant at_s(std::int64_t unix_seconds) {
  return instant{std::chrono::seconds(unix_seconds)};
}

inline model::event make_event(const std::string& partner, const std::string& id,
                               const std::string& amount = "1") {
  model::event ev;
  ev.id = id;
  ev.partner = partner;
  ev.type = "contribution.collected";
  ev.occurred_at = at_s(1'790'000'000);
  ev.received_at = at_s(1'790'000'060);
  ev.doc = {{"id", id}, {"partner", partner}, {"type", ev.type},
            {"occurred_at", "2026-09-21T14:13:20Z"}, {"attributes", {{"amount", amount}}},
            {"received_at", "2026-09-21T14:14:20.000Z"}};
  return ev;
}

inline model::breach make_breach(const std::string& id, const std::string& partner,
                                 const std::string& rule, std::int64_t detected_s,
                                 model::breach_status status = model::breach_status::open) {
  model::breach b;
  b.id = id;
  b.rule = rule;
  b.rule_version = "v1";
  b.kind = "condition";
  b.category = "timeliness";
  b.severity = "major";
  b.partner = partner;
  b.key = "k-" + id;
  b.occurred_at = at_s(detected_s - 10);
  b.detected_at = at_s(detected_s);
  b.status = status;
  b.message = "late";
  return b;
}

/// A database path in a fresh temporary directory, removed at scope end.
struct temp_db {
  std::filesystem::path dir;
  std::string path;
  temp_db() {
    static std::atomic<int> n{0};
    dir = std::filesystem::temp_directory_path() /
          ("slawatch-store-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::remove_all(dir);
    path = (dir / "sub" / "slawatch.db").string();   // "sub" does not exist yet
  }
  ~temp_db() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

inline std::unique_ptr<store::store> open_or_fail(const std::string& path) {
  auto s = store::open_sqlite(path, store::sync_mode::full);
  if (!s) throw std::runtime_error(s.err().message);
  return std::move(s).value();
}

}  // namespace store_test
