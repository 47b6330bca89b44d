// Command-line parsing and dispatch (contract 10).
#include <iostream>
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
    "  slawatch version                                  print version and build info\n";

int usage_error(const std::string& message) {
  std::cerr << "slawatch: " << message << "\n" << usage_text;
  return exit_usage;
}

struct parsed_args {
  std::optional<std::string> config_file;
  std::vector<std::string> positional;
};

/// Parses `--config FILE` / `--config=FILE` and positional arguments after the command.
result<parsed_args> parse_flags(const std::vector<std::string>& args) {
  parsed_args out;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "--config" || a.starts_with("--config=")) {
      if (out.config_file) return error{"usage", "--config given more than once"};
      if (a != "--config") {
        out.config_file = a.substr(9);
      } else if (i + 1 < args.size()) {
        out.config_file = args[++i];
      }
      if (!out.config_file || out.config_file->empty()) return error{"usage", "--config needs a file name"};
    } else if (a.starts_with("-") && a != "-") {
      return error{"usage", "unknown flag '" + a + "' for " + args[0]};
    } else {
      out.positional.push_back(a);
    }
  }
  return out;
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
  if (cmd != "serve" && cmd != "check") return detail::usage_error("unknown command '" + cmd + "'");
  auto flags = detail::parse_flags(args);
  if (!flags) return detail::usage_error(flags.err().message);
  if (cmd == "serve") {
    if (!flags->positional.empty()) {
      return detail::usage_error("serve takes no arguments, got '" + flags->positional.front() + "'");
    }
    return serve(flags->config_file);
  }
  return check(flags->config_file, flags->positional);
}

}  // namespace slawatch::app
