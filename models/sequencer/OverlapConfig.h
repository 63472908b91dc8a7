#pragma once
// Whether operations overlap: the validated configuration and its schema, the `overlap`
// keys of a hardware config (an optional section; loaded by src/config, docs/formats.md's
// table generated from the schema in models/top/HwConfig.h).

#include <cstdint>

namespace skv::config {

// What the weight DMA may fetch ahead of the GEMV that reads it.
//   none     a GEMV's weight stream starts when the GEMV starts (the buffer drains at
//            the end of every GEMV)
//   next_op  while a GEMV computes, the next GEMV's weight stream fills the slots of
//            the weight buffer that the running one releases
enum class WeightOverlap : std::uint8_t { None, NextOp };

inline const char* weight_overlap_name(WeightOverlap w) {
  return w == WeightOverlap::NextOp ? "next_op" : "none";
}

// What the K/V DMA may fetch ahead of the attention that reads it.
//   none            an attention's K/V stream into the KV SRAM's staging space starts
//                   when the attention starts
//   next_attention  as soon as the previous attention on the pipeline has finished (the
//                   batch's start for layer 0), the sequencer starts each row's next
//                   attention's K/V stream into the SRAM's prefetch space: the first
//                   whole K/V ranges of its first pass, in its read order, that are in
//                   DRAM before the step's KV append and fit in the row's share of
//                   `kv_sram.prefetch_kib`; they arrive during the O projection, the FFN,
//                   the next layer's norm and QKV. It does not cross a batch's end,
//                   whatever `across_batches` says: the batch's layer-0 prefetches start
//                   when the batch starts.
enum class KvOverlap : std::uint8_t { None, NextAttention };

inline const char* kv_overlap_name(KvOverlap k) {
  return k == KvOverlap::NextAttention ? "next_attention" : "none";
}

// Whether the streams fetched ahead cross a batch's end into the trace's next batch.
//   none        nothing crosses a batch's end: the batch's first GEMV's weight stream
//               starts when the batch starts (the behaviour before the key existed)
//   next_batch  under weights: next_op, when the trace has a next batch, its first GEMV's
//               weight stream (layer 0's QKV: the same weights whatever the batch) starts
//               behind the LM head's, as next_op does between two GEMVs of a batch, and
//               fills the weight buffer while the LM head computes; that GEMV then finds
//               its weights streaming. The trace's last batch starts no such stream. K/V
//               prefetch (kv: next_attention) does not cross. Needs weights: next_op.
enum class AcrossBatches : std::uint8_t { None, NextBatch };

inline const char* across_batches_name(AcrossBatches a) {
  return a == AcrossBatches::NextBatch ? "next_batch" : "none";
}

// How the DRAM controller orders prefetch against demand traffic. Every request says
// which it is (tlmx::RequestOwner::prefetch): prefetch while the operation it is for has
// not started, demand from then on (promotion: the stream's initiator turns its requests
// into demand when their consumer starts, those still waiting included).
//   controller    one admission queue in arrival order; the scheduler (FR-FCFS or FCFS)
//                 orders what it admitted, whatever its class (the behaviour before the
//                 key existed)
//   demand_first  when a slot of the controller's queue frees, the oldest waiting demand
//                 request takes it; a prefetch request only when no demand request waits.
//                 Requests already admitted keep the scheduler's order (no pre-emption).
//                 A prefetch request waits behind demand at most until its consumer
//                 starts (it is promoted then) or no demand request waits, whichever
//                 comes first.
enum class Arbitration : std::uint8_t { Controller, DemandFirst };

inline const char* arbitration_name(Arbitration a) {
  return a == Arbitration::DemandFirst ? "demand_first" : "controller";
}

// When the O projection runs against the attention that feeds it.
//   after_attention  one GEMV over all heads once the layer's attentions have finished,
//                    on the whole array (the behaviour before the key existed)
//   head_streamed    one GEMV slice per head pass of the layer's last attention: d_model x
//                    (heads of the pass x head_dim) of W_O, stored head-major so that a
//                    slice's weights are one contiguous range. Slice p starts once pass p
//                    has ended (and slice p - 1 has finished) and runs on the array rows
//                    the attention pipelines leave free (`processor_array.rows -
//                    attention_rows`), beside the attention's later passes; the residual
//                    waits for the last slice. With a batch, a slice covers every row, so
//                    it waits for its pass of the batch's last row. Needs
//                    `processor_array.attention_rows`.
enum class OProjection : std::uint8_t { AfterAttention, HeadStreamed };

inline const char* o_projection_name(OProjection o) {
  return o == OProjection::HeadStreamed ? "head_streamed" : "after_attention";
}

struct OverlapConfig {
  WeightOverlap weights = WeightOverlap::None;
  KvOverlap kv = KvOverlap::None;
  Arbitration arbitration = Arbitration::Controller;
  AcrossBatches across_batches = AcrossBatches::None;
  OProjection o_projection = OProjection::AfterAttention;
  bool head_streamed() const { return o_projection == OProjection::HeadStreamed; }
  // A batch's first GEMV's weight stream starts in the batch before it (next_batch).
  bool weights_cross() const {
    return across_batches == AcrossBatches::NextBatch && weights == WeightOverlap::NextOp;
  }
  // Something is fetched ahead of the operation that reads it (prefetch).
  bool any() const { return weights != WeightOverlap::None || kv != KvOverlap::None; }
  // Operations of a batch overlap in time: a prefetch beside the operation before its
  // reader, or the O projection's slices beside the attention.
  bool ops_overlap() const { return any() || head_streamed(); }
};

}  // namespace skv::config
