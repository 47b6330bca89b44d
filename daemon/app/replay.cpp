// `slawatch replay`: past events through the engine on the simulated clock (contract 3, 10).
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include "privacy.hpp"
#include "simulation.hpp"
#include "slawatch/app/app.hpp"

namespace slawatch::app {

namespace detail {

/// Problem lines are reported one by one up to this many, then only counted.
constexpr std::size_t max_reported_lines = 20;

struct replay_counts {
  std::size_t events = 0, accepted = 0, duplicates = 0, rejected = 0, out_of_order = 0;
  std::size_t reported = 0;   ///< problem lines so far (reported or not)
};

void report_line(replay_counts& c, std::size_t line, const std::string& message) {
  if (c.reported++ < max_reported_lines) std::cerr << "line " << line << ": " << message << '\n';
}

/// "invalid JSON at column 14: <detail>" for a line that is not one JSON value.
result<nlohmann::json> parse_line(const std::string& text) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    std::string_view what(e.what());
    const auto at = what.find("parse error");
    const auto colon = what.find(": ", at == std::string_view::npos ? 0 : at);
    auto detail = std::string(colon == std::string_view::npos ? what : what.substr(colon + 2));
    // "; last read: '...'" quotes raw input, perhaps a value to be pseudonymised.
    if (const auto quoted = detail.find("; last read: "); quoted != std::string::npos) detail.resize(quoted);
    if (const auto* pe = dynamic_cast<const nlohmann::json::parse_error*>(&e)) {
      return error{"malformed", fmt::format("invalid JSON at column {}: {}", pe->byte, detail), {}};
    }
    return error{"malformed", "invalid JSON: " + detail, {}};
  }
}

/// One line of the events file through validation and the simulation.
void replay_line(simulation& sim, replay_counts& c, std::size_t line, const std::string& text,
                 const model::transport& source, const model::pseudonymizer* pseudonyms) {
  ++c.events;
  auto doc = parse_line(text);
  if (!doc) {
    ++c.rejected;
    return report_line(c, line, doc.err().message);
  }
  auto ev = model::validate_stored(*doc, text.size(), source);
  if (!ev) {
    ++c.rejected;
    return report_line(c, line, ev.err().message);
  }
  // Input may be raw or already stored (pseudonymised): a value of the exact pseudonym
  // shape is kept, so stored events are not pseudonymised twice (docs/security.md).
  if (pseudonyms != nullptr) pseudonyms->apply_unless_pseudonym(ev->doc);
  const std::string id = ev->id, partner = ev->partner;
  const auto r = sim.feed(std::move(ev.value()));
  if (r.out_of_order) ++c.out_of_order;
  switch (r.status) {
    case admission::accepted: ++c.accepted; break;
    case admission::duplicate:
      ++c.duplicates;
      return report_line(c, line, fmt::format("id: '{}' of '{}' repeats an earlier event (duplicate, ignored)", id, partner));
    case admission::conflict:
      ++c.rejected;
      return report_line(c, line, fmt::format("id: '{}' of '{}' already received with different content (conflict)", id, partner));
    case admission::unknown_partner:
      ++c.rejected;
      return report_line(c, line, fmt::format("partner: unknown partner '{}'", partner));
  }
}

std::string clock_text(const std::optional<instant>& t) {
  return t ? timefmt::format_utc_ms(*t) : std::string();
}

void print_summary(const simulation& sim, const replay_counts& c, double seconds) {
  nlohmann::ordered_json s;
  s["events"] = c.events;
  s["accepted"] = c.accepted;
  s["duplicates"] = c.duplicates;
  s["rejected"] = c.rejected;
  s["out_of_order"] = c.out_of_order;
  s["breaches"] = sim.breaches().size();
  s["open_obligations"] = sim.open_obligations();
  s["clock"] = sim.clock() ? nlohmann::ordered_json(clock_text(sim.clock())) : nlohmann::ordered_json(nullptr);
  s["seconds"] = std::round(seconds * 1000.0) / 1000.0;
  s["events_per_second"] = seconds > 0 ? std::round(static_cast<double>(c.events) / seconds) : 0.0;
  if (c.reported > max_reported_lines) {
    std::cerr << "... and " << c.reported - max_reported_lines << " more problem lines\n";
  }
  std::cerr << s.dump() << '\n';
}

/// Breaches in creation order, one compact JSON object per line (deterministic).
void print_breaches(const simulation& sim) {
  std::string out;
  for (const auto& b : sim.breaches()) {
    out += b.to_json().dump();
    out += '\n';
    if (out.size() > (1U << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
}

std::shared_ptr<const rules::rule_set> load_replay_rules(const std::optional<std::string>& config_file,
                                                         std::shared_ptr<const model::pseudonymizer>& pseudonyms) {
  auto cfg = load_config(config_file);
  for (const auto& e : cfg.errors) std::cerr << e.render() << '\n';
  if (!cfg.cfg || !cfg.errors.empty()) return nullptr;
  auto ps = load_pseudonymizer(*cfg.cfg);   // same key checks as serve
  if (!ps) {
    std::cerr << ps.err().render() << '\n';
    return nullptr;
  }
  pseudonyms = std::move(ps.value());
  auto loaded = load_rules(cfg.cfg->rules, wall_clock_now());
  for (const auto& e : loaded.errors) std::cerr << e.render() << '\n';
  for (const auto& w : loaded.warnings) std::cerr << "warning: " << w.render() << '\n';
  return loaded.errors.empty() ? loaded.set : nullptr;
}

/// Every line of `in` through the simulation. False: the clock passed --until.
bool replay_stream(std::istream& in, simulation& sim, replay_counts& counts,
                   const replay_options& opts, const std::optional<instant>& until,
                   const model::pseudonymizer* pseudonyms) {
  model::transport source;
  source.source = "replay";
  std::string text;
  for (std::size_t line = 1; std::getline(in, text); ++line) {
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) continue;   // blank lines
    replay_line(sim, counts, line, text, source, pseudonyms);
    if (until && sim.clock() && *sim.clock() > *until) {
      std::cerr << "slawatch: --until " << *opts.until << " is before the event on line " << line
                << " (received " << clock_text(sim.clock()) << ")\n";
      return false;
    }
  }
  return true;
}

}  // namespace detail

int replay(const replay_options& opts) {
  std::optional<instant> until;
  if (opts.until) {
    until = timefmt::parse_rfc3339(*opts.until);
    if (!until) {
      std::cerr << "slawatch: --until: not an RFC 3339 timestamp: '" << *opts.until << "'\n";
      return exit_usage;
    }
  }
  std::shared_ptr<const model::pseudonymizer> pseudonyms;
  auto rules = detail::load_replay_rules(opts.config_file, pseudonyms);
  if (!rules) return exit_failure;
  std::ifstream in(opts.events_file, std::ios::binary);
  if (!in) {
    std::cerr << opts.events_file << ": cannot read: " << std::strerror(errno) << '\n';
    return exit_failure;
  }
  const auto started = std::chrono::steady_clock::now();
  detail::simulation sim(rules, nullptr);
  detail::replay_counts counts;
  if (!detail::replay_stream(in, sim, counts, opts, until, pseudonyms.get())) return exit_usage;
  if (in.bad()) {
    std::cerr << opts.events_file << ": cannot read: " << std::strerror(errno) << '\n';
    return exit_failure;
  }
  if (until) sim.advance(*until);
  detail::print_breaches(sim);
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  detail::print_summary(sim, counts, seconds);
  return exit_ok;
}

}  // namespace slawatch::app
