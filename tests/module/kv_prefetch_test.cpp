// K/V prefetch (overlap.kv: next_attention): the sequencer has the KV SRAM fetch an
// attention's first K/V ranges into its prefetch space (a command through the
// attention pipeline that returns at once), runs a GEMV meanwhile, then the attention,
// which finds those ranges there. Memories are ideal, so every cycle is stated.

#include <catch2/catch.hpp>

#include "models/array/ProcessorArray.h"
#include "models/attention/AttentionPipeline.h"
#include "models/kv_sram/KvCacheSram.h"
#include "support/ForkSim.h"
#include "support/IdealMemory.h"

namespace {

using skv::test::IdealMemory;

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

// 256 KiB, 64 banks of 64 bytes (a 4 KiB range passes a port in one cycle); `prefetch_kib`
// of it is prefetch space.
skv::config::KvSramConfig sram_config(std::uint64_t prefetch_kib) {
  skv::config::KvSramConfig s;
  s.capacity_kib = 256;
  s.prefetch_kib = prefetch_kib;
  s.banks = 64;
  s.bank_width_bytes = 64;
  s.ports = 2;
  s.access_latency_cycles = 1;
  return s;
}

skv::config::MemorySystemConfig kv_memory() {
  skv::config::MemorySystemConfig m;
  m.request_bytes = 1024;
  m.max_outstanding = 16;
  m.max_batch = 1;
  return m;
}

// A 4x4 array, one 8-bit MAC per PE per cycle, 64-byte weight requests.
skv::config::ProcessorArrayConfig small_array() {
  skv::config::ProcessorArrayConfig a;
  a.rows = 4;
  a.cols = 4;
  a.macs_per_pe_per_cycle = 1;
  a.weight_bits = 8;
  a.activation_bits = 8;
  a.fxp32_mac_slots = 4;
  a.vector_lanes = 4;
  a.pipeline_fill_cycles = 7;
  return a;
}

skv::config::MemorySystemConfig weight_memory() {
  skv::config::MemorySystemConfig m;
  m.request_bytes = 64;
  m.max_outstanding = 8;
  m.max_batch = 1;
  return m;
}

// 64 outputs x 256 inputs of 8-bit weights: 16 KiB, 256 requests of 64 bytes; compute
// ceil(64 / 4) x ceil(256 / 4) = 1024 cycles, 4 per request.
skv::tlmx::GemvOp gemv() {
  skv::tlmx::GemvOp g;
  g.out_features = 64;
  g.in_features = 256;
  g.batch = 1;
  g.weight_bits = 8;
  g.weight_addr = 0;
  return g;
}

// One query head on one K/V head of 64, FXP32: a 16-token tile's K and V ranges are
// 4 KiB each (4 requests of 1 KiB); 64 tokens are 4 tiles, 32 requests.
skv::tlmx::AttentionOp attention_op() {
  skv::tlmx::AttentionOp op;
  op.q_heads = 1;
  op.kv_heads = 1;
  op.head_dim = 64;
  op.kv_bits = 32;
  op.tokens = 64;
  op.kv_base_addr = 0;
  op.max_tokens = 4096;
  op.algo = skv::tlmx::AttentionAlgo::SwiftKV;
  op.score_base_addr = 1u << 24;
  return op;
}

// A two-unit sequencer: optionally a prefetch of `ahead` (ranges) for the attention,
// then optionally the GEMV on the array, then the attention; cycles of each.
class Driver : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Driver> array;
  tlm_utils::simple_initiator_socket<Driver> attention;
  std::vector<skv::tlmx::AddrRange> ahead;
  bool prefetch = false;
  bool with_gemv = true;
  std::uint64_t gemv_cycles = 0;
  std::uint64_t attention_cycles = 0;

  Driver(sc_core::sc_module_name name, const skv::tlmx::ClockDomain& clock)
      : sc_module(name), array("array"), attention("attention"), clock_(clock) {
    SC_HAS_PROCESS(Driver);
    SC_THREAD(run);
  }

