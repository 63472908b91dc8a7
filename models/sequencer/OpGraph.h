#pragma once
// One decode batch as an operation graph, built as data before it runs.
//
// Nodes are compute operations (on the processor array or the attention pipeline) and
// the DMA streams that feed them (a GEMV's weights, an attention's K/V). Edges say what
// must finish before a node may start:
//
//   data    the node reads what the other produces (RoPE after the QKV GEMV, attention
//           after its row's KV append, a GEMV after its weight stream)
//   unit    both run on one unit, which runs one operation at a time
//   buffer  a stream may fill a buffer only once the previous stream's consumer has
//           released it (the array's weight buffer, the KV SRAM's staging space); from
//           one stream to the next (overlap.weights: next_op), the later stream queues
//           behind the earlier one in the same buffer and takes the slots the earlier
//           one's consumer releases, request by request
//   chain   the issue policy: today's sequencer runs the operations one after another,
//           so each compute node also waits for the one before it
//   pass    overlap.o_projection: head_streamed: an O projection slice may start once
//           its head pass (OpNode::after_pass) of the attention has ended, which is
//           before the attention ends
//
// The sequencer issues nodes in an order that respects every edge. Today each DMA
// stream is started by the unit that consumes it when that node starts (the weight
// buffer and the SRAM's staging space fill while it runs), so with the chain edges the
// graph reproduces a plain sequence; edges that let a stream start earlier, and the
// buffers they need, are how operations come to overlap.
//
// With overlap.weights: next_op the weight streams are issued by the sequencer: GEMV
// k+1's stream is placed just before GEMV k (node ids give the issue order among ready
// nodes), with a buffer edge from GEMV k's stream and none from GEMV k, so it starts as
// GEMV k starts and fills the weight buffer while GEMV k computes.
//
// `layers` (fewer than the model's) builds a window: the model's first `layers` layers,
// then its final norm and LM head (which keep the model's layer number), as if the
// model ended there; under overlap the window's last layer then hands its weight buffer
// over to the LM head as a step's last layer does (the fast mode's samples).
//
// With overlap.across_batches: next_batch (and next_op) the LM head's GEMV is followed
// in the same way by a stream for the next batch's first GEMV, `for_next_batch`, when
// the trace has one (`carry_out`); the next batch's graph then marks its first GEMV's
// stream `carried_in` (`carried_in`): already streaming, not started again.
//
// With overlap.kv: next_attention each attention's first K/V ranges form a stream of
// their own, `kv_prefetch`, into the KV SRAM's prefetch space, issued by the sequencer
// once the previous attention has finished (build_batch_graph says where).
//
// With overlap.o_projection: head_streamed the O GEMV is one slice per head pass of the
// layer's last attention (o_projection_slices), marked `beside`: the sequencer hands
// them, and the weight streams started as they start, to a second thread when it issues
// that attention (`streams_o`), which runs them as the passes end while the attention
// goes on; the next operation on its own thread waits for the last slice.

#include <cstdint>
#include <string>
#include <vector>

#include "models/attention/AttentionPlan.h"
#include "models/sequencer/AddressMap.h"
#include "models/sequencer/DecodeStep.h"
#include "models/sequencer/ModelConfig.h"
#include "models/sequencer/OverlapConfig.h"
#include "models/tlm/Ops.h"

namespace skv::sim {

// Element-wise work per element on the vector path; modelling assumptions stated in
// docs/architecture.md: RMSNorm squares, sums and scales; RoPE rotates a pair with two
// multiplies and an add; SiLU-and-gate or GELU is an exp2, a divide and a multiply
// approximated as four operations; a residual is one add.
inline constexpr std::uint32_t kNormOps = 3;
inline constexpr std::uint32_t kRopeOps = 3;
inline constexpr std::uint32_t kActivationOps = 4;
inline constexpr std::uint32_t kResidualOps = 1;

enum class NodeKind { Compute, DmaStream };
enum class UnitId { ProcessorArray, AttentionPipeline, WeightDma, KvDma };
enum class EdgeKind { Data, Unit, Buffer, Chain, Pass };

const char* unit_name(UnitId u);
const char* edge_kind_name(EdgeKind k);

struct OpNode {
  NodeKind kind = NodeKind::Compute;
  const char* name = "";
  UnitId unit = UnitId::ProcessorArray;
  tlmx::OpKind op_kind = tlmx::OpKind::rmsnorm;  // compute nodes: which operation
  std::uint32_t layer = 0;        // == model layers for the final norm and the LM head
  tlmx::Op op;                    // compute nodes: what the unit runs
  std::uint64_t stream_bytes = 0; // DMA stream nodes: the bytes they bring on chip
  std::uint32_t consumer = 0;     // DMA stream nodes: the compute node that reads them
  // DMA stream nodes: started by the sequencer ahead of their consumer (overlap), not
  // by the consumer's unit when it starts.
  bool ahead = false;
  // overlap.across_batches: next_batch. A stream started by the batch before (the first
  // GEMV's weights: its node is in the graph, for its edges, and is not issued again).
  bool carried_in = false;
  // A stream for the next batch's first GEMV, which is not in this graph: `op` and
  // `op_kind` say what it fetches (layer 0's QKV weights), `consumer` is unused.
  bool for_next_batch = false;
  // overlap.o_projection: head_streamed. An O projection slice, or a weight stream a
  // slice starts ahead of the GEMV after it: run by the sequencer's second thread.
  bool beside = false;
  // A slice: the head pass of the layer's last attention it waits for.
  std::uint32_t after_pass = 0;
  // The attention whose head passes the layer's O projection slices follow.
  bool streams_o = false;
  tlmx::OpClass cls() const { return tlmx::op_class_of(op_kind); }
};

struct OpEdge {
  std::uint32_t from = 0;
  std::uint32_t to = 0;
  EdgeKind kind = EdgeKind::Data;
};

class OpGraph {
 public:
  std::uint32_t add(OpNode node);
  void edge(std::uint32_t from, std::uint32_t to, EdgeKind kind);
  // A stream added before the node that reads it learns its consumer's id here.
  void set_consumer(std::uint32_t stream, std::uint32_t consumer);

