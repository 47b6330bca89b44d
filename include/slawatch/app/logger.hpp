#pragma once
/// Structured logs: one JSON object per line on stderr (contract 10):
/// {"ts": "...Z", "level": "info", "msg": "...", <fields>}. Never pass raw event content,
/// subjects or tokens as fields.
#include <cstdio>
#include <mutex>
#include <string_view>
#include <nlohmann/json.hpp>
#include "slawatch/http/message.hpp"

namespace slawatch::app {

class logger {
 public:
  /// `out` is not owned (stderr by default).
  explicit logger(std::FILE* out = stderr) : out_(out) {}

  /// Thread-safe; each line is written and flushed whole. `fields` must be an object
  /// (anything else is logged under "fields").
  void log(std::string_view level, std::string_view msg, nlohmann::json fields = nlohmann::json::object());
  void info(std::string_view msg, nlohmann::json fields = nlohmann::json::object()) { log("info", msg, std::move(fields)); }
  void warn(std::string_view msg, nlohmann::json fields = nlohmann::json::object()) { log("warn", msg, std::move(fields)); }
  void error(std::string_view msg, nlohmann::json fields = nlohmann::json::object()) { log("error", msg, std::move(fields)); }

  /// A sink for modules that must not depend on app (http).
  http::log_fn sink();

 private:
  std::mutex mu_;
  std::FILE* out_;
};

}  // namespace slawatch::app