 private:
  std::uint64_t send(tlm_utils::simple_initiator_socket<Driver>& socket, skv::tlmx::Op op,
                     skv::tlmx::OpKind kind, bool is_prefetch) {
    skv::tlmx::OpExtension ext;
    ext.op = std::move(op);
    ext.kind = kind;
    ext.prefetch = is_prefetch;
    skv::tlmx::KvPrefetch ranges;
    ranges.ranges = ahead;
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_IGNORE_COMMAND);
    const skv::tlmx::ScopedExtension<skv::tlmx::OpExtension> attached(gp, &ext);
    const skv::tlmx::ScopedExtension<skv::tlmx::KvPrefetch> with_ranges(
        gp, is_prefetch ? &ranges : nullptr);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    const std::uint64_t start = clock_.now_cycle();
    socket->b_transport(gp, delay);
    sc_core::wait(delay);
    return clock_.now_cycle() - start;
  }
  void run() {
    using skv::tlmx::OpKind;
    if (prefetch) {
      if (send(attention, attention_op(), OpKind::attention, true) != 0) {
        throw std::logic_error("a prefetch command took time");
      }
    }
    if (with_gemv) gemv_cycles = send(array, gemv(), OpKind::o_gemv, false);
    attention_cycles = send(attention, attention_op(), OpKind::attention, false);
  }
  const skv::tlmx::ClockDomain& clock_;
};

// The attention's first `ranges` K/V ranges in read order: tile t's K is range 2t, its
// V range 2t + 1.
std::vector<skv::tlmx::AddrRange> first_ranges(std::size_t ranges) {
  const skv::tlmx::AttentionOp op = attention_op();
  std::vector<skv::tlmx::AddrRange> out;
  for (std::size_t i = 0; i < ranges; ++i) {
    const std::uint64_t first = (i / 2) * 16;
    out.push_back({i % 2 == 0 ? op.k_addr(0, first) : op.v_addr(0, first), 4096});
  }
  return out;
}

// Memories: the array's answers a 64-byte request 10 ns after it arrives, one per ns;
// the KV SRAM's (fill, prefetch and write-back ports alike) a 1 KiB request 100 ns after
// it arrives, one per 100 ns (slow: the attention waits for K/V).
nlohmann::json run(std::uint64_t prefetch_kib, bool prefetch,
                   const std::vector<skv::tlmx::AddrRange>& ahead, bool with_gemv = true) {
  return skv::test::run_in_child([&] {
    sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
    const skv::tlmx::ClockDomain clock(1000.0);
    Driver driver("driver", clock);
    driver.prefetch = prefetch;
    driver.ahead = ahead;
    driver.with_gemv = with_gemv;
    skv::ProcessorArray array("array", small_array(), weight_memory(), clock);
    skv::AttentionPipeline pipe("attention", attention_config(), sram_config(prefetch_kib), clock);
    skv::KvCacheSram sram("kv_sram", sram_config(prefetch_kib), kv_memory(), clock);
    // The K/V memory's peak: 1 KiB per 100 ns, 10.24 bytes per 1 ns cycle.
    sram.set_dram_peak_bytes_per_cycle(1024.0 / 100.0);
    IdealMemory weights_mem("weights_mem", sc_core::sc_time(10, sc_core::SC_NS),
                            sc_core::sc_time(1, sc_core::SC_NS));
    IdealMemory kv_mem("kv_mem", sc_core::sc_time(100, sc_core::SC_NS),
                       sc_core::sc_time(100, sc_core::SC_NS));
    driver.array.bind(array.cmd);
    driver.attention.bind(pipe.cmd);
    array.weights.socket.bind(weights_mem.target);
    pipe.kv.bind(sram.target);
    sram.fill.socket.bind(kv_mem.target);
    sram.writeback.socket.bind(kv_mem.target);
    if (sram.prefetch_port() != nullptr) sram.prefetch_port()->socket.bind(kv_mem.target);
    sc_core::sc_start();
    const auto& s = sram.stats();
    const auto& p = sram.prefetch_stats();
    return nlohmann::json{{"gemv", driver.gemv_cycles},
                          {"attention", driver.attention_cycles},
                          {"stall", s.stall_cycles},
                          {"demand_fills", s.demand_fills},
                          {"fill_bytes", s.fill_bytes},
                          {"kv_mem_bytes", kv_mem.bytes},
                          {"streams", p.streams},
                          {"prefetched", p.prefetched_bytes},
                          {"used", p.used_bytes},
                          {"wasted", p.wasted_bytes},
                          {"refetched", p.refetched_bytes},
                          {"buffer", p.buffer_bytes},
                          {"peak", p.buffer_peak_bytes},
                          {"drained", sram.drained()},
                          {"hideable_bytes", p.hideable_bytes},
                          {"hideable_cycles", p.hideable_cycles},
                          {"occupancy", p.buffer_occupancy_byte_cycles}};
  });
}

}  // namespace

