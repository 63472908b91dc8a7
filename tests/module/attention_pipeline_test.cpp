// AttentionPipeline with the KV SRAM: per-token pipeline cycles against their closed
// form, and the same work when K/V must wait for memory.

#include <catch2/catch.hpp>

#include "models/attention/AttentionPipeline.h"
#include "models/kv_sram/KvCacheSram.h"
#include "support/ForkSim.h"
#include "support/IdealMemory.h"

namespace {

using skv::test::IdealMemory;
using skv::test::OpDriver;

skv::config::AttentionConfig attention_config() {
  skv::config::AttentionConfig a;
  a.heads_in_parallel = 2;
  a.dot_lanes = 16;
  a.accum_lanes = 16;
  a.max_latency_cycles = 1;
  a.exp2_latency_cycles = 3;
  a.accum_latency_cycles = 2;
  a.divide_latency_cycles = 18;
  a.divide_lanes = 4;
  a.tile_tokens = 16;
  a.block_tokens = 16;
  a.splitk_partitions = 2;
  a.score_bits = 32;
  return a;
}

// 64 banks of 64 bytes: a 4 KiB K or V range passes a port in one cycle.
skv::config::KvSramConfig sram_config(std::uint64_t capacity_kib = 256) {
  skv::config::KvSramConfig s;
  s.capacity_kib = capacity_kib;
  s.banks = 64;
  s.bank_width_bytes = 64;
  s.ports = 2;
  s.access_latency_cycles = 1;
  return s;
}

skv::config::MemorySystemConfig memory_config() {
  skv::config::MemorySystemConfig m;
  m.request_bytes = 1024;
  m.max_outstanding = 16;
  m.max_batch = 1;
  return m;
}

// head_dim 64, FXP32 K/V: one token of one head is 256 bytes; a 16-token tile 4 KiB.
skv::tlmx::AttentionOp attention_op(std::uint32_t q_heads, std::uint32_t kv_heads,
                                    std::uint64_t tokens,
                                    skv::tlmx::AttentionAlgo algo = skv::tlmx::AttentionAlgo::SwiftKV) {
  skv::tlmx::AttentionOp op;
  op.q_heads = q_heads;
  op.kv_heads = kv_heads;
  op.head_dim = 64;
  op.kv_bits = 32;
  op.tokens = tokens;
  op.kv_base_addr = 0;
  op.max_tokens = 4096;
  op.algo = algo;
  op.score_base_addr = 1u << 24;
  return op;
}

nlohmann::json run_attention(std::uint64_t latency_ns, std::uint64_t interval_ns,
                             std::vector<skv::tlmx::Op> ops, std::uint64_t capacity_kib = 256) {
  return skv::test::run_in_child([&] {
    sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
    const skv::tlmx::ClockDomain clock(1000.0);
    OpDriver driver("driver", clock);
    driver.ops = ops;
    skv::AttentionPipeline pipe("attention", attention_config(), sram_config(capacity_kib), clock);
    skv::KvCacheSram sram("kv_sram", sram_config(capacity_kib), memory_config(), clock);
    IdealMemory mem("mem", sc_core::sc_time(static_cast<double>(latency_ns), sc_core::SC_NS),
                    sc_core::sc_time(static_cast<double>(interval_ns), sc_core::SC_NS));
    driver.socket.bind(pipe.cmd);
    pipe.kv.bind(sram.target);
    sram.fill.socket.bind(mem.target);
    sram.writeback.socket.bind(mem.target);
    sc_core::sc_start();
    const auto& p = pipe.stats();
    const auto& s = sram.stats();
    return nlohmann::json{{"cycles", driver.cycles},      {"passes", p.head_passes},
                          {"compute", p.compute_cycles},  {"sram_bound", p.sram_bound_cycles},
                          {"stall", s.stall_cycles},      {"fill_bytes", s.fill_bytes},
                          {"read_bytes", s.read_bytes},   {"demand_fills", s.demand_fills},
                          {"write_bytes", s.write_bytes}, {"mem_bytes", mem.bytes},
                          {"spilled", p.score_bytes_spilled}, {"on_chip", p.score_bytes_on_chip}};
  });
}

}  // namespace

TEST_CASE("SwiftKV pass cycles follow the closed form when K/V keep up", "[module][golden][attention]") {
  // Memory with no latency and ample bandwidth: no K/V stall.
  const auto r = run_attention(0, 0, {attention_op(1, 1, 64)});
  // II = max(ceil(64 / 16 dot lanes), ceil(64 / 16 accum lanes)) = 4 cycles per token
  // depth = 1 multiply + log2(16) adder tree + 1 max + 3 exp2 + 2 accumulate = 11
  // divide = 18 latency + ceil(64 / 4 lanes) - 1 = 33
  // one pass of 64 tokens: 64 * 4 + 11 + 33 = 300
  CHECK(r["cycles"][0] == 300);
  CHECK(r["passes"] == 1);
  CHECK(r["compute"] == 256);
  CHECK(r["stall"] == 0);
  CHECK(r["sram_bound"] == 0);
  // every K/V byte is staged once and read once: 64 tokens * 256 bytes * (K + V)
  CHECK(r["fill_bytes"] == 64 * 256 * 2);
  CHECK(r["read_bytes"] == 64 * 256 * 2);
  CHECK(r["demand_fills"] == 0);
}

TEST_CASE("GQA: query heads of one group share a K/V stream", "[module][golden][attention]") {
  // 4 query heads over 2 K/V heads, 2 pipelines: two passes of one K/V head each.
  const auto r = run_attention(0, 0, {attention_op(4, 2, 64)});
  // two passes of (64 * 4 + 11 + 33) = 2 * 300 = 600
  CHECK(r["cycles"][0] == 600);
  CHECK(r["passes"] == 2);
  // each K/V head is read once: 2 heads * 64 tokens * 256 bytes * 2
  CHECK(r["read_bytes"] == 2 * 64 * 256 * 2);
}

