#pragma once
// Every counter of the accelerator at one instant, as one value: the units' stats
// groups (models/tlm/Stats.h), the DRAM controller's counters by owner, the DRAM
// figures the run reports, and the cycles booked to each class of operation. Two
// snapshots taken at the ends of a span subtract to what happened in the span; spans
// add, scale (a span reused n times) and interpolate (the fast mode, sim/FastMode.h).
//
// A snapshot is a cut at one accelerator cycle. The DRAM engine is lazy: its command
// counters may run a few commands ahead of or behind the cut, so row hits and commands
// of a span are exact over a whole run and within a few commands at a cut inside it.

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <string>

#include "models/array/ProcessorArray.h"
#include "models/attention/AttentionPipeline.h"
#include "models/dram/DramStats.h"
#include "models/dram_controller/DramController.h"
#include "models/kv_sram/KvCacheSram.h"
#include "models/tlm/Ops.h"
#include "models/tlm/Stats.h"

namespace skv::sim {

// The DRAM engine's figures a run reports, as a registry group.
#define SKV_DRAM_RUN_STATS(X)                                                        \
  X(requests, Sum, Count, "requests accepted by the engine")                         \
  X(reads, Sum, Count, "read requests completed")                                    \
  X(writes, Sum, Count, "write requests completed")                                  \
  X(bytes_read, Sum, Bytes, "bytes of completed reads")                              \
  X(bytes_written, Sum, Bytes, "bytes of completed writes")                          \
  X(bursts, Sum, Count, "bursts scheduled")                                          \
  X(row_hits, Sum, Count, "bursts that found their row open")                        \
  X(row_misses, Sum, Count, "bursts whose bank was closed")                          \
  X(row_conflicts, Sum, Count, "bursts whose bank had another row open")             \
  X(refreshes, Sum, Count, "refresh commands")                                       \
  X(data_bus_busy_cycles, Sum, DramCycles, "data bus cycles, summed over channels")  \
  X(read_latency_sum_cycles, Sum, DramCycles, "read latencies, summed")

struct DramRunStats {
  SKV_DECLARE_STATS(SKV_DRAM_RUN_STATS)
};

DramRunStats dram_run_stats(const dram::DramStats& s);
// The same figures written into an engine stats record (the rest left zero).
void store(const DramRunStats& from, dram::DramStats& to);

struct Counters {
  ProcessorArray::Stats array;
  AttentionPipeline::Stats attention;
  KvCacheSram::Stats sram;
  DramRunStats dram;
  std::array<std::uint64_t, tlmx::kOpClassCount> dram_read_bytes_by_owner{};
  std::array<std::uint64_t, tlmx::kOpClassCount> dram_write_bytes_by_owner{};
  std::uint64_t dram_requests_held_back = 0;
  std::uint64_t dram_held_back_ps = 0;
  std::array<std::uint64_t, tlmx::kOpClassCount> class_cycles{};
  std::uint64_t cycles = 0;  // the span's accelerator cycles

  // f(group, name, kind, value&) for every value, in a fixed order.
  template <class F>
  void visit(F&& f) {
    auto group = [&f](const char* g, auto& stats) {
      stats.for_each_mutable(
          [&](const stats::Info& info, std::uint64_t& v) { f(g, info.name, info.kind, v); });
    };
    group("processor_array", array);
    group("attention_pipeline", attention);
    group("kv_sram", sram);
    group("dram", dram);
    for (int i = 0; i < tlmx::kOpClassCount; ++i) {
      const char* cls = tlmx::op_class_name(static_cast<tlmx::OpClass>(i));
      f("dram_read_bytes_by_owner", cls, stats::Kind::Sum, dram_read_bytes_by_owner[i]);
      f("dram_write_bytes_by_owner", cls, stats::Kind::Sum, dram_write_bytes_by_owner[i]);
      f("class_cycles", cls, stats::Kind::Sum, class_cycles[i]);
    }
    f("dram_controller", "requests_held_back", stats::Kind::Sum, dram_requests_held_back);
    f("dram_controller", "held_back_ps", stats::Kind::Sum, dram_held_back_ps);
    f("span", "cycles", stats::Kind::Sum, cycles);
  }
  template <class F>
  void visit(F&& f) const {
    const_cast<Counters*>(this)->visit(
        [&f](const char* g, const char* n, stats::Kind k, std::uint64_t& v) {
          f(g, n, k, static_cast<const std::uint64_t&>(v));
        });
  }

  Counters& operator+=(const Counters& o);
  // What happened between snapshot `earlier` and this one. Sums and integrals subtract;
  // throws std::logic_error for a value that went down or cannot be subtracted (an
  // extreme, which needs a scope of its own).
  Counters operator-(const Counters& earlier) const;
  Counters times(std::uint64_t n) const;
};

// The value at x on the line through (x0, a) and (x1, b), x0 < x1, rounded to the
// nearest integer (halves away from zero): exact wherever the counter is affine in x.
Counters interpolate(const Counters& a, std::uint64_t x0, const Counters& b, std::uint64_t x1,
                     std::uint64_t x);

nlohmann::json to_json(const Counters& c);
// Throws std::runtime_error naming the missing or malformed value.
Counters counters_from_json(const nlohmann::json& j);

}  // namespace skv::sim
