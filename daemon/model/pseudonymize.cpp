// Keyed pseudonyms for listed event fields (contract 2.2).
#include "slawatch/model/pseudonymize.hpp"
#include <algorithm>
#include <array>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace slawatch::model {
namespace detail {

constexpr std::string_view prefix = "ps:";
constexpr std::size_t kept_chars = pseudonym_length - prefix.size();
constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Unpadded base64url (RFC 4648 section 5).
std::string base64url(const unsigned char* data, std::size_t n) {
  std::string out;
  out.reserve((n * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const unsigned v = (data[i] << 16U) | (data[i + 1] << 8U) | data[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out += alphabet[(v >> shift) & 63U];
  }
  const std::size_t rest = n - i;
  if (rest == 1) {
    const unsigned v = data[i] << 16U;
    out += alphabet[(v >> 18) & 63U];
    out += alphabet[(v >> 12) & 63U];
  } else if (rest == 2) {
    const unsigned v = (data[i] << 16U) | (data[i + 1] << 8U);
    out += alphabet[(v >> 18) & 63U];
    out += alphabet[(v >> 12) & 63U];
    out += alphabet[(v >> 6) & 63U];
  }
  return out;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto dot = path.find('.', start);
    parts.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

/// The field at `steps` when every step above it is an object holding the next key.
nlohmann::json* find_field(nlohmann::json& doc, const std::vector<std::string>& steps) {
  nlohmann::json* at = &doc;
  for (const auto& key : steps) {
    if (!at->is_object()) return nullptr;
    auto it = at->find(key);
    if (it == at->end()) return nullptr;
    at = &*it;
  }
  return at;
}

}  // namespace detail

std::string pseudonym(std::string_view key, std::string_view value) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(value.data()), value.size(), mac.data(), &len);
  std::string out(detail::prefix);
  out += detail::base64url(mac.data(), len).substr(0, detail::kept_chars);
  return out;
}

bool looks_like_pseudonym(std::string_view s) {
  if (s.size() != pseudonym_length || s.substr(0, detail::prefix.size()) != detail::prefix) return false;
  return std::all_of(s.begin() + detail::prefix.size(), s.end(), [](char c) {
    return detail::alphabet.find(c) != std::string_view::npos;
  });
}

std::string pseudonym_input(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  // nlohmann's object is a std::map: dump() already sorts the keys.
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

pseudonymizer::pseudonymizer(std::string key, std::vector<std::string> paths) : key_(std::move(key)) {
  for (auto& p : paths) {
    if (std::find(paths_.begin(), paths_.end(), p) != paths_.end()) continue;
    steps_.push_back(detail::split_path(p));
    paths_.push_back(std::move(p));
  }
}

void pseudonymizer::apply_all(nlohmann::json& doc, bool keep_pseudonyms) const {
  for (const auto& steps : steps_) {
    nlohmann::json* field = detail::find_field(doc, steps);
    if (field == nullptr || field->is_null()) continue;
    if (keep_pseudonyms && field->is_string() && looks_like_pseudonym(field->get_ref<const std::string&>())) continue;
    *field = pseudonym(key_, pseudonym_input(*field));
  }
}

void pseudonymizer::apply(nlohmann::json& doc) const { apply_all(doc, false); }

void pseudonymizer::apply_unless_pseudonym(nlohmann::json& doc) const { apply_all(doc, true); }

}  // namespace slawatch::model
