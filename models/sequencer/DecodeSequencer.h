#pragma once
// Drives the accelerator from a decode trace: for each batch of trace rows, builds the
// batch's operation graph (models/sequencer/OpGraph.h: every layer's RMSNorm, QKV GEMV,
// RoPE, KV append, attention, O GEMV, residual, RMSNorm, FFN GEMVs with their
// activation, residual; then the final norm and the LM head) and issues its compute
// nodes in an order its edges allow. Each operation is a blocking transport call on the
// unit that runs it; the time it takes is booked to its class (GEMV, attention, other).

#include <tlm_utils/simple_initiator_socket.h>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "common/Stats.h"
#include "models/sequencer/AddressMap.h"
#include "models/sequencer/DecodeStep.h"
#include "models/sequencer/KvSlots.h"
#include "models/sequencer/ModelConfig.h"
#include "models/sequencer/OpGraph.h"
#include "models/tlm/ActivityRecorder.h"
#include "models/tlm/ClockDomain.h"
#include "models/tlm/Ops.h"
#include "models/top/HwConfig.h"

namespace skv::sim {

struct BatchResult {
  const std::vector<trace::DecodeStep>* rows = nullptr;
  // How its figures were obtained: "simulated" (exact mode), or, in the fast mode,
  // "reused" (samples at its rows' KV lengths) or "interpolated" (between samples).
  const char* source = "simulated";
  std::uint64_t start_cycle = 0;
  std::uint64_t cycles = 0;
  std::array<std::uint64_t, tlmx::kOpClassCount> class_cycles{};
  // What the batch added to every counter a snapshot carries (sim::Counters::visit's
  // order), when the simulation provides them (steps.csv --step-counters); else null.
  const std::vector<std::uint64_t>* counters = nullptr;
  // overlap.across_batches: next_batch: the bytes of the weight stream the batch before
  // started for this batch's first GEMV (0: none). Some of them may have been fetched
  // before the batch's start, during the batch before's LM head: at most the weight
  // buffer's size (the stream fills only the slots the LM head releases).
  std::uint64_t carried_in_bytes = 0;
};

// One operation as the sequencer saw it, for timelines.
struct OpRecord {
  std::uint64_t batch = 0;
  std::uint32_t layer = 0;  // == model layers for the final norm and LM head
  const char* name = "";    // e.g. "qkv_gemv"
  const char* unit = "";    // "processor_array" or "attention_pipeline"
  tlmx::OpClass cls = tlmx::OpClass::Other;
  std::uint64_t start_cycle = 0;
  std::uint64_t end_cycle = 0;
  tlmx::OpKind kind = tlmx::OpKind::rmsnorm;  // what its DRAM requests name as their owner
  // Its number in the run, in the order operations start (the O projection's slices
  // finish before the attention they run beside, so records arrive in another order);
  // the same number the recorder's operation_started was given.
  std::uint64_t seq = 0;
};

// Throws InputError if a batch cannot run: more rows than memory.max_batch, or a row
// whose new token does not fit in the model's context. `path` names the trace.
void check_batch_rows(const std::vector<trace::DecodeStep>& rows, const std::string& path,
                      const config::ModelConfig& model, const config::HwConfig& hw);

// The operation graph of `rows` (one batch) as the sequencer would build it for layer 0
// (and layer 1 under overlap.kv) and the LM head, described with its edges (OpGraph::describe):
// what `run --dump-graph` prints. Addresses are those of the whole model. Under
// overlap.across_batches: next_batch, as for a batch with one before it and one after it
// in the trace: its first GEMV's stream carried in, a stream for the next batch's after
// the LM head's.
std::string describe_layer_graph(const config::ModelConfig& model, const config::HwConfig& hw,
                                 const std::vector<trace::DecodeStep>& rows,
                                 tlmx::AttentionAlgo algo);

// How the O projection is cut under overlap.o_projection: head_streamed (a slice per
// head pass of `algo`'s attention, on the rows the attention pipelines leave free); off
// otherwise.
OSlicing o_slicing(const config::HwConfig& hw, tlmx::AttentionAlgo algo);

// Each row's share of the KV SRAM's prefetch space under overlap.kv: next_attention
// (kv_prefetch_share), 0 without it.
std::uint64_t kv_share(const config::HwConfig& hw, std::size_t rows);

class DecodeSequencer : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<DecodeSequencer> array;      // to the ProcessorArray
  tlm_utils::simple_initiator_socket<DecodeSequencer> attention;  // to the AttentionPipeline

