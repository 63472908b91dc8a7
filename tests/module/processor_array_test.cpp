// ProcessorArray: GEMV cycles on a small array, against an ideal memory whose latency
// and bandwidth the test states.

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "config/ConfigNode.h"
#include "models/dram_controller/DramController.h"
#include "models/array/ProcessorArray.h"
#include "config/DramConfigLoader.h"
#include "models/dram/DramConfig.h"
#include "support/ForkSim.h"
#include "support/IdealMemory.h"

namespace {

using skv::test::IdealMemory;
using skv::test::OpDriver;

// A 4x4 array, one MAC per PE per cycle, 1 GHz (1 ns cycles), 64-byte DMA requests,
// eight of them in flight at most.
skv::config::ProcessorArrayConfig small_array() {
  skv::config::ProcessorArrayConfig a;
  a.rows = 4;
  a.cols = 4;
  a.macs_per_pe_per_cycle = 1;  // quoted for 8-bit weights x 8-bit activations
  a.weight_bits = 8;
  a.activation_bits = 8;
  a.fxp32_mac_slots = 4;
  a.vector_lanes = 4;
  a.pipeline_fill_cycles = a.rows + a.cols - 1;  // 7
  return a;
}

skv::config::MemorySystemConfig small_memory() {
  skv::config::MemorySystemConfig m;
  m.request_bytes = 64;
  m.max_outstanding = 8;
  m.max_batch = 1;
  return m;
}

// 16 outputs x 32 inputs of 8-bit weights = 512 bytes = 8 requests of 64 bytes.
skv::tlmx::GemvOp small_gemv() {
  skv::tlmx::GemvOp g;
  g.out_features = 16;
  g.in_features = 32;
  g.batch = 1;
  g.weight_bits = 8;
  g.weight_addr = 0;
  return g;
}

nlohmann::json run_gemv(std::uint64_t latency_ns, std::uint64_t interval_ns,
                        std::vector<skv::tlmx::Op> ops,
                        skv::config::ProcessorArrayConfig array_cfg = small_array()) {
  return skv::test::run_in_child([&] {
    sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
    const skv::tlmx::ClockDomain clock(1000.0);
    OpDriver driver("driver", clock);
    driver.ops = ops;
    skv::ProcessorArray array("array", array_cfg, small_memory(), clock);
    IdealMemory mem("mem", sc_core::sc_time(static_cast<double>(latency_ns), sc_core::SC_NS),
                    sc_core::sc_time(static_cast<double>(interval_ns), sc_core::SC_NS));
    driver.socket.bind(array.cmd);
    array.weights.socket.bind(mem.target);
    sc_core::sc_start();
    const auto& s = array.stats();
    return nlohmann::json{{"cycles", driver.cycles},
                          {"compute", s.gemv_compute_cycles},
                          {"stall", s.weight_stall_cycles},
                          {"fill", s.fill_drain_cycles},
                          {"vector", s.vector_cycles},
                          {"macs", s.macs},
                          {"requests", mem.requests},
                          {"bytes", mem.bytes}};
  });
}

}  // namespace

TEST_CASE("GEMV on a 4x4 array, compute-bound", "[module][golden][array]") {
  // Memory answers 10 ns after a request and can serve one request per ns.
  const auto r = run_gemv(10, 1, {small_gemv()});
  // compute = ceil(16 / 4 rows) * ceil(32 / (4 cols * 1 MAC)) * batch 1 = 4 * 8 = 32
  CHECK(r["compute"] == 32);
  // Request k arrives at 10 + k ns; 32 cycles of compute over 8 chunks is 4 per chunk,
  // so after the first chunk (10 cycles of stall) the data always leads the compute.
  CHECK(r["stall"] == 10);
  // fill and drain: rows + cols - 1 = 7
  CHECK(r["fill"] == 7);
  // total = first data 10 + compute 32 + fill/drain 7 = 49
  CHECK(r["cycles"][0] == 49);
  CHECK(r["requests"] == 8);
  CHECK(r["bytes"] == 512);
  CHECK(r["macs"] == 16 * 32);
}

