// Configuration sections for notifications and reports, and the listen address syntax.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "reader.hpp"

namespace slawatch::config {
namespace detail {
namespace {

void read_alertmanagers(reader& r, const YAML::Node& n, config& c) {
  r.string_list(n, "alertmanagers", "alerting", c.alertmanagers);
  const YAML::Node list = n["alertmanagers"];
  if (!list.IsDefined() || !list.IsSequence()) return;
  std::size_t i = 0;
  for (const auto& item : list) {
    if (item.IsScalar() && !item.Scalar().empty() && !is_url(item.Scalar()))
      r.fail(
          item, "invalid_value",
          fmt::format("alerting.alertmanagers[{}]: expected an http:// or https:// URL, got '{}'",
                      i, item.Scalar()));
    ++i;
  }
}

void read_webhook(reader& r, const YAML::Node& n, const std::string& path,
                  std::set<std::string>& names, config& c) {
  if (!r.mapping(n, path, {"name", "url", "secret_env", "categories", "severities", "partners"})) {
    if (n.IsNull()) r.fail(n, "invalid_value", path + ": expected a mapping, got nothing");
    return;
  }
  webhook w;
  r.string(n, "name", path, w.name);
  r.string(n, "url", path, w.url);
  r.string(n, "secret_env", path, w.secret_env);
  r.string_list(n, "categories", path, w.categories);
  r.string_list(n, "severities", path, w.severities);
  r.string_list(n, "partners", path, w.partners);
  for (const char* key : {"name", "url"}) {
    if (!n[key].IsDefined()) r.fail(n, "missing_key", fmt::format("{}.{}: required", path, key));
  }
  if (!w.name.empty() && !names.insert(w.name).second)
    r.fail(n["name"], "invalid_value",
           fmt::format("{}.name: duplicate webhook name '{}'", path, w.name));
  if (!w.url.empty() && !is_url(w.url))
    r.fail(n["url"], "invalid_value",
           fmt::format("{}.url: expected an http:// or https:// URL, got '{}'", path, w.url));
  if (!w.secret_env.empty() && !is_env_name(w.secret_env))
    r.fail(n["secret_env"], "invalid_value",
           fmt::format("{}.secret_env: expected an environment variable name like "
                       "OPS_HOOK_SECRET, got '{}'",
                       path, w.secret_env));
  c.webhooks.push_back(std::move(w));
}

bool digits_between(std::string_view s, int lo, int hi, int& out) {
  if (s.empty() || s.size() > 2 ||
      !std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
    return false;
  out = std::stoi(std::string(s));
  return out >= lo && out <= hi;
}

void read_monthly(reader& r, const YAML::Node& n, config& c) {
  if (!r.mapping(n, "reports.monthly", {"day", "at"})) return;
  const YAML::Node day = n["day"];
  if (!day.IsDefined()) {
    r.fail(n, "missing_key", "reports.monthly.day: required");
  } else if (const auto text = r.member(n, "day", "reports.monthly.day", "a day from 1 to 28")) {
    int d = 0;
    if (digits_between(*text, 1, 28, d))
      c.reports_monthly_day = d;
    else
      r.fail(day, "invalid_value",
             fmt::format("reports.monthly.day: expected a day from 1 to 28, got '{}'", *text));
  }
  std::string at = "06:00";
  r.string(n, "at", "reports.monthly", at);
  if (is_clock_time(at))
    c.reports_monthly_at = at;
  else
    r.fail(n["at"], "invalid_value",
           fmt::format("reports.monthly.at: expected a time HH:MM like \"06:00\", got '{}'", at));
}

}  // namespace

void read_alerting(reader& r, const YAML::Node& n, config& c) {
  if (!r.mapping(n, "alerting",
                 {"alertmanagers", "resend_interval", "hold", "webhooks", "outbox_capacity"})) {
    return;
  }
  read_alertmanagers(r, n, c);
  r.positive(n, "outbox_capacity", "alerting", c.outbox_capacity);
  r.duration(n, "resend_interval", "alerting", "1m", false, c.resend_interval);
  r.duration(n, "hold", "alerting", "15m", true, c.hold);
  const YAML::Node hooks = n["webhooks"];
  if (!r.sequence(hooks, "alerting.webhooks", "a list of webhooks")) return;
  std::set<std::string> names;
  std::size_t i = 0;
  for (const auto& h : hooks)
    read_webhook(r, h, fmt::format("alerting.webhooks[{}]", i++), names, c);
}

void read_reports(reader& r, const YAML::Node& n, config& c) {
  if (!r.mapping(n, "reports", {"dir", "monthly"})) return;
  r.string(n, "dir", "reports", c.reports_dir);
  read_monthly(r, n["monthly"], c);
}

}  // namespace detail

std::optional<std::pair<std::string, std::uint16_t>> parse_listen(std::string_view text) {
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {  // [v6]:port
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    if (host.find(':') == std::string_view::npos) return std::nullopt;  // brackets are for v6
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // unbracketed v6
  }
  const auto bad_char = [](char ch) { return ch == ' ' || ch == '\t' || ch == '/' || ch == '['; };
  if (host.empty() || std::any_of(host.begin(), host.end(), bad_char)) return std::nullopt;
  const auto p = detail::parse_count(port, false);
  if (!p || *p > 65535 || port.size() > 5) return std::nullopt;
  return std::pair{std::string(host), static_cast<std::uint16_t>(*p)};
}

bool is_loopback(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  return host.substr(0, 4) == "127." && std::all_of(host.begin(), host.end(), [](char ch) {
           return ch == '.' || (ch >= '0' && ch <= '9');
         });
}

}  // namespace slawatch::config
