#pragma once
/// What each audit entry (contract 8) records. The pipeline writes "batch", "breach" and
/// "waiver" entries in the transaction of what they record; the app writes "reload",
/// "config" and "retention" through pipeline::run; the report helper calls
/// record_report_delivery inside a pipeline::run task. Entries never hold raw event data:
/// batches are identified by the hash of their events' content hashes.
#include <optional>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>
#include "slawatch/model/breach.hpp"
#include "slawatch/model/event.hpp"
#include "slawatch/store/store.hpp"

namespace slawatch::ingest {

/// Detail of a "batch" entry: {"count", "duplicates", "conflicts", "partners" (sorted,
/// unique, of the accepted events), "events_sha256"}: events_sha256 = hex sha256 of the
/// accepted events' content hashes in batch order, each followed by "\n".
/// `content_hashes[i]` is accepted[i]->content_hash(), as the store computed it.
nlohmann::json batch_audit_detail(const std::vector<const model::event*>& accepted,
                                  const std::vector<std::string>& content_hashes,
                                  std::size_t duplicates, std::size_t conflicts);

/// Detail of a "breach" entry: {"event": "opened" | "closed" | "updated", "id", "rule",
/// "partner", "status"} (status as stored after the change).
nlohmann::json breach_audit_detail(const model::breach& b, std::string_view event);

/// Detail of a "waiver" entry: {"id", "rule", "partner", "reason"} (the officer's words).
nlohmann::json waiver_audit_detail(const model::breach& b, const std::string& reason);

/// A report handed over (file written, response sent, webhook delivered).
struct report_delivery {
  std::string partner;
  std::string period;        ///< "2026-11"
  std::string format;        ///< json | csv | html
  std::string sha256;        ///< hex sha256 of the delivered bytes
  std::string destination;   ///< e.g. "http", "file:/var/lib/slawatch/reports/...", "webhook:<name>"
};

/// Appends a "report" entry {"partner", "period", "format", "sha256", "destination"} in the
/// caller's transaction (use it inside a pipeline::run task).
result<store::audit_entry> record_report_delivery(store::store& s, const report_delivery& d,
                                                  instant at);

/// Appends a "config" entry {"file", "sha256"} unless the newest "config" entry already has
/// this sha256 (nullopt then). `file` is the configuration path ("<defaults>" without one);
/// `sha256` the hex sha256 of its text (of "" for the built-in defaults).
result<std::optional<store::audit_entry>> record_config(store::store& s, const std::string& file,
                                                        const std::string& sha256, instant at);

}  // namespace slawatch::ingest