TEST_CASE("GEMV on a 4x4 array, memory-bound", "[module][golden][array]") {
  // Memory answers 10 ns after a request but serves only one request per 20 ns:
  // request k is done at 10 + 20k ns (k = 0..7), the last at 150 ns.
  const auto r = run_gemv(10, 20, {small_gemv()});
  CHECK(r["compute"] == 32);
  // Each 4-cycle chunk waits for its data: the last chunk starts at 150, ends at 154,
  // then fill/drain 7: total 161.
  CHECK(r["cycles"][0] == 161);
  // stall = 161 - compute 32 - fill 7 = 122 (10 before the first chunk, 16 before each
  // of the other seven)
  CHECK(r["stall"] == 122);
}

TEST_CASE("GEMV with a batch reuses each weight tile", "[module][golden][array]") {
  auto g = small_gemv();
  g.batch = 4;
  const auto r = run_gemv(10, 1, {g});
  // compute = 4 * 8 * batch 4 = 128 cycles on the same 512 bytes of weights
  CHECK(r["compute"] == 128);
  CHECK(r["bytes"] == 512);
  // total = first data 10 + 128 + 7 = 145
  CHECK(r["cycles"][0] == 145);
}

TEST_CASE("Operands wider than the quoted precision take more MAC slots", "[module][golden][array]") {
  // The same array quoted for 4-bit weights x 8-bit activations; the GEMV's 8-bit
  // weights take ceil(8 * 8 / (4 * 8)) = 2 slots per MAC.
  auto a = small_array();
  a.weight_bits = 4;
  const auto r = run_gemv(10, 1, {small_gemv()}, a);
  // compute = ceil(16 / 4) * ceil(32 * 2 / (4 cols * 1)) * 1 = 4 * 16 = 64
  CHECK(r["compute"] == 64);
  // 8 chunks of 8 cycles each; chunk k arrives at 10 + k: first data 10 + 64 + fill 7 = 81
  CHECK(r["cycles"][0] == 81);
}

TEST_CASE("Vector operations run on the vector lanes", "[module][golden][array]") {
  skv::tlmx::VectorOp v;
  v.elements = 100;
  v.ops_per_element = 3;
  const auto r = run_gemv(10, 1, {v});
  // ceil(100 elements * 3 ops / 4 lanes) = 75 cycles, no memory traffic
  CHECK(r["cycles"][0] == 75);
  CHECK(r["vector"] == 75);
  CHECK(r["requests"] == 0);
}

// The same kind of GEMV on the real DRAM controller, narrowed to one LPDDR4-3200
// channel: 16 bits at 3200 MT/s = 6.4 bytes per ns, against 16 MAC slots per ns.
TEST_CASE("GEMV goes memory-bound on a narrow DRAM", "[module][array]") {
  const auto r = skv::test::run_in_child([] {
    sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
    std::ifstream in(std::string(SKV_SOURCE_DIR) + "/configs/dram/lpddr4-3200.yaml");
    std::stringstream text;
    text << in.rdbuf();
    std::string yaml = text.str();
    const auto at = yaml.find("channels: 4");
    if (at == std::string::npos) throw std::runtime_error("preset changed: no 'channels: 4'");
    yaml.replace(at, 11, "channels: 1");
    auto node = skv::config::Node::load_string(yaml, "lpddr4-3200 (1 channel)");
    const skv::dram::DramConfig dram_cfg = skv::dram::load_dram_config(node);

    const skv::tlmx::ClockDomain clock(1000.0);
    OpDriver driver("driver", clock);
    skv::tlmx::GemvOp g = small_gemv();
    g.out_features = 64;
    g.in_features = 256;  // 64 x 256 bytes = 16 KiB of weights
    driver.ops = {g};
    skv::ProcessorArray array("array", small_array(), small_memory(), clock);
    skv::DramController dram("dram", dram_cfg);
    driver.socket.bind(array.cmd);
    array.weights.socket.bind(dram.target);
    sc_core::sc_start();
    const auto& s = array.stats();
    return nlohmann::json{{"cycles", driver.cycles},
                          {"compute", s.gemv_compute_cycles},
                          {"stall", s.weight_stall_cycles},
                          {"fill", s.fill_drain_cycles},
                          {"peak_bytes_per_s", dram_cfg.peak_bandwidth_bytes_per_s()},
                          {"bytes", dram.engine().stats().bytes_read}};
  });
  // compute = ceil(64 / 4) * ceil(256 / 4) = 16 * 64 = 1024 cycles, as on any memory
  CHECK(r["compute"] == 1024);
  CHECK(r["bytes"] == 16384);
  CHECK(r["peak_bytes_per_s"].get<double>() == Approx(6.4e9));
  // DRAM bound: 16384 bytes / 6.4 bytes per ns = 2560 ns, more than the compute
  const auto cycles = r["cycles"][0].get<std::uint64_t>();
  CHECK(cycles >= 2560);
  CHECK(cycles >= 1024 + 7);
  // the array only computes, fills/drains or waits for weights
  CHECK(r["stall"].get<std::uint64_t>() == cycles - 1024 - 7);
  CHECK(r["stall"].get<std::uint64_t>() > 0);
}

