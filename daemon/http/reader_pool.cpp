#include "slawatch/http/reader_pool.hpp"

namespace slawatch::http {

reader_pool::reader_pool(opener open, std::size_t max_idle)
    : open_(std::move(open)), max_idle_(max_idle) {}

result<std::unique_ptr<store::store>> reader_pool::acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto s = std::move(idle_.back());
      idle_.pop_back();
      return s;
    }
  }
  // Opening happens outside the lock: it may touch the disk.
  return open_();
}

void reader_pool::release(std::unique_ptr<store::store> s) {
  std::lock_guard lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(s));
}

}  // namespace slawatch::http
