// AttentionPipeline with the KV SRAM: per-token pipeline cycles against their closed
// form, and the same work when K/V must wait for memory.

#include <catch2/catch.hpp>

#include "models/AttentionPipeline.h"
#include "models/KvCacheSram.h"
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
  return a;
}

// 64 banks of 64 bytes: a 4 KiB K or V range passes a port in one cycle.
skv::config::KvSramConfig sram_config() {
  skv::config::KvSramConfig s;
  s.capacity_kib = 256;
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
                                    std::uint64_t tokens) {
  skv::tlmx::AttentionOp op;
  op.q_heads = q_heads;
  op.kv_heads = kv_heads;
  op.head_dim = 64;
  op.kv_bits = 32;
  op.tokens = tokens;
  op.kv_base_addr = 0;
  op.max_tokens = 4096;
  return op;
}

nlohmann::json run_attention(std::uint64_t latency_ns, std::uint64_t interval_ns,
                             std::vector<skv::tlmx::Op> ops) {
  return skv::test::run_in_child([&] {
    sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
    const skv::tlmx::ClockDomain clock(1000.0);
    OpDriver driver("driver", clock);
    driver.ops = ops;
    skv::AttentionPipeline pipe("attention", attention_config(), sram_config().ports, clock);
    skv::KvCacheSram sram("kv_sram", sram_config(), memory_config(), clock);
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
                          {"write_bytes", s.write_bytes}, {"mem_bytes", mem.bytes}};
  });
}

}  // namespace

TEST_CASE("SwiftKV pass cycles follow the closed form when K/V keep up", "[module][attention]") {
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

TEST_CASE("GQA: query heads of one group share a K/V stream", "[module][attention]") {
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

TEST_CASE("KV append writes the new k and v through to memory", "[module][attention]") {
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
