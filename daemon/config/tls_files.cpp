// Start-up check of the server.tls files: a missing or unreadable file is named with its key
// before the server tries to parse it (contract 11: every path validated at start-up).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include "slawatch/config/config.hpp"

namespace slawatch::config {

namespace {

std::optional<error> unreadable(std::string_view key, const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return error{"io", fmt::format("server.tls.{}: cannot read {}: {}", key, path, std::strerror(errno))};
  }
  // A directory opens but cannot be read.
  char probe = 0;
  bool failed = std::fread(&probe, 1, 1, f) == 0 && std::ferror(f) != 0;
  int err = errno;
  std::fclose(f);
  if (failed) return error{"io", fmt::format("server.tls.{}: cannot read {}: {}", key, path, std::strerror(err))};
  return std::nullopt;
}

}  // namespace

std::vector<error> check_tls_files(const tls_config& t) {
  std::vector<error> out;
  for (const auto& [key, path] : {std::pair<std::string_view, const std::string&>{"cert", t.cert},
                                  {"key", t.key}, {"client_ca", t.client_ca}}) {
    if (path.empty()) continue;
    if (auto e = unreadable(key, path)) out.push_back(*e);
  }
  return out;
}

}  // namespace slawatch::config
