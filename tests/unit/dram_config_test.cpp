// DRAM configuration: presets, schema errors, address mapping.

#include <catch2/catch.hpp>
#include <string>

#include "common/Error.h"
#include "config/ConfigNode.h"
#include "config/DramConfigLoader.h"
#include "models/dram/AddressMapper.h"
#include "models/dram/DramConfig.h"

using namespace skv::dram;

namespace {

const std::string kPresetDir = std::string(SKV_SOURCE_DIR) + "/configs/dram";

DramConfig preset(const std::string& name) { return load_dram_preset(name, kPresetDir); }

// A small valid config as YAML text; `extra` replaces a line to provoke one error.
std::string config_text(const std::string& from = "", const std::string& to = "") {
  std::string t =
      "name: test\n"
      "clock_mhz: 1000\n"
      "organisation:\n"
      "  channels: 2\n"
      "  ranks: 1\n"
      "  bank_groups: 2\n"
      "  banks_per_group: 2\n"
      "  rows: 1024\n"
      "  columns: 128\n"
      "  bus_width_bits: 64\n"
      "  burst_length: 4\n"
      "timing:\n"
      "  tRCD: 10\n"
      "  tRP: 10\n"
      "  tRAS: 20\n"
      "  tRC: 30\n"
      "  tRTP: 4\n"
      "  tWR: 8\n"
      "  RL: 12\n"
      "  WL: 6\n"
      "  tCCD_S: 2\n"
      "  tCCD_L: 4\n"
      "  tRRD_S: 2\n"
      "  tRRD_L: 4\n"
      "  tFAW: 16\n"
      "  tWTR_S: 2\n"
      "  tWTR_L: 6\n"
      "  tRTW: 10\n"
      "controller:\n"
      "  page_policy: open\n"
      "  queue_depth: 16\n"
      "  refresh: none\n";
  if (!from.empty()) {
    const auto pos = t.find(from);
    REQUIRE(pos != std::string::npos);
    t.replace(pos, from.size(), to);
  }
  return t;
}

DramConfig load_text(const std::string& text) {
  skv::config::Node n = skv::config::Node::load_string(text, "dram.yaml");
  return load_dram_config(n);
}

std::string error_of(const std::string& text) {
  try {
    load_text(text);
  } catch (const skv::InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("every DRAM preset loads, with its peak bandwidth", "[dram]") {
  struct Expect {
    const char* name;
    double peak;  // bytes/s
    std::uint32_t burst_bytes;
    std::uint32_t burst_cycles;
  };
  const Expect presets[] = {
      // 32 pseudo-channels x 8 B x 2 beats x 900 MHz
      {"hbm2-u55c", 32 * 8 * 2 * 900e6, 32, 2},
      // 4 channels x 2 B x 2 beats x 1600 MHz
      {"lpddr4-3200", 4 * 2 * 2 * 1600e6, 32, 8},
      // 4 channels x 2 B x 8 beats x 800 MHz
      {"lpddr5-6400", 4 * 2 * 8 * 800e6, 32, 2},
      // 1 channel x 8 B x 2 beats x 1600 MHz
      {"ddr4-3200", 8 * 2 * 1600e6, 64, 4},
  };
  for (const Expect& e : presets) {
    INFO(e.name);
    const DramConfig c = preset(e.name);
    CHECK(c.name == e.name);
    CHECK(c.peak_bandwidth_bytes_per_s() == Approx(e.peak));
    CHECK(c.org.burst_bytes() == e.burst_bytes);
    CHECK(c.burst_cycles() == e.burst_cycles);
    CHECK(check_dram_config(c).empty());
  }
  // The U55C: 16 GiB in 32 pseudo-channels, 460.8 GB/s.
  const DramConfig hbm = preset("hbm2-u55c");
  CHECK(hbm.org.capacity_bytes() == (16ull << 30));
  CHECK(hbm.peak_bandwidth_bytes_per_s() == Approx(460.8e9));
}

TEST_CASE("a preset is found by name or by path, an unknown one lists the known", "[dram]") {
  CHECK(load_dram_preset(kPresetDir + "/ddr4-3200.yaml", "nowhere").name == "ddr4-3200");
  try {
    load_dram_preset("hbm3", kPresetDir);
    FAIL("no error");
  } catch (const skv::InputError& e) {
    const std::string msg = e.what();
    CHECK(msg.find("hbm3") != std::string::npos);
    CHECK(msg.find("hbm2-u55c") != std::string::npos);
  }
}

TEST_CASE("DRAM config errors name file, line, key and reason", "[dram]") {
  CHECK(load_text(config_text()).org.channels == 2);
  // Line 16 holds tRC.
  CHECK(error_of(config_text("  tRC: 30\n", "  tRC: 25\n")) ==
        "dram.yaml:16: timing.tRC: 25 is less than tRAS + tRP = 30");
  CHECK(error_of(config_text("  tRCD: 10\n", "  tRCD: 10\n  tRDC: 3\n"))
            .find("dram.yaml:14: timing.tRDC") == 0);
  CHECK(error_of(config_text("  channels: 2\n", "  channels: 3\n"))
            .find("organisation.channels: 3 is not a power of two") != std::string::npos);
  CHECK(error_of(
            config_text("  queue_depth: 16\n", "  queue_depth: 16\n  address_mapping: RoBaCoCh\n"))
            .find("controller.address_mapping: field Bg (1 bits) is missing") != std::string::npos);
  CHECK(error_of(config_text("  page_policy: open\n", "  page_policy: lazy\n"))
            .find("'lazy' is not allowed") != std::string::npos);
  CHECK(error_of(config_text("  refresh: none\n", "  refresh: all_bank\n")).find("timing.tREFI") !=
        std::string::npos);
}

TEST_CASE("write queue and front end keys: defaults and errors", "[dram]") {
  // Without the keys: writes drained from a queue as deep as the read queue (16), from
  // ceil(0.8 x 16) = 13 down to floor(0.2 x 16) = 3; one cycle of front-end latency.
  const DramConfig d = load_text(config_text());
  CHECK(d.controller.write_policy == WritePolicy::Drain);
  CHECK(d.controller.write_queue_depth == 16);
  CHECK(d.controller.write_high_watermark == 13);
  CHECK(d.controller.write_low_watermark == 3);
  CHECK(d.controller.frontend_latency_cycles == 1);
  const DramConfig s = load_text(
      config_text("  queue_depth: 16\n",
                  "  queue_depth: 16\n  write_policy: shared\n  frontend_latency_cycles: 0\n"));
  CHECK(s.controller.write_policy == WritePolicy::Shared);
  CHECK(s.controller.frontend_latency_cycles == 0);
  CHECK(error_of(config_text("  queue_depth: 16\n",
                             "  queue_depth: 16\n  write_queue_depth: 8\n"
                             "  write_high_watermark: 9\n"))
            .find("controller.write_high_watermark: 9 is not in [1, write_queue_depth 8]") !=
        std::string::npos);
  CHECK(error_of(config_text("  queue_depth: 16\n",
                             "  queue_depth: 16\n  write_high_watermark: 4\n"
                             "  write_low_watermark: 4\n"))
            .find("controller.write_low_watermark: 4 is not below write_high_watermark 4") !=
        std::string::npos);
  CHECK(error_of(config_text("  queue_depth: 16\n", "  queue_depth: 16\n  write_policy: late\n"))
            .find("'late' is not allowed") != std::string::npos);
  for (const char* name : {"hbm2-u55c", "lpddr4-3200", "lpddr5-6400", "ddr4-3200"}) {
    INFO(name);
    const DramConfig p = preset(name);
    CHECK(p.controller.write_policy == WritePolicy::Drain);
    CHECK(p.controller.write_queue_depth == 32);
    CHECK(p.controller.write_high_watermark == 26);
    CHECK(p.controller.write_low_watermark == 6);
    CHECK(p.controller.frontend_latency_cycles == 1);
  }
}

TEST_CASE("address mapping: default spreads a sequential stream over channels and groups",
          "[dram]") {
  const DramConfig c = preset("hbm2-u55c");
  const AddressMapper m(c);
  // RoRaBaCoBgCh over 32 B bursts: bits 0-4 byte, 5-9 channel, 10-11 group, 12-16 column,
  // 17-18 bank, 19-33 row.
  for (std::uint32_t i = 0; i < 32; ++i) {
    const DramAddress a = m.decode(std::uint64_t{i} * 32);
    CHECK(a.channel == i);
    CHECK(a.bank_group == 0);
    CHECK(a.column == 0);
  }
  CHECK(m.decode(32 * 32).bank_group == 1);                // 1 KiB: next bank group
  CHECK(m.decode(32 * 32 * 4).column == 1);                // 4 KiB: next column
  CHECK(m.decode(32 * 32 * 4 * 32).bank == 1);             // 128 KiB: next bank
  CHECK(m.decode(32 * 32 * 4 * 32 * 4).row == 1);          // 512 KiB: next row
  CHECK(m.decode(c.org.capacity_bytes()) == m.decode(0));  // wraps at the capacity
  const DramAddress a{7, 0, 2, 3, 1234, 17};
  CHECK(m.decode(m.encode(a)) == a);
}

TEST_CASE("address mapping: split fields and errors", "[dram]") {
  DramConfig c = preset("hbm2-u55c");
  // Column split: 3 low bits below the bank group, the other 2 above it.
  c.controller.address_mapping = "Ro-Ra-Ba-Co-Bg-Co3-Ch";
  const AddressMapper m(c);
  CHECK(m.decode(32 * 32).column == 1);          // bit 10: column bit 0
  CHECK(m.decode(32 * 32 * 8).bank_group == 1);  // bit 13: group bit 0
  CHECK(m.decode(32 * 32 * 32).column == 8);     // bit 15: column bit 3
  CHECK(address_mapping_error("RoRaBaCoBgCh", c.org).empty());
  CHECK(address_mapping_error("RoRaBaCoBgChXy", c.org).find("'Xy'") != std::string::npos);
  CHECK(address_mapping_error("RoRaBaCoCoBgCh", c.org).find("without a bit count") !=
        std::string::npos);
  CHECK(address_mapping_error("RoRaBaCo3BgCh", c.org).find("given 3 bits but has 5") !=
        std::string::npos);
}
