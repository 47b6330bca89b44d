// POST /v1/breaches/{id}/waive (contract 6): validate the reason, queue the waive to the
// single writer (ordered with events), answer after commit.
//
// Contract 6 makes this officer-only and audited. Neither roles nor the audit trail exist
// yet: the route is open, which is acceptable only because without auth the server binds
// loopback. When auth lands it must require the officer role. Until the audit trail exists
// the log line {"msg": "breach waived", "audit": "waiver", ...} is the record; the reason is
// officer free text and may hold personal data, so it is stored with the breach, never logged.
#include <algorithm>
#include "slawatch/http/router.hpp"

namespace slawatch::http {

namespace detail {

constexpr std::size_t max_reason_chars = 1000;

/// Code points of UTF-8 text (continuation bytes do not count).
std::size_t utf8_length(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
  }));
}

/// nlohmann's what() is "[json.exception.parse_error.101] parse error at ...": drop the tag.
std::string without_tag(const char* what) {
  std::string w(what);
  const auto end = w.find("] ");
  return w.starts_with("[json.exception.") && end != std::string::npos ? w.substr(end + 2) : w;
}

/// The reason from a {"reason": "..."} body, or the 400 message.
result<std::string> parse_reason(const std::string& body) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    return error{"bad_request", "body: " + without_tag(e.what())};
  }
  if (!doc.is_object()) return error{"bad_request", "body: expected a JSON object"};
  const auto it = doc.find("reason");
  if (it == doc.end() || it->is_null()) return error{"bad_request", "reason: required"};
  if (!it->is_string()) return error{"bad_request", "reason: expected a string"};
  auto reason = it->get<std::string>();
  if (reason.find_first_not_of(" \t\r\n") == std::string::npos) {
    return error{"bad_request", "reason: required"};
  }
  if (utf8_length(reason) > max_reason_chars) {
    return error{"bad_request", "reason: longer than 1000 characters"};
  }
  return reason;
}

/// The answer once the writer has committed (or refused) the waive.
response waive_response(const ingest::waive_result& r, const std::string& id, const log_fn& log) {
  if (!r.stored) {
    if (log) log("error", "storage: waive not stored", {{"error", r.error}, {"breach", id}});
    return error_response(503, "storage: unavailable, nothing was stored");
  }
  if (r.status == store::waive_status::not_found) return error_response(404, "breach not found");
  if (r.status == store::waive_status::already_waived) {
    return error_response(409, "breach already waived");
  }
  if (log) {
    log("info", "breach waived",
        {{"audit", "waiver"}, {"breach", id}, {"rule", r.breach->rule},
         {"partner", r.breach->partner}});
  }
  return json_response(200, r.breach->to_json());
}

}  // namespace detail

void router::post_waive(request& req, const std::string& id, responder done) {
  auto reason = detail::parse_reason(req.body);
  if (!reason) {
    done(error_response(400, reason.err().message));
    return;
  }
  if (!deps_.waive) {
    done(error_response(503, "waive: not available"));
    return;
  }
  auto log = deps_.log;
  auto on_commit = [id, log, done](ingest::waive_result r) {
    done(detail::waive_response(r, id, log));
  };
  if (deps_.waive(id, std::move(reason).value(), on_commit)) return;
  done(error_response(503, "waive: not available, shutting down"));
}

}  // namespace slawatch::http
