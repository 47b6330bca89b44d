// GET /v1/reports/{partner} (contract 6, 9): placeholder until the report module lands.
#include "slawatch/http/router.hpp"

namespace slawatch::http {

void router::get_report(request& /*req*/, const target& /*t*/, const std::string& /*partner*/,
                        responder done) {
  done(error_response(501, "reports: not implemented yet"));
}

}  // namespace slawatch::http
