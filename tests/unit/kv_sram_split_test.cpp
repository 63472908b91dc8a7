// The KV SRAM split into staging, prefetch and score space (kv_sram.prefetch_kib,
// kv_sram.score_kib): the design check that one K/V tile fits in the staging space, and
// native attention's on-chip-score decision weighing the score space.

#include <catch2/catch.hpp>

#include "common/Error.h"
#include "models/attention/AttentionPlan.h"
#include "models/sequencer/AddressMap.h"
#include "sim/DesignChecks.h"
#include "support/TextChecks.h"
#include "support/TinyDesign.h"

TEST_CASE("kv_sram split: one K/V tile must fit in the staging space that is left", "[unit]") {
  skv::test::TinyDesign d;
  // The tiny model's widest tile: 64 tokens of both K/V heads, K and V, 64 x 64 x 4 bytes
  // each: 64 KiB. 2048 - 1984 = 64 KiB of staging still holds it.
  d.hw.kv_sram.prefetch_kib = 1984;
  CHECK_NOTHROW(skv::sim::check_design(d.hw, d.model, skv::tlmx::AttentionAlgo::SwiftKV));
  d.hw.kv_sram.prefetch_kib = 2000;  // 48 KiB left
  d.hw.kv_sram.prefetch_kib_at = d.hw.source_file + ":33";
  const std::string msg = skv::test::error_of(
      [&] { skv::sim::check_design(d.hw, d.model, skv::tlmx::AttentionAlgo::SwiftKV); });
  CHECK(msg == d.hw.source_file +
                   ":33: kv_sram.prefetch_kib: capacity_kib 2048 - prefetch_kib 2000 - score_kib "
                   "0 leaves 48 KiB of staging space, which cannot stage one K/V tile of model "
                   "tiny under swiftkv attention (64 KiB at the longest context); prefetch_kib "
                   "+ score_kib may be at most 1984");
}

TEST_CASE(
    "kv_sram split: native attention keeps its scores on chip only if they fit in the "
    "score space",
    "[unit]") {
  skv::test::TinyDesign d;
  skv::tlmx::AttentionOp op = skv::sim::AddressMap(d.model, d.hw).kv_layout(0, 0);
  op.tokens = 1000;
  op.algo = skv::tlmx::AttentionAlgo::Native;
  // A pass's score buffer, sized for heads_in_parallel (8) heads x 1000 tokens x 4 bytes
  // = 32000 bytes, beside two tiles of both K/V heads (2 x 64 KiB = 131072): 163072
  // bytes. The whole 2 MiB holds them; a score space of 159 KiB (162816) does not.
  const skv::AttentionPlanner whole(d.hw.attention, d.hw.kv_sram.score_space_bytes());
  CHECK(whole.plan(op).scores_on_chip);
  d.hw.kv_sram.score_kib = 159;
  const skv::AttentionPlanner part(d.hw.attention, d.hw.kv_sram.score_space_bytes());
  CHECK(!part.plan(op).scores_on_chip);
  d.hw.kv_sram.score_kib = 160;  // 163840 bytes
  const skv::AttentionPlanner enough(d.hw.attention, d.hw.kv_sram.score_space_bytes());
  CHECK(enough.plan(op).scores_on_chip);
}
