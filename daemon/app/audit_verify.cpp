// `slawatch audit verify`: recomputes the audit chain of the configured database, read-only.
#include <iostream>
#include "slawatch/app/app.hpp"
#include "slawatch/store/store.hpp"

namespace slawatch::app {

int audit_verify(const std::optional<std::string>& config_file) {
  auto cfg = load_config(config_file);
  for (const auto& e : cfg.errors) std::cerr << e.render() << '\n';
  if (!cfg.cfg || !cfg.errors.empty()) return exit_usage;
  auto s = store::open_sqlite_readonly(cfg.cfg->storage_path);
  if (!s) {
    std::cerr << "audit: " << s.err().message << '\n';
    return exit_usage;
  }
  auto v = s.value()->verify_audit();
  if (!v) {
    std::cerr << "audit: " << v.err().message << '\n';
    return exit_usage;
  }
  if (v->broken_seq) {
    std::cout << "audit: entry " << *v->broken_seq << " broken: " << v->reason << '\n';
    return exit_failure;
  }
  std::cout << "audit: " << v->entries << " entries, chain intact, head " << v->head.seq << ' '
            << v->head.hash << '\n';
  return exit_ok;
}

}  // namespace slawatch::app
