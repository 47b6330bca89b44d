#pragma once
// A fast path for reading engine state: nearly every stored `data` document is one flat JSON
// object of integers, plain strings, booleans and nulls. nlohmann's lexer reads such a text
// one character at a time and was 80% of load_state (docs/performance.md).
#include <optional>
#include <string_view>
#include <nlohmann/json.hpp>

namespace slawatch::store::detail {

/// Parses `text` when it is a JSON object whose member names and values are all ASCII
/// strings without escapes, integers (no fraction or exponent), true, false or null; the
/// result equals nlohmann::json::parse(text), number types included (non-negative integers
/// are unsigned, a repeated name keeps its last value). nullopt for any other text, valid
/// or not: the caller then parses it with nlohmann.
std::optional<nlohmann::json> parse_flat_object(std::string_view text);

}  // namespace slawatch::store::detail
