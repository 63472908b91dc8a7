// ProcessorArray: GEMV cycles on a small array, against an ideal memory whose latency
// and bandwidth the test states.

#include <catch2/catch.hpp>

#include "models/ProcessorArray.h"
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

TEST_CASE("GEMV on a 4x4 array, compute-bound", "[module][array]") {
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

TEST_CASE("GEMV on a 4x4 array, memory-bound", "[module][array]") {
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

TEST_CASE("GEMV with a batch reuses each weight tile", "[module][array]") {
  auto g = small_gemv();
  g.batch = 4;
  const auto r = run_gemv(10, 1, {g});
  // compute = 4 * 8 * batch 4 = 128 cycles on the same 512 bytes of weights
  CHECK(r["compute"] == 128);
  CHECK(r["bytes"] == 512);
  // total = first data 10 + 128 + 7 = 145
  CHECK(r["cycles"][0] == 145);
}

TEST_CASE("Operands wider than the quoted precision take more MAC slots", "[module][array]") {
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

TEST_CASE("Vector operations run on the vector lanes", "[module][array]") {
  skv::tlmx::VectorOp v;
  v.elements = 100;
  v.ops_per_element = 3;
  const auto r = run_gemv(10, 1, {v});
  // ceil(100 elements * 3 ops / 4 lanes) = 75 cycles, no memory traffic
  CHECK(r["cycles"][0] == 75);
  CHECK(r["vector"] == 75);
  CHECK(r["requests"] == 0);
}