  const std::vector<OpNode>& nodes() const { return nodes_; }
  OpNode& node(std::uint32_t id) { return nodes_.at(id); }
  const std::vector<OpEdge>& edges() const { return edges_; }
  // A topological order: every node after all its predecessors, the lowest id first
  // among those ready. Throws std::logic_error if the edges form a cycle.
  std::vector<std::uint32_t> issue_order() const;
  // One line per node: "id name [unit] <- from(kind) ...", for tests and debugging.
  std::string describe() const;

 private:
  std::vector<OpNode> nodes_;
  std::vector<OpEdge> edges_;
};

// The graph of one batch: for every layer RMSNorm, the QKV GEMV, RoPE, a KV append and
// an attention per row, the O GEMV, the residual, RMSNorm, the FFN GEMVs with their
// activation and the residual; then the final RMSNorm and the LM head. `slots` gives
// each row's KV cache slot; `planner` the bytes each attention's K/V stream brings;
// `weights` whether each GEMV's weight stream starts with it (none) or as the GEMV
// before it starts (next_op; the batch's first GEMV's stream just before it).
//
// `kv_share` (overlap.kv: next_attention; 0: none) is each row's share of the KV SRAM's
// prefetch space in bytes (kv_prefetch_share): every attention then also has a
// `kv_prefetch` stream of the ranges AttentionPlanner::prefetch_ranges picks within
// it, and its `kv_stream` brings the rest. Layer 0's prefetch streams come first in
// the batch (no predecessor: they start as the batch starts); layer l + 1's come right
// after layer l's attentions, with a buffer edge from the last of them (the prefetch
// space is free once the previous attention on the pipeline has finished), so they
// start before the O GEMV and fill during the O projection, the FFN, the next norm and
// QKV. A row whose attention has nothing to prefetch gets no such stream.
//
// `carried_in` and `carry_out` (next_op only; overlap.across_batches): the first GEMV's
// weight stream was started by the batch before; a stream for the next batch's first
// GEMV follows the LM head's (OpNode::carried_in, OpNode::for_next_batch).
// overlap.o_projection: head_streamed: the O projection's slices, one per head pass of
// `heads_per_slice` heads (the last may have fewer), running on `array_rows` rows.
// Slice p is d_model x (its heads x head_dim) of W_O; W_O is stored head-major (each
// head's d_model x head_dim block contiguous), so its weights are one range, at
// `o.weight_addr` + the bytes of the heads before it. The slices' weights, MACs and MAC
// slots add up to `o`'s.
struct OSlicing {
  std::uint32_t heads_per_slice = 0;  // 0: one O GEMV (after_attention)
  std::uint32_t array_rows = 0;
  bool on() const { return heads_per_slice != 0; }
};
std::vector<tlmx::GemvOp> o_projection_slices(const tlmx::GemvOp& o,
                                              const config::ModelConfig& model,
                                              const OSlicing& slicing);

OpGraph build_batch_graph(const config::ModelConfig& model, const AddressMap& amap,
                          const AttentionPlanner& planner, std::uint32_t request_bytes,
                          const std::vector<trace::DecodeStep>& rows,
                          const std::vector<std::uint32_t>& slots, tlmx::AttentionAlgo algo,
                          config::WeightOverlap weights = config::WeightOverlap::None,
                          std::uint64_t kv_share = 0, std::uint32_t layers = ~std::uint32_t{0},
                          bool carried_in = false, bool carry_out = false, OSlicing o_slicing = {});

// Each row's share of a prefetch space of `prefetch_bytes` among `rows` rows: whole
// requests of `request_bytes`, split evenly (the remainder unused).
inline std::uint64_t kv_prefetch_share(std::uint64_t prefetch_bytes, std::uint32_t request_bytes,
                                       std::size_t rows) {
  if (rows == 0 || request_bytes == 0) return 0;
  return prefetch_bytes / request_bytes / rows * request_bytes;
}

}  // namespace skv::sim
