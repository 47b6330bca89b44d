#pragma once
/// Strict YAML reading for the configuration file: every helper reports what is wrong with
/// the node it reads (naming the full key path) into one error list and never throws, so
/// `slawatch check` shows all problems of a file at once.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "slawatch/config/config.hpp"
#include "slawatch/model/result.hpp"
#include "slawatch/model/time.hpp"

namespace slawatch::config::detail {

class reader {
 public:
  explicit reader(std::string file) : file_(std::move(file)) {}

  /// Records `message` at the node's position (1-based; no position for a null mark).
  void fail(const YAML::Node& at, std::string code, std::string message);
  void fail_at(const YAML::Mark& mark, std::string code, std::string message);

  /// True when `n` is a mapping whose keys can be read. False, silently, when `n` is absent
  /// or null (nothing configured: defaults stay); false with an error for anything else.
  /// Reports every key not in `allowed` ("unknown key 'listn' in server") and repeated keys.
  bool mapping(const YAML::Node& n, const std::string& path,
               std::initializer_list<std::string_view> allowed);
  /// True when `n` is a sequence; false, silently, when absent or null; else reports it.
  bool sequence(const YAML::Node& n, const std::string& path, std::string_view expected);

  /// The scalar text of `n`; reports "<path>: expected <expected>, got ..." otherwise.
  std::optional<std::string> scalar(const YAML::Node& n, const std::string& path,
                                    std::string_view expected);

  /// Like scalar() for `parent[key]` (which must exist); a null value is reported at the key.
  std::optional<std::string> member(const YAML::Node& parent, const char* key,
                                    const std::string& name, std::string_view expected);

  // Each reads `parent[key]` when present and stores it in `out`; otherwise leaves `out`.
  void string(const YAML::Node& parent, const char* key, const std::string& path, std::string& out,
              bool non_empty = true);
  void positive(const YAML::Node& parent, const char* key, const std::string& path,
                std::uint64_t& out, bool allow_size_suffix = false);
  void boolean(const YAML::Node& parent, const char* key, const std::string& path, bool& out);
  void duration(const YAML::Node& parent, const char* key, const std::string& path,
                std::string_view example, bool allow_zero, slawatch::duration& out);
  void string_list(const YAML::Node& parent, const char* key, const std::string& path,
                   std::vector<std::string>& out);

  [[nodiscard]] std::vector<error>& errors() { return errors_; }

 private:
  std::string file_;
  std::vector<error> errors_;
};

/// "'text'" for a scalar, "a list", "a mapping" or "nothing" otherwise: the "got" of a message.
std::string describe(const YAML::Node& n);

/// "path.key", or "key" when path is empty (top level).
std::string join(const std::string& path, std::string_view key);

/// Digits only, no sign, fits 64 bits; an optional KiB/MiB/GiB suffix when allowed.
std::optional<std::uint64_t> parse_count(std::string_view text, bool allow_size_suffix);

/// Value checks shared by the sections.
bool is_url(std::string_view s);         ///< http:// or https:// and something after it
bool is_env_name(std::string_view s);    ///< [A-Za-z_][A-Za-z0-9_]*
bool is_clock_time(std::string_view s);  ///< HH:MM, 00:00-23:59

/// Sections kept in auth.cpp: auth (tokens, certificates) and ingest.rate_limit.
void read_auth(reader& r, const YAML::Node& n, config& c);
void read_rate_limit(reader& r, const YAML::Node& n, config& c);

/// Sections kept in alerting.cpp.
void read_alerting(reader& r, const YAML::Node& n, config& c);
void read_reports(reader& r, const YAML::Node& n, config& c);

}  // namespace slawatch::config::detail