// Weight prefetch (overlap.weights: next_op): the sequencer starts GEMV k+1's weight
// stream as GEMV k starts, with a prefetch command; the stream queues behind GEMV k's in
// the one weight buffer (8 requests of 64 bytes = 512 bytes here) and takes each slot
// GEMV k releases.
namespace {

// `ops` with `ahead` before them: those GEMVs' weight streams, started by prefetch
// commands in that order (each takes 0 cycles).
// `peak`: the DRAM's peak bytes per cycle for the hideable bound (0: none counted).
nlohmann::json run_overlap(std::uint64_t latency_ns, std::uint64_t interval_ns,
                           const std::vector<skv::tlmx::GemvOp>& ahead,
                           const std::vector<skv::tlmx::Op>& ops, double peak = 0) {
  return skv::test::run_in_child([&] {
    sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
    const skv::tlmx::ClockDomain clock(1000.0);
    OpDriver driver("driver", clock);
    for (const auto& g : ahead) {
      driver.ops.emplace_back(g);
      driver.prefetch.push_back(true);
    }
    for (const auto& op : ops) driver.ops.push_back(op);
    skv::ProcessorArray array("array", small_array(), small_memory(), clock);
    array.set_dram_peak_bytes_per_cycle(peak);
    IdealMemory mem("mem", sc_core::sc_time(static_cast<double>(latency_ns), sc_core::SC_NS),
                    sc_core::sc_time(static_cast<double>(interval_ns), sc_core::SC_NS));
    driver.socket.bind(array.cmd);
    array.weights.socket.bind(mem.target);
    sc_core::sc_start();
    const auto& s = array.stats();
    const auto p = array.prefetch_stats();
    std::uint64_t total = 0;
    for (auto c : driver.cycles) total += c;
    return nlohmann::json{{"cycles", driver.cycles},
                          {"total", total},
                          {"stall", s.weight_stall_cycles},
                          {"compute", s.gemv_compute_cycles},
                          {"requests", mem.requests},
                          {"bytes", mem.bytes},
                          {"prefetched_bytes", p.prefetched_bytes},
                          {"streams_ahead", p.streams_ahead},
                          {"peak_bytes", p.buffer_peak_bytes},
                          {"occupancy_byte_cycles", p.buffer_occupancy_byte_cycles},
                          {"hideable_bytes", p.hideable_bytes},
                          {"hideable_cycles", p.hideable_cycles},
                          {"drained", array.drained()}};
  });
}

skv::tlmx::GemvOp gemv_at(std::uint64_t addr, std::uint64_t out_features) {
  skv::tlmx::GemvOp g = small_gemv();
  g.out_features = out_features;
  g.weight_addr = addr;
  return g;
}

}  // namespace