TEST_CASE("Attention waits for K/V when memory is slow, and says so", "[module][attention]") {
  // Each 1 KiB request takes 100 ns of memory time: a 16-token tile (K 4 KiB + V 4 KiB =
  // 8 requests) needs 800 ns of memory but only 16 * 4 = 64 cycles of compute.
  const auto r = run_attention(100, 100, {attention_op(1, 1, 64)});
  // memory bound: 4 tiles * 8 requests = 32 requests, the last done at 100 + 31 * 100 =
  // 3200 ns; the last tile's compute (64) and the tail (11 + 33) follow: 3308 at least.
  CHECK(r["cycles"][0] >= 3200 + 64 + 44);
  // and never less than the closed form without memory: 300
  CHECK(r["cycles"][0] > 300);
  CHECK(r["stall"].get<std::uint64_t>() > 0);
  CHECK(r["mem_bytes"] == 64 * 256 * 2);
}

TEST_CASE("KV append writes the new k and v through to memory", "[module][golden][attention]") {
  skv::tlmx::KvAppendOp append;
  append.layout = attention_op(4, 2, 0);
  append.position = 10;
  const auto r = run_attention(10, 0, {append});
  // 2 K/V heads * (k + v) * 64 values * 4 bytes = 1024 bytes
  CHECK(r["write_bytes"] == 1024);
  CHECK(r["mem_bytes"] == 1024);
  // 4 writes of one port cycle plus 1 cycle latency each = 8 cycles over 2 ports = 4
  CHECK(r["cycles"][0] == 4);
}

// The other schedules on the same units, same config: d = 64, 16 dot and accumulator
// lanes (4 cycles each per token), tiles and blocks of 16 tokens, 2 pipelines,
// ample memory. Latencies: dot depth 1 + log2(16) = 5, max 1, exp2 3, accumulate 2,
// divide 18 + 64/4 - 1 = 33.

TEST_CASE("Native attention: five sweeps with scores kept on chip", "[module][golden][attention]") {
  using skv::tlmx::AttentionAlgo;
  const auto r = run_attention(0, 0, {attention_op(1, 1, 64, AttentionAlgo::Native)});
  // QK     64 tokens * 4 + dot depth 5                        = 261
  // max    64 * 1 + max 1                                     =  65
  // exp    64 * 1 + exp2 3 + accumulate 2 + divide latency 18 =  87
  // norm   64 * 1 + accumulate 2                              =  66
  // PV     64 * 4 + accumulate 2                              = 258
  // total 261 + 65 + 87 + 66 + 258                            = 737
  CHECK(r["cycles"][0] == 737);
  // scores: written by QK, read by max, read and written by exp and by norm, read by
  // PV: 7 passes over 64 scores of 4 bytes, all in the SRAM
  CHECK(r["on_chip"] == 7 * 64 * 4);
  CHECK(r["spilled"] == 0);
  // K once (QK) and V once (PV)
  CHECK(r["read_bytes"] == 64 * 256 * 2);
}

TEST_CASE("Native attention spills scores to DRAM when the SRAM is full", "[module][attention]") {
  using skv::tlmx::AttentionAlgo;
  // 16 KiB of SRAM holds exactly the two 8 KiB K/V staging tiles and no scores.
  const auto r = run_attention(0, 0, {attention_op(1, 1, 64, AttentionAlgo::Native)}, 16);
  CHECK(r["on_chip"] == 0);
  // the same 7 passes over the scores, now through DRAM
  CHECK(r["spilled"] == 7 * 64 * 4);
  // DRAM moves K, V, the scores read back (4 passes) and written (3 passes)
  CHECK(r["mem_bytes"] == 64 * 256 * 2 + 7 * 64 * 4);
  CHECK(r["cycles"][0] >= 737);
}

TEST_CASE("Blockwise (flash) attention: per-block phases", "[module][golden][attention]") {
  using skv::tlmx::AttentionAlgo;
  const auto r = run_attention(0, 0, {attention_op(1, 1, 64, AttentionAlgo::Blockwise)});
  // per block of 16: 16 * (dot 4 + max 1 + exp 1 + acc 4) = 160, plus rescale 4 +
  // dot depth 5 + max 1 + exp2 3 + accumulate 2 = 15: 175 per block
  // 4 blocks * 175 + divide 33 = 733
  CHECK(r["cycles"][0] == 733);
  CHECK(r["read_bytes"] == 64 * 256 * 2);
}

TEST_CASE("Split-K (flashdecoding): partitions share a head, then merge", "[module][golden][attention]") {
  using skv::tlmx::AttentionAlgo;
  // 2 partitions on the 2 pipelines: one head per pass.
  const auto one = run_attention(0, 0, {attention_op(1, 1, 64, AttentionAlgo::SplitK)});
  // per 16-token tile: ceil(16 / 2) * II 4 = 32; 4 tiles = 128
  // tail: depth 11 + 1 merge * (exp2 3 + rescale 4) + divide 33 = 51; total 179
  CHECK(one["cycles"][0] == 179);
  // Two heads: split-K takes two passes (2 * 179 = 358), SwiftKV one (300): the
  // pipelines that split-K spends on one head are heads SwiftKV runs side by side.
  const auto two = run_attention(0, 0, {attention_op(2, 2, 64, AttentionAlgo::SplitK),
                                        attention_op(2, 2, 64, AttentionAlgo::SwiftKV)});
  CHECK(two["cycles"][0] == 358);
  CHECK(two["cycles"][1] == 300);
}