  // Operations issued and the cycles each took, by kind (tlmx::OpKind); the DRAM
  // controller books each kind's bytes and queue waits the same way.
#define SKV_SEQUENCER_KIND_STATS_(X, kind, cls, what)          \
  X(kind##_ops, Sum, Count, #kind " operations issued: " what) \
  X(kind##_cycles, Sum, AccelCycles, "cycles " #kind " operations took, issue to end")
#define SKV_SEQUENCER_STATS(X) SKV_FOR_OP_KINDS(SKV_SEQUENCER_KIND_STATS_, X)
  struct Stats {
    SKV_DECLARE_STATS(SKV_SEQUENCER_STATS)
#define SKV_SEQUENCER_KIND_MEMBERS_(M, kind, cls, what) &Stats::kind##M,
    static constexpr std::uint64_t Stats::*kOps[tlmx::kOpKindCount] = {
        SKV_FOR_OP_KINDS(SKV_SEQUENCER_KIND_MEMBERS_, _ops)};
    static constexpr std::uint64_t Stats::*kCycles[tlmx::kOpKindCount] = {
        SKV_FOR_OP_KINDS(SKV_SEQUENCER_KIND_MEMBERS_, _cycles)};
#undef SKV_SEQUENCER_KIND_MEMBERS_
  };

  using BatchSink = std::function<void(const BatchResult&)>;
  using OpSink = std::function<void(const OpRecord&)>;
  // The segments a run is cut into, outermost first: a batch, each of its layers (the
  // final norm and the LM head form a segment of their own, layer == model layers), and
  // each operation. The hook is called at every segment's start (open) and end, nested.
  enum class Segment { Batch, Layer, Operation };
  using SegmentHook = std::function<void(Segment, bool open, const OpNode* node)>;

  DecodeSequencer(sc_core::sc_module_name name, const config::ModelConfig& model,
                  const config::HwConfig& hw, const AddressMap& amap, trace::BatchSource& reader,
                  const tlmx::ClockDomain& clock, tlmx::AttentionAlgo algo, BatchSink sink);

  // Bad trace content found while simulating (the simulation stops at that row).
  const std::optional<std::string>& error() const { return error_; }
  // Called for every operation once it has finished (optional).
  void set_op_sink(OpSink sink) { op_sink_ = std::move(sink); }
  // Reports each operation's issue to `recorder` (null: none).
  void set_recorder(tlmx::ActivityRecorder* recorder) { recorder_ = recorder; }
  // Called at every segment boundary (optional): how the top module opens the scopes that
  // collect extremes per operation, layer and batch.
  void set_segment_hook(SegmentHook hook) { segment_hook_ = std::move(hook); }
  // Issue only the operations of the first `layers` layers, and the final norm and LM
  // head only if `head`; with `until_attention`, the last of those layers stops after
  // its attentions. How a sample of the fast mode simulates a window of a batch.
  void set_window(std::uint32_t layers, bool head, bool until_attention) {
    window_layers_ = layers;
    window_head_ = head;
    window_until_attention_ = until_attention;
  }
  // overlap.across_batches: next_batch, in a sample of the fast mode: with `lead_in`, the
  // first batch runs only its final norm and LM head, and starts the stream of the next
  // batch's first GEMV behind them, as the batch before a batch in a trace does; with
  // `carry_out`, the batch after it (or the only one) starts that stream too, as a batch
  // with one after it does, though the source has none. Exact runs never call it.
  void set_sample_carry(bool lead_in, bool carry_out) {
    lead_in_ = lead_in;
    sample_carry_out_ = carry_out;
  }
  // The batch in progress goes on, from its next operation, with these KV lengths (one
  // per row, in row order): the operations already issued did not depend on them. How
  // the fast mode's samples of one batch shape share their common start.
  void set_kv_lens(std::vector<std::uint64_t> kv_lens) { new_kv_lens_ = std::move(kv_lens); }
  std::uint64_t batches() const { return batches_; }
  const Stats& stats() const { return stats_; }
  std::uint64_t steps() const { return steps_; }

  // Progress, for the watchdog and the end-of-run check: a batch is under way while
  // started > batches(); finished() once the trace is read to its end (or stopped on a
  // bad row). progress_event() is notified whenever one of these changes.
  std::uint64_t batches_started() const { return started_; }
  bool in_batch() const { return started_ > batches_; }
  bool finished() const { return finished_; }
  const std::vector<trace::DecodeStep>& current_rows() const { return rows_; }
  std::uint64_t current_batch_id() const { return batch_id_; }
  // The cycles booked to each class of operation since the run began, as the batches'
  // class_cycles book them (under head_streamed, the slices' exposed time only).
  const std::array<std::uint64_t, tlmx::kOpClassCount>& booked_class_cycles() const {
    return booked_;
  }
  const sc_core::sc_event& progress_event() const { return progress_; }
  // The operation it waits for, for a stalled simulation's error line; empty if none.
  std::string activity() const;

 private:
  void run();
  void run_batch(const std::vector<trace::DecodeStep>& rows, BatchResult& result);
  // The trace's next batch into `out` (the one has_next_batch() read, if it did); false
  // at the end. Throws InputError on a bad row.
  bool next_batch(std::vector<trace::DecodeStep>& out);
  // Whether the trace has a batch after the one in progress: reads it ahead (a bad row
  // there is reported when next_batch() hands it over, after this batch has finished).
  bool has_next_batch();
  // `progress` (null: none): what the attention tells the slices beside it.
  void issue(const OpNode& node, BatchResult& result, tlmx::PassProgress* progress = nullptr);
  // Books `cycles` to class `cls`: the batch's class_cycles and booked_class_cycles().
  void book(BatchResult& result, tlmx::OpClass cls, std::uint64_t cycles);
  // Runs `node` on its unit: a blocking command, returning once the node has finished.
  void transport(const OpNode& node, tlmx::PassProgress* progress);
  // Books a finished operation: its kind's count and cycles, and the op sink's record.
  void finished_op(const OpNode& node, std::uint64_t seq, std::uint64_t start, std::uint64_t end);
  // Numbers an operation that starts now, and tells the recorder.
  std::uint64_t started_op();
  // overlap.o_projection: head_streamed. The second thread: runs the O projection's
  // slices (and starts the weight streams they start) as the attention's passes end.
  void run_beside();
  // Hands the layer's `beside` nodes after position `at` of `order` to run_beside.
  void hand_beside(const OpGraph& graph, const std::vector<std::uint32_t>& order, std::size_t at,
                   std::vector<bool>& handed);
  // Waits for the slices handed over to finish; the cycles waited are the O
  // projection's exposed time, booked to the GEMV class.
  void join_beside(BatchResult& result);
  // Starts the weight stream of `gemv` (a GEMV node) on the array, ahead of the GEMV.
  void prefetch(const OpNode& gemv);
  // Starts the K/V prefetch of `node` (an attention node): its first ranges within
  // `share` bytes of the KV SRAM's prefetch space, through the attention pipeline.
  void prefetch_kv(const OpNode& node, std::uint64_t share);

  const config::ModelConfig& model_;
  const config::HwConfig& hw_;
  const AddressMap& amap_;
  trace::BatchSource& reader_;
  const tlmx::ClockDomain& clock_;
  tlmx::AttentionAlgo algo_;
  BatchSink sink_;
  KvSlots kv_slots_;
  AttentionPlanner planner_;
  OpSink op_sink_;
  SegmentHook segment_hook_;
  tlmx::ActivityRecorder* recorder_ = nullptr;
  std::uint64_t batch_id_ = 0;
  std::uint64_t op_seq_ = 0;  // operations started so far (OpRecord::seq)
  std::array<std::uint64_t, tlmx::kOpClassCount> booked_{};
  std::uint32_t layer_ = 0;
  std::uint32_t window_layers_ = ~std::uint32_t{0};
  bool window_head_ = true;
  bool window_until_attention_ = false;
  bool lead_in_ = false;           // set_sample_carry: the next batch is a lead-in
  bool sample_carry_out_ = false;  // set_sample_carry: batches after it carry out
  std::optional<std::string> error_;
  std::vector<trace::DecodeStep> rows_;
  Stats stats_;
  std::vector<std::uint64_t> new_kv_lens_;  // set_kv_lens, not yet applied
  // has_next_batch(): the batch read ahead, whether there was one, or its error.
  bool read_ahead_ = false;
  bool ahead_exists_ = false;
  std::vector<trace::DecodeStep> ahead_rows_;
  std::optional<std::string> ahead_error_;
  // The batch in progress started the next batch's first GEMV's weight stream (the next
  // batch's graph marks that stream carried_in).
  bool carried_out_ = false;
  std::uint64_t batches_ = 0;
  std::uint64_t started_ = 0;
  std::uint64_t steps_ = 0;
  bool finished_ = false;
  // overlap.o_projection: head_streamed: the work handed to run_beside (a stream item's
  // node is the GEMV whose weights it starts), whether it is under way, how many slices
  // of it have finished, and the attention it follows.
  struct BesideItem {
    OpNode node;
    bool start_stream = false;
  };
  std::vector<BesideItem> beside_work_;
  bool beside_busy_ = false;
  std::size_t beside_slices_ = 0;
  std::size_t beside_finished_ = 0;
  const OpNode* beside_now_ = nullptr;  // the slice it issued and is waiting on, if any
  std::uint64_t beside_start_ = 0;
  tlmx::PassProgress passes_;
  sc_core::sc_event beside_go_;
  sc_core::sc_event beside_end_;
  const char* op_name_ = nullptr;  // the operation issued and not yet finished
  const char* op_unit_ = nullptr;
  std::uint64_t op_start_ = 0;
  sc_core::sc_event progress_;
};

}  // namespace skv::sim