TEST_CASE("Prefetch: the second GEMV's weights arrive while the first computes",
          "[module][array][overlap]") {
  // Two GEMVs of 512 bytes (8 requests each; 32 compute cycles, 4 per request) on a
  // compute-bound memory: 10 ns latency, one request per ns.
  const auto a = gemv_at(0, 16);
  const auto b = gemv_at(4096, 16);
  const auto plain = run_overlap(10, 1, {}, {a, b});
  // Without prefetch each GEMV waits 10 cycles for its first request:
  // 10 + 32 + fill 7 = 49 each, 98 in all, 20 of them stalls.
  CHECK(plain["cycles"] == nlohmann::json::array({49, 49}));
  CHECK(plain["stall"] == 20);
  CHECK(plain["peak_bytes"] == 512);  // the buffer fills to its 8 slots
  CHECK(plain["prefetched_bytes"] == 0);

  const auto ahead = run_overlap(10, 1, {a, b}, {a, b});
  // A's 8 requests go out at 0 and arrive at 10..17: A runs as before, 49 cycles. A's
  // chunk k computes in [10 + 4k, 14 + 4k) and releases its slot at 14 + 4k, so B's
  // request k goes out then and arrives at 24 + 4k (<= 52). B starts at 49 with its
  // chunk k's data there by 49 + 4k: no stall, 32 + fill 7 = 39 cycles.
  CHECK(ahead["cycles"] == nlohmann::json::array({0, 0, 49, 39}));
  CHECK(ahead["total"] == 88);  // 98 - 88 = 10: B's first-request latency, hidden
  CHECK(ahead["stall"] == 10);  // A's only
  CHECK(ahead["compute"] == 64);
  // B's 8 requests (512 bytes) went out before B started; A's at the very cycle A did.
  CHECK(ahead["prefetched_bytes"] == 512);
  CHECK(ahead["streams_ahead"] == 2);
  CHECK(ahead["peak_bytes"] == 512);  // never more than the buffer's 8 x 64 bytes
  CHECK(ahead["requests"] == 16);     // each weight fetched once
  CHECK(ahead["bytes"] == 1024);
  CHECK(ahead["drained"] == true);
}

TEST_CASE("Prefetch hides the second GEMV's fetch only up to the weight buffer's size",
          "[module][array][overlap]") {
  // A memory-bound memory: 10 ns latency, one 64-byte request per 20 ns. A: 512 bytes
  // (8 requests). Then 200 cycles of vector work (100 elements x 8 ops / 4 lanes). B:
  // 32 x 32 bytes = 1024 bytes, 16 requests, twice the buffer; compute
  // ceil(32 / 4) * ceil(32 / 4) = 64 cycles, 4 per request.
  const auto a = gemv_at(0, 16);
  const auto b = gemv_at(4096, 32);
  skv::tlmx::VectorOp v;
  v.elements = 100;
  v.ops_per_element = 8;
  const auto plain = run_overlap(10, 20, {}, {a, v, b});
  // A: 161 cycles (as in "memory-bound" above, its last request at 150). V: 161..361.
  // B's requests k = 0..15 arrive at 361 + 10 + 20k (one per 20 ns from 371), so chunk 0
  // waits 10 and every later chunk 16; chunk 15 computes in [671, 675), then fill 7:
  // B takes 682 - 361 = 321 cycles, of which 10 + 15 x 16 = 250 stalls.
  CHECK(plain["cycles"] == nlohmann::json::array({161, 200, 321}));
  CHECK(plain["stall"] == 122 + 250);

  const auto ahead = run_overlap(10, 20, {a, b}, {a, v, b});
  // A's chunk k releases its slot at 14 + 20k, so B's request k (k = 0..7) goes out
  // then; the memory serves it after A's last (150): at 170 + 20k, the last at 310. A
  // is unchanged (161), V too (200). B starts at 361 with its first 8 requests (512
  // bytes, the whole buffer) there: chunks 0..7 compute in [361, 393) without a stall.
  // Chunk k's release at 365 + 4k sends request 8 + k: they arrive at 375 + 20k (one per
  // 20 ns again). Chunk 8 (data at 375) runs [393, 397), chunk 9 (395) [397, 401),
  // chunk 10 waits 14 for 415, chunks 11..15 wait 16 each; chunk 15 ends at 519, fill 7:
  // B takes 526 - 361 = 165 cycles, 14 + 5 x 16 = 94 of them stalls.
  CHECK(ahead["cycles"] == nlohmann::json::array({0, 0, 161, 200, 165}));
  CHECK(ahead["stall"] == 122 + 94);
  // Saved: 682 - 526 = 156 cycles, about the 8 x 20 = 160 ns the prefetched half of B
  // would have taken to fetch; the other half is fetched while B runs, as before.
  CHECK(plain["total"].get<std::uint64_t>() - ahead["total"].get<std::uint64_t>() == 156);
  CHECK(ahead["prefetched_bytes"] == 512);  // the buffer's size, not B's 1024
  CHECK(ahead["peak_bytes"] == 512);
  CHECK(ahead["requests"] == 24);
  CHECK(ahead["drained"] == true);
}

