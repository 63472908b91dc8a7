#pragma once
// A timeline of one decode step (one batch) in the Chrome / Perfetto trace-event format
// (JSON), of all four units. Open it in ui.perfetto.dev or chrome://tracing.
//
// It is the units' ActivityRecorder (models/tlm/ActivityRecorder.h) and the sequencer's
// operation sink. One process per unit, with these tracks:
//   processor_array     operations (one slice each)
//   attention_pipeline  operations; head passes (one slice per pass of a head group)
//   kv_sram             tile fills (first request issued to last answered, per tile);
//                       port (a tile's reads, an append's writes); stalls (readers
//                       waiting for DRAM data); counter: staging space held
//   dram_controller     one track per channel group: a slice per time bin with any read,
//                       write or refresh command; request groups per stream (weights, KV
//                       fill, KV write-back): one slice per operation, first request
//                       issued to last answered; counter: read and write bandwidth
// and one flow arrow per operation that waited for DRAM data: from its request group to
// the operation, at the first answer.
//
// The size is bounded: per-operation, per-pass and per-tile events grow with the model's
// layers and the KV length, never with the bursts; the DRAM's commands (hundreds of
// millions in a llama2-7b step) only feed counts in at most `max_bins` time bins
// (report/TimeBins.h), each bin one slice per channel group and one sample per counter.
// docs/formats.md states the bound; the file's otherData says how it was aggregated.

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "models/sequencer/DecodeSequencer.h"
#include "models/tlm/ActivityRecorder.h"
#include "report/TimeBins.h"

namespace skv::report {

struct TimelineSettings {
  std::optional<std::uint64_t> batch;  // the batch to record; unset: the first
  std::uint64_t accel_period_ps = 0;
  std::uint32_t dram_channels = 1;
  std::uint32_t dram_burst_bytes = 32;
  std::size_t max_bins = kDefaultMaxBins;  // `run --timeline-bins`
  static constexpr std::size_t kDefaultMaxBins = 1000;
  static constexpr std::uint32_t kChannelGroups = 4;  // at most; channels split evenly
};

class Timeline : public tlmx::ActivityRecorder {
 public:
  explicit Timeline(const TimelineSettings& settings);

  // The sequencer's record of a finished operation.
  void add(const sim::OpRecord& op);
  bool empty() const { return ops_.empty(); }
  std::uint64_t batch() const { return batch_.value_or(0); }
  std::uint32_t channels_per_group() const { return channels_per_group_; }
  nlohmann::json to_json() const;

  // tlmx::ActivityRecorder
  void operation_started(std::uint64_t batch, std::uint64_t seq, std::uint64_t ps) override;
  void memory_request(tlmx::MemoryRole role, tlmx::OpKind owner, std::uint64_t ticket, bool write,
                      std::uint32_t bytes, std::uint64_t issued_ps,
                      std::uint64_t answered_ps) override;
  void tile_staged(std::uint64_t first_ticket, std::uint64_t last_ticket, bool demand,
                   std::uint64_t ps) override;
  void sram_stall(std::uint64_t from_ps, std::uint64_t to_ps) override;
  void sram_staging(std::uint64_t bytes, std::uint64_t ps) override;
  void sram_port(bool write, std::uint64_t bytes, std::uint64_t from_ps,
                 std::uint64_t to_ps) override;
  void head_pass(std::uint32_t first_head, std::uint32_t heads, std::uint64_t tiles,
                 std::uint64_t from_ps, std::uint64_t to_ps) override;
  void dram_command(std::uint32_t channel, tlmx::DramActivity what, std::uint64_t ps) override;

 private:
  // Requests of one stream for one operation.
  struct RequestGroup {
    std::uint64_t first_issued_ps = UINT64_MAX;
    std::uint64_t first_answered_ps = UINT64_MAX;
    std::uint64_t last_answered_ps = 0;
    std::uint64_t requests = 0;
    std::uint64_t bytes = 0;
    void add(const RequestGroup& o);
  };
  struct TileFill {
    std::uint64_t first_ticket, last_ticket;
    bool demand;
    std::uint64_t staged_ps;
    std::uint64_t first_issued_ps = UINT64_MAX;
    std::uint64_t last_answered_ps = 0;
    std::uint64_t requests = 0;
    std::uint64_t bytes = 0;
  };
  struct Span {
    std::uint64_t from_ps, to_ps;
    std::uint64_t a = 0, b = 0, c = 0;  // what the span counts (see where it is made)
    bool flag = false;
  };

  // Inside the recorded batch: from its first operation until the next batch's first.
  bool in_window(std::uint64_t ps) const {
    return origin_ps_ && ps >= *origin_ps_ && ps < closed_ps_;
  }

  std::optional<std::uint64_t> batch_;
  TimelineSettings settings_;
  std::uint32_t channels_per_group_;
  std::uint32_t groups_;
  std::vector<sim::OpRecord> ops_;          // in the order they started (OpRecord::seq)
  std::optional<std::uint64_t> origin_ps_;  // the batch's first operation, on its edge
  std::uint64_t closed_ps_ = UINT64_MAX;    // the next batch's first operation
  std::vector<std::uint64_t> op_started_ps_;
  // Keyed by the operation started last when the requests were sent, the kind of
  // operation they were for, and whether they were sent in the instant it started: a
  // stream fetched ahead is for a later operation, found when the file is written
  // (groups_by_consumer).
  struct GroupKey {
    std::size_t during;
    tlmx::OpKind owner;
    bool at_start;
    bool operator<(const GroupKey& o) const {
      return std::tie(during, owner, at_start) < std::tie(o.during, o.owner, o.at_start);
    }
  };
  std::map<GroupKey, RequestGroup> groups_by_op_[tlmx::kMemoryRoleCount];
  // Each stream's groups by the operation they were for (index into ops_; ops_.size():
  // none recorded in the batch).
  using ByConsumer = std::map<std::size_t, RequestGroup>;
  std::array<ByConsumer, tlmx::kMemoryRoleCount> groups_by_consumer() const;
  std::vector<TileFill> tiles_;
  std::vector<Span> stalls_;          // merged when they touch
  std::vector<Span> port_;            // a: bytes; flag: writes
  std::vector<Span> passes_;          // a: first head, b: heads, c: tiles
  std::uint64_t staging_before_ = 0;  // the level when the window opened
  TimeBins bins_;                     // series: group x (read bursts, write bursts, refreshes)
};

}  // namespace skv::report
