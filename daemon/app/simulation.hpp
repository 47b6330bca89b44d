#pragma once
// The in-memory engine driver behind `slawatch replay` and `slawatch test`: the pure engine
// on the simulated clock of contract 3, with duplicate detection and, optionally, metrics.
// No storage, no threads: the whole state lives here and dies with the command.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>
#include "slawatch/engine/engine.hpp"
#include "slawatch/metrics/metrics.hpp"
#include "slawatch/model/event.hpp"
#include "slawatch/rules/rule_set.hpp"

namespace slawatch::app::detail {

/// 128 bits of a SHA-256: enough to tell (partner, id) pairs and contents apart without
/// keeping a million strings in memory.
struct digest {
  std::uint64_t hi = 0, lo = 0;
  friend bool operator==(const digest&, const digest&) = default;
};
struct digest_hash {
  std::size_t operator()(const digest& d) const noexcept { return d.lo ^ (d.hi * 0x9e3779b97f4a7c15ULL); }
};
digest digest_of(std::string_view text);

enum class admission { accepted, duplicate, conflict, unknown_partner };

/// What feeding one event did.
struct fed {
  admission status = admission::accepted;
  bool out_of_order = false;   ///< its received_at was before the clock: applied at the clock
};

class simulation {
 public:
  /// `metrics` may be null (replay does not export them).
  simulation(std::shared_ptr<const rules::rule_set> rules, metrics::registry* metrics);

  /// Moves the clock to `t`, firing every timer due by then at its own fire time, in time
  /// order; the clock never goes back (an earlier `t` does nothing).
  void advance(instant t);

  /// Admits one validated event: unknown partners are rejected (the clock stays); otherwise
  /// the clock advances to its received_at (or stays, when that is earlier: the event is then
  /// processed at the clock, its document keeping the original received_at), and a new
  /// (partner, id) is evaluated; a repeated one is a duplicate (same content) or a conflict.
  fed feed(model::event ev);

  [[nodiscard]] std::optional<instant> clock() const { return clock_; }
  /// Every breach so far, in creation order, with later updates (closing) applied.
  [[nodiscard]] const std::vector<model::breach>& breaches() const { return breaches_; }
  /// Deadline obligations still open.
  [[nodiscard]] std::size_t open_obligations() const;

 private:
  void tick(instant t);
  void apply();

  std::shared_ptr<const rules::rule_set> rules_;
  engine::engine engine_;
  metrics::registry* metrics_;
  engine::effects fx_;
  std::optional<instant> clock_;
  std::vector<model::breach> breaches_;
  std::unordered_map<std::string, std::size_t> breach_index_;   ///< breach id → position
  std::unordered_map<digest, digest, digest_hash> seen_;         ///< (partner, id) → content
};

}  // namespace slawatch::app::detail