TEST_CASE("K/V prefetch: the attention's first tile arrives during the GEMV before it",
          "[module][attention][overlap]") {
  // The GEMV: its first weight request arrives at 10, then 4 compute cycles per request
  // keep ahead of one request per ns: 10 + 1024 + fill 7 = 1041 cycles. The attention
  // starts at S = 1041.
  //
  // Without prefetch (the whole 256 KiB is staging): at S the SRAM stages tile 0 and
  // (the hint) tile 1, requests 0..15, answered at S + 100 + 100k. Tile 0 waits for its
  // V (request 7) until S + 800 and computes 16 x 4 = 64 cycles to S + 864; tile 1 (its
  // hint stages tile 2 behind request 15) waits until S + 1600, computes to S + 1664;
  // tile 2 until S + 2400 (to S + 2464), tile 3 until S + 3200; then 64 cycles and the
  // tail (depth 11 + divide 18 + 16 - 1 = 44): 3308 cycles, of which
  // 800 + 3 x 736 = 3008 stall.
  const auto plain = run(0, false, {});
  CHECK(plain["gemv"] == 1041);
  CHECK(plain["attention"] == 3308);
  CHECK(plain["stall"] == 3008);

  // With 8 KiB of prefetch space (so 248 KiB of staging) and tile 0's K and V (8 KiB, 8
  // requests) prefetched at 0: they are answered at 100..800, during the GEMV. At S the
  // attention finds tile 0 there (no wait, 64 cycles to S + 64); the hint stages tile 1
  // at S (answered S + 100..S + 800); tile 1 waits until S + 800, tile 2 until S + 1600,
  // tile 3 until S + 2400; + 64 + 44: 2508 cycles, 3 x 736 = 2208 stall. The GEMV's
  // compute hid tile 0's 8 x 100 ns of fetch: both drop by exactly 800.
  const auto ahead = run(8, true, first_ranges(2));
  CHECK(ahead["gemv"] == 1041);
  CHECK(ahead["attention"] == 2508);
  CHECK(ahead["stall"] == 2208);
  CHECK(plain["attention"].get<std::uint64_t>() - ahead["attention"].get<std::uint64_t>() == 800);
  CHECK(plain["stall"].get<std::uint64_t>() - ahead["stall"].get<std::uint64_t>() == 800);
  // Every K/V byte fetched once (64 tokens x 256 bytes x K and V), 8 KiB of it ahead.
  CHECK(ahead["kv_mem_bytes"] == 64 * 256 * 2);
  CHECK(ahead["fill_bytes"] == 64 * 256 * 2);
  CHECK(ahead["streams"] == 1);
  CHECK(ahead["prefetched"] == 8192);
  CHECK(ahead["used"] == 8192);
  CHECK(ahead["wasted"] == 0);
  CHECK(ahead["refetched"] == 0);
  CHECK(ahead["buffer"] == 8192);
  CHECK(ahead["peak"] == 8192);
  CHECK(ahead["demand_fills"] == 0);
  CHECK(ahead["drained"] == true);
  // The hideable bound: Q = 8192 bytes fetched ahead, T = S - 0 = 1041 cycles from the
  // stream's start to the attention's first read, P = 10.24 bytes per cycle:
  // bytes min(8192, floor(1041 x 10.24) = 10659) = 8192, cycles min(ceil(8192 / 10.24) =
  // 800, 1041) = 800: exactly the 800 cycles the attention saved.
  CHECK(ahead["hideable_bytes"] == 8192);
  CHECK(ahead["hideable_cycles"] == 800);
  CHECK(plain["hideable_cycles"] == 0);
  // Occupancy: the memory takes all 8 requests at 0 (it answers them one per 100 ns), and
  // the attention reads tile 0's K and V at S, which gives back all 8 slots: 8 KiB held for
  // 1041 cycles, 8192 x 1041 = 8,527,872 byte-cycles.
  CHECK(ahead["occupancy"] == 8192 * 1041);
}

