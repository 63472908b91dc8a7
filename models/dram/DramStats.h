#pragma once
// Counters of one DRAM subsystem: the source of truth for every DRAM figure reported.
// Request-level counters are updated when a request completes; channel-level ones (rows,
// commands, bus, queue) when a command is issued. Units are in the names; plain counts
// (requests, bursts, commands) have none.

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/Stats.h"
#include "models/dram/DramTypes.h"

namespace skv::dram {

struct DramConfig;

// Latencies in the registry's log-linear buckets (common/Stats.h).
using LatencyHistogram = stats::Histogram;

// The counters, declared once (common/Stats.h). Request-level ones are updated when a
// request completes; channel-level ones (rows, commands, bus, queues) are summed over
// the channels when the stats are taken.
#define SKV_DRAM_STATS(X)                                                                          \
  X(requests, Sum, Count, "requests accepted by the engine")                                       \
  X(requests_completed, Sum, Count, "requests completed")                                          \
  X(reads, Sum, Count, "read requests completed")                                                  \
  X(writes, Sum, Count, "write requests completed")                                                \
  X(bytes_read, Sum, Bytes, "bytes of completed reads")                                            \
  X(bytes_written, Sum, Bytes, "bytes of completed writes")                                        \
  X(first_arrival_cycle, FirstStamp, DramCycles, "the first request's arrival")                    \
  X(last_completion_cycle, LastStamp, DramCycles, "the latest request completion")                 \
  X(elapsed_cycles, LastStamp, DramCycles, "the engine's time when the stats were taken")          \
  X(frontend_blocked_cycles, Sum, DramCycles, "cycles the front end refused a request")            \
  X(read_latency_sum_cycles, Sum, DramCycles, "read latencies (arrival to last beat), summed")     \
  X(read_latency_cycles, Histogram, DramCycles, "read latency, arrival to the last data beat")     \
  X(write_latency_cycles, Histogram, DramCycles, "write latency, arrival to the last data beat")   \
  X(bursts, Sum, Count, "bursts moved (column commands)")                                          \
  X(row_hits, Sum, Count, "bursts that found their row open")                                      \
  X(row_misses, Sum, Count, "bursts whose bank was closed")                                        \
  X(row_conflicts, Sum, Count, "bursts whose bank had another row open")                           \
  X(data_bus_busy_cycles, Sum, DramCycles, "data bus cycles, summed over channels")                \
  X(act_commands, Sum, Count, "ACT commands (activate a row)")                                     \
  X(pre_commands, Sum, Count, "PRE commands (precharge one bank)")                                 \
  X(prea_commands, Sum, Count, "PREA commands (precharge all banks of a rank)")                    \
  X(rd_commands, Sum, Count, "RD commands (read burst)")                                           \
  X(wr_commands, Sum, Count, "WR commands (write burst)")                                          \
  X(rda_commands, Sum, Count, "RDA commands (read burst, then auto-precharge)")                    \
  X(wra_commands, Sum, Count, "WRA commands (write burst, then auto-precharge)")                   \
  X(ref_commands, Sum, Count, "REF commands (all-bank refresh)")                                   \
  X(refpb_commands, Sum, Count, "REFPB commands (per-bank refresh)")                               \
  X(refreshes, Sum, Count, "refresh commands (REF and REFPB)")                                     \
  X(active_standby_rank_cycles, TimeIntegral, DramCycles,                                          \
    "ranks with a bank open x cycles, summed over channels (active standby)")                      \
  X(precharged_standby_rank_cycles, TimeIntegral, DramCycles,                                      \
    "ranks with every bank closed x cycles, summed over channels (precharged standby)")            \
  X(queue_occupancy_burst_cycles, TimeIntegral, DramCycles,                                        \
    "bursts queued (reads and writes) x cycles, summed over channels")                             \
  X(queue_occupancy_max_bursts, Max, Count, "most bursts queued in any one channel")               \
  X(write_queue_occupancy_burst_cycles, TimeIntegral, DramCycles,                                  \
    "writes queued x cycles, summed over channels")                                                \
  X(write_queue_occupancy_max_bursts, Max, Count, "most writes queued in any one channel")         \
  X(read_to_write_turnarounds, Sum, Count, "column commands turning the bus from reads to writes") \
  X(write_to_read_turnarounds, Sum, Count, "column commands turning the bus from writes to reads") \
  X(write_drains, Sum, Count, "write drain mode episodes (write_policy: drain)")

struct DramStats {
  SKV_DECLARE_STATS(SKV_DRAM_STATS)

  // The counter of each command type, in Command's order.
  static constexpr std::uint64_t DramStats::*kCommandCounters[kCommandCount] = {
      &DramStats::act_commands, &DramStats::pre_commands, &DramStats::prea_commands,
      &DramStats::rd_commands,  &DramStats::wr_commands,  &DramStats::rda_commands,
      &DramStats::wra_commands, &DramStats::ref_commands, &DramStats::refpb_commands};
  std::array<std::uint64_t, kCommandCount> command_counts() const {
    std::array<std::uint64_t, kCommandCount> n{};
    for (std::size_t i = 0; i < kCommandCount; ++i) n[i] = this->*kCommandCounters[i];
    return n;
  }

  // Derived figures. Bandwidth spans first arrival to last completion.
  std::uint64_t busy_span_cycles() const {
    return last_completion_cycle > first_arrival_cycle ? last_completion_cycle - first_arrival_cycle
                                                       : 0;
  }
  // Bytes over the busy span (first arrival to last completion): what a replay sustains.
  // The run report's dram.bandwidth_over_run_bytes_per_s is bytes over the whole run.
  double busy_span_bandwidth_bytes_per_s(const DramConfig& cfg) const;
  double row_hit_rate_pct() const;
  double queue_occupancy_mean_bursts(std::uint32_t channels) const;
  double write_queue_occupancy_mean_bursts(std::uint32_t channels) const;
  // Turnarounds (both directions) per column command, in percent.
  double turnaround_pct() const;
};

// Stable, unit-suffixed keys (docs/dram.md lists them).
nlohmann::json to_json(const DramStats& s, const DramConfig& cfg);
// A readable table of the same figures.
std::string format_table(const DramStats& s, const DramConfig& cfg);

}  // namespace skv::dram
