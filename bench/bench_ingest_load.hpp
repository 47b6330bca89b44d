#pragma once
// The load loop of bench_ingest: C keep-alive connections on one epoll thread, one request in
// flight per connection, optionally paced to a rate of events per second. Latency is measured
// per request from the first byte written to the last byte of the acknowledgement read.
#include <sys/epoll.h>
#include <algorithm>
#include <cmath>
#include <vector>
#include "bench_http.hpp"

namespace slawatch::bench {

struct prepared_request {
  std::string text;   // the whole HTTP request
  long events = 0;
};

struct load_totals {
  long requests = 0, events = 0, accepted = 0, duplicates = 0, rejected = 0, failed = 0;
  double seconds = 0;
  std::vector<double> latency_ms;
  int first_failure_status = 0;
  std::string first_failure_body;
};

namespace detail {

struct load_conn {
  channel ch;
  std::size_t request = 0, written = 0;
  bool busy = false;
  steady::time_point sent_at;
  std::string in;
};

/// Writes what the socket takes; true when the whole request is out.
inline bool pump_write(load_conn& c, const std::string& text) {
  while (c.written < text.size()) {
    const auto n = c.ch.write(text.data() + c.written, text.size() - c.written);
    if (n == 0) return false;
    c.written += n;
  }
  return true;
}

inline void account(load_totals& t, const http_response& r, long events, double ms) {
  ++t.requests;
  t.events += events;
  t.latency_ms.push_back(ms);
  if (r.status != 200) {
    if (t.failed++ == 0) {
      t.first_failure_status = r.status;
      t.first_failure_body = r.body.substr(0, 300);
    }
    return;
  }
  t.accepted += json_count(r.body, "accepted");
  t.duplicates += json_count(r.body, "duplicates");
  t.rejected += json_count(r.body, "rejected");
}

}  // namespace detail

/// Sends every request once over `connections` connections; rate = events/s (0: flat out).
inline load_totals run_load(int port, const std::vector<prepared_request>& reqs, int connections, double rate) {
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  std::vector<detail::load_conn> conns(static_cast<std::size_t>(connections));
  for (std::size_t i = 0; i < conns.size(); ++i) {
    conns[i].ch = open_channel(port);
    set_nonblocking(conns[i].ch.fd);
    epoll_event ev{EPOLLIN, {}};
    ev.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].ch.fd, &ev);
  }
  load_totals t;
  t.latency_ms.reserve(reqs.size());
  std::size_t next = 0, done = 0;
  long events_started = 0;
  const auto start = steady::now();
  auto due = [&] { return start + std::chrono::duration_cast<steady::duration>(
                                      std::chrono::duration<double>(rate > 0 ? events_started / rate : 0)); };
  auto start_idle = [&] {
    for (std::size_t i = 0; i < conns.size() && next < reqs.size(); ++i) {
      auto& c = conns[i];
      if (c.busy) continue;
      if (rate > 0 && steady::now() < due()) return;
      c.request = next;
      c.written = 0;
      c.busy = true;
      c.sent_at = steady::now();
      events_started += reqs[next++].events;
      if (!detail::pump_write(c, reqs[c.request].text)) {
        epoll_event ev{EPOLLIN | EPOLLOUT, {}};
        ev.data.u64 = i;
        ::epoll_ctl(ep, EPOLL_CTL_MOD, c.ch.fd, &ev);
      }
    }
  };
  std::vector<epoll_event> evs(conns.size());
  char buf[65536];
  while (done < reqs.size()) {
    start_idle();
    int timeout = -1;
    if (rate > 0 && next < reqs.size()) {
      timeout = static_cast<int>(std::max<long>(0, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                      due() - steady::now()).count()));
    }
    const int n = ::epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), timeout);
    for (int k = 0; k < n; ++k) {
      const auto i = static_cast<std::size_t>(evs[static_cast<std::size_t>(k)].data.u64);
      auto& c = conns[i];
      if ((evs[static_cast<std::size_t>(k)].events & EPOLLOUT) && detail::pump_write(c, reqs[c.request].text)) {
        epoll_event ev{EPOLLIN, {}};
        ev.data.u64 = i;
        ::epoll_ctl(ep, EPOLL_CTL_MOD, c.ch.fd, &ev);
      }
      if (!(evs[static_cast<std::size_t>(k)].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      for (long got; (got = c.ch.read(buf, sizeof buf)) != 0;) {   // drain (TLS buffers records)
        if (got < 0) throw std::runtime_error("the daemon closed a connection");
        c.in.append(buf, static_cast<std::size_t>(got));
      }
      if (auto r = take_response(c.in)) {
        const double ms = std::chrono::duration<double, std::milli>(steady::now() - c.sent_at).count();
        detail::account(t, *r, reqs[c.request].events, ms);
        c.busy = false;
        ++done;
      }
    }
  }
  t.seconds = std::chrono::duration<double>(steady::now() - start).count();
  for (auto& c : conns) c.ch.close();
  ::close(ep);
  return t;
}

/// The p-th percentile (0..100) of values, nearest rank; sorts values.
inline double percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

}  // namespace slawatch::bench
