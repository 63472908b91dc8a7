#pragma once
// The energy model: an energy preset's energy per action times the units' counters, plus
// each unit's static power over the simulated time, the DRAM's background and refresh
// energy from its preset's JEDEC currents (DRAMPower's method), and the board's idle
// power. Pure arithmetic over a span's counters, so the same counters (a whole run, one
// batch, a fast-mode estimate) give the same energy. docs/energy.md states the method.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "config/EnergyConfig.h"
#include "config/HwConfigLoader.h"
#include "sim/Counters.h"

namespace skv::report {

// The four parts of the energy.
enum class EnergyPart { Dynamic, UnitStatic, DramBackground, BoardIdle };
inline constexpr int kEnergyPartCount = 4;
// The units energy is booked to.
enum class EnergyUnit { Array, Attention, KvSram, Dram, Device, Board };
inline constexpr int kEnergyUnitCount = 6;
const char* energy_part_name(EnergyPart p);  // "dynamic", "unit_static", ...
const char* energy_unit_name(EnergyUnit u);  // "processor_array", ...

// One term of the sum: what it is, the joules, where they are booked, and whether its
// value rests on an assumption of the energy preset.
struct EnergyTerm {
  const char* name;  // "gemv_macs", "dram_background", ...
  const char* description;  // what it counts, for the stats listing (docs/stats.md)
  EnergyPart part;
  EnergyUnit unit;
  double joules = 0;
  // Joules by operation class (tlmx::OpClass order: gemv, attention, other).
  std::array<double, 3> by_class{};
  bool assumed = false;
};

struct Energy {
  std::vector<EnergyTerm> terms;  // in a fixed order (docs/energy.md)
  double time_s = 0;
  double total_j() const;
  double part_j(EnergyPart p) const;
  double unit_j(EnergyUnit u) const;
  double class_j(int cls) const;
  double assumed_j() const;
  const EnergyTerm* term(const std::string& name) const;
};

// The energy of a span whose counters are `c` (c.cycles: its accelerator cycles) at the
// given clock periods.
Energy compute_energy(const config::EnergyConfig& e, const config::HwConfig& hw,
                      const sim::Counters& c, std::uint64_t accel_period_ps,
                      std::uint64_t dram_period_ps);

// Every figure of report.json's `energy` group (a run with an energy preset): its path
// below `energy.`, unit and description, in the report's order; the terms are
// compute_energy's own, so the listing cannot miss one.
struct EnergyFigure {
  std::string path;  // e.g. "terms_j.gemv_macs"
  std::string unit;
  std::string description;
};
std::vector<EnergyFigure> energy_figures();

// DRAMPower-style energies of one command or cycle of one rank of one channel, J (0 when
// the DRAM preset states no currents).
struct DramCommandEnergy {
  double act_pre = 0;           // one ACT and its precharge: IDD0 over tRC less the background
  double read_burst = 0;        // (IDD4R - IDD3N) over a burst
  double write_burst = 0;       // (IDD4W - IDD3N) over a burst
  double refresh_all = 0;       // (IDD5B - IDD3N) over tRFC
  double refresh_bank = 0;      // an all-bank refresh's energy over the banks of a rank
  double active_cycle = 0;      // IDD3N over one cycle
  double precharged_cycle = 0;  // IDD2N over one cycle
};
DramCommandEnergy dram_command_energy(const dram::DramConfig& d, std::uint64_t dram_period_ps);

}  // namespace skv::report
