#pragma once
// The on-chip KV SRAM: a staging buffer in front of the KV cache in DRAM.
//
// The attention pipeline reads K/V ranges by their DRAM address over `target`
// (blocking transport). The first read of a tile carries a TileHint: the next tile's
// ranges are queued, so DRAM fills of tile j+1 overlap the pipeline's use of tile j.
// A range's staging space is returned once the pipeline has read it. A read waits only while its range has
// not arrived (a counted stall); its port time comes back as annotated delay so the
// reader can overlap it with compute. Writes (the new token's k and v) land in the
// SRAM and are written through to DRAM as posted writes.

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <deque>
#include <string>

#include "models/kv_sram/KvSramConfig.h"
#include "models/tlm/MemorySystemConfig.h"
#include "models/tlm/ClockDomain.h"
#include "models/tlm/MemoryPort.h"
#include "models/tlm/Prefetcher.h"

namespace skv {

class KvCacheSram : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<KvCacheSram> target;  // from the attention pipeline
  tlmx::MemoryPort fill;                                 // K/V tiles from DRAM
  tlmx::MemoryPort writeback;                            // new k, v to DRAM

  struct Stats {
    std::uint64_t reads = 0;
    std::uint64_t read_bytes = 0;
    std::uint64_t writes = 0;
    std::uint64_t write_bytes = 0;
    std::uint64_t fill_bytes = 0;          // staged from DRAM
    std::uint64_t scratch_bytes = 0;       // on-chip score traffic (native attention)
    std::uint64_t demand_fills = 0;        // reads whose range had not been hinted
    std::uint64_t stall_cycles = 0;        // readers waiting for DRAM data
    std::uint64_t port_busy_cycles = 0;    // the pipeline's reads and writes, summed over ports
    std::uint64_t fill_port_cycles = 0;    // DRAM fills writing into the banks (they do not
                                           // contend with the pipeline's accesses yet)
  };

  KvCacheSram(sc_core::sc_module_name name, const config::KvSramConfig& cfg,
              const config::MemorySystemConfig& mem, const tlmx::ClockDomain& clock);

  const Stats& stats() const { return stats_; }
  const config::KvSramConfig& config() const { return cfg_; }
  // Its staging buffer's state, for a stalled simulation's error line.
  std::string activity() const;
  bool drained() const { return prefetcher_.drained(); }

 private:
  struct Staged {
    std::uint64_t addr;
    std::uint64_t bytes;
    std::uint64_t mark;
  };
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  std::uint64_t stage(std::uint64_t addr, std::uint64_t bytes);
  std::deque<Staged>::iterator find_staged(std::uint64_t addr, std::uint64_t bytes);
  std::uint64_t port_cycles(std::uint64_t bytes) const;

  config::KvSramConfig cfg_;
  config::MemorySystemConfig mem_;
  const tlmx::ClockDomain& clock_;
  tlmx::Prefetcher prefetcher_;
  std::deque<Staged> staged_;
  Stats stats_;
};

}  // namespace skv
