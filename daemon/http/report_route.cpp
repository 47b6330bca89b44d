// GET /v1/reports/{partner}?period=YYYY-MM&format=json|csv|html (contract 6, 9; issue 7):
// the format comes from `format`, else from Accept; the report is built from one reader.
#include <set>
#include <fmt/format.h>
#include "slawatch/http/router.hpp"
#include "slawatch/report/render.hpp"

namespace slawatch::http {

namespace detail {
namespace {

struct report_query {
  std::optional<report::period> month;
  std::string format;   ///< json | csv | html; empty: from Accept
};

result<report_query> parse_report_query(const std::vector<std::pair<std::string, std::string>>& query) {
  report_query q;
  std::set<std::string> seen;
  for (const auto& [name, value] : query) {
    if (!seen.insert(name).second) return error{"bad_request", name + ": given more than once", {}};
    if (name == "period") {
      auto p = report::parse_period(value);
      if (!p) return p.err();
      q.month = *p;
    } else if (name == "format") {
      if (value != "json" && value != "csv" && value != "html") {
        return error{"bad_request", "format: expected json, csv or html", {}};
      }
      q.format = value;
    } else {
      return error{"bad_request", name + ": unknown query parameter", {}};
    }
  }
  if (!q.month) return error{"bad_request", "period: required", {}};
  return q;
}

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  return std::string(s.substr(b, s.find_last_not_of(" \t") - b + 1));
}

}  // namespace

std::optional<std::string> negotiate_report_format(std::string_view accept) {
  if (trim(accept).empty()) return "json";
  std::optional<std::string> best;
  double best_q = 0;
  std::size_t start = 0;
  while (start <= accept.size()) {
    auto end = accept.find(',', start);
    if (end == std::string_view::npos) end = accept.size();
    auto range = accept.substr(start, end - start);
    start = end + 1;
    double q = 1.0;
    if (auto semi = range.find(';'); semi != std::string_view::npos) {
      auto params = range.substr(semi + 1);
      if (auto qp = params.find("q="); qp != std::string_view::npos) {
        q = std::strtod(std::string(params.substr(qp + 2)).c_str(), nullptr);
      }
      range = range.substr(0, semi);
    }
    const auto type = trim(range);
    std::string fmt;
    if (type == "application/json" || type == "application/*" || type == "*/*") fmt = "json";
    if (type == "text/csv") fmt = "csv";
    if (type == "text/html" || type == "text/*") fmt = "html";
    if (!fmt.empty() && q > best_q) {
      best = fmt;
      best_q = q;
    }
  }
  return best;
}

response report_response(const report::report& r, const std::string& format) {
  response out;
  if (format == "csv") {
    out.content_type = "text/csv; charset=utf-8";
    out.body = report::to_csv(r);
    out.headers.emplace_back("Content-Disposition",
                             fmt::format("attachment; filename=\"{}\"", report::file_name(r, "csv")));
  } else if (format == "html") {
    out.content_type = "text/html; charset=utf-8";
    out.body = report::to_html(r);
  } else {
    out.body = report::to_json(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return out;
}

}  // namespace detail

void router::get_report(request& req, const target& t, const std::string& partner,
                        responder done) {
  auto q = detail::parse_report_query(t.query);
  if (!q) return done(error_response(400, q.err().message));
  std::string format = q->format;
  if (format.empty()) {
    auto negotiated = detail::negotiate_report_format(req.accept);
    if (!negotiated) return done(error_response(406, "accept: expected application/json, text/csv or text/html"));
    format = *negotiated;
  }
  auto rules = deps_.rules ? deps_.rules() : nullptr;
  if (!rules) return done(error_response(503, "rules: not loaded"));
  const model::partner* p = rules->find_partner(partner);
  if (p == nullptr) return done(error_response(404, detail::report_not_found));
  const auto& zone = report::partner_zone(*p);
  const instant now = deps_.now ? deps_.now() : instant{};
  if (report::bounds_of(*q->month, zone).from > now) return done(error_response(400, "period: in the future"));
  if (deps_.readers == nullptr) return done(error_response(503, "storage: not available"));
  auto rows = deps_.readers->with<report::period_rows>(
      [&](store::store& s) { return report::gather(s, partner, *q->month, zone); });
  if (!rows) {
    if (deps_.log) deps_.log("error", "storage: read failed", {{"error", rows.err().message}});
    return done(error_response(503, "storage: " + rows.err().message));
  }
  auto rep = report::build(*p, *rules, *q->month, zone, now, std::move(rows.value()));
  done(detail::report_response(rep, format));
}

}  // namespace slawatch::http
