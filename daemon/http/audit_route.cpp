// GET /v1/audit (contract 8): placeholder until the audit trail lands.
#include "slawatch/http/router.hpp"

namespace slawatch::http {

response router::get_audit(const target& /*t*/) {
  return error_response(501, "audit: not implemented yet");
}

}  // namespace slawatch::http
