#include "sim/Simulation.h"

#include "sim/Counters.h"

#include <systemc>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>

#include "common/Error.h"
#include "sim/DesignChecks.h"
#include "sim/Invariants.h"
#include "trace/DecodeTrace.h"

namespace skv::sim {

RunResult run_simulation(const config::HwConfig& hw, const config::ModelConfig& model,
                         const trace::TraceInput& trace, tlmx::AttentionAlgo algo,
                         const DecodeSequencer::BatchSink& sink,
                         const DecodeSequencer::OpSink& op_sink,
                         std::uint64_t watchdog_multiple, tlmx::ActivityRecorder* recorder) {
  // Every clock period is a whole number of picoseconds (models/tlm/ClockDomain.h).
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);

  check_design(hw, model, algo);
  const AddressMap amap(model, hw);
  trace::DecodeTraceReader file(trace.path);
  trace::ContextFilter reader(file, model.max_context, trace);
  const tlmx::ClockDomain clock(hw.clock_mhz);

  RunResult r;
  r.trace_path = trace.path;
  r.over_context = trace.over_context;
  r.algorithm = tlmx::attention_algo_name(algo);
  r.min_batch_cycles = UINT64_MAX;
  // The end-of-run invariants (sim/Invariants.h) take what each batch must do from the
  // top module's work model; a batch's bound is checked once it has finished.
  Accelerator* accel = nullptr;
  ExpectedWork expected;
  BatchOps ops_before;
  Counters counters_before;  // at the previous batch's end
  std::vector<std::uint64_t> batch_counters;
  std::optional<std::string> violation;
  auto record = [&](const BatchResult& b) {
    const ExpectedWork w = accel->work_model().batch(*b.rows);
    expected += w;
    const BatchOps ops_now{accel->array.stats().gemv_ops, accel->array.stats().vector_ops,
                           accel->attention.stats().attention_ops,
                           accel->attention.stats().kv_appends};
    const BatchOps ran{ops_now.gemv - ops_before.gemv, ops_now.vector - ops_before.vector,
                       ops_now.attention - ops_before.attention,
                       ops_now.kv_appends - ops_before.kv_appends};
    ops_before = ops_now;
    try {
      const std::uint64_t id = b.rows->front().batch;
      check_batch_ops(id, ran, w);
      // Under overlap.across_batches the batch before may have fetched part of this
      // batch's first GEMV's weights.
      check_batch_bound(id, b.cycles, accel->work_model().roofline_cycles(w, b.carried_in_bytes));
    } catch (const InvariantError& e) {
      if (!violation) violation = e.what();  // thrown after sc_start(), not through it
    }
    r.min_batch_cycles = std::min(r.min_batch_cycles, b.cycles);
    r.max_batch_cycles = std::max(r.max_batch_cycles, b.cycles);
    for (int i = 0; i < tlmx::kOpClassCount; ++i) {
      r.class_cycles[i] += b.class_cycles[i];
    }
    r.cycles = b.start_cycle + b.cycles;
    // What the batch added to every counter (steps.csv --step-counters).
    const Counters now = snapshot(*accel, r.class_cycles, r.cycles);
    batch_counters = counter_values(now - counters_before);
    counters_before = now;
    BatchResult with_counters = b;
    with_counters.counters = &batch_counters;
    sink(with_counters);
  };

  Accelerator top("accelerator", hw, model, amap, reader, clock, algo, record,
                  watchdog_multiple);
  if (op_sink) top.sequencer.set_op_sink(op_sink);
  top.collect_dram_extremes();
  top.set_recorder(recorder);
  accel = &top;

  sc_core::sc_start();
  top.check_finished();
  if (violation) throw std::logic_error(*violation);

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
  r.sequencer = top.sequencer.stats();
  r.dram_extremes = top.dram_extremes();
  r.weight_prefetch = top.array.prefetch_stats();
  r.kv_prefetch = top.kv_sram.prefetch_stats();
  r.dram_arbitration = top.dram.arbitration_stats();
  r.o_projection = top.array.beside_stats();
  r.weight_bytes = amap.weight_bytes();
  r.kv_bytes = amap.kv_bytes();
  r.context_counts = reader.counts();
  r.stopped = reader.stopped();
  check_work(r, expected);
  return r;
}

}  // namespace skv::sim
