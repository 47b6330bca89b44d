// Fast path for flat engine state documents (flat_json.hpp). Anything unusual returns
// nullopt rather than an error: nlohmann stays the reference parser.
#include "flat_json.hpp"
#include <charconv>
#include <cstdint>

namespace slawatch::store::detail {
namespace {

class flat_reader {
 public:
  explicit flat_reader(std::string_view t) : t_(t) {}

  void skip_ws() {
    while (i_ < t_.size() && std::string_view(" \t\n\r").find(t_[i_]) != std::string_view::npos) {
      ++i_;
    }
  }
  bool eat(char c) {
    skip_ws();
    if (i_ >= t_.size() || t_[i_] != c) return false;
    ++i_;
    return true;
  }
  [[nodiscard]] bool at_end() const { return i_ == t_.size(); }

  /// A string of printable ASCII without escapes (the opening quote already read).
  std::optional<std::string> plain_string() {
    std::size_t from = i_;
    while (i_ < t_.size() && t_[i_] != '"') {
      auto c = static_cast<unsigned char>(t_[i_]);
      if (c < 0x20 || c >= 0x80 || c == '\\') return std::nullopt;
      ++i_;
    }
    if (i_ >= t_.size()) return std::nullopt;
    return std::string(t_.substr(from, i_++ - from));
  }

  std::optional<nlohmann::json> value() {
    skip_ws();
    if (i_ >= t_.size()) return std::nullopt;
    char c = t_[i_];
    if (c == '"') {
      ++i_;
      auto s = plain_string();
      if (!s) return std::nullopt;
      return nlohmann::json(std::move(*s));
    }
    if (c == '-' || (c >= '0' && c <= '9')) return integer();
    if (word("true")) return nlohmann::json(true);
    if (word("false")) return nlohmann::json(false);
    if (word("null")) return nlohmann::json(nullptr);
    return std::nullopt;   // object, array or invalid
  }

 private:
  bool word(std::string_view w) {
    if (t_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }

  /// As nlohmann types them: non-negative → unsigned, negative → signed; a fraction, an
  /// exponent, a leading zero or a value out of 64-bit range is left to nlohmann.
  std::optional<nlohmann::json> integer() {
    bool negative = t_[i_] == '-';
    std::size_t digits = i_ + (negative ? 1 : 0), end = digits;
    while (end < t_.size() && t_[end] >= '0' && t_[end] <= '9') ++end;
    if (end == digits || (t_[digits] == '0' && end - digits > 1)) return std::nullopt;
    if (end < t_.size() && (t_[end] == '.' || t_[end] == 'e' || t_[end] == 'E')) {
      return std::nullopt;
    }
    const char* first = t_.data() + i_;
    const char* last = t_.data() + end;
    i_ = end;
    if (negative) {
      std::int64_t v = 0;
      auto r = std::from_chars(first, last, v);
      if (r.ec != std::errc() || r.ptr != last) return std::nullopt;
      return nlohmann::json(v);
    }
    std::uint64_t v = 0;
    auto r = std::from_chars(first, last, v);
    if (r.ec != std::errc() || r.ptr != last) return std::nullopt;
    return nlohmann::json(v);
  }

  std::string_view t_;
  std::size_t i_ = 0;
};

}  // namespace

std::optional<nlohmann::json> parse_flat_object(std::string_view text) {
  flat_reader in(text);
  if (!in.eat('{')) return std::nullopt;
  nlohmann::json out = nlohmann::json::object();
  auto& members = out.get_ref<nlohmann::json::object_t&>();
  if (!in.eat('}')) {
    do {
      if (!in.eat('"')) return std::nullopt;
      auto name = in.plain_string();
      if (!name || !in.eat(':')) return std::nullopt;
      auto v = in.value();
      if (!v) return std::nullopt;
      // dump() writes names sorted, so the hint is right; a repeated name keeps the last.
      members.insert_or_assign(members.end(), std::move(*name), std::move(*v));
    } while (in.eat(','));
    if (!in.eat('}')) return std::nullopt;
  }
  in.skip_ws();
  if (!in.at_end()) return std::nullopt;
  return out;
}

}  // namespace slawatch::store::detail
