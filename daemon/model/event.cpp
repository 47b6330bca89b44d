// Envelope validation (contract 2.1) and stamping (2.2). This runs once per ingested event,
// so the checks are hand-written single passes: no regex, no copies beyond the stored doc.
#include "slawatch/model/event.hpp"

#include <algorithm>
#include <array>

#include "slawatch/model/breach.hpp"

namespace slawatch::model {
namespace detail {

using json = nlohmann::json;

constexpr std::array<std::string_view, 9> envelope_fields = {
    "attributes", "correlation_id", "id",      "occurred_at", "partner",
    "purpose",    "sent_at",        "subject", "type"};

error invalid(std::string_view field, std::string_view what) {
  return error{"invalid_field", fmt::format("{}: {}", field, what), {}};
}

bool is_envelope_field(std::string_view k) {
  return std::find(envelope_fields.begin(), envelope_fields.end(), k) != envelope_fields.end();
}

/// Keys that need no JSON escaping (every envelope field name is one).
bool plain_key(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool valid_id(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
  });
}

/// ^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$ without a regex engine.
bool valid_type(std::string_view s) {
  std::size_t segments = 0;
  bool at_segment_start = true;
  for (const char c : s) {
    if (at_segment_start) {
      if (c < 'a' || c > 'z') return false;
      at_segment_start = false;
      ++segments;
    } else if (c == '.') {
      at_segment_start = true;
    } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return !at_segment_start && segments >= 2;
}

/// True when `v` nests containers (objects or arrays) deeper than `limit`; `v` itself is at
/// `level`. The attributes object is level 1, so {"a": {"b": 1}} has depth 2.
bool too_deep(const json& v, int level, int limit) {
  if (!v.is_structured()) return false;
  if (level > limit) return true;
  for (const auto& child : v) {
    if (child.is_structured() && too_deep(child, level + 1, limit)) return true;
  }
  return false;
}

/// Looks `key` up; nullptr when absent. A present `null` is returned (and then rejected as the
/// wrong type): an explicit null is more likely a client bug than a wish to omit the field.
const json* find(const json& obj, std::string_view key) {
  const auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::optional<error> check_string(const json* v, std::string_view field, bool required) {
  if (v == nullptr) {
    if (required) return invalid(field, "required");
    return std::nullopt;
  }
  if (!v->is_string()) return invalid(field, "expected a string");
  return std::nullopt;
}

std::optional<error> check_timestamp(const json* v, std::string_view field, bool required) {
  if (auto e = check_string(v, field, required)) return e;
  if (v != nullptr && !timefmt::parse_rfc3339(v->get_ref<const std::string&>()))
    return invalid(field, "not an RFC 3339 timestamp");
  return std::nullopt;
}

/// Checks the nine envelope fields in contract order; fills the typed members of `ev`.
std::optional<error> check_fields(const json& obj, event& ev) {
  const json* id = find(obj, "id");
  if (auto e = check_string(id, "id", true)) return e;
  ev.id = id->get<std::string>();
  if (!valid_id(ev.id)) return invalid("id", "expected 1-128 characters of [A-Za-z0-9._:-]");
  const json* partner = find(obj, "partner");
  if (auto e = check_string(partner, "partner", true)) return e;
  ev.partner = partner->get<std::string>();
  const json* type = find(obj, "type");
  if (auto e = check_string(type, "type", true)) return e;
  ev.type = type->get<std::string>();
  if (!valid_type(ev.type))
    return invalid("type", "expected a lowercase dotted name like contribution.collected");
  const json* occurred = find(obj, "occurred_at");
  if (auto e = check_string(occurred, "occurred_at", true)) return e;
  const auto at = timefmt::parse_rfc3339_with_offset(occurred->get_ref<const std::string&>());
  if (!at) return invalid("occurred_at", "not an RFC 3339 timestamp");
  ev.occurred_at = at->first;
  ev.occurred_offset = at->second;
  if (auto e = check_timestamp(find(obj, "sent_at"), "sent_at", false)) return e;
  const json* corr = find(obj, "correlation_id");
  if (auto e = check_string(corr, "correlation_id", false)) return e;
  if (corr != nullptr && corr->get_ref<const std::string&>().size() > 128)
    return invalid("correlation_id", "longer than 128 characters");
  if (auto e = check_string(find(obj, "subject"), "subject", false)) return e;
  if (auto e = check_string(find(obj, "purpose"), "purpose", false)) return e;
  if (const json* attrs = find(obj, "attributes")) {
    if (!attrs->is_object()) return invalid("attributes", "expected a JSON object");
    if (too_deep(*attrs, 1, max_attribute_depth))
      return invalid("attributes",
                     fmt::format("nested deeper than {} levels", max_attribute_depth));
  }
  return std::nullopt;
}

/// Shared by validate_envelope and validate_stored; `stamped_ok` admits received_at/transport.
result<event> validate(const json& obj, std::size_t size, bool stamped_ok) {
  if (!obj.is_object()) return invalid("event", "expected a JSON object");
  if (size > max_event_bytes)
    return error{"too_large", fmt::format("event: larger than {} bytes", max_event_bytes), {}};
  for (const auto& [key, value] : obj.items()) {  // std::map order: the first sorted unknown
    if (is_envelope_field(key)) continue;
    if (stamped_ok && (key == "received_at" || key == "transport")) continue;
    return invalid(key, "unknown field");
  }
  event ev;
  if (auto e = check_fields(obj, ev)) return *e;
  ev.doc = obj;
  return ev;
}

/// Bytes a member `"key":value,` takes in the compact encoding (an estimate for pretty input).
std::size_t member_size(std::string_view key, const json& v) {
  return key.size() + 4 + v.dump(-1, ' ', false, json::error_handler_t::replace).size();
}

}  // namespace detail

nlohmann::json transport::to_json() const {
  auto opt = [](const std::optional<std::string>& s) -> nlohmann::json {
    return s ? nlohmann::json(*s) : nlohmann::json(nullptr);
  };
  return {{"source", source},
          {"tls", tls},
          {"tls_version", opt(tls_version)},
          {"client_cert", opt(client_cert)},
          {"authenticated_as", opt(authenticated_as)},
          {"signature", signature}};
}

std::string event::canonical_envelope() const {
  // Written member by member into one buffer instead of copying doc and erasing the stamps:
  // this is hashed for every ingested event. Keys come out sorted (json objects are
  // std::maps); the serializer is nlohmann's own, so the text equals a compact dump().
  using json = nlohmann::json;
  std::string out = "{";
  out.reserve(512);
  nlohmann::detail::serializer<json> writer(nlohmann::detail::output_adapter<char>(out), ' ',
                                            json::error_handler_t::replace);
  for (const auto& [key, value] : doc.items()) {
    if (key == "received_at" || key == "transport") continue;
    if (out.size() > 1) out += ',';
    if (detail::plain_key(key)) {
      out += '"';
      out += key;
      out += '"';
    } else {
      writer.dump(json(key), false, false, 0);
    }
    out += ':';
    writer.dump(value, false, false, 0);
  }
  out += '}';
  return out;
}

std::string event::content_hash() const { return sha256_hex(canonical_envelope()); }

result<event> validate_envelope(const nlohmann::json& obj, std::size_t encoded_size) {
  return detail::validate(obj, encoded_size, false);
}

result<event> validate_stored(const nlohmann::json& obj, std::size_t encoded_size,
                              const transport& default_transport) {
  // The 64 KiB limit is on the envelope as the partner sent it; the stamps slawatch added
  // must not push a stored event over it, or a replay would reject what ingest accepted.
  std::size_t envelope_size = encoded_size;
  for (const char* stamp_key : {"received_at", "transport"}) {
    if (const auto it = obj.find(stamp_key); it != obj.end()) {  // end() for non-objects
      const auto n = detail::member_size(stamp_key, *it);
      envelope_size = envelope_size > n ? envelope_size - n : 0;
    }
  }
  auto r = detail::validate(obj, envelope_size, true);
  if (!r) return r;
  event& ev = r.value();
  ev.received_at = ev.occurred_at;
  if (const auto it = obj.find("received_at"); it != obj.end()) {
    if (!it->is_string()) return detail::invalid("received_at", "expected a string");
    const auto at = timefmt::parse_rfc3339(it->get_ref<const std::string&>());
    if (!at) return detail::invalid("received_at", "not an RFC 3339 timestamp");
    ev.received_at = *at;
  } else {
    ev.doc["received_at"] = timefmt::format_utc_ms(ev.received_at);
  }
  if (const auto it = obj.find("transport"); it != obj.end()) {
    if (!it->is_object()) return detail::invalid("transport", "expected a JSON object");
  } else {
    ev.doc["transport"] = default_transport.to_json();
  }
  return r;
}

stamps::stamps(instant at, const transport& t)
    : received_at(at), received_text(timefmt::format_utc_ms(at)), transport_doc(t.to_json()) {}

void stamp(event& ev, const stamps& s) {
  ev.received_at = s.received_at;
  ev.doc["received_at"] = s.received_text;
  ev.doc["transport"] = s.transport_doc;
}

void stamp(event& ev, instant received_at, const transport& t) { stamp(ev, stamps(received_at, t)); }

}  // namespace slawatch::model
