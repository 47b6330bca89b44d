// Fuzzes request-body parsing (contract 2.3): the same bytes as a JSON body and as an NDJSON
// body, and as a Content-Type header. Checks the documented invariants on top of "no crash":
// never more items than the limit, every failure is a malformed/too_large error value.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include "slawatch/ingest/batch.hpp"

namespace {

using namespace slawatch::ingest;

constexpr std::size_t max_events = 64;

void check(std::string_view body, body_format f) {
  const auto got = parse_body(body, f, max_events);
  if (!got) {
    const auto& e = got.err();
    if (e.code != "malformed" && e.code != "too_large") __builtin_trap();
    if (e.message.rfind("body: ", 0) != 0) __builtin_trap();
    return;
  }
  if (got->size() > max_events) __builtin_trap();
  // NDJSON sizes are line lengths; JSON array elements are re-encoded (1E9 grows), so only
  // NDJSON is bounded by the body.
  for (const auto& item : *got) {
    if (f == body_format::ndjson && item.encoded_size > body.size()) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  check(body, body_format::json);
  check(body, body_format::ndjson);
  (void)format_of(body);
  return 0;
}
