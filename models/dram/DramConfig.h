#pragma once
// Validated runtime configuration of one DRAM subsystem (all channels of one kind).
//
// Every timing value is in DRAM command-clock cycles (tCK). Presets in configs/dram/*.yaml
// state the nanosecond figure and the source of each number next to it. dram_schema()
// lists every key of a preset file (or of a hardware config's inline `dram:` section);
// docs/formats.md's tables of them are generated from it.

#include <cstdint>
#include <string>
#include <vector>

#include "common/ConfigSchema.h"

namespace skv::dram {

struct DramOrganisation {
  std::uint32_t channels = 1;     // independent channels (HBM: pseudo-channels)
  std::uint32_t ranks = 1;        // per channel
  std::uint32_t bank_groups = 1;  // per rank
  std::uint32_t banks_per_group = 1;
  std::uint64_t rows = 1;             // per bank
  std::uint32_t columns = 1;          // column addresses per row, each bus_width_bits wide
  std::uint32_t bus_width_bits = 64;  // data bus width of one channel
  std::uint32_t burst_length = 4;     // beats per burst
  std::uint32_t data_rate = 2;        // beats per command-clock cycle (DDR: 2; LPDDR5 4:1 WCK: 8)

  std::uint32_t banks_per_rank() const { return bank_groups * banks_per_group; }
  std::uint32_t banks() const { return ranks * banks_per_rank(); }  // per channel
  std::uint32_t burst_bytes() const { return bus_width_bits / 8 * burst_length; }
  std::uint64_t row_bytes() const { return std::uint64_t{columns} * (bus_width_bits / 8); }
  std::uint64_t bursts_per_row() const { return row_bytes() / burst_bytes(); }
  std::uint64_t capacity_bytes() const {
    return std::uint64_t{channels} * banks() * rows * row_bytes();
  }
};

struct DramTiming {
  std::uint32_t tRCD = 0;      // ACT to RD (HBM2: tRCDRD)
  std::uint32_t tRCDW = 0;     // ACT to WR (HBM2: tRCDWR); defaults to tRCD
  std::uint32_t tRP = 0;       // PRE to ACT, same bank (LPDDR: tRPpb)
  std::uint32_t tRPab = 0;     // PREA to ACT; defaults to tRP
  std::uint32_t tRAS = 0;      // ACT to PRE, same bank
  std::uint32_t tRC = 0;       // ACT to ACT, same bank
  std::uint32_t tRTP = 0;      // RD to PRE, same bank
  std::uint32_t tWR = 0;       // end of write data to PRE, same bank
  std::uint32_t RL = 0;        // RD to first data beat
  std::uint32_t WL = 0;        // WR to first data beat
  std::uint32_t tCCD_S = 0;    // column to column, different bank group
  std::uint32_t tCCD_L = 0;    // column to column, same bank group
  std::uint32_t tRRD_S = 0;    // ACT to ACT, different bank group
  std::uint32_t tRRD_L = 0;    // ACT to ACT, same bank group
  std::uint32_t tFAW = 0;      // window holding at most four ACTs of a rank (0: no limit)
  std::uint32_t tWTR_S = 0;    // end of write data to RD, different bank group
  std::uint32_t tWTR_L = 0;    // end of write data to RD, same bank group
  std::uint32_t tRTW = 0;      // RD to WR, same rank
  std::uint32_t tRTRS = 0;     // gap on the data bus when it passes from one rank to another
  std::uint32_t tREFI = 0;     // all-bank refresh interval
  std::uint32_t tRFC = 0;      // all-bank refresh cycle time
  std::uint32_t tREFIpb = 0;   // per-bank refresh interval; defaults to tREFI / banks per rank
  std::uint32_t tRFCpb = 0;    // per-bank refresh cycle time
  std::uint32_t tPBR2PBR = 0;  // REFPB to REFPB of another bank (HBM2: tRREFD)
  std::uint32_t tPBR2ACT = 0;  // REFPB to ACT of another bank (HBM2: tRREFD)
};

// How long each command holds the command bus, and whether row and column commands have
// separate buses (HBM) or share one (DDR4, LPDDR4/5).
struct CommandBus {
  bool dual = false;
  std::uint32_t act_cycles = 1;
  std::uint32_t column_cycles = 1;
  std::uint32_t precharge_cycles = 1;
  std::uint32_t refresh_cycles = 1;
};

enum class PagePolicy { Open, Closed, OpenAdaptive, ClosedAdaptive };
enum class SchedulerKind { FrFcfs, Fcfs };
enum class RefreshMode { None, AllBank, PerBank };
// How reads and writes share the scheduler: `Drain` keeps writes in a queue of their own and
// serves them in batches (write drain mode, between the watermarks); `Shared` keeps one
// queue and serves each bank's oldest hit whatever its direction.
enum class WritePolicy { Drain, Shared };

struct ControllerConfig {
  SchedulerKind scheduler = SchedulerKind::FrFcfs;
  PagePolicy page_policy = PagePolicy::Open;
  RefreshMode refresh = RefreshMode::AllBank;
  // Bursts the scheduler holds per channel: reads only under WritePolicy::Drain, reads and
  // writes under WritePolicy::Shared.
  std::uint32_t queue_depth = 32;
  WritePolicy write_policy = WritePolicy::Drain;
  // WritePolicy::Drain only: the write queue's bursts per channel; drain mode starts when it
  // holds write_high_watermark writes (or no read waits) and ends at write_low_watermark
  // (or when no write is left). Defaults: 80% and 20% of the queue (the loader's).
  std::uint32_t write_queue_depth = 32;
  std::uint32_t write_high_watermark = 26;
  std::uint32_t write_low_watermark = 6;
  // Cycles from a burst's arrival to the first cycle the scheduler can act on it.
  std::uint32_t frontend_latency_cycles = 1;
  // Address fields from the most to the least significant bit (AddressMapper.h).
  std::string address_mapping = "RoRaBaCoBgCh";
};

// JEDEC supply currents of one device (data sheet IDD values, mA) on its main supply rail,
// for the energy model's DRAMPower-style arithmetic (docs/energy.md). vdd 0: the preset
// states no currents, and the energy model uses its energy preset's energy per bit.
struct DramPower {
  std::uint32_t devices_per_rank = 1;  // devices whose currents add up to one rank of a channel
  double vdd = 0;                      // V
  double idd0 = 0;                     // one bank ACT-PRE cycling at tRC
  double idd2n = 0;                    // precharged standby
  double idd3n = 0;                    // active standby
  double idd4r = 0;                    // burst read
  double idd4w = 0;                    // burst write
  double idd5b = 0;                    // all-bank refresh, during tRFC
  bool stated() const { return vdd > 0; }
};

struct DramConfig {
  std::string name;      // preset name, e.g. "hbm2-u55c"
  double clock_mhz = 0;  // command clock
  DramOrganisation org;
  DramTiming timing;
  CommandBus command_bus;
  ControllerConfig controller;
  DramPower power;

  std::uint32_t burst_cycles() const { return org.burst_length / org.data_rate; }
  double peak_bandwidth_bytes_per_s() const {
    return clock_mhz * 1e6 * org.data_rate * (org.bus_width_bits / 8.0) * org.channels;
  }
  double cycle_ns() const { return 1e3 / clock_mhz; }
};

// The keys of a DRAM preset: sections "" (top level), "organisation", "timing",
// "command_bus" (optional) and "controller".
const schema::Schema<DramConfig>& dram_schema();

// A configuration error: `section` is "" (top level), "organisation", "timing",
// "command_bus" or "controller"; `key` the offending key there.
struct ConfigProblem {
  std::string section;
  std::string key;
  std::string reason;
};

// Every rule a DramConfig must satisfy, in one place: each value within its key's range
// (dram_schema()), then the rules across keys. The YAML loader
// (src/config/DramConfigLoader.h) reports the first problem at its key's file:line,
// DramEngine's constructor throws std::invalid_argument.
std::vector<ConfigProblem> check_dram_config(const DramConfig& cfg);

std::string to_string(PagePolicy p);
std::string to_string(SchedulerKind s);
std::string to_string(RefreshMode r);
std::string to_string(WritePolicy w);

}  // namespace skv::dram
