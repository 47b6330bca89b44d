#pragma once
/// Expected failures as values: result<T> holds either a T or an error.
#include <string>
#include <utility>
#include <variant>
#include <fmt/format.h>

namespace slawatch {

/// Where a user error was found: a file (or "<input>") and a 1-based line and column.
/// line == 0 means "no position" (the error concerns the whole file).
struct location {
  std::string file;
  int line = 0;
  int col = 0;
};

/// One user-facing error: a stable machine code plus a human message.
struct error {
  std::string code;     ///< e.g. "invalid_field", "syntax", "unknown_key"
  std::string message;  ///< exact text, part of the contract where documented
  location where{};

  /// "file:line:col: message" when there is a position, "file: message" with a file only,
  /// else the message alone.
  [[nodiscard]] std::string render() const {
    if (where.file.empty()) return message;
    if (where.line <= 0) return fmt::format("{}: {}", where.file, message);
    return fmt::format("{}:{}:{}: {}", where.file, where.line, where.col, message);
  }
};

template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
  result(error e) : v_(std::move(e)) {}              // NOLINT(google-explicit-constructor)
  [[nodiscard]] bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  [[nodiscard]] const error& err() const { return std::get<1>(v_); }

 private:
  std::variant<T, error> v_;
};

}  // namespace slawatch
