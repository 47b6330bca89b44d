// rules::load: parse every file, then load each section across all files in dependency
// order (lists → macros → calendars → partners → rules), so a file may use what another
// file defines.
#include <fmt/format.h>
#include <algorithm>
#include "loader_detail.hpp"
#include "slawatch/model/breach.hpp"

namespace slawatch::rules {
namespace detail {
namespace {

parsed_file parse(loader& ld, const source_file& src) {
  parsed_file f;
  f.src = &src;
  f.line_starts.push_back(0);
  for (std::size_t i = 0; i < src.text.size(); ++i) {
    if (src.text[i] == '\n') f.line_starts.push_back(i + 1);
  }
  try {
    f.root = YAML::Load(src.text);
  } catch (const YAML::Exception& e) {
    ld.fail(f, e.mark, "syntax", fmt::format("YAML syntax error: {}", e.msg));
    return f;
  }
  if (!f.root.IsNull() && !f.root.IsMap()) {
    ld.fail(f, f.root.Mark(), "invalid_value",
            "expected a mapping with keys lists, macros, calendars, partners, rules");
    return f;
  }
  f.ok = true;
  if (f.root.IsMap()) {
    check_keys(ld, f, f.root, {"lists", "macros", "calendars", "partners", "rules"});
  }
  return f;
}

using section_loader = void (*)(loader&, const parsed_file&, const YAML::Node&);

void load_section(loader& ld, const std::vector<parsed_file>& files, std::string_view key,
                  section_loader fn) {
  for (const auto& f : files) {
    if (!f.ok || !f.root.IsMap()) continue;
    if (auto fl = find(f.root, key)) fn(ld, f, fl->val);
  }
}

std::string set_version(const rule_set& set) {
  std::vector<std::pair<std::string, std::string>> ids;
  for (const auto& r : set.rules) ids.emplace_back(r.id, r.version);
  std::sort(ids.begin(), ids.end());
  std::string all;
  for (const auto& [id, v] : ids) all += fmt::format("{}\x1f{}\n", id, v);
  return model::sha256_hex(all);
}

/// Errors in file order, then by position, so output and tests are stable.
void sort_errors(std::vector<error>& errs, const std::vector<source_file>& files) {
  auto rank = [&](const error& e) {
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (files[i].name == e.where.file) return i;
    }
    return files.size();
  };
  std::stable_sort(errs.begin(), errs.end(), [&](const error& a, const error& b) {
    return std::make_tuple(rank(a), a.where.line, a.where.col) <
           std::make_tuple(rank(b), b.where.line, b.where.col);
  });
}

}  // namespace
}  // namespace detail

namespace {

load_result load_unguarded(const std::vector<source_file>& files, const load_options& opts) {
  detail::loader ld;
  ld.opts = opts;
  std::vector<detail::parsed_file> parsed;
  parsed.reserve(files.size());
  for (const auto& src : files) {
    parsed.push_back(detail::parse(ld, src));
    ld.set.file_hashes[src.name] = model::sha256_hex(src.text);
  }
  detail::load_section(ld, parsed, "lists", detail::load_lists);
  ld.decls.variables = {"event", "partner"};
  ld.decls.functions = business_function_arities();
  ld.decls.lists = std::make_shared<const nlohmann::json>(ld.lists);
  ld.set.lists = ld.decls.lists;
  detail::load_section(ld, parsed, "macros", detail::load_macros);
  detail::load_section(ld, parsed, "calendars", detail::load_calendars);
  detail::load_section(ld, parsed, "partners", detail::load_partners);
  detail::build_business_calendars(ld);
  detail::load_section(ld, parsed, "rules", detail::load_rules);
  detail::check_objectives(ld);
  detail::lint_holidays(ld);

  load_result out;
  detail::sort_errors(ld.errors, files);
  detail::sort_errors(ld.warnings, files);
  out.errors = std::move(ld.errors);
  out.warnings = std::move(ld.warnings);
  if (out.errors.empty()) {
    ld.set.version = detail::set_version(ld.set);
    out.set = std::make_shared<const rule_set>(std::move(ld.set));
  }
  return out;
}

}  // namespace

load_result load(const std::vector<source_file>& files, const load_options& opts) {
  // Every user mistake is reported as a value above; this only keeps a library surprise
  // (e.g. an odd yaml-cpp conversion) from crossing the module boundary.
  try {
    return load_unguarded(files, opts);
  } catch (const std::exception& e) {
    load_result out;
    out.errors.push_back(error{"internal", fmt::format("internal error: {}", e.what()), {}});
    return out;
  }
}

}  // namespace slawatch::rules
