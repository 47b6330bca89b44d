#pragma once
// privacy.key_file: reading the pseudonymisation key at start-up (serve, replay).
#include <memory>
#include <string>
#include "slawatch/config/config.hpp"
#include "slawatch/model/pseudonymize.hpp"
#include "slawatch/model/result.hpp"

namespace slawatch::app::detail {

/// Larger key files are refused: a key is a few dozen random bytes, a big file is a wrong path.
inline constexpr std::size_t max_pseudonym_key_bytes = 4096;

/// The key file's bytes, exactly (a trailing newline is part of the key). Refused (code
/// "invalid_value", or "io" when it cannot be read), exactly:
///   "privacy.key_file: cannot read /x/key: No such file or directory"
///   "privacy.key_file: /x/key is not a regular file"
///   "privacy.key_file: /x/key is readable by other users (mode 0644); chmod 600 it"
///   "privacy.key_file: /x/key is writable by other users (mode 0662); chmod 600 it"
///   "privacy.key_file: /x/key is writable by its group (mode 0660); chmod 600 it"
///   "privacy.key_file: /x/key has 5 bytes, at least 16 are needed (head -c 32 /dev/urandom > /x/key)"
///   "privacy.key_file: /x/key has 5000 bytes, more than 4096"
result<std::string> read_pseudonym_key(const std::string& path);

/// The pseudonymizer of privacy.pseudonymize with the key of privacy.key_file; null when no
/// field is listed (the key file is then not read).
result<std::shared_ptr<const model::pseudonymizer>> load_pseudonymizer(const config::config& cfg);

}  // namespace slawatch::app::detail
