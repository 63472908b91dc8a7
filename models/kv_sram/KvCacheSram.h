#pragma once
// The on-chip KV SRAM: a staging buffer in front of the KV cache in DRAM.
//
// Its capacity is split by the `kv_sram` keys: staging space (what the running
// attention's tiles stream through; the rest of the capacity), prefetch space
// (`prefetch_kib`: K/V fetched ahead of an attention under overlap.kv, over a DRAM port
// of its own) and score space (`score_kib`: what native attention's on-chip-score
// decision weighs). A read finds its range in the prefetch space first, then in the
// staging space; prefetched ranges before it that were not read are dropped (wasted).
//
// The attention pipeline reads K/V ranges by their DRAM address over `target`
// (blocking transport). The first read of a tile carries a TileHint: the next tile's
// ranges are queued, so DRAM fills of tile j+1 overlap the pipeline's use of tile j.
// A range's staging space is returned once the pipeline has read it. A read waits only while its
// range has not arrived (a counted stall); its port time comes back as annotated delay so the
// reader can overlap it with compute. Writes (the new token's k and v) land in the
// SRAM and are written through to DRAM as posted writes.

#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <systemc>
#include <tlm>
#include <utility>
#include <vector>

#include "common/Stats.h"
#include "models/kv_sram/KvSramConfig.h"
#include "models/tlm/ActivityRecorder.h"
#include "models/tlm/ClockDomain.h"
#include "models/tlm/MemoryPort.h"
#include "models/tlm/MemorySystemConfig.h"
#include "models/tlm/Prefetcher.h"

namespace skv {

class KvCacheSram : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<KvCacheSram> target;  // from the attention pipeline
  tlmx::MemoryPort fill;                                 // K/V tiles from DRAM
  tlmx::MemoryPort writeback;                            // new k, v to DRAM

#define SKV_KV_SRAM_STATS(X)                                                              \
  X(reads, Sum, Count, "reads by the attention pipeline")                               \
  X(read_bytes, Sum, Bytes, "bytes read by the attention pipeline")                     \
  X(writes, Sum, Count, "writes by the attention pipeline (new k, v; spilled scores)") \
  X(write_bytes, Sum, Bytes, "bytes written by the attention pipeline")                 \
  X(fill_bytes, Sum, Bytes, "bytes staged from DRAM")                                   \
  X(scratch_bytes, Sum, Bytes, "on-chip score traffic (native attention)")              \
  X(demand_fills, Sum, Count, "reads whose range had not been announced")               \
  X(stall_cycles, Sum, AccelCycles, "cycles readers waited for DRAM data")              \
  X(port_busy_cycles, Sum, AccelCycles, "the pipeline's reads and writes, over ports")  \
  X(fill_port_cycles, Sum, AccelCycles, "DRAM fills writing the banks, over ports (not contending yet)") \
  X(bank_reads, Sum, Count, "bank-width words read (K/V and on-chip scores)")           \
  X(bank_writes, Sum, Count, "bank-width words written (DRAM fills, new k and v, on-chip scores)")
  struct Stats {
    SKV_DECLARE_STATS(SKV_KV_SRAM_STATS)
  };

  // The prefetch space under overlap.kv: next_attention (`kv_sram.prefetch_kib`):
  // reported as its own group, `kv_prefetch`, only by runs with that overlap. Its waits
  // for data count in the group above (`stall_cycles`), like the staging space's.
#define SKV_KV_PREFETCH_STATS(X)                                                            \
  X(streams, Sum, Count, "attention K/V streams started ahead of their attention")          \
  X(prefetched_bytes, Sum, Bytes, "K/V bytes fetched into the prefetch space")              \
  X(used_bytes, Sum, Bytes, "prefetched K/V bytes their attention read from there")         \
  X(wasted_bytes, Sum, Bytes,                                                               \
    "prefetched K/V bytes dropped unread (their attention read past them)")                 \
  X(refetched_bytes, Sum, Bytes,                                                            \
    "K/V bytes fetched again into the staging space after being dropped unread")            \
  X(buffer_bytes, Max, Bytes, "the prefetch space: kv_sram.prefetch_kib x 1024")            \
  X(buffer_peak_bytes, Max, Bytes,                                                          \
    "most prefetch space held at once (requests of ranges fetched ahead and not yet read, " \
    "x memory.request_bytes), never above buffer_bytes")                                    \
  X(buffer_occupancy_byte_cycles, TimeIntegral, AccelCycles,                                \
    "prefetch space held (bytes of requests sent and not yet read) summed over "            \
    "accelerator cycles: over the run's cycles, the space's mean occupancy")                \
  X(hideable_bytes, Sum, Bytes,                                                             \
    "per stream its attention read from: min(the bytes fetched ahead, what the DRAM's "     \
    "peak bandwidth moves from the stream's start to the attention's first read)")          \
  X(hideable_cycles, Sum, AccelCycles,                                                      \
    "per such stream: the bytes fetched ahead at the DRAM's peak bandwidth (cycles, "       \
    "rounded up), capped by the cycles from its start to the attention's first read")
  // The hideable bound, per attention whose stream was started ahead (the same reading as
  // the weight buffer's, ProcessorArray.h): Q the bytes of its stream that fitted in the
  // prefetch space, T the cycles from the stream's start to the attention's first read of
  // one of them, P the DRAM's peak bytes per accelerator cycle:
  //   bytes = min(Q, floor(T x P)),  cycles = min(ceil(Q / P), T)
  // the K/V transfer time prefetch can take off the attention if the DRAM moved nothing
  // else meanwhile (the first request's latency, also hidden, not counted).
  struct PrefetchStats {
    SKV_DECLARE_STATS(SKV_KV_PREFETCH_STATS)
  };

