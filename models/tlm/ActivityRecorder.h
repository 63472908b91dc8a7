#pragma once
// An observer of what the units do, for a timeline (src/report/Timeline implements it).
//
// Each unit holds a pointer to one, null unless a timeline is asked for: a unit calls it
// behind one `if`, and never waits, aligns to a clock or changes any state for it, so a
// recorded run takes exactly the cycles of an unrecorded one. Every time is in
// picoseconds of simulated time (the kernel's resolution, sim/Simulation.cpp), so that the
// accelerator's and the DRAM's clock domains share one axis.

#include <cstdint>

#include "models/tlm/Ops.h"

namespace skv::tlmx {

// Which DRAM stream a request belongs to: a GEMV's weights requested once it has started
// (Weights) or before it started (WeightsAhead, overlap.weights: next_op); an attention's
// K/V into the KV SRAM's staging space (KvFill) or into its prefetch space (KvAhead,
// overlap.kv: next_attention); the new token's k and v written back (KvWriteback).
enum class MemoryRole : std::uint8_t { Weights, KvFill, KvWriteback, WeightsAhead, KvAhead };
inline constexpr int kMemoryRoleCount = 5;

// The DRAM commands a timeline counts (the others are not reported).
enum class DramActivity : std::uint8_t { ReadBurst, WriteBurst, Refresh };
inline constexpr int kDramActivityCount = 3;

class ActivityRecorder {
 public:
  virtual ~ActivityRecorder() = default;

  // DecodeSequencer: an operation of batch `batch` is issued, the run's `seq`-th (its
  // OpRecord, with the same seq, follows once it has finished; under
  // overlap.o_projection: head_streamed the O projection's slices start and finish while
  // the attention runs, so records may arrive out of this order).
  virtual void operation_started(std::uint64_t batch, std::uint64_t seq, std::uint64_t ps) = 0;

  // MemoryPort: one DRAM request answered. `ticket` numbers a port's waited-for requests
  // from 0 in issue order (the Prefetcher's sequence numbers); posted requests have 0.
  // `owner`: the kind of the operation it was for (RequestOwner).
  virtual void memory_request(MemoryRole role, OpKind owner, std::uint64_t ticket, bool write,
                              std::uint32_t bytes, std::uint64_t issued_ps,
                              std::uint64_t answered_ps) = 0;

  // KvCacheSram: the fill requests `first_ticket`..`last_ticket` stage one K/V tile
  // (`demand`: a range read without a hint, fetched when read).
  virtual void tile_staged(std::uint64_t first_ticket, std::uint64_t last_ticket, bool demand,
                           std::uint64_t ps) = 0;
  // KvCacheSram: a reader waited for DRAM data from `from_ps` to `to_ps`.
  virtual void sram_stall(std::uint64_t from_ps, std::uint64_t to_ps) = 0;
  // KvCacheSram: staging space held (requested and not yet given back), in bytes.
  virtual void sram_staging(std::uint64_t bytes, std::uint64_t ps) = 0;
  // AttentionPipeline: the SRAM's ports busy with one tile's reads (or an append's writes).
  virtual void sram_port(bool write, std::uint64_t bytes, std::uint64_t from_ps,
                         std::uint64_t to_ps) = 0;

  // AttentionPipeline: one pass of `heads` query heads from `first_head` over `tiles` tiles.
  virtual void head_pass(std::uint32_t first_head, std::uint32_t heads, std::uint64_t tiles,
                         std::uint64_t from_ps, std::uint64_t to_ps) = 0;

  // DramController: one command on `channel` (called in time order within a channel;
  // channels are simulated lazily, so calls of different channels may interleave out of
  // order, and a channel may report a command decided ahead of the kernel's time).
  virtual void dram_command(std::uint32_t channel, DramActivity what, std::uint64_t ps) = 0;
};

}  // namespace skv::tlmx
