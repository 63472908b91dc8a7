// The energy model (report/Energy.h) on hand-set counters: every term with its arithmetic.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/Error.h"
#include "config/DramConfigLoader.h"
#include "config/EnergyConfig.h"
#include "config/HwConfigLoader.h"
#include "report/Energy.h"

using namespace skv;
using Catch::Detail::Approx;

namespace {

config::EnergyConfig test_energy() {
  config::EnergyConfig e;
  e.name = "test";
  e.mac_pj = 1;
  e.fxp32_mac_pj = 4;
  e.vector_op_pj = 2;
  e.exp2_pj = 3;
  e.divide_pj = 10;
  e.sram_read_pj = 5;
  e.sram_write_pj = 6;
  e.weight_buffer_read_pj_per_byte = 0.5;
  e.weight_buffer_write_pj_per_byte = 0.25;
  e.dram_io_pj_per_bit = 1;
  e.dram_pj_per_bit = 2;  // unused while the DRAM states its currents
  e.array_static_w = 1;
  e.attention_static_w = 0.5;
  e.kv_sram_static_w = 0.25;
  e.dram_controller_static_w = 0.125;
  e.device_static_w = 0.125;
  e.board_idle_w = 2;
  e.assumed = {"mac_pj", "board_idle_w"};
  return e;
}

config::HwConfig test_hw() {
  config::HwConfig hw;
  auto& d = hw.dram;
  d.clock_mhz = 2000;  // 500 ps
  d.org.channels = 2;
  d.org.ranks = 1;
  d.org.bank_groups = 2;
  d.org.banks_per_group = 2;
  d.org.burst_length = 8;
  d.org.data_rate = 2;  // 4 cycles per burst
  d.timing.tRAS = 30;
  d.timing.tRC = 40;
  d.timing.tRFC = 100;
  d.power.devices_per_rank = 2;
  d.power.vdd = 1.0;
  d.power.idd0 = 50;
  d.power.idd2n = 20;
  d.power.idd3n = 30;
  d.power.idd4r = 130;
  d.power.idd4w = 110;
  d.power.idd5b = 230;
  return hw;
}

sim::Counters test_counters() {
  sim::Counters c;
  c.cycles = 1000;  // 1 us at 1000 ps
  c.class_cycles = {600, 300, 100};
  c.array.mac_slot_cycles = 1000;
  c.array.weight_buffer_write_bytes = 400;
  c.array.weight_buffer_read_bytes = 400;
  c.array.vector_element_ops = 50;
  c.attention.fxp32_macs = 200;
  c.attention.exp2_evals = 30;
  c.attention.divisions = 4;
  c.sram.bank_reads = 60;
  c.sram.bank_writes = 20;
  c.dram.act_commands = 10;
  c.dram.rd_commands = 90;
  c.dram.rda_commands = 10;
  c.dram.wr_commands = 20;
  c.dram.ref_commands = 2;
  c.dram.bytes_read = 6400;
  c.dram.bytes_written = 1280;
  c.dram.active_standby_rank_cycles = 3000;
  c.dram_ctrl.gemv_read_bytes = 4800;
  c.dram_ctrl.attention_read_bytes = 1600;
  c.dram_ctrl.attention_write_bytes = 1280;
  return c;
}

double term(const report::Energy& e, const char* name) {
  const report::EnergyTerm* t = e.term(name);
  REQUIRE(t != nullptr);
  return t->joules;
}

}  // namespace

