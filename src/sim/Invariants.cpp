#include "sim/Invariants.h"

#include <fmt/format.h>

#include "sim/Simulation.h"

namespace skv::sim {

namespace {

void equal(const std::string& what, std::uint64_t counted, std::uint64_t expected,
           const std::string& how = "") {
  if (counted == expected) return;
  throw InvariantError(fmt::format("{}: the simulation counted {}, the trace asks for {}{}",
                                   what, counted, expected, how.empty() ? "" : " (" + how + ")"));
}

}  // namespace

void check_work(const RunResult& r, const ExpectedWork& e) {
  equal("DRAM bytes read", r.dram.bytes_read, e.dram_read_bytes(),
        fmt::format("weights {} + K/V {} + spilled scores {}", e.weight_bytes, e.kv_read_bytes,
                    e.score_read_bytes));
  equal("DRAM bytes written", r.dram.bytes_written, e.dram_write_bytes(),
        fmt::format("appended k and v {} + spilled scores {}", e.kv_append_bytes,
                    e.score_write_bytes));
  equal("GEMV operations", r.array.gemv_ops, e.gemv_ops);
  equal("vector operations", r.array.vector_ops, e.vector_ops);
  equal("attention operations", r.attention.attention_ops, e.attention_ops);
  equal("KV appends", r.attention.kv_appends, e.kv_appends);
  equal("GEMV MACs", r.array.macs, e.gemv_macs);
  equal("attention FXP32 MACs", r.attention.fxp32_macs, e.attention_fxp32_macs);
  equal("GEMV weight bytes", r.array.weight_bytes, e.weight_bytes);
}

void check_batch_ops(std::uint64_t batch_id, const BatchOps& ran, const ExpectedWork& e) {
  const std::string in_batch = fmt::format(" in batch {}", batch_id);
  equal("GEMV operations" + in_batch, ran.gemv, e.gemv_ops);
  equal("vector operations" + in_batch, ran.vector, e.vector_ops);
  equal("attention operations" + in_batch, ran.attention, e.attention_ops);
  equal("KV appends" + in_batch, ran.kv_appends, e.kv_appends);
}

void check_batch_bound(std::uint64_t batch_id, std::uint64_t cycles, std::uint64_t bound) {
  if (cycles >= bound) return;
  throw InvariantError(fmt::format("batch {} took {} cycles, less than its roofline bound of {}",
                                   batch_id, cycles, bound));
}

}  // namespace skv::sim
