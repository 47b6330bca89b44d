// Reading the configuration and rule files from disk (the pure loaders get texts only).
#include <glob.h>
#include <cerrno>
#include <cstring>
#include <exception>
#include <fstream>
#include <set>
#include <sstream>
#include "slawatch/app/app.hpp"

namespace slawatch::app {

namespace detail {

result<std::string> read_file(const std::string& name) {
  std::ifstream in(name, std::ios::binary);
  if (!in) return error{"io", fmt::format("{}: cannot read: {}", name, std::strerror(errno))};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return error{"io", fmt::format("{}: cannot read: {}", name, std::strerror(errno))};
  return text.str();
}

/// glob(3) without GLOB_NOCHECK: a pattern without wildcards names one file and is
/// matched only when it exists, so a missing file reports "no file matches" too.
std::vector<std::string> expand(const std::string& pattern) {
  glob_t g{};
  std::vector<std::string> out;
  if (::glob(pattern.c_str(), GLOB_ERR, nullptr, &g) == 0) {
    for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  return out;   // glob sorts by default
}

}  // namespace detail

instant wall_clock_now() {
  return std::chrono::time_point_cast<duration>(std::chrono::system_clock::now());
}

config::parse_result load_config(const std::optional<std::string>& file) {
  if (!file) return {config::defaults(), {}};
  auto text = detail::read_file(*file);
  if (!text) return {std::nullopt, {text.err()}};
  return config::parse(text.value(), *file);
}

rule_files read_rule_files(const std::vector<std::string>& patterns) {
  rule_files out;
  std::set<std::string> seen;   // overlapping patterns must not load a file twice
  for (const auto& pattern : patterns) {
    auto names = detail::expand(pattern);
    if (names.empty()) {
      out.errors.push_back(error{"io", fmt::format("rules: no file matches '{}'", pattern)});
      continue;
    }
    for (auto& name : names) {
      if (!seen.insert(name).second) continue;
      auto text = detail::read_file(name);
      if (!text) {
        out.errors.push_back(text.err());
        continue;
      }
      out.files.push_back({std::move(name), std::move(text.value())});
    }
  }
  return out;
}

rules::load_result load_rules(const std::vector<std::string>& patterns, instant today) {
  auto files = read_rule_files(patterns);
  if (!files.errors.empty()) {
    rules::load_result failed;
    failed.errors = std::move(files.errors);
    return failed;
  }
  return load_rules(files.files, today);
}

rules::load_result load_rules(const std::vector<rules::source_file>& files, instant today) {
  rules::load_options opts;
  opts.today = today;
  opts.zones = system_zones();
  return rules::load(files, opts);
}

calendar::zone_resolver system_zones() {
  return [](std::string_view name) -> const date::time_zone* {
    try {
      const auto* zone = date::locate_zone(std::string(name));
      // Debian's USE_OS_TZDB reads a zone's file lazily: load it now, while errors can
      // still be reported, rather than inside the pure core later.
      zone->get_info(date::sys_seconds{});
      return zone;
    } catch (const std::exception&) {
      return nullptr;
    }
  };
}

}  // namespace slawatch::app
