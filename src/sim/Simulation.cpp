#include "sim/Simulation.h"

#include <systemc>

#include <algorithm>
#include <cstdlib>

#include "common/Error.h"

namespace skv::sim {

RunResult run_simulation(const config::HwConfig& hw, const config::ModelConfig& model,
                         const std::string& trace_path, tlmx::AttentionAlgo algo,
                         const DecodeSequencer::BatchSink& sink,
                         const DecodeSequencer::OpSink& op_sink) {
  // Every clock period is a whole number of picoseconds (models/tlm/ClockDomain.h).
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);

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

  DecodeSequencer seq("sequencer", model, hw, amap, reader, clock, algo, record);
  if (op_sink) seq.set_op_sink(op_sink);
  ProcessorArray array("array", hw.array, hw.memory, clock);
  AttentionPipeline attention("attention", hw.attention, hw.kv_sram, clock);
  KvCacheSram sram("kv_sram", hw.kv_sram, hw.memory, clock);
  DramController dram("dram", hw.dram);
  seq.set_dram_bytes_probe([&dram] { return dram.stats().bytes_accepted; });

  seq.array.bind(array.cmd);
  seq.attention.bind(attention.cmd);
  attention.kv.bind(sram.target);
  array.weights.socket.bind(dram.target);
  sram.fill.socket.bind(dram.target);
  sram.writeback.socket.bind(dram.target);

  sc_core::sc_start();
  if (seq.error()) throw InputError(*seq.error());

  r.accel_period_ps = clock.period_ps();
  r.dram_period_ps = dram.clock().period_ps();
  r.batches = seq.batches();
  r.steps = seq.steps();
  if (r.batches == 0) r.min_batch_cycles = 0;
  r.array = array.stats();
  r.array_peak_macs_per_cycle = array.peak_macs_per_cycle();
  r.attention = attention.stats();
  r.sram = sram.stats();
  r.dram = dram.engine().stats();
  r.dram_ctrl = dram.stats();
  r.weight_bytes = amap.weight_bytes();
  r.kv_bytes = amap.kv_bytes();
  return r;
}

}  // namespace skv::sim
