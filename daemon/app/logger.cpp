#include "slawatch/app/logger.hpp"

#include "slawatch/app/app.hpp"
#include "slawatch/model/time.hpp"

namespace slawatch::app {

void logger::log(std::string_view level, std::string_view msg, nlohmann::json fields) {
  nlohmann::ordered_json line;
  line["ts"] = timefmt::format_utc_ms(wall_clock_now());
  line["level"] = level;
  line["msg"] = msg;
  if (fields.is_object()) {
    for (auto& [k, v] : fields.items()) {
      if (k != "ts" && k != "level" && k != "msg") line[k] = v;
    }
  } else if (!fields.is_null()) {
    line["fields"] = std::move(fields);
  }
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::lock_guard lock(mu_);
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

http::log_fn logger::sink() {
  return [this](std::string_view level, std::string_view msg, nlohmann::json fields) {
    log(level, msg, std::move(fields));
  };
}

}  // namespace slawatch::app
