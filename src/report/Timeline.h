#pragma once
// A timeline of one decode step in the Chrome / Perfetto trace-event format (JSON):
// one track per unit, one slice per operation. Open it in ui.perfetto.dev or
// chrome://tracing.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/sequencer/DecodeSequencer.h"

namespace skv::report {

class Timeline {
 public:
  // Keeps the operations of batch `batch`, or of the first batch seen when unset.
  Timeline(std::optional<std::uint64_t> batch, std::uint64_t accel_period_ps);

  void add(const sim::OpRecord& op);
  bool empty() const { return ops_.empty(); }
  std::uint64_t batch() const { return batch_.value_or(0); }
  nlohmann::json to_json() const;

 private:
  std::optional<std::uint64_t> batch_;
  std::uint64_t period_ps_;
  std::vector<sim::OpRecord> ops_;
};

}  // namespace skv::report
