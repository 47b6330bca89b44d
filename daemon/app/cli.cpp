// Command-line parsing and dispatch (contract 10).
#include <algorithm>
#include <iostream>
#include <map>
#include "slawatch/app/app.hpp"

#ifndef SLAWATCH_VERSION
#define SLAWATCH_VERSION "0.0.0"
#endif
#ifndef SLAWATCH_REVISION
#define SLAWATCH_REVISION "unknown"
#endif

namespace slawatch::app {

namespace detail {

constexpr std::string_view usage_text =
    "usage:\n"
    "  slawatch serve [--config FILE]                    run the daemon\n"
    "  slawatch check [--config FILE] [RULE_FILE...]     validate configuration and rules\n"
    "  slawatch test TEST_FILE...                        run rule tests\n"
    "  slawatch replay [--config FILE] --events FILE.ndjson [--until TS]\n"
    "                                                    evaluate past events on a simulated clock\n"
    "  slawatch simulate --url URL [--token T] --partners N --rate EPS --duration D\n"
    "                    [--breach-rate F] [--seed S]    synthetic partner traffic\n"
    "  slawatch backup [--config FILE] -o DEST           online copy of the database\n"
    "  slawatch report --config FILE --partner ID --period YYYY-MM [--format html|json|csv] [-o FILE]\n"
    "                                                    one partner's monthly report\n"
    "  slawatch audit verify [--config FILE]             check the audit trail's hash chain\n"
    "  slawatch version                                  print version and build info\n";

int usage_error(const std::string& message) {
  std::cerr << "slawatch: " << message << "\n" << usage_text;
  return exit_usage;
}

struct parsed_args {
  std::map<std::string, std::string, std::less<>> flags;   ///< "--config" → value
  std::vector<std::string> positional;

  [[nodiscard]] std::optional<std::string> get(std::string_view flag) const {
    auto it = flags.find(flag);
    return it == flags.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
};

/// Parses `--flag VALUE` / `--flag=VALUE` for the command's `value_flags` and positional
/// arguments after the command.
result<parsed_args> parse_flags(const std::vector<std::string>& args,
                                const std::vector<std::string_view>& value_flags) {
  parsed_args out;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const auto& a = args[i];
    const auto eq = a.find('=');
    const std::string name = a.substr(0, eq);
    const bool known = std::find(value_flags.begin(), value_flags.end(), name) != value_flags.end();
    if (known && a.starts_with("-")) {
      if (out.flags.count(name) != 0) return error{"usage", name + " given more than once"};
      std::string value;
      if (eq != std::string::npos) {
        value = a.substr(eq + 1);
      } else if (i + 1 < args.size()) {
        value = args[++i];
      }
      if (value.empty()) {
        return error{"usage", name + (name == "--until" ? " needs a timestamp" : " needs a file name")};
      }
      out.flags.emplace(name, std::move(value));
    } else if (a.starts_with("-") && a != "-") {
      return error{"usage", "unknown flag '" + a + "' for " + args[0]};
    } else {
      out.positional.push_back(a);
    }
  }
  return out;
}

int run_replay(const parsed_args& flags) {
  if (!flags.positional.empty()) {
    return usage_error("replay takes no arguments, got '" + flags.positional.front() + "'");
  }
  auto events = flags.get("--events");
  if (!events) return usage_error("replay needs --events FILE.ndjson");
  return replay({flags.get("--config"), *events, flags.get("--until")});
}

/// `slawatch report` (report_cli.cpp).
int run_report(const parsed_args& flags) {
  if (!flags.positional.empty()) {
    return usage_error("report takes no arguments, got '" + flags.positional.front() + "'");
  }
  if (flags.get("-o") && flags.get("--output")) return usage_error("-o given more than once");
  report_options o{flags.get("--config"), flags.get("--partner").value_or(""),
                   flags.get("--period").value_or(""), flags.get("--format").value_or("html"),
                   flags.get("-o") ? flags.get("-o") : flags.get("--output")};
  if (o.partner.empty()) return usage_error("report needs --partner ID");
  if (o.period.empty()) return usage_error("report needs --period YYYY-MM");
  return report_command(o);
}

int run_backup(const parsed_args& flags) {
  if (!flags.positional.empty()) {
    return usage_error("backup takes no arguments, got '" + flags.positional.front() + "'");
  }
  if (flags.get("-o") && flags.get("--output")) return usage_error("-o given more than once");
  auto dest = flags.get("-o") ? flags.get("-o") : flags.get("--output");
  if (!dest) return usage_error("backup needs -o DEST");
  return backup({flags.get("--config"), *dest});
}

/// `slawatch audit verify` (audit_verify.cpp): exit 0 intact, 1 broken, 2 usage/config/storage.
int run_audit(const parsed_args& flags) {
  if (flags.positional.empty()) return usage_error("audit needs a subcommand: verify");
  if (flags.positional.front() != "verify") {
    return usage_error("unknown audit subcommand '" + flags.positional.front() + "'");
  }
  if (flags.positional.size() > 1) {
    return usage_error("audit verify takes no arguments, got '" + flags.positional[1] + "'");
  }
  return audit_verify(flags.get("--config"));
}

}  // namespace detail

int run(const std::vector<std::string>& args) {
  if (args.empty()) return detail::usage_error("no command given");
  const auto& cmd = args[0];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    std::cout << detail::usage_text;
    return exit_ok;
  }
  if (cmd == "version" || cmd == "--version") {
    if (args.size() > 1) return detail::usage_error("version takes no arguments");
    std::cout << "slawatch " << SLAWATCH_VERSION << " (revision " << SLAWATCH_REVISION << ")\n";
    return exit_ok;
  }
  static const std::map<std::string, std::vector<std::string_view>, std::less<>> commands = {
      {"serve", {"--config"}},
      {"check", {"--config"}},
      {"test", {}},
      {"replay", {"--config", "--events", "--until"}},
      {"audit", {"--config"}},
      {"backup", {"--config", "-o", "--output"}},
      {"report", {"--config", "--partner", "--period", "--format", "-o", "--output"}},
      {"simulate", {"--url", "--token", "--partners", "--rate", "--duration", "--breach-rate", "--seed"}},
  };
  const auto command = commands.find(cmd);
  if (command == commands.end()) return detail::usage_error("unknown command '" + cmd + "'");
  auto flags = detail::parse_flags(args, command->second);
  if (!flags) return detail::usage_error(flags.err().message);
  if (cmd == "serve") {
    if (!flags->positional.empty()) {
      return detail::usage_error("serve takes no arguments, got '" + flags->positional.front() + "'");
    }
    return serve(flags->get("--config"));
  }
  if (cmd == "test") {
    if (flags->positional.empty()) return detail::usage_error("test needs at least one TEST_FILE");
    return test(flags->positional);
  }
  if (cmd == "replay") return detail::run_replay(*flags);
  if (cmd == "audit") return detail::run_audit(*flags);
  if (cmd == "backup") return detail::run_backup(*flags);
  if (cmd == "report") return detail::run_report(*flags);
  if (cmd == "simulate") {   // simulate.cpp
    auto o = flags->positional.empty() ? parse_simulate_options(flags->flags)
                                       : result<simulate_options>(error{"usage", "simulate takes no arguments"});
    return o ? simulate(o.value()) : detail::usage_error(o.err().message);
  }
  return check(flags->get("--config"), flags->positional);
}

}  // namespace slawatch::app
