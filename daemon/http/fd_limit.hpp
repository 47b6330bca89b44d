#pragma once
// Private to the http module: the process's open-file limit.
#include <cstdint>
#include <optional>
#include <utility>

namespace slawatch::http {

/// Raises the soft RLIMIT_NOFILE to the hard limit so many idle connections cannot exhaust
/// descriptors early. Returns {old, new} when it changed anything, nullopt otherwise.
std::optional<std::pair<std::uint64_t, std::uint64_t>> raise_fd_limit();

}  // namespace slawatch::http
