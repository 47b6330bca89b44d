// Loads the kind-specific keys of deadline and absence rules (contract 5.3).
#include <fmt/format.h>
#include <cctype>
#include "loader_detail.hpp"

namespace slawatch::rules::detail {

namespace {

bool is_partner_key(std::string_view src) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!src.empty() && blank(src.front())) src.remove_prefix(1);
  while (!src.empty() && blank(src.back())) src.remove_suffix(1);
  return src == "event.partner" || src == "event['partner']" || src == "event[\"partner\"]";
}

}  // namespace
namespace {

/// Reads `start:` / `stop:` / `cancel:`: a mapping {when, key[, at]}.
rule::trigger read_trigger(loader& ld, const parsed_file& f, const YAML::Node& map,
                           const std::string& name, bool required, bool with_at) {
  rule::trigger t;
  auto fl = find(map, name);
  if (!fl || fl->val.IsNull()) {
    if (required) ld.fail(f, fl ? fl->key.Mark() : map.Mark(), "required", name + ": required");
    return t;
  }
  if (!expect_map(ld, f, fl->val, name)) return t;
  const YAML::Node& body = fl->val;
  if (with_at) {
    check_keys(ld, f, body, {"when", "key", "at"});
  } else {
    check_keys(ld, f, body, {"when", "key"});
  }
  for (auto [part, slot] : {std::pair{"when", &t.when}, std::pair{"key", &t.key}}) {
    if (auto p = find(body, part)) {
      *slot = compile_expr(ld, f, *p, name + "." + part);
    } else {
      ld.fail(f, body.Mark(), "required", fmt::format("{}.{}: required", name, part));
    }
  }
  if (auto at = find(body, "at"); at && with_at) t.at = compile_expr(ld, f, *at, name + ".at");
  return t;
}

std::string squeeze(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) out += c;
  }
  return out;
}

/// An obligation whose stop filter equals its start filter is closed by the very event that
/// opens it (stop is evaluated first), or never, depending on the order: always a mistake.
void lint_identical(loader& ld, const parsed_file& f, const YAML::Node& map, const rule& r) {
  if (!r.start.when || !r.stop.when) return;
  if (squeeze(expr::source_of(*r.start.when)) != squeeze(expr::source_of(*r.stop.when))) return;
  ld.fail(f, find(find(map, "stop")->val, "when")->val.Mark(), "invalid_value",
          "stop.when: identical to start.when, the obligation could never be met");
}

void read_within(loader& ld, const parsed_file& f, const YAML::Node& map, rule& r) {
  auto text = read_string(ld, f, map, "within", true);
  if (!text) return;
  auto span = slawatch::calendar::parse_span(*text);
  if (!span) {
    ld.fail(f, find(map, "within")->val.Mark(), span.err().code,
            fmt::format("within: {}", span.err().message));
    return;
  }
  r.within = *span;
}

std::optional<int> percent_of(std::string_view s) {
  if (s.size() < 2 || s.size() > 3 || s.back() != '%') return std::nullopt;
  int v = 0;
  for (char c : s.substr(0, s.size() - 1)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v < 1 || v > 99) return std::nullopt;
  return v;
}

void read_warn_at(loader& ld, const parsed_file& f, const YAML::Node& map, rule& r) {
  auto items = read_string_list(ld, f, map, "warn_at");
  if (!items) return;
  auto nodes = find(map, "warn_at")->val;
  for (std::size_t i = 0; i < items->size(); ++i) {
    const auto& text = (*items)[i];
    auto p = percent_of(text);
    if (!p) {
      ld.fail(f, nodes[i].Mark(), "invalid_value",
              fmt::format("warn_at: '{}' must be a percentage from 1% to 99%", text));
    } else if (!r.warn_at.empty() && *p <= r.warn_at.back()) {
      ld.fail(f, nodes[i].Mark(), "invalid_value",
              fmt::format("warn_at: '{}' must be greater than the threshold before it", text));
    } else {
      r.warn_at.push_back(*p);
    }
  }
}

