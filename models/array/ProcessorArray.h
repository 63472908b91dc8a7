#pragma once
// The processor array: rows x cols processing elements that run the GEMVs (weights
// streamed from DRAM through a prefetch buffer of `max_outstanding` DMA requests) and,
// on their vector path, the element-wise work (norms, RoPE, activations, residuals).
//
// GEMV mapping (weight-stationary): each cycle the array holds a tile of `rows` output
// rows by `cols * macs_per_pe_per_cycle / slots` input columns (slots: MAC slots per
// MAC of these operand widths) and applies it to one activation vector, so a GEMV of
// out x in over a batch of b takes
//   ceil(out / rows) * ceil(in * slots / (cols * macs_per_pe)) * b   compute cycles
// (rows: the GEMV's own `array_rows` if it has them, an O projection slice's under
// overlap.o_projection: head_streamed)
// plus `pipeline_fill_cycles` once to fill and drain the array. Compute consumes the
// weight stream in order; it stalls (counted) when the next weights have not arrived.

#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <deque>
#include <string>
#include <systemc>
#include <tlm>

#include "common/Stats.h"
#include "models/array/ProcessorArrayConfig.h"
#include "models/tlm/ClockDomain.h"
#include "models/tlm/MemoryPort.h"
#include "models/tlm/MemorySystemConfig.h"
#include "models/tlm/Ops.h"
#include "models/tlm/Prefetcher.h"

namespace skv {

class ProcessorArray : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<ProcessorArray> cmd;  // operations from the sequencer
  tlmx::MemoryPort weights;                              // weight stream from DRAM

#define SKV_PROCESSOR_ARRAY_STATS(X)                                                     \
  X(gemv_ops, Sum, Count, "GEMV operations run")                                         \
  X(vector_ops, Sum, Count, "element-wise operations run on the vector lanes")          \
  X(macs, Sum, Macs, "useful GEMV multiply-accumulates")                                 \
  X(mac_slot_cycles, Sum, Macs, "MAC slots those took (wider operands take more)")      \
  X(gemv_compute_cycles, Sum, AccelCycles, "cycles with a weight tile in the array")     \
  X(fill_drain_cycles, Sum, AccelCycles, "cycles filling and draining the array")        \
  X(vector_cycles, Sum, AccelCycles, "cycles of element-wise work")                      \
  X(weight_stall_cycles, Sum, AccelCycles, "cycles waiting for weights from DRAM")       \
  X(weight_bytes, Sum, Bytes, "GEMV weights streamed from DRAM")                          \
  X(weight_buffer_write_bytes, Sum, Bytes, "bytes written into the weight buffer from DRAM") \
  X(weight_buffer_read_bytes, Sum, Bytes,                                                    \
    "bytes read from the weight buffer into the PEs (once per tile: weight-stationary)")     \
  X(vector_elements, Sum, Count, "elements the vector lanes processed")                     \
  X(vector_element_ops, Sum, Count, "element operations on the vector lanes (elements x ops)")
  struct Stats {
    SKV_DECLARE_STATS(SKV_PROCESSOR_ARRAY_STATS)
    std::uint64_t busy_cycles() const {
      return gemv_compute_cycles + fill_drain_cycles + vector_cycles;
    }
  };

  // The weight buffer under overlap (hardware config `overlap.weights` other than
  // `none`): reported as its own group, `weight_prefetch`, only by runs with overlap, so
  // a run without it reports what it always did. Nothing is fetched twice or wasted:
  // every stream fetched ahead is read by its GEMV, which comes next in the same order.
  // The hideable bound (hideable_bytes, hideable_cycles) is summed over the GEMVs whose
  // stream was started ahead:
  //   bytes  = min(B, W, floor(T x P))       B: the buffer's bytes, W: the GEMV's weights,
  //   cycles = min(ceil(min(B, W) / P), T)   P: DRAM peak bytes per accelerator cycle,
  //                                          T: cycles from the stream's start to the GEMV's
  // the bytes the buffer can hold when the GEMV starts, and their transfer time at peak
  // bandwidth: the DRAM time prefetch can take off the GEMV, if the DRAM moved nothing else
  // meanwhile. Not counted: the first request's latency, which prefetch hides too, so a
  // measured saving can pass the bound by up to one latency per GEMV (docs/architecture.md,
  // "Overlapping operations").
#define SKV_WEIGHT_PREFETCH_STATS(X)                                                      \
  X(streams_ahead, Sum, Count, "GEMV weight streams started before their GEMV")           \
  X(prefetched_bytes, Sum, Bytes,                                                         \
    "GEMV weights requested from DRAM before their GEMV started (fetched ahead)")         \
  X(buffer_peak_bytes, Max, Bytes,                                                        \
    "most weight-buffer space held at once (requests sent and not yet consumed), never "  \
    "above memory.max_outstanding x memory.request_bytes")                                \
  X(buffer_occupancy_byte_cycles, TimeIntegral, AccelCycles,                              \
    "weight-buffer space held (bytes of requests sent and not yet consumed) summed over " \
    "accelerator cycles: over the run's cycles, the buffer's mean occupancy")             \
  X(hideable_bytes, Sum, Bytes,                                                           \
    "per GEMV whose stream was started ahead: min(buffer size, its weight bytes, what "   \
    "the DRAM's peak bandwidth moves from the stream's start to the GEMV's)")             \
  X(hideable_cycles, Sum, AccelCycles,                                                    \
    "per such GEMV: min(buffer size, its weight bytes) at the DRAM's peak bandwidth "     \
    "(cycles, rounded up), capped by the cycles from its stream's start to the GEMV's")   \
  X(ahead_cycles, Sum, AccelCycles,                                                       \
    "per such GEMV: cycles from its stream's start to the GEMV's (its weights may move "  \
    "then, while other operations run)")
  struct PrefetchStats {
    SKV_DECLARE_STATS(SKV_WEIGHT_PREFETCH_STATS)
  };

