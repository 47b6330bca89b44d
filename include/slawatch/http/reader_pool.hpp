#pragma once
/// A small pool of reader stores for the HTTP threads (store objects are one-per-thread;
/// the pool hands each request its own for the duration of a call). Thread-safe.
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>
#include "slawatch/model/result.hpp"
#include "slawatch/store/store.hpp"

namespace slawatch::http {

class reader_pool {
 public:
  using opener = std::function<result<std::unique_ptr<store::store>>()>;

  /// `open` creates a reader (e.g. store::open_sqlite on the database path); at most
  /// `max_idle` readers are kept between calls.
  explicit reader_pool(opener open, std::size_t max_idle = 4);

  /// Runs `fn` with a reader held exclusively for the call. A reader whose call returned an
  /// error is dropped rather than reused (it may be broken). Errors of `open` are returned.
  template <class T>
  result<T> with(const std::function<result<T>(store::store&)>& fn) {
    auto r = acquire();
    if (!r) return r.err();
    auto out = fn(*r.value());
    if (out) release(std::move(r.value()));
    return out;
  }

 private:
  result<std::unique_ptr<store::store>> acquire();
  void release(std::unique_ptr<store::store> s);

  opener open_;
  std::size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<store::store>> idle_;
};

}  // namespace slawatch::http
