#include "models/top/Accelerator.h"

#include <fmt/format.h>

#include "common/Error.h"

namespace skv::sim {

Accelerator::Accelerator(sc_core::sc_module_name name, const config::HwConfig& hw,
                         const config::ModelConfig& model, const AddressMap& amap,
                         trace::BatchSource& reader, const tlmx::ClockDomain& clock,
                         tlmx::AttentionAlgo algo, DecodeSequencer::BatchSink sink,
                         std::uint64_t watchdog_multiple)
    : sc_module(name),
      sequencer("sequencer", model, hw, amap, reader, clock, algo, std::move(sink)),
      array("array", hw.array, hw.memory, clock),
      attention("attention", hw.attention, hw.kv_sram, clock),
      kv_sram("kv_sram", hw.kv_sram, hw.memory, clock),
      dram("dram", hw.dram, hw.overlap.arbitration),
      clock_(clock),
      work_(model, hw, amap, algo),
      watchdog_multiple_(watchdog_multiple),
      layers_(model.layers) {
  SC_HAS_PROCESS(Accelerator);
  const double dram_peak_bytes_per_cycle =
      hw.dram.peak_bandwidth_bytes_per_s() * static_cast<double>(clock.period_ps()) * 1e-12;
  array.set_dram_peak_bytes_per_cycle(dram_peak_bytes_per_cycle);
  kv_sram.set_dram_peak_bytes_per_cycle(dram_peak_bytes_per_cycle);
  sequencer.array.bind(array.cmd);
  sequencer.attention.bind(attention.cmd);
  attention.kv.bind(kv_sram.target);
  array.weights.socket.bind(dram.target);
  kv_sram.fill.socket.bind(dram.target);
  kv_sram.writeback.socket.bind(dram.target);
  // The prefetch space's port (kv_sram.prefetch_kib > 0 only): a design without it has
  // the same three initiators as before.
  if (kv_sram.prefetch_port() != nullptr) kv_sram.prefetch_port()->socket.bind(dram.target);
  SC_THREAD(watchdog);
}

void Accelerator::set_recorder(tlmx::ActivityRecorder* recorder) {
  sequencer.set_recorder(recorder);
  array.set_recorder(recorder);
  attention.set_recorder(recorder);
  kv_sram.set_recorder(recorder);
  dram.set_recorder(recorder);
}

void Accelerator::collect_dram_extremes() {
  extremes_.by_layer.assign(std::size_t{layers_} + 1, dram::DramStats{});
  sequencer.set_segment_hook(
      [this](DecodeSequencer::Segment segment, bool open, const OpNode* node) {
        using Segment = DecodeSequencer::Segment;
        if (open) {
          dram.open_scope();
          if (segment == Segment::Operation) open_kind_ = node->op_kind;
          if (segment == Segment::Layer) open_layer_ = node->layer;
          return;
        }
        const dram::DramStats s = dram.close_scope();
        switch (segment) {
          case Segment::Operation:
            stats::merge_extremes(extremes_.by_kind[static_cast<int>(open_kind_)], s);
            break;
          case Segment::Layer:
            stats::merge_extremes(extremes_.by_layer.at(open_layer_), s);
            break;
          case Segment::Batch:
            extremes_.batches.push_back(DramExtremes::Batch{
                sequencer.current_batch_id(), s.read_latency_cycles.percentile(99),
                s.read_latency_cycles.max(), s.queue_occupancy_max_bursts});
            break;
        }
      });
}

std::string Accelerator::activity() const {
  std::string s;
  for (const std::string& part : {sequencer.activity(), array.activity(), attention.activity(),
                                  kv_sram.activity(), dram.activity()}) {
    if (part.empty()) continue;
    s += (s.empty() ? "" : "; ") + part;
  }
  return s;
}

void Accelerator::watchdog() {
  for (;;) {
    while (!sequencer.in_batch()) {
      if (sequencer.finished()) return;
      sc_core::wait(sequencer.progress_event());
    }
    const std::uint64_t started = sequencer.batches_started();
    const std::uint64_t start = clock_.now_cycle();
    const std::uint64_t bound = work_.roofline_cycles(work_.batch(sequencer.current_rows()));
    const std::uint64_t limit = watchdog_multiple_ * (bound + kWatchdogSlackCycles);
    const sc_core::sc_time deadline = clock_.time_of(start + limit);
    while (sequencer.in_batch() && sequencer.batches_started() == started) {
      if (sc_core::sc_time_stamp() >= deadline) {
        stalled_ = fmt::format(
            "simulation stalled at cycle {}: batch {} (started at cycle {}) did not finish "
            "within {} cycles ({} x (its roofline bound of {} cycles + {})); {}",
            clock_.now_cycle(), sequencer.current_batch_id(), start, limit, watchdog_multiple_,
            bound, kWatchdogSlackCycles, activity());
        // The kernel would announce the stop on stdout; the error line says it all.
        sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO,
                                                sc_core::SC_DO_NOTHING);
        sc_core::sc_stop();
        return;
      }
      sc_core::wait(deadline - sc_core::sc_time_stamp(), sequencer.progress_event());
    }
  }
}

void Accelerator::check_finished(bool carried_out) const {
  if (stalled_) throw SimulationError(*stalled_);
  if (sequencer.error()) throw InputError(*sequencer.error());
  if (!sequencer.finished()) {
    throw SimulationError(fmt::format(
        "simulation stalled at cycle {}: no process can proceed and the trace is not done "
        "({} batches finished); {}",
        clock_.now_cycle(), sequencer.batches(), activity()));
  }
  const bool array_done = carried_out ? array.streams_ahead() == 1 : array.drained();
  if (!array_done || !kv_sram.drained() || !dram.drained() || array.weights.outstanding() != 0 ||
      kv_sram.fill.outstanding() != 0 || kv_sram.writeback.outstanding() != 0 ||
      (kv_sram.prefetch_port() != nullptr && kv_sram.prefetch_port()->outstanding() != 0)) {
    throw SimulationError(fmt::format(
        "simulation ended at cycle {} with work left after the last step: {}",
        clock_.now_cycle(), activity()));
  }
}

}  // namespace skv::sim