  // The O projection's slices under overlap.o_projection: head_streamed, reported as
  // their own group, `o_projection`, only by runs with it. A slice runs on the rows the
  // attention pipelines leave free, beside the attention whose passes it follows; its
  // array cycles (compute, fill and drain, waits for weights) before that attention's
  // end are booked here too, as run beside it: the exclusive breakdown takes them out of
  // the GEMV class, whose time the sequencer books only after the attention.
#define SKV_O_PROJECTION_STATS(X)                                                    \
  X(slices, Sum, Count, "O projection slices run (one per head pass and layer)")     \
  X(beside_compute_cycles, Sum, AccelCycles,                                         \
    "slices' compute cycles before the end of the attention they run beside")        \
  X(beside_fill_drain_cycles, Sum, AccelCycles,                                      \
    "slices' fill and drain cycles before the end of the attention they run beside") \
  X(beside_weight_stall_cycles, Sum, AccelCycles,                                    \
    "slices' cycles waiting for weights before the end of the attention they run beside")
  struct BesideStats {
    SKV_DECLARE_STATS(SKV_O_PROJECTION_STATS)
    // The slices' array time beside the attention, every part.
    std::uint64_t beside_cycles() const {
      return beside_compute_cycles + beside_fill_drain_cycles + beside_weight_stall_cycles;
    }
  };

  ProcessorArray(sc_core::sc_module_name name, const config::ProcessorArrayConfig& cfg,
                 const config::MemorySystemConfig& mem, const tlmx::ClockDomain& clock);

  // Low-precision MAC slots one multiply-accumulate of this GEMV's operands takes:
  // ceil(weight_bits x activation_bits / (quoted weight_bits x activation_bits)).
  static std::uint64_t mac_slots(const config::ProcessorArrayConfig& cfg, const tlmx::GemvOp& op);
  std::uint64_t mac_slots(const tlmx::GemvOp& op) const { return mac_slots(cfg_, op); }
  // Compute cycles of a GEMV, from the mapping above (without fill and stalls).
  std::uint64_t gemv_compute_cycles(const tlmx::GemvOp& op) const;
  std::uint64_t vector_cycles(const tlmx::VectorOp& op) const;
  static std::uint64_t peak_macs_per_cycle(const config::ProcessorArrayConfig& cfg);
  std::uint64_t peak_macs_per_cycle() const { return peak_macs_per_cycle(cfg_); }

  const Stats& stats() const { return stats_; }
  PrefetchStats prefetch_stats() const;
  const BesideStats& beside_stats() const { return beside_; }
  // Reports its weight requests to `recorder` (null: none).
  void set_recorder(tlmx::ActivityRecorder* recorder) {
    weights.set_recorder(recorder, tlmx::MemoryRole::Weights, tlmx::MemoryRole::WeightsAhead);
  }
  const config::ProcessorArrayConfig& config() const { return cfg_; }
  // The DRAM's peak bandwidth in bytes per accelerator cycle, for the hideable bound
  // (0, the default: no bound is counted).
  void set_dram_peak_bytes_per_cycle(double bytes) { dram_peak_bytes_per_cycle_ = bytes; }
  // What the array is doing now, for a stalled simulation's error line; empty if idle.
  std::string activity() const;
  bool drained() const { return ahead_.empty() && prefetcher_.drained(); }
  // Weight streams started ahead of a GEMV that has not started yet.
  std::size_t streams_ahead() const { return ahead_.size(); }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  // `beside` (null: none): the attention an O projection slice runs beside.
  void run_gemv(const tlmx::GemvOp& op, tlmx::OpKind kind, const tlmx::PassProgress* beside);
  // Of `cycles` cycles that ended now and began at `since`, those before the end of the
  // attention `beside` (all of them while it runs; 0 without one).
  std::uint64_t beside_cycles(const tlmx::PassProgress* beside, sc_core::sc_time since,
                              std::uint64_t cycles) const;
  // Starts a GEMV's weight stream ahead of the GEMV (a prefetch command).
  void start_stream(const tlmx::GemvOp& op, tlmx::OpKind kind);
  void run_vector(const tlmx::VectorOp& op);

  config::ProcessorArrayConfig cfg_;
  config::MemorySystemConfig mem_;
  const tlmx::ClockDomain& clock_;
  tlmx::Prefetcher prefetcher_;
  // Where run_gemv is, for activity(): weight request `chunk` of `chunks`.
  bool in_gemv_ = false;
  std::uint64_t chunk_ = 0;
  std::uint64_t chunks_ = 0;
  // Weight streams started ahead of their GEMVs, oldest first: each one's range and the
  // sequence number of its last request.
  struct Ahead {
    std::uint64_t addr;
    std::uint64_t bytes;
    std::uint64_t last;
    std::uint64_t start_cycle;  // when the stream was started
  };
  std::deque<Ahead> ahead_;
  Stats stats_;
  PrefetchStats prefetch_stats_;
  BesideStats beside_;
  double dram_peak_bytes_per_cycle_ = 0;
};

}  // namespace skv
