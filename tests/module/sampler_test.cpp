// The fast mode's samples: measured together, from one simulated start forked per
// sample, each equals the same sample simulated alone in a fresh process.

#include "sim/Sampler.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "config/HwConfigLoader.h"
#include "config/ModelConfigLoader.h"
#include "support/RunCli.h"

using skv::test::source_path;

TEST_CASE("sampler: samples measured together equal samples measured alone", "[module]") {
  const skv::config::HwConfig hw =
      skv::config::load_hw_config(source_path("configs/hw/swiftkv-mha-u55c-batch2.yaml"));
  const skv::config::ModelConfig model =
      skv::config::load_model_config(source_path("configs/models/tiny.yaml"));
  std::vector<skv::sim::SampleKey> keys;
  // Attentions of one row on both sides of a tile edge and mid-context, the layer
  // sample of one row (forked from the same start) and of two rows (a shape of its own).
  for (const std::uint64_t kv : {63u, 64u, 500u}) {
    skv::sim::SampleKey k;
    k.kv_len = kv;
    k.layers = 1;
    k.until_attention = true;
    keys.push_back(k);
  }
  for (const std::uint32_t rows : {1u, 2u}) {
    skv::sim::SampleKey k;
    k.rows = rows;
    k.layers = 2;
    k.head = true;
    keys.push_back(k);
  }
  for (const unsigned jobs : {1u, 2u}) {
    const std::vector<skv::sim::Sample> together =
        skv::sim::measure_samples(hw, model, skv::tlmx::AttentionAlgo::SwiftKV, keys, jobs);
    REQUIRE(together.size() == keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
      INFO("jobs " << jobs << ", sample " << keys[i].name());
      const skv::sim::Sample alone =
          skv::sim::measure_sample_in_child(hw, model, skv::tlmx::AttentionAlgo::SwiftKV, keys[i]);
      CHECK(skv::sim::to_json(together[i]).dump() == skv::sim::to_json(alone).dump());
    }
  }
}
