// `slawatch report` (contract 10): one partner's report for one month, offline from the
// configured database (opened read-only, so it runs beside a live daemon).
#include <fstream>
#include <iostream>
#include "slawatch/app/app.hpp"
#include "slawatch/report/render.hpp"

namespace slawatch::app {

namespace {

int fail(const std::string& message, int code = exit_failure) {
  std::cerr << "report: " << message << '\n';
  return code;
}

std::string render(const report::report& r, const std::string& format) {
  if (format == "json") return report::to_json(r).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (format == "csv") return report::to_csv(r);
  return report::to_html(r);
}

}  // namespace

int report_command(const report_options& o) {
  auto month = report::parse_period(o.period);
  if (!month) return fail(month.err().message, exit_usage);
  if (o.format != "html" && o.format != "json" && o.format != "csv") {
    return fail("--format: expected html, json or csv", exit_usage);
  }
  auto cfg = load_config(o.config_file);
  for (const auto& e : cfg.errors) std::cerr << e.render() << '\n';
  if (!cfg.cfg || !cfg.errors.empty()) return exit_failure;
  const instant now = wall_clock_now();
  auto loaded = load_rules(cfg.cfg->rules, now);
  for (const auto& e : loaded.errors) std::cerr << e.render() << '\n';
  if (!loaded.set) return exit_failure;
  const model::partner* p = loaded.set->find_partner(o.partner);
  if (p == nullptr) return fail("unknown partner '" + o.partner + "'");
  const auto& zone = report::partner_zone(*p);
  if (report::bounds_of(*month, zone).from > now) return fail("period: in the future");
  auto s = store::open_sqlite_readonly(cfg.cfg->storage_path);
  if (!s) return fail(s.err().message);
  auto rows = report::gather(*s.value(), p->id, *month, zone);
  if (!rows) return fail(rows.err().message);
  const auto text = render(report::build(*p, *loaded.set, *month, zone, now, std::move(rows.value())), o.format);
  if (!o.output || *o.output == "-") {   // "-o -": standard output, as usual for CLIs
    std::cout << text;
    return exit_ok;
  }
  std::ofstream out(*o.output, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return fail("cannot write " + *o.output);
  return exit_ok;
}

}  // namespace slawatch::app