  KvCacheSram(sc_core::sc_module_name name, const config::KvSramConfig& cfg,
              const config::MemorySystemConfig& mem, const tlmx::ClockDomain& clock);

  const Stats& stats() const { return stats_; }
  PrefetchStats prefetch_stats() const;
  // The DRAM's peak bandwidth in bytes per accelerator cycle, for the hideable bound
  // (0, the default: the bound counts the bytes fetched ahead and no cycles).
  void set_dram_peak_bytes_per_cycle(double bytes) { dram_peak_bytes_per_cycle_ = bytes; }
  // The prefetch space's own DRAM port (null without prefetch space): bind it beside
  // `fill` and `writeback`.
  tlmx::MemoryPort* prefetch_port() { return ahead_port_.get(); }
  const tlmx::MemoryPort* prefetch_port() const { return ahead_port_.get(); }
  const config::KvSramConfig& config() const { return cfg_; }
  // Its staging buffer's state, for a stalled simulation's error line.
  std::string activity() const;
  bool drained() const {
    return prefetcher_.drained() && (ahead_ == nullptr || ahead_->drained()) && prefetched_.empty();
  }
  // Reports tiles staged, stalls, staging space and its DRAM requests (null: none).
  void set_recorder(tlmx::ActivityRecorder* recorder);

 private:
  struct Staged {
    std::uint64_t addr;
    std::uint64_t bytes;
    std::uint64_t mark;
    std::uint64_t stream = 0;       // prefetched ranges: the number of the stream they are of
    std::uint64_t stream_last = 0;  // prefetch space: the last mark of its attention's stream
  };
  // A stream fetched ahead whose attention has not read from it yet.
  struct AheadStream {
    std::uint64_t number;
    std::uint64_t start_cycle;
    std::uint64_t bytes;  // Q: what fitted in the prefetch space
  };
  // The attention's first read from stream `number`: counts its hideable bound, and
  // forgets the streams before it (read past: their ranges were wasted).
  void first_read_of(std::uint64_t number);
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  std::uint64_t stage(std::uint64_t addr, std::uint64_t bytes, tlmx::OpKind owner);
  std::deque<Staged>::iterator find_staged(std::uint64_t addr, std::uint64_t bytes);
  std::deque<Staged>::iterator find_prefetched(std::uint64_t addr, std::uint64_t bytes);
  // Fetches `ranges` into the prefetch space, as many in order as fit in it.
  void prefetch(const std::vector<tlmx::AddrRange>& ranges, tlmx::OpKind owner);
  // Counts a range fetched from DRAM again after it was prefetched and dropped unread.
  void note_fetch(std::uint64_t addr, std::uint64_t bytes);
  std::uint64_t requests_of(std::uint64_t bytes) const {
    return (bytes + mem_.request_bytes - 1) / mem_.request_bytes;
  }
  std::uint64_t port_cycles(std::uint64_t bytes) const;
  // Bank-width words an access of `bytes` touches (what SRAM energy is counted in).
  std::uint64_t bank_words(std::uint64_t bytes) const {
    return (bytes + cfg_.bank_width_bytes - 1) / cfg_.bank_width_bytes;
  }
  // The first fill request of a range whose last one is `mark`.
  std::uint64_t first_request(std::uint64_t mark, std::uint64_t bytes) const;

  config::KvSramConfig cfg_;
  config::MemorySystemConfig mem_;
  const tlmx::ClockDomain& clock_;
  tlmx::Prefetcher prefetcher_;
  std::deque<Staged> staged_;
  // The prefetch space (overlap.kv): its own port and prefetcher, the ranges fetched
  // ahead and not yet read (in order), the requests they hold, and the ranges dropped
  // unread (to count a second fetch of one).
  std::unique_ptr<tlmx::MemoryPort> ahead_port_;
  std::unique_ptr<tlmx::Prefetcher> ahead_;
  std::deque<Staged> prefetched_;
  std::uint64_t ahead_held_ = 0;
  std::set<std::pair<std::uint64_t, std::uint64_t>> wasted_;
  std::deque<AheadStream> ahead_streams_;
  double dram_peak_bytes_per_cycle_ = 0;
  Stats stats_;
  PrefetchStats prefetch_stats_;
  tlmx::ActivityRecorder* recorder_ = nullptr;
};

}  // namespace skv