TEST_CASE("energy model: each term from stated counters and energies", "[energy]") {
  const report::Energy e =
      report::compute_energy(test_energy(), test_hw(), test_counters(), 1000, 500);
  CHECK(e.time_s == Approx(1e-6));
  // Dynamic: count x pJ.
  CHECK(term(e, "gemv_macs") == Approx(1000 * 1e-12));
  CHECK(term(e, "weight_buffer_writes") == Approx(400 * 0.25e-12));
  CHECK(term(e, "weight_buffer_reads") == Approx(400 * 0.5e-12));
  CHECK(term(e, "vector_ops") == Approx(50 * 2e-12));
  CHECK(term(e, "attention_macs") == Approx(200 * 4e-12));
  CHECK(term(e, "exp2") == Approx(30 * 3e-12));
  CHECK(term(e, "divisions") == Approx(4 * 10e-12));
  CHECK(term(e, "sram_reads") == Approx(60 * 5e-12));
  CHECK(term(e, "sram_writes") == Approx(20 * 6e-12));
  // DRAM, per rank of two devices at 1.0 V (2 mW per mA), tCK 500 ps:
  //   ACT + PRE: (IDD0 tRC - IDD3N tRAS - IDD2N (tRC - tRAS)) = 50x40 - 30x30 - 20x10
  //              = 900 mA-cycles -> 900 x 2e-3 W/mA x 500e-12 s = 0.9 nJ; 10 ACTs: 9 nJ
  CHECK(term(e, "dram_activates") == Approx(9e-9));
  //   read burst: (IDD4R - IDD3N) x 4 cycles = 400 mA-cycles = 0.4 nJ; 100 bursts: 40 nJ
  CHECK(term(e, "dram_reads") == Approx(40e-9));
  //   write burst: (110 - 30) x 4 = 320 mA-cycles = 0.32 nJ; 20 bursts: 6.4 nJ
  CHECK(term(e, "dram_writes") == Approx(6.4e-9));
  //   I/O: (6400 + 1280) bytes x 8 bits x 1 pJ = 61.44 nJ
  CHECK(term(e, "dram_io") == Approx(61.44e-9));
  CHECK(term(e, "dram_per_bit") == 0.0);
  // Background: 1 us is 2000 DRAM cycles x 2 channels x 1 rank = 4000 rank-cycles;
  //   3000 active x 30 mA + 1000 precharged x 20 mA = 110,000 mA-cycles
  //   x 2e-3 x 500e-12 = 110 nJ
  CHECK(term(e, "dram_background") == Approx(110e-9));
  //   refresh: (IDD5B - IDD3N) x tRFC = 200 x 100 = 20,000 mA-cycles = 20 nJ; 2 REFs: 40 nJ
  CHECK(term(e, "dram_refresh") == Approx(40e-9));
  // Static: (1 + 0.5 + 0.25 + 0.125 + 0.125) W x 1 us = 2 uJ; board 2 W x 1 us = 2 uJ.
  CHECK(e.part_j(report::EnergyPart::UnitStatic) == Approx(2e-6));
  CHECK(e.part_j(report::EnergyPart::BoardIdle) == Approx(2e-6));
  CHECK(e.part_j(report::EnergyPart::DramBackground) == Approx(150e-9));
}

TEST_CASE("energy model: the parts, the units and the classes each add up to the total",
          "[energy]") {
  const report::Energy e =
      report::compute_energy(test_energy(), test_hw(), test_counters(), 1000, 500);
  double parts = 0, units = 0, classes = 0;
  for (int p = 0; p < report::kEnergyPartCount; ++p) {
    parts += e.part_j(static_cast<report::EnergyPart>(p));
  }
  for (int u = 0; u < report::kEnergyUnitCount; ++u) {
    units += e.unit_j(static_cast<report::EnergyUnit>(u));
  }
  for (int c = 0; c < 3; ++c) classes += e.class_j(c);
  CHECK(parts == Approx(e.total_j()));
  CHECK(units == Approx(e.total_j()));
  CHECK(classes == Approx(e.total_j()));
  // Dynamic: 1 + 0.1 + 0.2 + 0.1 + 0.8 + 0.09 + 0.04 + 0.3 + 0.12 = 2.75 nJ of the units;
  // DRAM 9 + 40 + 6.4 + 61.44 = 116.84 nJ.
  CHECK(e.part_j(report::EnergyPart::Dynamic) == Approx(2.75e-9 + 116.84e-9));
  // Assumed: the MACs' 1 nJ and the board's 2 uJ.
  CHECK(e.assumed_j() == Approx(1e-9 + 2e-6));
  // Static power is booked to classes by their cycles (600 : 300 : 100): the board's 2 uJ
  // gives GEMV 1.2 uJ.
  const report::EnergyTerm* board = e.term("board_idle");
  REQUIRE(board != nullptr);
  CHECK(board->by_class[0] == Approx(1.2e-6));
  // Static energy is power times time: twice the span, twice the joules.
  sim::Counters twice = test_counters();
  twice.cycles = 2000;
  const report::Energy e2 = report::compute_energy(test_energy(), test_hw(), twice, 1000, 500);
  CHECK(e2.part_j(report::EnergyPart::UnitStatic) == Approx(4e-6));
}

TEST_CASE("energy model: a DRAM preset without currents uses the energy per bit", "[energy]") {
  config::HwConfig hw = test_hw();
  hw.dram.power = {};
  const report::Energy e = report::compute_energy(test_energy(), hw, test_counters(), 1000, 500);
  // 61,440 bits x 2 pJ = 122.88 nJ; no command, background or refresh energy.
  CHECK(term(e, "dram_per_bit") == Approx(122.88e-9));
  CHECK(term(e, "dram_activates") == 0.0);
  CHECK(term(e, "dram_background") == 0.0);
  CHECK(term(e, "dram_refresh") == 0.0);
}

