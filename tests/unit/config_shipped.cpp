// Every config the project ships loads and validates: configs/hw, configs/models, and
// each DRAM preset in configs/dram (through a hardware config that names it).

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "config/HwConfigLoader.h"
#include "config/ModelConfigLoader.h"
#include "support/TempDir.h"
#include "sweep/SweepRunner.h"
#include "sweep/SweepSpec.h"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> yaml_files(const std::string& rel_dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fs::path(SKV_SOURCE_DIR) / rel_dir)) {
    if (e.path().extension() == ".yaml") out.push_back(e.path());
  }
  return out;
}

}  // namespace

TEST_CASE("shipped configs: every hardware config loads", "[config]") {
  const auto files = yaml_files("configs/hw");
  REQUIRE_FALSE(files.empty());
  for (const auto& f : files) {
    INFO(f.string());
    skv::config::HwConfig hw;
    REQUIRE_NOTHROW(hw = skv::config::load_hw_config(f.string()));
    CHECK(hw.name == f.stem().string());  // reports name the hardware by it
    CHECK(hw.clock_mhz > 0);
    CHECK_FALSE(hw.dram.name.empty());
  }
}

TEST_CASE("shipped configs: the reference hardware preset", "[config]") {
  const auto hw = skv::config::load_hw_config(std::string(SKV_SOURCE_DIR) +
                                              "/configs/hw/swiftkv-mha-u55c.yaml");
  CHECK(hw.dram.name == "hbm2-u55c");
  CHECK(hw.memory.max_batch == 1);  // batch 1, as evaluated in the paper
  // The attention pipelines fit on the array: 8 x (32 + 32) x 4 <= 32 x 32 x 2.
  CHECK(std::uint64_t{hw.attention.heads_in_parallel} *
            (hw.attention.dot_lanes + hw.attention.accum_lanes) * hw.array.fxp32_mac_slots <=
        std::uint64_t{hw.array.rows} * hw.array.cols * hw.array.macs_per_pe_per_cycle);
}

TEST_CASE("shipped configs: every model description loads", "[config]") {
  const auto files = yaml_files("configs/models");
  REQUIRE_FALSE(files.empty());
  for (const auto& f : files) {
    INFO(f.string());
    skv::config::ModelConfig m;
    REQUIRE_NOTHROW(m = skv::config::load_model_config(f.string()));
    CHECK(m.name == f.stem().string());
    CHECK(m.heads % m.kv_heads == 0);
    // Every shipped model projects the hidden state onto whole heads.
    CHECK(m.hidden_size == m.heads * m.head_dim);
  }
}

TEST_CASE("shipped configs: published model shapes", "[config]") {
  const std::string dir = std::string(SKV_SOURCE_DIR) + "/configs/models/";
  const auto llama2 = skv::config::load_model_config(dir + "llama2-7b.yaml");
  CHECK(llama2.layers == 32);
  CHECK(llama2.hidden_size == 4096);
  CHECK(llama2.heads == 32);
  CHECK(llama2.kv_heads == 32);
  CHECK(llama2.head_dim == 128);
  CHECK(llama2.ffn_size == 11008);
  CHECK(llama2.vocab_size == 32000);
  CHECK(llama2.max_context == 4096);
  const auto glm = skv::config::load_model_config(dir + "chatglm-6b.yaml");
  CHECK(glm.layers == 28);
  CHECK(glm.ffn_kind == skv::config::FfnKind::Gelu);
  const auto llama3 = skv::config::load_model_config(dir + "llama3-8b.yaml");
  CHECK(llama3.kv_heads == 8);
  CHECK(llama3.q_per_kv() == 4);
}

TEST_CASE("shipped configs: every DRAM preset loads through a hardware config", "[config]") {
  const auto presets = yaml_files("configs/dram");
  REQUIRE_FALSE(presets.empty());
  skv::test::TempDir dir;
  for (const auto& p : presets) {
    bool ok = false;
    dir.write("dram/" + p.filename().string(), skv::test::read_file(p.string(), &ok));
    REQUIRE(ok);
  }
  // The shipped hardware config, pointed at each preset in turn.
  bool ok = false;
  const std::string hw_text =
      skv::test::read_file(std::string(SKV_SOURCE_DIR) + "/configs/hw/swiftkv-mha-u55c.yaml", &ok);
  REQUIRE(ok);
  const auto at = hw_text.find("preset: hbm2-u55c");
  REQUIRE(at != std::string::npos);
  for (const auto& p : presets) {
    const std::string stem = p.stem().string();
    INFO(p.string());
    std::string text = hw_text;
    text.replace(at, std::string("preset: hbm2-u55c").size(), "preset: " + stem);
    const std::string path = dir.write("hw/probe.yaml", text);
    skv::config::HwConfig hw;
    REQUIRE_NOTHROW(hw = skv::config::load_hw_config(path));
    CHECK(hw.dram.name == stem);
    CHECK(hw.dram.clock_mhz > 0);
  }
}

TEST_CASE("shipped configs: every sweep plans, its points' configs load", "[config]") {
  const auto files = yaml_files("configs/sweeps");
  REQUIRE_FALSE(files.empty());
  skv::test::TempDir dir;
  for (const auto& f : files) {
    INFO(f.string());
    skv::sweep::SweepPlan plan;
    REQUIRE_NOTHROW(plan = skv::sweep::plan_sweep(skv::sweep::load_sweep_spec(f.string())));
    REQUIRE_FALSE(plan.points.empty());
    // Each point's config stands alone (DRAM preset inlined) and loads.
    for (const auto& p : plan.points) {
      const std::string path = dir.write("hw/" + p.dir_name + ".yaml", p.hw_header + p.hw_yaml);
      REQUIRE_NOTHROW(skv::config::load_hw_config(path));
    }
  }
}
