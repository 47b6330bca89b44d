// privacy.key_file: the pseudonymisation key, checked like an ssh private key.
#include "privacy.hpp"
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fmt/format.h>

namespace slawatch::app::detail {
namespace {

error key_error(const std::string& message) {
  return error{"invalid_value", "privacy.key_file: " + message, {}};
}

/// Anyone who can read the key can recompute pseudonyms of guessed raw values; anyone who
/// can write it can silently break correlation. Only the owner may do either.
std::optional<error> check_mode(const std::string& path, mode_t mode) {
  const auto bits = static_cast<unsigned>(mode & 07777);
  if ((mode & S_IROTH) != 0) {
    return key_error(fmt::format("{} is readable by other users (mode {:04o}); chmod 600 it", path, bits));
  }
  if ((mode & S_IWOTH) != 0) {
    return key_error(fmt::format("{} is writable by other users (mode {:04o}); chmod 600 it", path, bits));
  }
  if ((mode & S_IWGRP) != 0) {
    return key_error(fmt::format("{} is writable by its group (mode {:04o}); chmod 600 it", path, bits));
  }
  return std::nullopt;
}

result<std::string> read_open_key(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return error{"io", fmt::format("privacy.key_file: cannot read {}: {}", path, std::strerror(errno)), {}};
  if (!S_ISREG(st.st_mode)) return key_error(path + " is not a regular file");
  if (auto bad = check_mode(path, st.st_mode)) return *bad;
  std::string key;
  char buf[1024];
  for (;;) {
    const auto n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return error{"io", fmt::format("privacy.key_file: cannot read {}: {}", path, std::strerror(errno)), {}};
    if (n == 0) break;
    key.append(buf, static_cast<std::size_t>(n));
    if (key.size() > max_pseudonym_key_bytes) break;
  }
  if (key.size() > max_pseudonym_key_bytes) {
    return key_error(fmt::format("{} has {} bytes, more than {}", path, static_cast<long long>(st.st_size),
                                 max_pseudonym_key_bytes));
  }
  if (key.size() < model::min_pseudonym_key_bytes) {
    return key_error(fmt::format("{} has {} bytes, at least {} are needed (head -c 32 /dev/urandom > {})", path,
                                 key.size(), model::min_pseudonym_key_bytes, path));
  }
  return key;
}

}  // namespace

result<std::string> read_pseudonym_key(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    return error{"io", fmt::format("privacy.key_file: cannot read {}: {}", path, std::strerror(errno)), {}};
  }
  auto key = read_open_key(fd, path);
  ::close(fd);
  return key;
}

result<std::shared_ptr<const model::pseudonymizer>> load_pseudonymizer(const config::config& cfg) {
  if (cfg.pseudonymize.empty()) return std::shared_ptr<const model::pseudonymizer>{};
  auto key = read_pseudonym_key(cfg.pseudonym_key_file);
  if (!key) return key.err();
  return std::shared_ptr<const model::pseudonymizer>(
      std::make_shared<model::pseudonymizer>(std::move(key.value()), cfg.pseudonymize));
}

}  // namespace slawatch::app::detail
