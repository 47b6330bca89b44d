// `slawatch simulate` (contract 10): realistic synthetic traffic for the partners a running
// daemon knows, at a steady rate, in NDJSON batches over one keep-alive connection.
#include <iostream>
#include <thread>
#include <fmt/format.h>
#include "slawatch/app/app.hpp"
#include "sim_client.hpp"
#include "sim_traffic.hpp"

namespace slawatch::app {

namespace detail {

template <typename T>
result<T> number_flag(const std::map<std::string, std::string, std::less<>>& flags, std::string_view name,
                      T fallback, T min, T max) {
  auto it = flags.find(name);
  if (it == flags.end()) return fallback;
  std::size_t used = 0;
  T v{};
  try {
    if constexpr (std::is_floating_point_v<T>) {
      v = static_cast<T>(std::stod(it->second, &used));
    } else {
      v = static_cast<T>(std::stoull(it->second, &used));
    }
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != it->second.size() || it->second.empty() || it->second[0] == '-' || v < min || v > max) {
    return error{"usage", fmt::format("{}: expected a number from {} to {}, got '{}'", name, min, max, it->second)};
  }
  return v;
}

struct totals {
  std::uint64_t sent = 0, accepted = 0, duplicates = 0, rejected = 0, requests = 0, failed_requests = 0;
};

/// Posts one NDJSON batch and adds the daemon's counts; the first few errors go to stderr.
void post_batch(http_client& client, const std::string& body, std::uint64_t n, totals& t) {
  ++t.requests;
  t.sent += n;
  auto r = client.request("POST", "/v1/events", "application/x-ndjson", body);
  if (!r || r->status != 200) {
    ++t.failed_requests;
    if (t.failed_requests <= 3) {
      std::cerr << "simulate: POST /v1/events: " << (r ? fmt::format("{} {}", r->status, r->body) : r.err().message) << "\n";
    }
    return;
  }
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded()) return;
  t.accepted += j.value("accepted", 0ULL);
  t.duplicates += j.value("duplicates", 0ULL);
  t.rejected += j.value("rejected", 0ULL);
  if (t.rejected > 0 && j.contains("errors") && !j["errors"].empty() && t.rejected <= 3) {
    std::cerr << "simulate: rejected: " << j["errors"][0].dump() << "\n";
  }
}

result<std::vector<sim_partner>> fetch_partners(http_client& client, std::size_t n) {
  auto r = client.request("GET", "/v1/partners", "", "");
  if (!r) return r.err();
  if (r->status != 200) return error{"io", fmt::format("GET /v1/partners answered {}: {}", r->status, r->body)};
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  auto chosen = choose_partners(partners_from_json(j), n);
  if (chosen.empty()) return error{"io", "GET /v1/partners: the daemon has no partners"};
  return chosen;
}

nlohmann::json summary(const totals& t, const traffic& tr, const std::vector<sim_partner>& ps, double secs) {
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& p : ps) ids.push_back(p.id);
  return {{"sent", t.sent}, {"accepted", t.accepted}, {"duplicates", t.duplicates},
          {"rejected", t.rejected}, {"requests", t.requests}, {"failed_requests", t.failed_requests},
          {"operations", tr.operations()}, {"breach_operations", tr.breach_operations()},
          {"partners", ids}, {"duration_s", secs}, {"events_per_second", secs > 0 ? static_cast<double>(t.sent) / secs : 0.0}};
}

}  // namespace detail

result<simulate_options> parse_simulate_options(const std::map<std::string, std::string, std::less<>>& flags) {
  simulate_options o;
  auto url = flags.find("--url");
  if (url == flags.end()) return error{"usage", "simulate needs --url URL"};
  o.url = url->second;
  if (auto t = flags.find("--token"); t != flags.end()) o.token = t->second;
  auto partners = detail::number_flag<std::size_t>(flags, "--partners", 5, 1, 100000);
  auto rate = detail::number_flag<double>(flags, "--rate", 50.0, 0.1, 1e6);
  auto breach = detail::number_flag<double>(flags, "--breach-rate", 0.05, 0.0, 1.0);
  auto seed = detail::number_flag<std::uint64_t>(flags, "--seed", 0, 0, UINT64_MAX);
  for (const error* e : {partners ? nullptr : &partners.err(), rate ? nullptr : &rate.err(),
                         breach ? nullptr : &breach.err(), seed ? nullptr : &seed.err()}) {
    if (e != nullptr) return *e;
  }
  o.partners = partners.value();
  o.rate = rate.value();
  o.breach_rate = breach.value();
  if (flags.count("--seed") != 0) o.seed = seed.value();
  if (auto d = flags.find("--duration"); d != flags.end()) {
    auto parsed = timefmt::parse_duration(d->second);
    if (!parsed || *parsed <= duration::zero()) {
      return error{"usage", "--duration: expected a duration such as 30s, 5m or 1h, got '" + d->second + "'"};
    }
    o.length = *parsed;
  }
  return o;
}

int simulate(const simulate_options& o) {
  auto url = detail::parse_http_url(o.url);
  if (!url) {
    std::cerr << "slawatch: " << url.err().message << "\n";
    return exit_usage;
  }
  detail::http_client client(url.value(), o.token, std::chrono::seconds(30));
  auto partners = detail::fetch_partners(client, o.partners);
  if (!partners) {
    std::cerr << "slawatch simulate: " << partners.err().message << "\n";
    return exit_failure;
  }
  const auto seed = o.seed.value_or(static_cast<std::uint64_t>(wall_clock_now().time_since_epoch().count()));
  detail::traffic tr(partners.value(), o.breach_rate, seed);
  detail::totals t;
  using steady = std::chrono::steady_clock;
  const auto tick = std::chrono::milliseconds(100);
  const auto start = steady::now();
  std::uint64_t generated = 0;
  for (auto next = start + tick; next - tick < start + o.length; next += tick) {
    const double elapsed = std::chrono::duration<double>(std::min(next, start + o.length) - start).count();
    std::string body;
    std::uint64_t n = 0;
    while (static_cast<double>(generated) < o.rate * elapsed && n < 5000) {
      bool breached = false;
      for (const auto& e : tr.next(wall_clock_now(), breached)) {
        body += e.dump();
        body += '\n';
        ++n;
      }
      generated = t.sent + n;
    }
    if (n > 0) detail::post_batch(client, body, n, t);
    std::this_thread::sleep_until(next);
  }
  const double secs = std::chrono::duration<double>(steady::now() - start).count();
  std::cout << detail::summary(t, tr, partners.value(), secs).dump() << std::endl;
  return t.failed_requests == 0 ? exit_ok : exit_failure;
}

}  // namespace slawatch::app