void read_lateness(loader& ld, const parsed_file& f, const YAML::Node& map, rule& r) {
  auto text = read_string(ld, f, map, "allowed_lateness", false);
  if (!text) return;
  auto d = timefmt::parse_duration(*text);
  if (!d || *d < duration::zero()) {
    ld.fail(f, find(map, "allowed_lateness")->val.Mark(), "invalid_value",
            fmt::format("allowed_lateness: '{}' must be a duration like 0s, 15m or 2h", *text));
    return;
  }
  r.allowed_lateness = *d;
}

void read_schedule(loader& ld, const parsed_file& f, const YAML::Node& map, rule& r) {
  auto fl = find(map, "schedule");
  if (!fl || fl->val.IsNull()) {
    ld.fail(f, fl ? fl->key.Mark() : map.Mark(), "required", "schedule: required");
    return;
  }
  if (!expect_map(ld, f, fl->val, "schedule")) return;
  const YAML::Node& body = fl->val;
  check_keys(ld, f, body, {"every", "due", "weekday", "day", "business_day"});
  slawatch::calendar::schedule_fields sf;
  sf.every = read_string(ld, f, body, "every", false, "schedule.every");
  sf.due = read_string(ld, f, body, "due", false, "schedule.due");
  sf.weekday = read_string(ld, f, body, "weekday", false, "schedule.weekday");
  sf.day = read_string(ld, f, body, "day", false, "schedule.day");
  sf.business_day = read_string(ld, f, body, "business_day", false, "schedule.business_day");
  auto parsed = slawatch::calendar::parse_schedule(sf);
  if (parsed) {
    r.schedule = *parsed;
    return;
  }
  // The message starts with "schedule.<key>:": point at that key's value when it is given.
  const auto& msg = parsed.err().message;
  auto colon = msg.find(':');
  auto key = msg.rfind("schedule.", 0) == 0 ? msg.substr(9, colon - 9) : std::string{};
  auto at = key.empty() ? std::nullopt : find(body, key);
  ld.fail(f, at ? at->val.Mark() : body.Mark(), parsed.err().code, msg);
}

}  // namespace

void read_calendar_name(loader& ld, const parsed_file& f, const YAML::Node& map, rule& r) {
  auto name = read_string(ld, f, map, "calendar", false);
  if (!name || *name == "partner") return;
  if (!ld.set.calendars.count(*name)) {
    ld.fail(f, find(map, "calendar")->val.Mark(), "unknown_calendar",
            fmt::format("calendar: unknown calendar '{}'", *name));
    return;
  }
  r.calendar_name = *name;
}

void read_deadline(loader& ld, const parsed_file& f, const YAML::Node& map, rule& r) {
  r.start = read_trigger(ld, f, map, "start", true, true);
  r.stop = read_trigger(ld, f, map, "stop", true, true);
  r.cancel = read_trigger(ld, f, map, "cancel", false, false);
  lint_identical(ld, f, map, r);
  read_within(ld, f, map, r);
  read_calendar_name(ld, f, map, r);
  read_warn_at(ld, f, map, r);
  read_lateness(ld, f, map, r);
}

void read_absence(loader& ld, const parsed_file& f, const YAML::Node& map, rule& r) {
  if (auto e = find(map, "expect")) {
    r.expect = compile_expr(ld, f, *e, "expect");
  } else {
    ld.fail(f, map.Mark(), "required", "expect: required");
  }
  if (auto k = find(map, "key")) {
    r.key = compile_expr(ld, f, *k, "key");
    // `key: event.partner` is the default written out (contract 5.3): the expected keys are
    // then the selected partners, not only the keys seen so far.
    if (r.key && is_partner_key(expr::source_of(*r.key))) r.key = nullptr;
  }
  read_schedule(ld, f, map, r);
  read_calendar_name(ld, f, map, r);
}

}  // namespace slawatch::rules::detail
