#include "slawatch/http/router.hpp"

#include <exception>
#include <string_view>

namespace slawatch::http {

namespace detail {

route_match match_route(const std::string& path) {
  constexpr std::string_view breaches_prefix = "/v1/breaches/";
  constexpr std::string_view reports_prefix = "/v1/reports/";
  if (path == "/v1/events") return {true, "POST", {}, false, access::ingest};
  if (path == "/-/reload") return {true, "POST", {}, false, access::admin};
  if (path == "/v1/breaches" || path == "/v1/obligations" || path == "/v1/partners") {
    return {true, "GET", {}, false, access::read_own};
  }
  if (path == "/v1/notifications" || path == "/v1/rules") return {true, "GET", {}, false, access::read_all};
  if (path == "/v1/audit") return {true, "GET", {}, false, access::officer};
  if (path == "/metrics") return {true, "GET", {}, false, access::metrics};
  if (path == "/-/healthy" || path == "/-/ready") return {true, "GET", {}, false, access::open};
  if (path.starts_with(reports_prefix)) {
    std::string id = path.substr(reports_prefix.size());
    if (!id.empty() && id.find('/') == std::string::npos) {
      return {true, "GET", id, false, access::report, true};
    }
  }
  if (path.starts_with(breaches_prefix)) {
    std::string id = path.substr(breaches_prefix.size());
    if (!id.empty() && id.find('/') == std::string::npos) return {true, "GET", id, false, access::read_own};
    constexpr std::string_view waive_suffix = "/waive";
    if (id.ends_with(waive_suffix)) {
      id.resize(id.size() - waive_suffix.size());
      if (!id.empty() && id.find('/') == std::string::npos) return {true, "POST", id, true, access::officer};
    }
  }
  return {};
}

response text_response(unsigned status, std::string body) {
  response r;
  r.status = status;
  r.content_type = std::string(text_content_type);
  r.body = std::move(body);
  return r;
}

}  // namespace detail

router::router(router_deps deps) : deps_(std::move(deps)) {}

void router::handle(request req, responder done) {
  ++in_flight_;
  // Every path ends here exactly once, whichever thread answers.
  responder finish = [this, done = std::move(done)](response r) {
    done(std::move(r));
    --in_flight_;
  };
  try {
    auto t = parse_target(req.target);
    if (!t) {
      finish(error_response(400, t.err().message));
      return;
    }
    dispatch(req, t.value(), finish);
  } catch (const std::exception&) {
    // Only reached when nothing was answered yet: every answer is the last statement of
    // its branch, and the ingest completion does not throw into this frame.
    finish(error_response(500, "internal error"));
  }
}

void router::dispatch(request& req, const target& t, responder& done) {
  auto m = detail::match_route(t.path);
  if (!m.found) {
    done(error_response(404, "not found"));
    return;
  }
  if (req.method != m.allow) {
    auto r = error_response(405, "method " + req.method + " not allowed, use " + std::string(m.allow));
    r.headers.emplace_back("Allow", std::string(m.allow));
    done(std::move(r));
    return;
  }
  if (auto refused = authorize(req, t, m)) {
    done(std::move(*refused));
    return;
  }
  if (t.path == "/v1/events") {
    post_events(req, std::move(done));
  } else if (t.path == "/v1/breaches") {
    done(get_breaches(req, t));
  } else if (t.path == "/v1/obligations") {
    done(get_obligations(req, t));
  } else if (m.report) {
    auto scope = req.partner_scope();
    if (!scope.empty() && scope != m.id) {   // answered like a partner that does not exist
      done(error_response(404, detail::report_not_found));
      return;
    }
    get_report(req, t, m.id, std::move(done));
  } else if (t.path == "/v1/audit") {
    done(get_audit(t));
  } else if (t.path == "/v1/notifications") {
    done(get_notifications(deps_.readers, t, deps_.log));
  } else if (m.waive) {
    post_waive(req, m.id, std::move(done));
  } else if (!m.id.empty()) {
    done(get_breach(req, m.id));
  } else if (t.path == "/-/reload") {
    done(post_reload());
  } else if (t.path == "/v1/rules") {
    done(get_rules());
  } else if (t.path == "/v1/partners") {
    done(get_partners(req));
  } else if (t.path == "/metrics") {
    done(get_metrics());
  } else if (t.path == "/-/healthy") {
    done(detail::text_response(200, "OK"));
  } else {
    done(get_ready());
  }
}

response router::get_partners(const request& req) {
  auto rules = deps_.rules ? deps_.rules() : nullptr;
  if (!rules) return error_response(503, "rules: not loaded");
  auto scope = req.partner_scope();
  auto list = nlohmann::json::array();
  for (const auto& [id, p] : rules->partners) {
    if (scope.empty() || id == scope) list.push_back(p.to_json());
  }
  return json_response(200, nlohmann::json{{"partners", std::move(list)}});
}

response router::get_metrics() {
  response r;
  r.content_type = std::string(metrics_content_type);
  if (deps_.metrics != nullptr) r.body = deps_.metrics->serialize();
  return r;
}

response router::get_ready() {
  bool ready = deps_.ready ? deps_.ready() : true;
  if (ready && deps_.rules && deps_.rules()) return detail::text_response(200, "OK");
  return detail::text_response(503, "not ready");
}

}  // namespace slawatch::http
