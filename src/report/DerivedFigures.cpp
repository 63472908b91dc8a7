#include "report/DerivedFigures.h"

#include <algorithm>

#include "common/Figures.h"

namespace skv::report {

namespace {

double u(std::uint64_t v) { return static_cast<double>(v); }

// Peak DRAM bandwidth at the clock period the simulation ran on (the configured
// frequency's period rounded to the picosecond), so utilisation cannot pass 100%.
double dram_peak(const config::HwConfig& hw, const sim::RunResult& r) {
  if (r.dram_period_ps == 0) return hw.dram.peak_bandwidth_bytes_per_s();
  const double nominal_period_ps = 1e6 / hw.dram.clock_mhz;
  return hw.dram.peak_bandwidth_bytes_per_s() * nominal_period_ps / u(r.dram_period_ps);
}

double gemv_mac_slots(const FigureInputs& in) { return u(in.r.array.mac_slot_cycles); }

// DRAM cycles of the whole simulated time, summed over channels.
double dram_channel_cycles(const FigureInputs& in) {
  if (in.r.dram_period_ps == 0) return 0.0;
  return in.cycles * u(in.r.accel_period_ps) / u(in.r.dram_period_ps) * in.hw.dram.org.channels;
}

// The traffic over DRAM at peak bandwidth, and the MACs at the array's peak rate.
double memory_bound_cycles(const FigureInputs& in) {
  const double bytes = u(in.r.dram.bytes_read + in.r.dram.bytes_written);
  return in.dram_peak_bytes_per_s > 0 ? bytes / in.dram_peak_bytes_per_s * in.hw.clock_mhz * 1e6
                                      : 0.0;
}
double compute_bound_cycles(const FigureInputs& in) {
  return in.array_peak_macs > 0 ? (gemv_mac_slots(in) + in.attention_mac_slots) / in.array_peak_macs
                                : 0.0;
}

// DRAM bytes read and written over the whole simulated time.
double bandwidth_over_run(const FigureInputs& in) {
  return in.time_s > 0 ? u(in.r.dram.bytes_read + in.r.dram.bytes_written) / in.time_s : 0.0;
}

template <int Cls>
double class_pct(const FigureInputs& in) {
  return pct(u(in.r.class_cycles[Cls]), in.cycles);
}

// A class's DRAM reads over the time it ran: an operation waits for all its reads, which
// it issues once it has started, so they moved while it ran (its posted writes drain
// later). Under overlap a GEMV's weights may move earlier, from its stream's start
// (overlap.weights: next_op), and an O projection slice runs beside the attention, in
// the attention's class time (overlap.o_projection: head_streamed): the GEMVs' time
// counts those cycles too (weight_prefetch.ahead_cycles, o_projection.beside_*), so that
// every GEMV's reads fall within the time counted for it and the rate stays within the
// peak. Without overlap both are 0.
template <int Cls>
double class_read_bandwidth(const FigureInputs& in) {
  std::uint64_t cycles = in.r.class_cycles[Cls];
  if (Cls == static_cast<int>(tlmx::OpClass::Gemv)) {
    cycles += in.r.weight_prefetch.ahead_cycles + in.r.o_projection.beside_cycles();
  }
  const double s = u(cycles) * in.period_ns * 1e-9;
  return s > 0 ? u(in.r.dram_ctrl.read_bytes_by_owner(Cls)) / s : 0.0;
}

constexpr int kGemv = static_cast<int>(tlmx::OpClass::Gemv);
constexpr int kAttention = static_cast<int>(tlmx::OpClass::Attention);
constexpr int kOther = static_cast<int>(tlmx::OpClass::Other);

#define SKV_CLASS_FIGURES(CLS, NAME)                                                               \
  {"dram_by_operation." NAME,                                                                      \
   "dram_bytes",                                                                                   \
   "bytes",                                                                                        \
   "DRAM bytes the class asked for",                                                               \
   false,                                                                                          \
   true,                                                                                           \
   [](const FigureInputs& in) {                                                                    \
     return u(in.r.dram_ctrl.read_bytes_by_owner(CLS) + in.r.dram_ctrl.write_bytes_by_owner(CLS)); \
   }},                                                                                             \
      {"dram_by_operation." NAME,                                                                  \
       "dram_read_bytes",                                                                          \
       "bytes",                                                                                    \
       "DRAM bytes the class read",                                                                \
       false,                                                                                      \
       true,                                                                                       \
       [](const FigureInputs& in) { return u(in.r.dram_ctrl.read_bytes_by_owner(CLS)); }},         \
      {"dram_by_operation." NAME,                                                                  \
       "dram_write_bytes",                                                                         \
       "bytes",                                                                                    \
       "DRAM bytes the class wrote",                                                               \
       false,                                                                                      \
       true,                                                                                       \
       [](const FigureInputs& in) { return u(in.r.dram_ctrl.write_bytes_by_owner(CLS)); }},        \
      {"dram_by_operation." NAME,                                                                  \
       "dram_read_bandwidth_bytes_per_s",                                                          \
       "bytes/s",                                                                                  \
       "the class's DRAM reads over the cycles it ran (GEMV: with head-streamed O projection "     \
       "slices' cycles beside the attention)",                                                     \
       false,                                                                                      \
       false,                                                                                      \
       class_read_bandwidth<CLS>},                                                                 \
      {"dram_by_operation." NAME,                                                                  \
       "dram_read_bandwidth_pct",                                                                  \
       "%",                                                                                        \
       "that bandwidth against the DRAM's peak",                                                   \
       false,                                                                                      \
       false,                                                                                      \
       [](const FigureInputs& in) {                                                                \
         return pct(class_read_bandwidth<CLS>(in), in.dram_peak_bytes_per_s);                      \
       }},

// The cycles of one kind of operation (tlmx::OpKind).
template <int Kind>
double kind_cycles(const FigureInputs& in) {
  return u(in.r.sequencer.*sim::DecodeSequencer::Stats::kCycles[Kind]);
}

#define SKV_KIND_FIGURES(UNUSED, KIND, CLS, WHAT)                                        \
  {"operations." #KIND,                                                                  \
   "share_pct",                                                                          \
   "%",                                                                                  \
   "the kind's cycles over the simulated cycles",                                        \
   false,                                                                                \
   false,                                                                                \
   [](const FigureInputs& in) {                                                          \
     return pct(kind_cycles<static_cast<int>(tlmx::OpKind::KIND)>(in), in.cycles);       \
   }},                                                                                   \
      {"operations." #KIND,                                                              \
       "mean_cycles",                                                                    \
       "cycles",                                                                         \
       "cycles per operation of the kind",                                               \
       false,                                                                            \
       false,                                                                            \
       [](const FigureInputs& in) {                                                      \
         const double n =                                                                \
             u(in.r.sequencer.*                                                          \
               sim::DecodeSequencer::Stats::kOps[static_cast<int>(tlmx::OpKind::KIND)]); \
         return n > 0 ? kind_cycles<static_cast<int>(tlmx::OpKind::KIND)>(in) / n : 0.0; \
       }},

}  // namespace

namespace {

// The array's busy cycles: its GEMV and vector work and the attention pipelines' (which
// run on its PEs), less the head-streamed O projection slices' compute and fill beside
// the attention (overlap.o_projection: head_streamed: then the two share the array, on
// rows of their own, and those cycles are counted once, as the attention's; at most the
// attention's busy cycles are taken off).
std::uint64_t array_busy(const sim::RunResult& r) {
  const std::uint64_t shared =
      r.o_projection.beside_compute_cycles + r.o_projection.beside_fill_drain_cycles;
  return r.array.busy_cycles() + r.attention.busy_cycles -
         std::min(shared, r.attention.busy_cycles);
}

}  // namespace

FigureInputs::FigureInputs(const config::HwConfig& hw_, const sim::RunResult& r_)
    : hw(hw_),
      r(r_),
      cycles(u(r_.cycles)),
      period_ns(u(r_.accel_period_ps) / 1000.0),
      time_s(u(r_.cycles) * (u(r_.accel_period_ps) / 1000.0) * 1e-9),
      batches(r_.batches ? u(r_.batches) : 1.0),
      dram_peak_bytes_per_s(dram_peak(hw_, r_)),
      array_peak_macs(u(r_.array_peak_macs_per_cycle)),
      array_busy_cycles(u(array_busy(r_))),
      attention_mac_slots(u(r_.attention.fxp32_macs) * u(hw_.array.fxp32_mac_slots)) {}

const std::vector<DerivedFigure>& derived_figures() {
  static const std::vector<DerivedFigure> kFigures = {
      // Totals and latency.
      {"totals", "simulated_time_ns", "ns", "simulated time", false, false,
       [](const FigureInputs& in) { return in.cycles * in.period_ns; }},
      {"totals", "tokens_per_s", "tokens/s", "decode steps (trace rows) per simulated second",
       false, false,
       [](const FigureInputs& in) { return in.time_s > 0 ? u(in.r.steps) / in.time_s : 0.0; }},
      {"latency_per_step", "mean_cycles", "cycles", "mean cycles per batch", false, false,
       [](const FigureInputs& in) { return in.r.batches ? in.cycles / in.batches : 0.0; }},
      {"latency_per_step", "mean_ns", "ns", "mean time per batch", false, false,
       [](const FigureInputs& in) {
         return (in.r.batches ? in.cycles / in.batches : 0.0) * in.period_ns;
       }},
      {"latency_per_step", "min_ns", "ns", "the shortest batch", false, false,
       [](const FigureInputs& in) { return u(in.r.min_batch_cycles) * in.period_ns; }},
      {"latency_per_step", "max_ns", "ns", "the longest batch", false, false,
       [](const FigureInputs& in) { return u(in.r.max_batch_cycles) * in.period_ns; }},
      // Where the cycles went.
      {"breakdown", "gemv_pct", "%", "cycles of GEMV operations", false, false, class_pct<kGemv>},
      {"breakdown", "attention_pct", "%", "cycles of attention (and KV append)", false, false,
       class_pct<kAttention>},
      {"breakdown", "other_pct", "%", "cycles of the element-wise operations", false, false,
       class_pct<kOther>},
      SKV_CLASS_FIGURES(kGemv, "gemv") SKV_CLASS_FIGURES(kAttention, "attention")
          SKV_CLASS_FIGURES(kOther, "other")
      // Each kind of operation: its share of the time and its mean length.
      SKV_FOR_OP_KINDS(SKV_KIND_FIGURES, )
      // The processor array: the attention pipelines run on its PEs in FXP32 mode,
      // time-shared with the GEMVs (the units never overlap, but for head-streamed O
      // projection slices: array_busy above), so it is busy during attention too.
      {"processor_array", "busy_cycles", "cycles",
       "cycles of GEMV, vector and attention work (head-streamed O projection slices beside "
       "the attention counted once, as the attention's)",
       false, true, [](const FigureInputs& in) { return in.array_busy_cycles; }},
      {"processor_array", "attention_cycles", "cycles", "cycles the attention pipelines ran", false,
       true, [](const FigureInputs& in) { return u(in.r.attention.busy_cycles); }},
      {"processor_array", "attention_fxp32_macs", "MACs", "the attention's FXP32 MACs", false, true,
       [](const FigureInputs& in) { return u(in.r.attention.fxp32_macs); }},
      {"processor_array", "busy_pct", "%", "busy cycles over all cycles", false, false,
       [](const FigureInputs& in) { return pct(in.array_busy_cycles, in.cycles); }},
      {"processor_array", "useful_mac_pct", "%", "MAC slots used over busy cycles at peak", false,
       false,
       [](const FigureInputs& in) {
         return pct(gemv_mac_slots(in) + in.attention_mac_slots,
                    in.array_busy_cycles * in.array_peak_macs);
       }},
      {"processor_array", "gemv_useful_mac_pct", "%",
       "GEMV MAC slots over GEMV compute, fill and drain cycles at peak", false, false,
       [](const FigureInputs& in) {
         const auto& a = in.r.array;
         return pct(gemv_mac_slots(in),
                    u(a.gemv_compute_cycles + a.fill_drain_cycles) * in.array_peak_macs);
       }},
      {"processor_array", "attention_useful_mac_pct", "%",
       "attention MAC slots over attention cycles at peak", false, false,
       [](const FigureInputs& in) {
         return pct(in.attention_mac_slots, u(in.r.attention.busy_cycles) * in.array_peak_macs);
       }},
      // Stall cycles by cause, each from the unit that waited.
      {"stalls", "array_waiting_for_weights_cycles", "cycles",
       "the array waiting for weights from DRAM", false, true,
       [](const FigureInputs& in) { return u(in.r.array.weight_stall_cycles); }},
      {"stalls", "attention_waiting_for_kv_cycles", "cycles",
       "readers of the KV SRAM waiting for DRAM data", false, true,
       [](const FigureInputs& in) { return u(in.r.sram.stall_cycles); }},
      {"stalls", "attention_bound_by_sram_ports_cycles", "cycles",
       "attention tiles waiting on SRAM port time", false, true,
       [](const FigureInputs& in) { return u(in.r.attention.sram_bound_cycles); }},
      {"stalls", "dram_requests_held_back", "count", "requests that waited for a DRAM queue slot",
       false, true, [](const FigureInputs& in) { return u(in.r.dram_ctrl.requests_held_back); }},
      {"stalls", "dram_held_back_ns", "ns", "time those requests waited, summed", false, false,
       [](const FigureInputs& in) { return u(in.r.dram_ctrl.held_back_ps) / 1000.0; }},
      // Roofline: the run's DRAM traffic at peak bandwidth and its MACs at the array's
      // peak rate, per batch; the simulated cycles against the larger.
      {"roofline", "memory_bound_cycles_per_step", "cycles", "DRAM bytes at peak bandwidth", false,
       false, [](const FigureInputs& in) { return memory_bound_cycles(in) / in.batches; }},
      {"roofline", "compute_bound_cycles_per_step", "cycles", "MACs at the array's peak rate",
       false, false, [](const FigureInputs& in) { return compute_bound_cycles(in) / in.batches; }},
      {"roofline", "simulated_over_bound", "ratio", "simulated cycles over the larger bound", false,
       false,
       [](const FigureInputs& in) {
         const double bound = std::max(memory_bound_cycles(in), compute_bound_cycles(in));
         return bound > 0 ? in.cycles / bound : 0.0;
       }},
      // The units.
      {"attention_pipeline", "busy_pct", "%", "busy cycles over all cycles", false, false,
       [](const FigureInputs& in) { return pct(u(in.r.attention.busy_cycles), in.cycles); }},
      {"kv_sram", "port_utilisation_pct", "%", "port busy cycles over all cycles x ports", false,
       false,
       [](const FigureInputs& in) {
         return pct(u(in.r.sram.port_busy_cycles), in.cycles * in.hw.kv_sram.ports);
       }},
      {"dram", "peak_bandwidth_bytes_per_s", "bytes/s",
       "every channel's data bus busy at the simulated clock", false, false,
       [](const FigureInputs& in) { return in.dram_peak_bytes_per_s; }},
      {"dram", "bandwidth_over_run_bytes_per_s", "bytes/s",
       "bytes read and written over the whole simulated time", false, false, bandwidth_over_run},
      {"dram", "bandwidth_over_run_pct", "%", "that bandwidth against the peak", false, false,
       [](const FigureInputs& in) {
         return pct(bandwidth_over_run(in), in.dram_peak_bytes_per_s);
       }},
      {"dram", "busy_span_bandwidth_bytes_per_s", "bytes/s",
       "bytes over the busy span, first request to last completion (the `dram` command's "
       "figure)",
       true, false,
       [](const FigureInputs& in) {
         return in.r.dram.busy_span_bandwidth_bytes_per_s(in.hw.dram);
       }},
      {"dram", "row_hit_rate_pct", "%", "row hits over all bursts' row outcomes", false, false,
       [](const FigureInputs& in) { return in.r.dram.row_hit_rate_pct(); }},
      {"dram", "data_bus_utilisation_pct", "%",
       "data bus busy cycles over the simulated time, summed over channels", false, false,
       [](const FigureInputs& in) {
         return pct(u(in.r.dram.data_bus_busy_cycles), dram_channel_cycles(in));
       }},
      {"dram", "queue_occupancy_mean_bursts", "bursts",
       "bursts queued per channel, averaged over the simulated time", false, false,
       [](const FigureInputs& in) {
         const double c = dram_channel_cycles(in);
         return c > 0 ? u(in.r.dram.queue_occupancy_burst_cycles) / c : 0.0;
       }},
      {"dram", "turnaround_pct", "%", "column commands that turn the bus around", false, false,
       [](const FigureInputs& in) { return in.r.dram.turnaround_pct(); }},
  };
  return kFigures;
}

}  // namespace skv::report
