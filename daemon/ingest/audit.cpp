// The details of the audit entries the pipeline and the app write (contract 8).
#include "slawatch/ingest/audit.hpp"
#include <set>

namespace slawatch::ingest {

nlohmann::json batch_audit_detail(const std::vector<const model::event*>& accepted,
                                  const std::vector<std::string>& content_hashes,
                                  std::size_t duplicates, std::size_t conflicts) {
  std::string hashes;
  hashes.reserve(content_hashes.size() * 65);
  for (const auto& h : content_hashes) hashes.append(h).push_back('\n');
  std::set<std::string> partners;
  for (const auto* ev : accepted) partners.insert(ev->partner);
  return {{"count", accepted.size()},
          {"duplicates", duplicates},
          {"conflicts", conflicts},
          {"partners", partners},
          {"events_sha256", model::sha256_hex(hashes)}};
}

nlohmann::json breach_audit_detail(const model::breach& b, std::string_view event) {
  return {{"event", event},
          {"id", b.id},
          {"rule", b.rule},
          {"partner", b.partner},
          {"status", model::to_string(b.status)}};
}

nlohmann::json waiver_audit_detail(const model::breach& b, const std::string& reason) {
  return {{"id", b.id}, {"rule", b.rule}, {"partner", b.partner}, {"reason", reason}};
}

result<store::audit_entry> record_report_delivery(store::store& s, const report_delivery& d,
                                                  instant at) {
  return s.append_audit("report",
                        {{"partner", d.partner},
                         {"period", d.period},
                         {"format", d.format},
                         {"sha256", d.sha256},
                         {"destination", d.destination}},
                        at);
}

result<std::optional<store::audit_entry>> record_config(store::store& s, const std::string& file,
                                                        const std::string& sha256, instant at) {
  auto last = s.last_audit("config");
  if (!last) return last.err();
  if (last.value() && last.value()->detail.value("sha256", "") == sha256) {
    return std::optional<store::audit_entry>{};
  }
  auto e = s.append_audit("config", {{"file", file}, {"sha256", sha256}}, at);
  if (!e) return e.err();
  return std::optional<store::audit_entry>{std::move(e.value())};
}

}  // namespace slawatch::ingest
