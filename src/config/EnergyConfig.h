#pragma once
// An energy preset (configs/energy/*.yaml): the energy of each action the units count, the
// static power of each unit and the board's idle power, for one technology. The energy
// model (report/Energy.h) multiplies them by a run's counters and time; docs/energy.md
// explains the method. Every value of a shipped preset cites its source in a comment or is
// listed under `assumptions`, so that a report can say how much of its energy rests on
// assumed values.

#include <string>
#include <vector>

#include "common/ConfigSchema.h"

namespace skv::config {

struct EnergyConfig {
  std::string name;
  std::string source_file;
  std::string technology;
  // Energy per action, pJ.
  double mac_pj = 0;         // one MAC slot at the array's quoted precision
  double fxp32_mac_pj = 0;   // one FXP32 MAC of the attention
  double vector_op_pj = 0;   // one element operation on the vector lanes
  double exp2_pj = 0;        // one 2^x (table read and interpolation)
  double divide_pj = 0;      // one division
  double sram_read_pj = 0;   // one bank-width word read from the KV SRAM
  double sram_write_pj = 0;  // one bank-width word written into the KV SRAM
  double weight_buffer_read_pj_per_byte = 0;
  double weight_buffer_write_pj_per_byte = 0;
  double dram_io_pj_per_bit = 0;  // the DRAM interface (PHY, termination) per bit moved
  double dram_pj_per_bit = 0;     // all DRAM energy per bit, for presets without currents
  // Static power, W.
  double array_static_w = 0;
  double attention_static_w = 0;
  double kv_sram_static_w = 0;
  double dram_controller_static_w = 0;  // memory controller and PHY
  double device_static_w = 0;           // the rest of the chip (clocking, shell, I/O)
  double board_idle_w = 0;              // everything on the board but the chip and the DRAM
  // Keys whose values are assumptions (comma-separated in the file).
  std::string assumptions;
  std::vector<std::string> assumed;  // parsed from `assumptions`
  bool is_assumed(const std::string& key) const;
};

const schema::Schema<EnergyConfig>& energy_schema();

// Reads and validates an energy preset: a path to a .yaml file, or a name looked up as
// `<dir>/<name>.yaml`. Errors name the file, the key and what is allowed.
EnergyConfig load_energy_config(const std::string& name_or_path, const std::string& dir);

}  // namespace skv::config
