#pragma once
// Validated runtime configuration of the whole accelerator (everything but the LLM
// itself): one plain struct per unit, loaded by src/config/HwConfigLoader.*, and the
// schema of a hardware config file: its own keys and each unit's schema as a section.

#include <string>

#include "common/ConfigSchema.h"
#include "models/array/ProcessorArrayConfig.h"
#include "models/attention/AttentionConfig.h"
#include "models/dram/DramConfig.h"
#include "models/kv_sram/KvSramConfig.h"
#include "models/sequencer/OverlapConfig.h"
#include "models/tlm/MemorySystemConfig.h"

namespace skv::config {

struct HwConfig {
  std::string name;
  std::string source_file;
  double clock_mhz = 0;
  ProcessorArrayConfig array;
  AttentionConfig attention;
  KvSramConfig kv_sram;
  MemorySystemConfig memory;
  OverlapConfig overlap;
  dram::DramConfig dram;
};

// The keys of a hardware config, the DRAM preset's inlined under `dram` (a file may name
// a preset instead, `dram: {preset: NAME}`: the loader reads the preset's keys from it).
inline const schema::Schema<HwConfig>& hw_schema() {
  using namespace schema;
  static const Schema<HwConfig> instance = [] {
    Schema<HwConfig> s;
    s.key("name", SKV_MEMBER(name), text(), "", required, Timing::No,
          "shown in reports (`inputs.hw_name`)");
    s.key("clock_mhz", SKV_MEMBER(clock_mhz), real(1, 10000), "MHz", required, Timing::Yes,
          "accelerator clock. The simulated period is `1e6 / clock_mhz` rounded to a whole "
          "picosecond (250 MHz: 4000 ps)");
    s.part("processor_array", SKV_MEMBER(array), processor_array_schema());
    s.part("attention", SKV_MEMBER(attention), attention_schema());
    s.part("kv_sram", SKV_MEMBER(kv_sram), kv_sram_schema());
    s.part("memory", SKV_MEMBER(memory), memory_system_schema());
    // Optional: a file without it runs the operations one after another, as before.
    s.section("overlap", /*required=*/false);
    s.key("weights", SKV_MEMBER(overlap.weights),
          names<WeightOverlap>({{"none", WeightOverlap::None}, {"next_op", WeightOverlap::NextOp}}),
          "", fixed(WeightOverlap::None), Timing::Yes,
          "`none`: a GEMV's weights stream in when it starts; `next_op`: while a GEMV computes, "
          "the next GEMV's weights fill the weight buffer as the running one frees it. The "
          "buffer is the existing one of `memory.max_outstanding` x `memory.request_bytes` "
          "bytes, kept filling across operation boundaries (no second buffer). The fast mode "
          "reuses whole steps under it, for batches of any size (docs/fast-mode.md)");
    s.key(
        "kv", SKV_MEMBER(overlap.kv),
        names<KvOverlap>({{"none", KvOverlap::None}, {"next_attention", KvOverlap::NextAttention}}),
        "", fixed(KvOverlap::None), Timing::Yes,
        "`none`: an attention's K/V stream into the KV SRAM's staging space starts with the "
        "attention; `next_attention`: once the previous attention on the pipeline has "
        "finished (for layer 0, when the batch starts; nothing crosses a batch's end), each "
        "row's next attention's first whole K/V ranges (first pass, read order; only "
        "positions in DRAM before the step's KV append) stream into the SRAM's prefetch "
        "space, `kv_sram.prefetch_kib` split evenly between the batch's rows, while the O "
        "projection, the FFN, the next norm and QKV run. Needs `kv_sram.prefetch_kib` > 0. "
        "The fast mode reuses whole steps under it, for batches of any size "
        "(docs/fast-mode.md)");
    s.key("arbitration", SKV_MEMBER(overlap.arbitration),
          names<Arbitration>({{"controller", Arbitration::Controller},
                              {"demand_first", Arbitration::DemandFirst}}),
          "", fixed(Arbitration::Controller), Timing::Yes,
          "how the DRAM controller orders prefetch requests against demand requests. A "
          "request is prefetch while the operation it is for has not started (the next "
          "GEMV's weights under `weights: next_op`, the next attention's K/V under `kv: "
          "next_attention`) and demand from then on: the DMA promotes a stream's requests, "
          "those waiting at the controller included, when its operation starts. "
          "`controller`: the controller's admission queue in arrival order, then its "
          "scheduler's order (`dram.controller.scheduler`), whatever the class; "
          "`demand_first`: a freed slot of the controller's queue goes to the oldest "
          "waiting demand request, to a prefetch request only when no demand request "
          "waits; admitted requests are not pre-empted. A prefetch request waits behind "
          "demand at most until its operation starts. Needs `weights` or `kv` other than "
          "none (docs/architecture.md, \"Arbitration\")");
    s.key("across_batches", SKV_MEMBER(overlap.across_batches),
          names<AcrossBatches>(
              {{"none", AcrossBatches::None}, {"next_batch", AcrossBatches::NextBatch}}),
          "", fixed(AcrossBatches::None), Timing::Yes,
          "whether the weight stream fetched ahead crosses a batch's end. `none`: a batch's "
          "first GEMV's weights stream in when the batch starts; `next_batch`: when the "
          "trace has a next batch, its first GEMV's weight stream (layer 0's QKV) starts "
          "behind the LM head's, as `weights: next_op` does between two GEMVs, and fills the "
          "weight buffer while the LM head computes (the trace's last batch starts none). "
          "K/V prefetch (`kv: next_attention`) does not cross a batch's end. Needs "
          "`weights: next_op`. The fast mode samples steps carried in and out "
          "(docs/fast-mode.md)");
    s.key("o_projection", SKV_MEMBER(overlap.o_projection),
          names<OProjection>({{"after_attention", OProjection::AfterAttention},
                              {"head_streamed", OProjection::HeadStreamed}}),
          "", fixed(OProjection::AfterAttention), Timing::Yes,
          "`after_attention`: the O projection is one GEMV on the whole array once the "
          "layer's attentions have finished; `head_streamed`: one GEMV slice per head pass "
          "of the layer's last attention (d_model x heads of the pass x head_dim of W_O, "
          "stored head-major), slice p starting once pass p has ended, on the array rows "
          "the attention pipelines leave free (`processor_array.rows - attention_rows`), "
          "beside the attention's later passes; the residual waits for the last slice. "
          "Needs `processor_array.attention_rows`. The fast mode reuses whole steps under "
          "it (docs/fast-mode.md); a timeline draws the slices on the array beside the "
          "attention");
    s.part("dram", SKV_MEMBER(dram), dram::dram_schema());
    return s;
  }();
  return instance;
}

}  // namespace skv::config
