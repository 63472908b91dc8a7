#pragma once
// The top-level SystemC module: the decode sequencer and the four units, their
// sockets bound, and a watchdog.
//
//   DecodeSequencer --array-->     ProcessorArray --weights-->  DramController
//                   --attention--> AttentionPipeline --kv--> KvCacheSram --fill/writeback--^
//
// A run ends in one of two ways: every step of the trace done and every queue drained,
// or an error line naming the cycle and who waits for what. The watchdog stops a batch
// that has not finished within `watchdog_multiple` x (its roofline bound +
// kWatchdogSlackCycles); check_finished() looks at the state sc_start() left behind.

#include <cstdint>
#include <optional>
#include <string>
#include <systemc>

#include "models/array/ProcessorArray.h"
#include "models/attention/AttentionPipeline.h"
#include "models/dram_controller/DramController.h"
#include "models/kv_sram/KvCacheSram.h"
#include "models/sequencer/AddressMap.h"
#include "models/sequencer/DecodeSequencer.h"
#include "models/sequencer/ModelConfig.h"
#include "models/top/DramExtremes.h"
#include "models/top/ExpectedWork.h"
#include "models/top/HwConfig.h"

namespace skv::sim {

// A batch may take `watchdog_multiple` times its roofline bound plus this slack (DRAM
// latency, pipeline fills and refreshes dominate small batches) before the watchdog
// stops it; `run --watchdog` sets the multiple.
inline constexpr std::uint64_t kDefaultWatchdogMultiple = 256;
inline constexpr std::uint64_t kWatchdogSlackCycles = 1000;

class Accelerator : public sc_core::sc_module {
 public:
  Accelerator(sc_core::sc_module_name name, const config::HwConfig& hw,
              const config::ModelConfig& model, const AddressMap& amap,
              trace::BatchSource& reader, const tlmx::ClockDomain& clock,
              tlmx::AttentionAlgo algo, DecodeSequencer::BatchSink sink,
              std::uint64_t watchdog_multiple = kDefaultWatchdogMultiple);

  DecodeSequencer sequencer;
  ProcessorArray array;
  AttentionPipeline attention;
  KvCacheSram kv_sram;
  DramController dram;

  const WorkModel& work_model() const { return work_; }
  // Opens a scope of the DRAM's extremes at every batch, layer and operation boundary and
  // keeps them by kind, by layer and by batch (dram_extremes()); call before sc_start().
  // Off by default: the fast mode, which reports no extremes, does not pay for it.
  void collect_dram_extremes();
  const DramExtremes& dram_extremes() const { return extremes_; }
  // Every unit reports what it does to `recorder` (null, the default: none); call before
  // sc_start().
  void set_recorder(tlmx::ActivityRecorder* recorder);
  // After sc_start() has returned: throws SimulationError if the watchdog stopped the
  // run, if the trace was not read to its end, or if a unit still holds work; throws
  // InputError for a bad trace row found while simulating. `carried_out`: a sample of the
  // fast mode whose last batch started the next batch's weight stream
  // (DecodeSequencer::set_sample_carry): that one stream may be left in the array.
  void check_finished(bool carried_out = false) const;
  // Who waits for what, unit by unit ("sequencer waits for ...; kv_sram holds ...").
  std::string activity() const;

 private:
  void watchdog();

  const tlmx::ClockDomain& clock_;
  WorkModel work_;
  std::uint64_t watchdog_multiple_;
  std::uint32_t layers_;
  std::optional<std::string> stalled_;
  DramExtremes extremes_;
  tlmx::OpKind open_kind_ = tlmx::OpKind::rmsnorm;  // of the operation scope open
  std::uint32_t open_layer_ = 0;                    // of the layer scope open
};

}  // namespace skv::sim
