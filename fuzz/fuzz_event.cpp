// Fuzzes envelope validation (contract 2.1-2.3): a JSON body goes through parse_body, prepare
// (field rules, future skew, partner checks, stamping) and response_body, as POST /v1/events
// does; every item is also validated "as stored" (replay and rule-test input). Every accepted
// event must hash and serialise; the response must serialise.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include "slawatch/ingest/batch.hpp"

namespace {

using namespace slawatch;
using namespace slawatch::ingest;

const rules::rule_set& registry() {
  static const rules::rule_set rs = [] {
    rules::rule_set out;
    for (const char* id : {"bank-a", "bank-b", "insurer-1"}) {
      model::partner p;
      p.id = id;
      p.name = id;
      p.timezone = "UTC";
      out.partners[id] = p;
    }
    return out;
  }();
  return rs;
}

/// 2026-11-27T00:00:00Z, the day the rules were written.
const instant received{std::chrono::seconds(1'795'737'600)};

void check_event(const model::event& ev) {
  if (!ev.doc.is_object()) __builtin_trap();
  if (ev.content_hash().size() != 64) __builtin_trap();
  (void)ev.doc.dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto items = parse_body(body, body_format::json, 100);
  if (!items) return 0;

  model::transport stored_default;
  stored_default.source = "replay";
  for (const auto& item : *items) {
    auto ev = model::validate_stored(item.doc, item.encoded_size, stored_default);
    if (ev) check_event(*ev);
  }

  sender who;
  if (size % 2 == 1) who.partner = "bank-a";   // half the inputs come with a partner token
  const auto n = items->size();
  const auto batch = prepare(std::move(*items), registry(), who, received, default_max_future_skew);
  if (batch.events.size() + batch.errors.size() != n) __builtin_trap();
  if (batch.events.size() != batch.indexes.size()) __builtin_trap();
  for (const auto& ev : batch.events) check_event(ev);

  batch_result stored{true, {}, {}};
  for (std::size_t k = 0; k < batch.events.size(); ++k) {
    stored.events.push_back({static_cast<store::put_status>(k % 3)});
  }
  (void)response_body(batch, stored).dump();
  return 0;
}
