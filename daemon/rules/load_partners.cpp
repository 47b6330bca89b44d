// Loads the partner registry (contract section 4).
#include <fmt/format.h>
#include "loader_detail.hpp"

namespace slawatch::rules::detail {
namespace {

void read_report(loader& ld, const parsed_file& f, const YAML::Node& map, model::partner& p) {
  auto fl = find(map, "report");
  if (!fl || fl->val.IsNull() || !expect_map(ld, f, fl->val, "report")) return;
  check_keys(ld, f, fl->val, {"webhook", "secret_env"});
  p.report.webhook = read_string(ld, f, fl->val, "webhook", false, "report.webhook").value_or("");
  p.report.secret_env =
      read_string(ld, f, fl->val, "secret_env", false, "report.secret_env").value_or("");
}

void read_partner_fields(loader& ld, const parsed_file& f, const YAML::Node& map,
                         model::partner& p) {
  p.name = read_string(ld, f, map, "name", true).value_or("");
  p.class_ = read_string(ld, f, map, "class", true).value_or("");
  if (auto tz = read_string(ld, f, map, "timezone", false)) {
    if (!is_timezone(*tz)) {
      ld.fail(f, find(map, "timezone")->val.Mark(), "invalid_value",
              fmt::format("timezone: '{}' is not an IANA time zone name like Africa/Nairobi", *tz));
    }
    p.timezone = *tz;
  }
  if (auto cal = read_string(ld, f, map, "calendar", false)) {
    if (!ld.set.calendars.count(*cal)) {
      ld.fail(f, find(map, "calendar")->val.Mark(), "unknown_calendar",
              fmt::format("calendar: unknown calendar '{}'", *cal));
    }
    p.calendar = *cal;
  }
  p.allowed_purposes =
      read_string_list(ld, f, map, "allowed_purposes").value_or(std::vector<std::string>{});
  p.allowed_data_categories =
      read_string_list(ld, f, map, "allowed_data_categories").value_or(std::vector<std::string>{});
  p.hmac_secret_env = read_string(ld, f, map, "hmac_secret_env", false).value_or("");
  p.require_signature = read_bool(ld, f, map, "require_signature").value_or(false);
  p.labels = read_string_map(ld, f, map, "labels").value_or(std::map<std::string, std::string>{});
  read_report(ld, f, map, p);
}

}  // namespace

void load_partners(loader& ld, const parsed_file& f, const YAML::Node& node) {
  if (node.IsNull()) return;
  if (!node.IsSequence()) {
    ld.fail(f, node.Mark(), "invalid_value", "partners: expected a list");
    return;
  }
  for (const auto& item : node) {
    if (!expect_map(ld, f, item, "partners[]")) continue;
    check_keys(
        ld, f, item,
        {"id", "name", "class", "timezone", "calendar", "allowed_purposes",
         "allowed_data_categories", "hmac_secret_env", "require_signature", "labels", "report"});
    model::partner p;
    p.timezone = "UTC";
    auto id = read_string(ld, f, item, "id", true);
    read_partner_fields(ld, f, item, p);
    if (!id) continue;
    auto id_mark = find(item, "id")->val.Mark();
    if (!is_id(*id)) {
      ld.fail(f, id_mark, "invalid_value", fmt::format("id: '{}' must match [a-z0-9_.-]+", *id));
      continue;
    }
    auto [prev, fresh] = ld.partner_where.emplace(*id, ld.at(f, id_mark));
    if (!fresh) {
      ld.fail(f, id_mark, "duplicate_id",
              fmt::format("duplicate partner '{}', first defined at {}", *id,
                          render_location(prev->second)));
      continue;
    }
    p.id = *id;
    if (auto tz = find(item, "timezone")) ld.partner_tz_where[p.id] = ld.at(f, tz->val.Mark());
    ld.set.partners.emplace(p.id, std::move(p));
  }
}

}  // namespace slawatch::rules::detail
