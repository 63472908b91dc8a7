// What a batch must do, stated from the model and the plans (sim/ExpectedWork), and
// the end-of-run invariants that hold a run's counters to it (sim/Invariants).

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "models/sequencer/AddressMap.h"
#include "models/top/ExpectedWork.h"
#include "sim/Invariants.h"
#include "sim/Simulation.h"
#include "support/TinyDesign.h"

using skv::sim::ExpectedWork;
using skv::sim::WorkModel;
using skv::trace::DecodeStep;

namespace {

using Tiny = skv::test::TinyDesign;

ExpectedWork one_row(const Tiny& t, skv::tlmx::AttentionAlgo algo, std::uint64_t kv_len) {
  const skv::sim::AddressMap amap(t.model, t.hw);
  const WorkModel work(t.model, t.hw, amap, algo);
  return work.batch({DecodeStep{0, 0, 0, kv_len, 3}});
}

}  // namespace

TEST_CASE("expected work of one tiny step: weights, K/V, appends and operations", "[unit]") {
  const Tiny t;
  const ExpectedWork w = one_row(t, skv::tlmx::AttentionAlgo::SwiftKV, 100);
  // Weights at 4 bits: per layer QKV (4 + 2 x 2) x 64 = 512 x 256 / 2 = 65536, O 256 x 256
  // / 2 = 32768, gate and up 1024 x 256 / 2 = 131072, down 256 x 512 / 2 = 65536: 294912;
  // 2 layers and the LM head 1000 x 256 / 2 = 128000: 717824.
  CHECK(w.weight_bytes == 2 * 294912 + 128000);
  // SwiftKV, 8 heads in parallel: one pass over 101 tokens of both K/V heads, K and V of
  // 64 FXP32 values: 2 x 2 x 101 x 256 = 103424 per layer.
  CHECK(w.kv_read_bytes == 2 * 103424);
  CHECK(w.score_read_bytes == 0);
  CHECK(w.score_write_bytes == 0);
  // The new k and v of both K/V heads: 2 x 2 x 256 = 1024 per layer.
  CHECK(w.kv_append_bytes == 2 * 1024);
  CHECK(w.dram_read_bytes() == 717824 + 206848);
  CHECK(w.gemv_ops == 2 * 4 + 1);
  CHECK(w.vector_ops == 2 * 6 + 1);
  CHECK(w.attention_ops == 2);
  CHECK(w.kv_appends == 2);
  // q.k and p.v: 101 tokens x 4 query heads x 2 x 64 per layer
  CHECK(w.attention_fxp32_macs == 2 * 101 * 4 * 2 * 64);
}

TEST_CASE("expected work: a K/V head that two passes share is read by both", "[unit]") {
  Tiny t;
  // 3 pipelines over 4 query heads in groups of 2: pass 0 takes heads 0-2 (K/V heads 0
  // and 1), pass 1 head 3 (K/V head 1 again): 3 K/V head reads of 2 x 101 x 256 bytes.
  t.hw.attention.heads_in_parallel = 3;
  t.hw.attention.splitk_partitions = 3;
  const ExpectedWork w = one_row(t, skv::tlmx::AttentionAlgo::SwiftKV, 100);
  CHECK(w.kv_read_bytes == 2 * 3 * 2 * 101 * 256);
}

TEST_CASE("expected work: native attention's spilled scores", "[unit]") {
  Tiny t;
  // 96 KiB of SRAM is less than the two staging tiles the plan keeps beside the scores
  // (2 tiles x 2 K/V heads x (K, V) x 64 tokens x 256 bytes = 128 KiB): scores spill.
  t.hw.kv_sram.capacity_kib = 96;
  const ExpectedWork w = one_row(t, skv::tlmx::AttentionAlgo::Native, 100);
  // 4 heads x 101 scores x 4 bytes = 1616 bytes per sweep over the scores; the native
  // schedule reads them in 4 sweeps (max, exp, norm, PV) and writes them in 3 (QK, exp,
  // norm); 2 layers.
  CHECK(w.score_read_bytes == 2 * 4 * 1616);
  CHECK(w.score_write_bytes == 2 * 3 * 1616);
  CHECK(w.kv_read_bytes == 2 * 103424);  // K once (QK sweep) and V once (PV sweep)
}

TEST_CASE("invariants: a run that moved other bytes than the trace asks for is a bug",
          "[unit]") {
  const Tiny t;
  const ExpectedWork w = one_row(t, skv::tlmx::AttentionAlgo::SwiftKV, 100);
  skv::sim::RunResult r;
  r.dram.bytes_read = w.dram_read_bytes();
  r.dram.bytes_written = w.dram_write_bytes();
  r.array.gemv_ops = w.gemv_ops;
  r.array.vector_ops = w.vector_ops;
  r.array.macs = w.gemv_macs;
  r.array.weight_bytes = w.weight_bytes;
  r.attention.attention_ops = w.attention_ops;
  r.attention.kv_appends = w.kv_appends;
  r.attention.fxp32_macs = w.attention_fxp32_macs;
  CHECK_NOTHROW(skv::sim::check_work(r, w));

  r.dram.bytes_read += 4096;  // one request fetched twice
  CHECK_THROWS_WITH(skv::sim::check_work(r, w),
                    "end-of-run invariant violated: DRAM bytes read: the simulation counted "
                    "928768, the trace asks for 924672 (weights 717824 + K/V 206848 + spilled "
                    "scores 0)");
  r.dram.bytes_read -= 4096;
  r.attention.kv_appends = 1;
  CHECK_THROWS_WITH(skv::sim::check_work(r, w),
                    "end-of-run invariant violated: KV appends: the simulation counted 1, the "
                    "trace asks for 2");
  CHECK_THROWS_WITH(skv::sim::check_batch_bound(7, 99, 100),
                    "end-of-run invariant violated: batch 7 took 99 cycles, less than its "
                    "roofline bound of 100");
}
