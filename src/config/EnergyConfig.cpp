#include "config/EnergyConfig.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "common/Error.h"
#include "config/SchemaReader.h"

namespace skv::config {

bool EnergyConfig::is_assumed(const std::string& key) const {
  return std::find(assumed.begin(), assumed.end(), key) != assumed.end();
}

const schema::Schema<EnergyConfig>& energy_schema() {
  using namespace schema;
  static const Schema<EnergyConfig> instance = [] {
    Schema<EnergyConfig> s;
    s.key("name", SKV_MEMBER(name), text(), "", required, Timing::No,
          "the preset's name, shown in reports (`energy.preset`)");
    s.key("technology", SKV_MEMBER(technology), text(), "", required, Timing::No,
          "what the values describe (an FPGA board, an ASIC node)");
    s.key("assumptions", SKV_MEMBER(assumptions), text(), "", fixed(std::string()), Timing::No,
          "comma-separated keys whose values are assumptions, not sourced figures");
    s.section("dynamic");
    s.key("mac_pj", SKV_MEMBER(mac_pj), real(0, 1e6), "pJ", required, Timing::No,
          "one MAC slot of the array at its quoted precision (`processor_array.mac_slot_cycles`)");
    s.key("fxp32_mac_pj", SKV_MEMBER(fxp32_mac_pj), real(0, 1e6), "pJ", required, Timing::No,
          "one FXP32 MAC of the attention (`attention_pipeline.fxp32_macs`)");
    s.key("vector_op_pj", SKV_MEMBER(vector_op_pj), real(0, 1e6), "pJ", required, Timing::No,
          "one element operation on the vector lanes (`processor_array.vector_element_ops`)");
    s.key("exp2_pj", SKV_MEMBER(exp2_pj), real(0, 1e6), "pJ", required, Timing::No,
          "one 2^x evaluation (`attention_pipeline.exp2_evals`)");
    s.key("divide_pj", SKV_MEMBER(divide_pj), real(0, 1e6), "pJ", required, Timing::No,
          "one division (`attention_pipeline.divisions`)");
    s.key("sram_read_pj", SKV_MEMBER(sram_read_pj), real(0, 1e6), "pJ", required, Timing::No,
          "one bank-width word read from the KV SRAM (`kv_sram.bank_reads`)");
    s.key("sram_write_pj", SKV_MEMBER(sram_write_pj), real(0, 1e6), "pJ", required, Timing::No,
          "one bank-width word written into the KV SRAM (`kv_sram.bank_writes`)");
    s.key("weight_buffer_read_pj_per_byte", SKV_MEMBER(weight_buffer_read_pj_per_byte),
          real(0, 1e6), "pJ/byte", required, Timing::No,
          "a byte read from the weight buffer (`processor_array.weight_buffer_read_bytes`)");
    s.key("weight_buffer_write_pj_per_byte", SKV_MEMBER(weight_buffer_write_pj_per_byte),
          real(0, 1e6), "pJ/byte", required, Timing::No,
          "a byte written into the weight buffer (`processor_array.weight_buffer_write_bytes`)");
    s.key("dram_io_pj_per_bit", SKV_MEMBER(dram_io_pj_per_bit), real(0, 1e6), "pJ/bit", required,
          Timing::No, "the DRAM interface (PHY, I/O, termination) per bit read or written");
    s.key("dram_pj_per_bit", SKV_MEMBER(dram_pj_per_bit), real(0, 1e6), "pJ/bit", required,
          Timing::No,
          "all DRAM device energy per bit moved, used only with a DRAM preset that states no "
          "currents (`dram.power.vdd` 0)");
    s.section("static");
    s.key("array_static_w", SKV_MEMBER(array_static_w), real(0, 1e4), "W", required, Timing::No,
          "the processor array's static power");
    s.key("attention_static_w", SKV_MEMBER(attention_static_w), real(0, 1e4), "W", required,
          Timing::No, "the attention pipelines' own logic (exp2, divide, control)");
    s.key("kv_sram_static_w", SKV_MEMBER(kv_sram_static_w), real(0, 1e4), "W", required, Timing::No,
          "the KV SRAM's static power");
    s.key("dram_controller_static_w", SKV_MEMBER(dram_controller_static_w), real(0, 1e4), "W",
          required, Timing::No, "the memory controllers and PHYs");
    s.key("device_static_w", SKV_MEMBER(device_static_w), real(0, 1e4), "W", required, Timing::No,
          "the rest of the chip (clocking, configuration, shell, host interface)");
    s.section("board");
    s.key("board_idle_w", SKV_MEMBER(board_idle_w), real(0, 1e4), "W", required, Timing::No,
          "the board around the chip and its DRAM (regulators, fans, management); 0 for a "
          "bare chip");
    return s;
  }();
  return instance;
}

EnergyConfig load_energy_config(const std::string& name_or_path, const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path given(name_or_path);
  std::string file = name_or_path;
  std::error_code ec;
  const bool looks_like_file =
      given.has_parent_path() || given.extension() == ".yaml" || given.extension() == ".yml";
  if (!looks_like_file && !fs::is_regular_file(given, ec)) {
    file = (fs::path(dir) / (name_or_path + ".yaml")).string();
    if (!fs::is_regular_file(file, ec)) {
      std::set<std::string> known;
      for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (e.path().extension() == ".yaml") known.insert(e.path().stem().string());
      }
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw InputError(fmt::format(
          "--energy: no energy preset '{}' in {} (known: {}); or give a path to a .yaml file",
          name_or_path, fs::path(dir).lexically_normal().string(), list.empty() ? "none" : list));
    }
  }
  SectionNodes nodes(Node::load_file(file));
  EnergyConfig c;
  c.source_file = file;
  read_keys(nodes, energy_schema(), c);
  nodes.finish();
  // `assumptions`: each entry a key of the schema, once.
  std::set<std::string> keys;
  for (const auto& f : energy_schema().fields()) keys.insert(f.info.key);
  std::string rest = c.assumptions;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    std::string k = rest.substr(0, comma);
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
    const auto b = k.find_first_not_of(" \t\n");
    const auto e = k.find_last_not_of(" \t\n");
    k = b == std::string::npos ? "" : k.substr(b, e - b + 1);
    if (k.empty()) continue;
    if (k == "name" || k == "technology" || k == "assumptions" || keys.count(k) == 0) {
      nodes.at("").fail("assumptions",
                        fmt::format("'{}' is not a value of an energy preset (allowed: the keys "
                                    "of sections dynamic, static and board)",
                                    k));
    }
    if (c.is_assumed(k)) nodes.at("").fail("assumptions", fmt::format("'{}' is listed twice", k));
    c.assumed.push_back(k);
  }
  return c;
}

}  // namespace skv::config
