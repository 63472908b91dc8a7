#pragma once
// The DRAM's extremes (latency histograms, queue maxima, first and last stamps) per
// segment of a run, collected in scopes the top module opens at every batch, layer and
// operation boundary (DecodeSequencer::SegmentHook, dram::DramEngine::open_scope). Sums
// and integrals are not here: those of any span are the difference of two snapshots.

#include <array>
#include <cstdint>
#include <vector>

#include "models/dram/DramStats.h"
#include "models/tlm/Ops.h"

namespace skv::sim {

struct DramExtremes {
  // Merged over every operation of a kind.
  std::array<dram::DramStats, tlmx::kOpKindCount> by_kind;
  // Merged over batches, per layer; the last entry is the final norm and the LM head.
  std::vector<dram::DramStats> by_layer;
  // Per batch, in order: the read latency's 99th percentile and maximum, and the most
  // bursts queued in any one channel, in DRAM cycles and bursts.
  struct Batch {
    std::uint64_t id = 0;
    std::uint64_t read_latency_p99_cycles = 0;
    std::uint64_t read_latency_max_cycles = 0;
    std::uint64_t queue_occupancy_max_bursts = 0;
  };
  std::vector<Batch> batches;
};

}  // namespace skv::sim
