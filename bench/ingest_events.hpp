#pragma once
// Realistic partner events as JSON text for the ingest benchmarks (bench_ingest, bench_sqlite):
// the business flows of daemon/app/sim_traffic.cpp for shipped partners whose transport
// needs no signature (rules/partners.yaml: bank-a, posta-ke, agent-afya). Every flow is
// four events: contribution.collected → reported (closes the 15-minute obligation) →
// remitted (closes the T+1/T+3 remittance) and a data.accessed with an allowed purpose.
// Ids are time-ordered (zero-padded counters), as partners' own ids usually are.
#include <ctime>
#include <cstdint>
#include <string>
#include <fmt/format.h>

namespace slawatch::bench {

/// Deterministic 64-bit mixing (splitmix64): the same (seed, i) gives the same event.
inline std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// RFC 3339 UTC with milliseconds for a Unix time in milliseconds.
inline std::string iso_ms(std::int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, unix_ms % 1000);
}

inline const char* const ingest_partners[] = {"bank-a", "posta-ke", "agent-afya"};

/// Event number i of a run: JSON text of the envelope as a partner sends it.
class event_source {
 public:
  /// run: id prefix unique per run; now_ms: the events happened a few minutes before it.
  event_source(std::string run, std::int64_t now_ms, std::uint64_t seed)
      : run_(std::move(run)), now_ms_(now_ms), seed_(seed) {}

  [[nodiscard]] std::string partner(std::int64_t i) const { return ingest_partners[(i / 4) % 3]; }

  [[nodiscard]] const char* type(std::int64_t i) const {
    static const char* const types[] = {"contribution.collected", "contribution.reported",
                                        "contribution.remitted", "data.accessed"};
    return types[i % 4];
  }

  [[nodiscard]] std::string id(std::int64_t i) const { return fmt::format("{}-e{:010d}", run_, i); }

  /// occurred_at in Unix milliseconds: 3, 2, 1 minutes and 30 s before now.
  [[nodiscard]] std::int64_t occurred_ms(std::int64_t i) const {
    static const std::int64_t back[] = {180000, 120000, 60000, 30000};
    return now_ms_ - back[i % 4] + (i % 1000);
  }

  [[nodiscard]] std::string json(std::int64_t i) const {
    const std::int64_t flow = i / 4;
    const std::uint64_t r = mix64(seed_ ^ static_cast<std::uint64_t>(flow));
    const std::string receipt = fmt::format("{}-r{:09d}", run_, flow);
    const double amount = static_cast<double>(5000 + r % 495000) / 100.0;
    const std::string head = fmt::format(R"({{"id":"{}","partner":"{}","type":"{}","occurred_at":"{}")",
                                         id(i), partner(i), type(i), iso_ms(occurred_ms(i)));
    switch (i % 4) {
      case 0:
        return head + fmt::format(
            R"(,"subject":"ps:{:010x}","purpose":"collect_contribution","correlation_id":"{}",)"
            R"("attributes":{{"amount":{:.2f},"currency":"KES","channel":"{}","receipt_no":"{}"}}}})",
            r & 0xffffffffffULL, receipt, amount, (r >> 40) & 1 ? "branch" : "mobile", receipt);
      case 1:
        return head + fmt::format(R"(,"attributes":{{"receipt_no":"{}"}}}})", receipt);
      case 2:
        return head + fmt::format(
            R"(,"attributes":{{"amount":{:.2f},"currency":"KES","receipt_nos":["{}"],"report_id":"{}-rep{:07d}"}}}})",
            amount, receipt, run_, flow / 100);
      default:
        return head + fmt::format(
            R"(,"subject":"ps:{:010x}","purpose":"collect_contribution",)"
            R"("attributes":{{"operator_id":"op-{}","role":"clerk","record_id":"{}-rec{:09d}","data_category":"identity.basic"}}}})",
            (r >> 8) & 0xffffffffffULL, r % 40, run_, flow);
    }
  }

  /// The document as the daemon stores it: the envelope plus received_at and transport.
  [[nodiscard]] std::string stored_json(std::int64_t i) const {
    std::string doc = json(i);
    doc.pop_back();
    doc += fmt::format(
        R"(,"received_at":"{}","transport":{{"source":"http","tls":false,"tls_version":null,)"
        R"("client_cert":null,"authenticated_as":null,"signature":"absent"}}}})",
        iso_ms(now_ms_));
    return doc;
  }

  [[nodiscard]] std::int64_t now_ms() const { return now_ms_; }

 private:
  std::string run_;
  std::int64_t now_ms_;
  std::uint64_t seed_;
};

}  // namespace slawatch::bench
