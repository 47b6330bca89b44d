#include "fd_limit.hpp"

#include <sys/resource.h>

namespace slawatch::http {

std::optional<std::pair<std::uint64_t, std::uint64_t>> raise_fd_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max) return std::nullopt;
  const auto old = static_cast<std::uint64_t>(lim.rlim_cur);
  // An unlimited hard limit is not a valid soft one for descriptors: take a large value.
  lim.rlim_cur = lim.rlim_max == RLIM_INFINITY ? 1048576 : lim.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) return std::nullopt;
  return std::make_pair(old, static_cast<std::uint64_t>(lim.rlim_cur));
}

}  // namespace slawatch::http
