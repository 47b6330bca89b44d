// Fuzzes the rule loader (contract 4-5, docs/rules.md "Every loader error") from memory:
// YAML parsing, merging across files, partners, calendars, lists, macros and every rule
// kind's compilation. A line "#@file" splits the input into several files, so duplicate ids
// and cross-file references are reached too. Time zones come from the system database, as
// in the daemon, so business calendars are built as well.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string_view>
#include <vector>
#include "slawatch/rules/rule_set.hpp"

namespace {

using namespace slawatch;

const date::time_zone* resolve_zone(std::string_view name) {
  try {
    const auto* z = date::locate_zone(name);
    z->get_info(date::sys_seconds{});
    return z;
  } catch (const std::exception&) {
    return nullptr;
  }
}

std::vector<rules::source_file> split_files(std::string_view input) {
  constexpr std::string_view sep = "\n#@file\n";
  std::vector<rules::source_file> files;
  while (true) {
    const auto at = input.find(sep);
    files.push_back({"f" + std::to_string(files.size()) + ".yaml",
                     std::string(input.substr(0, at))});
    if (at == std::string_view::npos) break;
    input.remove_prefix(at + sep.size());
  }
  return files;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  rules::load_options opts;
  opts.today = instant{std::chrono::seconds(1'795'737'600)};   // 2026-11-27T00:00:00Z
  opts.zones = resolve_zone;
  const auto got = rules::load(split_files(input), opts);
  if (got.set == nullptr && got.errors.empty()) __builtin_trap();   // failure names a reason
  for (const auto& e : got.errors) (void)e.render();
  for (const auto& w : got.warnings) (void)w.render();
  if (got.set) (void)rules::business_functions(*got.set);
  return 0;
}
