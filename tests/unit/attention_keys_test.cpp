// The native baseline's attention keys (attention.scores, softmax_passes,
// exp2_pipelined): the schedules they select, with their cycles worked out, and forcing
// scores on chip when they do not fit refused as infeasible before the run. Their
// defaults are today's schedules: the golden tier pins those runs unchanged.

#include <catch2/catch.hpp>
#include <string>

#include "common/Error.h"
#include "models/attention/AttentionPlan.h"
#include "sim/DesignChecks.h"
#include "support/TinyDesign.h"

using namespace skv;

TEST_CASE(
    "attention keys: native's online normaliser and an unpipelined exp2 unit, cycle "
    "by cycle",
    "[attention]") {
  // Reference attention: dot_lanes = accum_lanes = 32, max 1, exp2 3, accum 2, divide 18
  // cycles; d = 128.
  test::TinyDesign ref;
  config::AttentionConfig a = ref.hw.attention;
  const std::uint64_t sram = ref.hw.kv_sram.capacity_bytes();
  using Algo = tlmx::AttentionAlgo;

  // Defaults: three softmax passes, a pipelined exp2 unit.
  const auto three = AttentionPlanner(a, sram).schedule(Algo::Native, 128);
  REQUIRE(three.size() == 5);  // QK, max, exp and sum, normalise, PV
  CHECK(three[2].cycles_per_token == 1);
  CHECK(three[2].tail_cycles == 3 + 2 + 18);  // exp2 + accum + divide (1/Z)

  a.softmax_passes = 2;
  const auto two = AttentionPlanner(a, sram).schedule(Algo::Native, 128);
  REQUIRE(two.size() == 4);  // QK, online max and sum, normalise, PV
  CHECK(two[1].cycles_per_token == 1);
  CHECK(two[1].tail_cycles == 1 + 3 + 2 + 18);  // max + exp2 + accum + divide
  CHECK(two[1].exp2_per_token == 2);            // 2^(m - m') and 2^(s - m')
  CHECK(two[2].exp2_per_token == 1);            // p = 2^(s - m) / Z, recomputed
  CHECK(two[2].tail_cycles == 3 + 2);           // exp2 + accum
  CHECK(two[2].write_scores);

  a.exp2_pipelined = false;
  // One 2^x every exp2_latency_cycles = 3: the online sweep takes 2 x 3 = 6 cycles per
  // token, the normalisation 1 x 3 = 3, the QK sweep (no 2^x) still d / dot_lanes = 4.
  const auto slow = AttentionPlanner(a, sram).schedule(Algo::Native, 128);
  CHECK(slow[0].cycles_per_token == 4);
  CHECK(slow[1].cycles_per_token == 6);
  CHECK(slow[2].cycles_per_token == 3);
  // SwiftKV: II = max(128 / 32, 128 / 32) = 4 when pipelined; two 2^x per token at one per
  // 3 cycles make it max(4, 2 x 3) = 6.
  CHECK(AttentionPlanner(ref.hw.attention, sram).schedule(Algo::SwiftKV, 128)[0].cycles_per_token ==
        4);
  CHECK(AttentionPlanner(a, sram).schedule(Algo::SwiftKV, 128)[0].cycles_per_token == 6);
  // Blockwise's phases add up: dot 4 + max 1 + exp 3 (was 1) + accumulate 4 = 12.
  CHECK(AttentionPlanner(a, sram).schedule(Algo::Blockwise, 128)[0].cycles_per_token == 12);
}

TEST_CASE(
    "attention.scores: auto decides by fit, sram and dram are kept, and sram that does "
    "not fit is infeasible",
    "[attention]") {
  test::TinyDesign t;
  tlmx::AttentionOp op;
  op.algo = tlmx::AttentionAlgo::Native;
  op.q_heads = 4;
  op.kv_heads = 2;
  op.head_dim = 64;
  op.tokens = 1024;
  op.kv_bits = 32;
  // 8 heads side by side: staging 2 x 2 x 2 K/V heads x 64 tokens x 64 x 4 B = 128 KiB,
  // scores 8 x 1024 x 4 B = 32 KiB: 160 KiB in all.
  auto plan_at = [&](config::ScoreHome home, std::uint64_t capacity_kib) {
    config::AttentionConfig a = t.hw.attention;
    a.scores = home;
    const AttentionPlanner p(a, capacity_kib * 1024);
    return p.plan(op);
  };
  CHECK(plan_at(config::ScoreHome::Auto, 160).scores_on_chip);
  CHECK(!plan_at(config::ScoreHome::Auto, 159).scores_on_chip);
  CHECK(plan_at(config::ScoreHome::Sram, 159).scores_on_chip);
  CHECK(!plan_at(config::ScoreHome::Dram, 2048).scores_on_chip);
  // Other algorithms write no scores: the key leaves their plans as auto makes them.
  op.algo = tlmx::AttentionAlgo::SwiftKV;
  CHECK(plan_at(config::ScoreHome::Dram, 2048).scores_on_chip ==
        plan_at(config::ScoreHome::Auto, 2048).scores_on_chip);

  // check_design at the model's max_context (1024): refused with one line, before running.
  t.hw.attention.scores = config::ScoreHome::Sram;
  t.hw.kv_sram.capacity_kib = 144;
  try {
    sim::check_design(t.hw, t.model, tlmx::AttentionAlgo::Native);
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) ==
          t.hw.source_file +
              ": attention.scores: infeasible: sram: the scores of 8 heads at max_context 1024 "
              "of model tiny (32 KiB) and two K/V tiles (128 KiB) do not fit "
              "kv_sram.capacity_kib = 144; use auto or dram");
  }
  // The same hardware runs swiftkv, and native with its scores in DRAM.
  CHECK_NOTHROW(sim::check_design(t.hw, t.model, tlmx::AttentionAlgo::SwiftKV));
  t.hw.attention.scores = config::ScoreHome::Dram;
  CHECK_NOTHROW(sim::check_design(t.hw, t.model, tlmx::AttentionAlgo::Native));
  t.hw.kv_sram.capacity_kib = 160;
  t.hw.attention.scores = config::ScoreHome::Sram;
  CHECK_NOTHROW(sim::check_design(t.hw, t.model, tlmx::AttentionAlgo::Native));
}