TEST_CASE("energy model: the hbm2-u55c preset's currents, per pseudo-channel", "[energy]") {
  // DRAMsim3's HBM2 currents per 128-bit channel (VDD 1.2 V; IDD0 65, IDD2N 40, IDD3N 55,
  // IDD4R 390, IDD4W 500, IDD5AB 250 mA), halved for each of a channel's two 64-bit
  // pseudo-channels; the preset models 32 of them at 900 MHz (tCK 1,111 ps).
  const dram::DramConfig d =
      dram::load_dram_preset("hbm2-u55c", std::string(SKV_SOURCE_DIR) + "/configs/dram");
  REQUIRE(d.power.stated());
  CHECK(d.power.devices_per_rank == 1);
  CHECK(d.power.vdd == 1.2);
  CHECK(d.power.idd0 == 65.0 / 2);
  CHECK(d.power.idd2n == 40.0 / 2);
  CHECK(d.power.idd3n == 55.0 / 2);
  CHECK(d.power.idd4r == 390.0 / 2);
  CHECK(d.power.idd4w == 500.0 / 2);
  CHECK(d.power.idd5b == 250.0 / 2);
  REQUIRE(d.org.channels == 32);
  REQUIRE(d.timing.tRC == 39);
  REQUIRE(d.timing.tRAS == 26);
  REQUIRE(d.timing.tRFC == 198);
  REQUIRE(d.burst_cycles() == 2);
  // One mA for one cycle at 1.2 V: 1.2 V x 1 mA x 1.111 ns = 1.3332 pJ.
  const report::DramCommandEnergy de = report::dram_command_energy(d, 1111);
  // ACT + PRE: 32.5 x 39 - 27.5 x 26 - 20 x (39 - 26) = 1267.5 - 715 - 260 = 292.5 mA-cycles.
  CHECK(de.act_pre == Approx(292.5 * 1.3332e-12));  // 389.96 pJ
  // A BL4 read (32 B, 2 cycles): (195 - 27.5) x 2 = 335 mA-cycles; a write (250 - 27.5) x 2.
  CHECK(de.read_burst == Approx(335 * 1.3332e-12));   // 446.62 pJ, 1.74 pJ/bit
  CHECK(de.write_burst == Approx(445 * 1.3332e-12));  // 593.27 pJ, 2.32 pJ/bit
  // All-bank refresh: (125 - 27.5) x tRFC 198 = 19,305 mA-cycles; a per-bank REF is 1/16.
  CHECK(de.refresh_all == Approx(19305 * 1.3332e-12));        // 25.74 nJ
  CHECK(de.refresh_bank == Approx(19305 * 1.3332e-12 / 16));  // 1.61 nJ
  CHECK(de.active_cycle == Approx(27.5 * 1.3332e-12));
  CHECK(de.precharged_cycle == Approx(20 * 1.3332e-12));

  // Background over 1,000 accelerator cycles of 1,111 ps (1,000 DRAM cycles): 32
  // pseudo-channels x 1,000 rank-cycles, all precharged, x 20 mA x 1.3332 pJ = 853.25 nJ,
  // that is 32 x 1.2 V x 20 mA = 0.768 W (16 channels x 1.2 V x 40 mA). No energy per bit:
  // the preset states its currents.
  config::HwConfig hw;
  hw.dram = d;
  sim::Counters c;
  c.cycles = 1000;
  const report::Energy e = report::compute_energy(test_energy(), hw, c, 1111, 1111);
  CHECK(term(e, "dram_background") == Approx(32000 * 20 * 1.3332e-12));
  CHECK(term(e, "dram_background") / e.time_s == Approx(32 * 1.2 * 0.020));
  CHECK(term(e, "dram_per_bit") == 0.0);
  // With a bank open in every pseudo-channel throughout: 32 x 1.2 V x 27.5 mA = 1.056 W.
  c.dram.active_standby_rank_cycles = 32000;
  const report::Energy active = report::compute_energy(test_energy(), hw, c, 1111, 1111);
  CHECK(term(active, "dram_background") / active.time_s == Approx(1.056));
}

TEST_CASE("energy presets: the shipped ones load, and bad values are one-line errors", "[energy]") {
  const std::string dir = std::string(SKV_SOURCE_DIR) + "/configs/energy";
  const config::EnergyConfig u55c = config::load_energy_config("u55c", dir);
  CHECK(u55c.board_idle_w > 0);
  CHECK(u55c.is_assumed("mac_pj"));
  const config::EnergyConfig asic = config::load_energy_config("asic-45nm", dir);
  CHECK(asic.board_idle_w == 0.0);
  CHECK_FALSE(asic.is_assumed("mac_pj"));
  CHECK_THROWS_WITH(
      config::load_energy_config("nope", dir),
      Catch::Contains("no energy preset 'nope'") && Catch::Contains("asic-45nm, u55c"));
  // A value out of range names the file, the key and what is allowed.
  const std::string bad = (std::filesystem::temp_directory_path() / "skv-energy-bad.yaml").string();
  {
    std::ifstream in(dir + "/asic-45nm.yaml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.replace(text.find("mac_pj: 0.3"), 11, "mac_pj: -1");
    std::ofstream(bad) << text;
  }
  CHECK_THROWS_WITH(config::load_energy_config(bad, dir), Catch::Contains("skv-energy-bad.yaml:") &&
                                                              Catch::Contains("mac_pj") &&
                                                              Catch::Contains("allowed"));
  std::filesystem::remove(bad);
}