TEST_CASE("Prefetch: the buffer's occupancy over time and the hideable bound",
          "[module][array][overlap]") {
  // The first case above (A then B, 512 bytes each, 10 ns latency, one 64-byte request
  // per ns) with the DRAM's peak at that rate: P = 64 bytes per cycle.
  const auto a = gemv_at(0, 16);
  const auto b = gemv_at(4096, 16);
  const auto ahead = run_overlap(10, 1, {a, b}, {a, b}, 64.0);
  REQUIRE(ahead["total"] == 88);
  // Slots held (requests sent and not consumed), from the schedule derived above: A's 8
  // from cycle 0; each of A's releases (14 + 4k) sends B's request k at once, so 8 are
  // held until B's chunk 0 releases at 53; then B's chunk k releases at 53 + 4k, 7 - k
  // left, none from 81. Integral: 8 x 53 + 4 x (7 + 6 + ... + 1) = 424 + 112 = 536
  // request-cycles, x 64 bytes = 34,304 byte-cycles; over the 88 cycles, 389.8 bytes on
  // average (76% of the 512-byte buffer).
  CHECK(ahead["occupancy_byte_cycles"] == 34304);
  CHECK(ahead["peak_bytes"] == 512);
  // Hideable bound, per GEMV whose stream was started ahead (both were, at cycle 0):
  // A starts at 0, a window T = 0: 0 bytes and 0 cycles. B starts at 49: T = 49,
  // bytes = min(B = 512, W = 512, 49 x 64) = 512, cycles = min(ceil(512 / 64) = 8, 49) = 8.
  CHECK(ahead["hideable_bytes"] == 512);
  CHECK(ahead["hideable_cycles"] == 8);
  // The measured saving was 10 cycles (98 - 88): the bound counts the transfer at peak
  // bandwidth, not the first request's 10 ns latency, which prefetch hides as well.

  // The memory-bound case above: one request per 20 ns, P = 64 / 20 = 3.2 bytes per cycle.
  // B (1024 bytes, twice the buffer) starts at 361 after A and 200 cycles of vector work:
  // bytes = min(512, 1024, 361 x 3.2 = 1155) = 512, cycles = min(ceil(512 / 3.2) = 160,
  // 361) = 160; A's window is 0 again. The measured saving was 156 cycles.
  skv::tlmx::VectorOp v;
  v.elements = 100;
  v.ops_per_element = 8;
  const auto b2 = gemv_at(4096, 32);
  const auto slow = run_overlap(10, 20, {a, b2}, {a, v, b2}, 3.2);
  CHECK(slow["hideable_bytes"] == 512);
  CHECK(slow["hideable_cycles"] == 160);
  // Without a peak bandwidth no time is counted, and the bytes are min(B, W) alone:
  // 512 for A and 512 for B.
  const auto none = run_overlap(10, 20, {a, b2}, {a, v, b2});
  CHECK(none["hideable_bytes"] == 1024);
  CHECK(none["hideable_cycles"] == 0);
}
