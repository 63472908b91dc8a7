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

#include "models/dram/DramTypes.h"

namespace skv::dram {

struct DramConfig;

// Latencies in fixed log-linear buckets: exact below 128, then 64 buckets per power of two
// (a reported percentile is at most 1.6% above the true one). Memory is flat (3776 counters)
// however many values are added.
class LatencyHistogram {
 public:
  LatencyHistogram();
  void add(std::uint64_t value);
  std::uint64_t count() const { return count_; }
  std::uint64_t sum() const { return sum_; }
  std::uint64_t min() const { return count_ ? min_ : 0; }
  std::uint64_t max() const { return max_; }
  double mean() const {
    return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0;
  }
  // Smallest bucket bound b with at least `pct` percent of values <= b (0 when empty).
  std::uint64_t percentile(double pct) const;
  void merge(const LatencyHistogram& other);

 private:
  static std::size_t bucket_of(std::uint64_t v);
  static std::uint64_t bucket_upper(std::size_t i);
  std::vector<std::uint64_t> buckets_;
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t min_ = kNever;
  std::uint64_t max_ = 0;
};

struct DramStats {
  // Requests (a request is any number of bursts).
  std::uint64_t requests = 0;  // accepted by enqueue()
  std::uint64_t requests_completed = 0;
  std::uint64_t reads = 0;       // completed read requests
  std::uint64_t writes = 0;      // completed write requests
  std::uint64_t bytes_read = 0;  // of completed requests
  std::uint64_t bytes_written = 0;
  std::uint64_t first_arrival_cycle = 0;
  std::uint64_t last_completion_cycle = 0;
  std::uint64_t frontend_blocked_cycles = 0;  // cycles can_accept() was false after an enqueue
  std::uint64_t read_latency_sum_cycles = 0;  // arrival to the cycle after the last data beat
  LatencyHistogram read_latency_cycles;
  LatencyHistogram write_latency_cycles;

  // Channels, summed.
  std::uint64_t bursts = 0;
  std::uint64_t row_hits = 0;              // burst found its row open
  std::uint64_t row_misses = 0;            // bank was closed
  std::uint64_t row_conflicts = 0;         // another row was open
  std::uint64_t data_bus_busy_cycles = 0;  // summed over channels
  std::array<std::uint64_t, kCommandCount> commands{};
  std::uint64_t refreshes = 0;                           // REF + REFPB
  std::uint64_t queue_occupancy_burst_cycles = 0;        // summed over channels
  std::uint32_t queue_occupancy_max_bursts = 0;          // largest of any channel
  std::uint64_t write_queue_occupancy_burst_cycles = 0;  // writes queued, summed over channels
  std::uint32_t write_queue_occupancy_max_bursts = 0;    // largest of any channel
  // Column commands whose direction differs from their channel's previous column command.
  std::uint64_t read_to_write_turnarounds = 0;
  std::uint64_t write_to_read_turnarounds = 0;
  std::uint64_t write_drains = 0;    // write drain mode episodes (WritePolicy::Drain)
  std::uint64_t elapsed_cycles = 0;  // now() when the stats were taken

  // Derived figures. Bandwidth spans first arrival to last completion.
  std::uint64_t busy_span_cycles() const {
    return last_completion_cycle > first_arrival_cycle ? last_completion_cycle - first_arrival_cycle
                                                       : 0;
  }
  // Bytes over the busy span (first arrival to last completion): what a replay sustains.
  // The run report's dram.achieved_bandwidth_bytes_per_s is bytes over the whole run.
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
