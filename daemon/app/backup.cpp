// `slawatch backup`: online copy of the database (docs/operations.md, "Backup and restore").
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include "slawatch/app/app.hpp"
#include "slawatch/store/store.hpp"

namespace slawatch::app {

int backup(const backup_options& opts) {
  auto cfg = load_config(opts.config_file);
  for (const auto& e : cfg.errors) std::cerr << e.render() << '\n';
  if (!cfg.cfg || !cfg.errors.empty()) {
    std::cerr << "FAILED: " << cfg.errors.size() << " error(s) in the configuration\n";
    return exit_failure;
  }
  const std::string& source = cfg.cfg->storage_path;
  const auto started = std::chrono::steady_clock::now();
  auto copied = store::backup_sqlite(source, opts.dest);
  if (!copied) {
    std::cerr << "slawatch: " << copied.err().message << '\n';
    return exit_failure;
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  const auto& s = *copied;
  nlohmann::json out = {{"source", source},          {"dest", opts.dest},
                        {"pages", s.pages},          {"page_size", s.page_size},
                        {"bytes", s.bytes},          {"steps", s.steps},
                        {"schema_version", s.schema_version},
                        {"events", s.events},        {"breaches", s.breaches},
                        {"integrity", s.integrity},  {"seconds", took.count()}};
  std::cout << out.dump() << '\n';
  if (s.integrity != "ok") {
    std::cerr << "slawatch: backup: " << opts.dest << ": integrity check failed: " << s.integrity << '\n';
    return exit_failure;
  }
  return exit_ok;
}

}  // namespace slawatch::app