TEST_CASE("K/V prefetch: the prefetch space is never held beyond its size",
          "[module][attention][overlap]") {
  // Asked for tiles 0 and 1 (16 KiB) with 8 KiB of space: the first 8 ranges' requests
  // that fit (tile 0's K and V) are fetched ahead; tile 1 streams through the staging
  // space as usual. The same timing as with exactly tile 0 asked for.
  const auto r = run(8, true, first_ranges(4));
  CHECK(r["prefetched"] == 8192);
  CHECK(r["peak"].get<std::uint64_t>() <= r["buffer"].get<std::uint64_t>());
  CHECK(r["peak"] == 8192);
  CHECK(r["attention"] == 2508);
  CHECK(r["kv_mem_bytes"] == 64 * 256 * 2);  // nothing twice
  CHECK(r["drained"] == true);
}

TEST_CASE("K/V prefetch: a range the attention reads past is wasted, then fetched again",
          "[module][attention][overlap]") {
  // Prefetched in the wrong order: tile 1's K, then tile 0's K and V (12 KiB of 16).
  // Tile 0's hint stages tile 1's V only (its K is in the prefetch space then); tile 0's
  // first read (its K) drops tile 1's K, prefetched before it and not read: 4 KiB
  // wasted. Tile 1's hint stages its K again (4 KiB fetched twice) behind its V, and
  // reading that K skips the V staged before it (the staging space's own rule: the
  // reader moved on), so the V is then read on demand: another 4 KiB, a demand fill,
  // not counted as fetched twice since it was never prefetched.
  std::vector<skv::tlmx::AddrRange> ahead = first_ranges(4);
  const std::vector<skv::tlmx::AddrRange> wrong = {ahead[2], ahead[0], ahead[1]};
  const auto r = run(16, true, wrong);
  CHECK(r["prefetched"] == 12288);
  CHECK(r["used"] == 8192);
  CHECK(r["wasted"] == 4096);
  CHECK(r["refetched"] == 4096);
  CHECK(r["demand_fills"] == 1);
  CHECK(r["kv_mem_bytes"] == 64 * 256 * 2 + 2 * 4096);
  CHECK(r["peak"] == 12288);
  CHECK(r["drained"] == true);
  // The bound, capped both ways: Q = 12288, T = 1041 (the attention's first read, tile 0's
  // K, at S): bytes min(12288, floor(1041 x 10.24) = 10659) = 10659, cycles
  // min(ceil(12288 / 10.24) = 1200, 1041) = 1041.
  CHECK(r["hideable_bytes"] == 10659);
  CHECK(r["hideable_cycles"] == 1041);
}
