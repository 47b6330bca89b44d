#pragma once
/// Pseudonymisation of listed event fields (contract 2.2, privacy.pseudonymize): each value
/// is replaced by "ps:" + base64url(HMAC-SHA256(key, value)) cut to 22 characters, so the
/// same raw value always gives the same pseudonym (correlation keys still match) while the
/// raw value cannot be recovered without the key.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>
#include <nlohmann/json.hpp>

namespace slawatch::model {

/// "ps:" + 22 characters of [A-Za-z0-9_-].
inline constexpr std::size_t pseudonym_length = 25;
/// Shorter keys are refused at start-up (privacy.key_file).
inline constexpr std::size_t min_pseudonym_key_bytes = 16;

/// The pseudonym of `value`'s bytes: "ps:" + the first 22 characters of the unpadded
/// base64url encoding of HMAC-SHA256(key, value).
std::string pseudonym(std::string_view key, std::string_view value);

/// True when `s` has exactly the shape pseudonym() produces: "ps:" + 22 of [A-Za-z0-9_-].
bool looks_like_pseudonym(std::string_view s);

/// Which bytes a JSON value is pseudonymised from:
///   string            → its characters (no quotes)
///   number, boolean   → its compact JSON text (254712345678 → "254712345678", true → "true"),
///                       so the number 42 and the string "42" get the same pseudonym
///   array, object     → the whole value's compact JSON text, keys sorted; the result is
///                       one string (structure and keys are not kept: they could identify)
///   null              → not pseudonymised (nothing to protect): null stays null
std::string pseudonym_input(const nlohmann::json& value);

class pseudonymizer {
 public:
  /// `paths` are validated configuration entries: "subject", "correlation_id" or
  /// "attributes.<name>[.<name>...]" (dot-separated object keys below attributes).
  /// A path listed twice is applied once (a pseudonym of a pseudonym would not correlate).
  pseudonymizer(std::string key, std::vector<std::string> paths);

  /// Replaces every listed field present in `doc` by its pseudonym. A missing field, an
  /// intermediate that is not an object, or a null value is left untouched.
  void apply(nlohmann::json& doc) const;

  /// Like apply(), but leaves a string that already looks_like_pseudonym() as it is: for
  /// input that may be already pseudonymised ("events as stored", slawatch replay).
  void apply_unless_pseudonym(nlohmann::json& doc) const;

  [[nodiscard]] const std::vector<std::string>& paths() const { return paths_; }
  [[nodiscard]] bool empty() const { return paths_.empty(); }

 private:
  void apply_all(nlohmann::json& doc, bool keep_pseudonyms) const;

  std::string key_;
  std::vector<std::string> paths_;
  std::vector<std::vector<std::string>> steps_;   ///< paths_ split at '.'
};

}  // namespace slawatch::model
