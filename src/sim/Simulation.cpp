#include "sim/Simulation.h"

#include <systemc>

#include <algorithm>
#include <cstdlib>

#include "common/Error.h"
#include "sim/DesignChecks.h"

namespace skv::sim {

RunResult run_simulation(const config::HwConfig& hw, const config::ModelConfig& model,
                         const std::string& trace_path, tlmx::AttentionAlgo algo,
                         const DecodeSequencer::BatchSink& sink,
                         const DecodeSequencer::OpSink& op_sink,
                         std::uint64_t watchdog_multiple) {
  // Every clock period is a whole number of picoseconds (models/tlm/ClockDomain.h).
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);

  check_design(hw, model, algo);
  const AddressMap amap(model, hw);
  trace::DecodeTraceReader reader(trace_path);
  const tlmx::ClockDomain clock(hw.clock_mhz);

  RunResult r;
  r.trace_path = trace_path;
  r.algorithm = tlmx::attention_algo_name(algo);
  r.min_batch_cycles = UINT64_MAX;
  auto record = [&](const BatchResult& b) {
    r.min_batch_cycles = std::min(r.min_batch_cycles, b.cycles);
    r.max_batch_cycles = std::max(r.max_batch_cycles, b.cycles);
    for (int i = 0; i < tlmx::kOpClassCount; ++i) {
      r.class_cycles[i] += b.class_cycles[i];
      r.class_dram_bytes[i] += b.class_dram_bytes[i];
    }
    r.cycles = b.start_cycle + b.cycles;
    sink(b);
  };

  Accelerator top("accelerator", hw, model, amap, reader, clock, algo, record,
                  watchdog_multiple);
  if (op_sink) top.sequencer.set_op_sink(op_sink);

  sc_core::sc_start();
  top.check_finished();

  r.accel_period_ps = clock.period_ps();
  r.dram_period_ps = top.dram.clock().period_ps();
  r.batches = top.sequencer.batches();
  r.steps = top.sequencer.steps();
  if (r.batches == 0) r.min_batch_cycles = 0;
  r.array = top.array.stats();
  r.array_peak_macs_per_cycle = top.array.peak_macs_per_cycle();
  r.attention = top.attention.stats();
  r.sram = top.kv_sram.stats();
  r.dram = top.dram.engine().stats();
  r.dram_ctrl = top.dram.stats();
  r.weight_bytes = amap.weight_bytes();
  r.kv_bytes = amap.kv_bytes();
  return r;
}

}  // namespace skv::sim
