#include "models/sequencer/DecodeSequencer.h"

#include <fmt/format.h>

#include <stdexcept>

#include "common/Error.h"

namespace skv::sim {

DecodeSequencer::DecodeSequencer(sc_core::sc_module_name name, const config::ModelConfig& model,
                                 const config::HwConfig& hw, const AddressMap& amap,
                                 trace::BatchSource& reader, const tlmx::ClockDomain& clock,
                                 tlmx::AttentionAlgo algo, BatchSink sink)
    : sc_module(name),
      array("array"),
      attention("attention"),
      model_(model),
      hw_(hw),
      amap_(amap),
      reader_(reader),
      clock_(clock),
      algo_(algo),
      sink_(std::move(sink)),
      kv_slots_(hw.memory.max_batch),
      planner_(hw.attention, hw.kv_sram.score_space_bytes()) {
  SC_HAS_PROCESS(DecodeSequencer);
  SC_THREAD(run);
  if (hw.overlap.head_streamed()) SC_THREAD(run_beside);
}

void check_batch_rows(const std::vector<trace::DecodeStep>& rows, const std::string& path,
                      const config::ModelConfig& model, const config::HwConfig& hw) {
  if (rows.size() > hw.memory.max_batch) {
    throw InputError(
        fmt::format("{}:{}: batch {} has {} rows, more than memory.max_batch = {} "
                    "of {}",
                    path, rows.front().line, rows.front().batch, rows.size(), hw.memory.max_batch,
                    hw.source_file));
  }
  for (const auto& r : rows) {
    if (r.kv_len + 1 > model.max_context) {
      throw InputError(
          fmt::format("{}:{}: kv_len {} plus the new token exceeds max_context = {} "
                      "of model {}",
                      path, r.line, r.kv_len, model.max_context, model.name));
    }
  }
}

void DecodeSequencer::transport(const OpNode& node, tlmx::PassProgress* progress) {
  tlmx::OpExtension ext;
  ext.op = node.op;
  ext.kind = node.op_kind;
  ext.progress = progress;
  tlm::tlm_generic_payload gp;
  gp.set_command(tlm::TLM_IGNORE_COMMAND);
  const tlmx::ScopedExtension<tlmx::OpExtension> attached(gp, &ext);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  auto& socket = node.unit == UnitId::AttentionPipeline ? attention : array;
  socket->b_transport(gp, delay);
  sc_core::wait(delay);
}

void DecodeSequencer::book(BatchResult& result, tlmx::OpClass cls, std::uint64_t cycles) {
  result.class_cycles[static_cast<int>(cls)] += cycles;
  booked_[static_cast<int>(cls)] += cycles;
}

std::uint64_t DecodeSequencer::started_op() {
  if (recorder_ != nullptr) {
    recorder_->operation_started(batch_id_, op_seq_, sc_core::sc_time_stamp().value());
  }
  return op_seq_++;
}

void DecodeSequencer::finished_op(const OpNode& node, std::uint64_t seq, std::uint64_t start,
                                  std::uint64_t end) {
  ++(stats_.*Stats::kOps[static_cast<int>(node.op_kind)]);
  stats_.*Stats::kCycles[static_cast<int>(node.op_kind)] += end - start;
  if (op_sink_) {
    op_sink_(OpRecord{batch_id_, node.layer, node.name, unit_name(node.unit), node.cls(), start,
                      end, node.op_kind, seq});
  }
}

void DecodeSequencer::issue(const OpNode& node, BatchResult& result, tlmx::PassProgress* progress) {
  const std::uint64_t start = clock_.now_cycle();
  op_name_ = node.name;
  op_unit_ = unit_name(node.unit);
  op_start_ = start;
  const std::uint64_t seq = started_op();
  if (segment_hook_) segment_hook_(Segment::Operation, true, &node);
  transport(node, progress);
  if (segment_hook_) segment_hook_(Segment::Operation, false, &node);
  op_name_ = nullptr;
  const std::uint64_t end = clock_.now_cycle();
  book(result, node.cls(), end - start);
  finished_op(node, seq, start, end);
}

void DecodeSequencer::hand_beside(const OpGraph& graph, const std::vector<std::uint32_t>& order,
                                  std::size_t at, std::vector<bool>& handed) {
  const std::uint32_t layer = graph.nodes()[order[at]].layer;
  beside_work_.clear();
  beside_slices_ = 0;
  beside_finished_ = 0;
  for (std::size_t i = at + 1; i < order.size(); ++i) {
    const OpNode& n = graph.nodes()[order[i]];
    if (!n.beside || n.layer != layer) continue;
    handed[order[i]] = true;
    if (n.kind == NodeKind::Compute) {
      beside_work_.push_back(BesideItem{n, false});
      ++beside_slices_;
    } else if (n.ahead) {
      beside_work_.push_back(BesideItem{graph.nodes()[n.consumer], true});
    }
  }
  passes_.reset();
  beside_busy_ = true;
  beside_go_.notify(sc_core::SC_ZERO_TIME);
}

void DecodeSequencer::run_beside() {
  for (;;) {
    sc_core::wait(beside_go_);
    for (const BesideItem& item : beside_work_) {
      if (item.start_stream) {
        prefetch(item.node);  // the GEMV after this slice: its weights stream in behind
        continue;
      }
      const OpNode& n = item.node;
      beside_now_ = &n;
      beside_start_ = clock_.now_cycle();
      while (!passes_.finished && passes_.passes_done <= n.after_pass) {
        sc_core::wait(passes_.changed);
      }
      const std::uint64_t start = clock_.now_cycle();
      beside_start_ = start;
      const std::uint64_t seq = started_op();
      transport(n, &passes_);
      // Its cycles, issue to end; the class breakdown books only what the thread that
      // joins it waits (join_beside).
      finished_op(n, seq, start, clock_.now_cycle());
      ++beside_finished_;
      beside_now_ = nullptr;
    }
    beside_busy_ = false;
    beside_end_.notify(sc_core::SC_ZERO_TIME);
  }
}

void DecodeSequencer::join_beside(BatchResult& result) {
  if (!beside_busy_) return;
  const std::uint64_t start = clock_.now_cycle();
  op_name_ = "the O projection's slices";
  op_unit_ = unit_name(UnitId::ProcessorArray);
  op_start_ = start;
  while (beside_busy_) sc_core::wait(beside_end_);
  op_name_ = nullptr;
  book(result, tlmx::OpClass::Gemv, clock_.now_cycle() - start);
}

std::string describe_layer_graph(const config::ModelConfig& model, const config::HwConfig& hw,
                                 const std::vector<trace::DecodeStep>& rows,
                                 tlmx::AttentionAlgo algo) {
  const AddressMap amap(model, hw);
  config::ModelConfig one = model;
  one.layers = 1;
  // Under overlap.kv, layer 1 too: its K/V prefetch streams wait for layer 0's attentions.
  one.layers = hw.overlap.kv != config::KvOverlap::None && model.layers > 1 ? 2 : 1;
  KvSlots slots(hw.memory.max_batch);
  const AttentionPlanner planner(hw.attention, hw.kv_sram.score_space_bytes());
  return build_batch_graph(one, amap, planner, hw.memory.request_bytes, rows, slots.assign(rows),
                           algo, hw.overlap.weights, kv_share(hw, rows.size()), one.layers,
                           hw.overlap.weights_cross(), hw.overlap.weights_cross(),
                           o_slicing(hw, algo))
      .describe();
}

OSlicing o_slicing(const config::HwConfig& hw, tlmx::AttentionAlgo algo) {
  if (!hw.overlap.head_streamed()) return {};
  const AttentionPlanner planner(hw.attention, hw.kv_sram.score_space_bytes());
  return OSlicing{planner.heads_per_pass(algo), hw.array.rows - hw.array.attention_rows};
}

std::uint64_t kv_share(const config::HwConfig& hw, std::size_t rows) {
  if (hw.overlap.kv == config::KvOverlap::None) return 0;
  return kv_prefetch_share(hw.kv_sram.prefetch_bytes(), hw.memory.request_bytes, rows);
}

void DecodeSequencer::prefetch_kv(const OpNode& node, std::uint64_t share) {
  const auto* op = std::get_if<tlmx::AttentionOp>(&node.op);
  if (op == nullptr) throw std::logic_error("DecodeSequencer: a K/V prefetch for no attention");
  tlmx::OpExtension ext;
  ext.op = node.op;
  ext.kind = node.op_kind;
  ext.prefetch = true;
  tlmx::KvPrefetch ranges;
  ranges.ranges = planner_.prefetch_ranges(planner_.plan(*op), share, hw_.memory.request_bytes);
  tlm::tlm_generic_payload gp;
  gp.set_command(tlm::TLM_IGNORE_COMMAND);
  const tlmx::ScopedExtension<tlmx::OpExtension> attached(gp, &ext);
  const tlmx::ScopedExtension<tlmx::KvPrefetch> with_ranges(gp, &ranges);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  attention->b_transport(gp, delay);  // returns at once: the SRAM's DMA runs on its own
}

void DecodeSequencer::prefetch(const OpNode& gemv) {
  tlmx::OpExtension ext;
  ext.op = gemv.op;
  ext.kind = gemv.op_kind;
  ext.prefetch = true;
  tlm::tlm_generic_payload gp;
  gp.set_command(tlm::TLM_IGNORE_COMMAND);
  const tlmx::ScopedExtension<tlmx::OpExtension> attached(gp, &ext);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  array->b_transport(gp, delay);  // returns at once: the DMA runs on its own
}

void DecodeSequencer::run_batch(const std::vector<trace::DecodeStep>& rows, BatchResult& result) {
  batch_id_ = rows.front().batch;
  const std::vector<std::uint32_t> slots = kv_slots_.assign(rows);  // each request's KV region
  // Under overlap a window with the head is built as a model that ends there, so that
  // its last layer hands over to the LM head as a step's last layer does; without
  // overlap the operations run one after another and the window only skips some.
  const std::uint64_t share = kv_share(hw_, rows.size());
  const std::uint32_t graph_layers = hw_.overlap.any() && window_head_ && !window_until_attention_
                                         ? window_layers_
                                         : model_.layers;
  // overlap.across_batches: the stream the batch before started for this batch's first
  // GEMV, and one for the next batch's, if the trace has one (never in a window).
  const bool whole = window_layers_ >= model_.layers && window_head_ && !window_until_attention_;
  const bool carried_in = carried_out_;
  // A sample's lead-in (set_sample_carry) runs only the head, and carries out.
  const bool lead_in = lead_in_;
  lead_in_ = false;
  const bool carry_out =
      hw_.overlap.weights_cross() && (lead_in || sample_carry_out_ || (whole && has_next_batch()));
  carried_out_ = false;
  const OSlicing slicing = o_slicing(hw_, algo_);
  OpGraph graph =
      build_batch_graph(model_, amap_, planner_, hw_.memory.request_bytes, rows, slots, algo_,
                        hw_.overlap.weights, share, graph_layers, carried_in, carry_out, slicing);
  if (carried_in) result.carried_in_bytes = amap_.layer(0).qkv.weight_bytes();
  // The window, read at each operation: a sample's fork point changes it mid-batch
  // (set_window). A lead-in runs the head alone.
  auto in_layers = [&] { return lead_in ? 0 : window_layers_; };
  auto with_head = [&] { return lead_in || window_head_; };
  auto until_attention = [&] { return !lead_in && window_until_attention_; };
  std::size_t window_attentions = 0;  // of the window's last layer
  bool in_layer = false;              // a layer segment is open (segment_hook_)
  // Other KV lengths change operations' sizes, never the graph's shape or issue order.
  const std::vector<std::uint32_t> order = graph.issue_order();
  std::vector<bool> handed(order.size(), false);  // to run_beside (head_streamed)
  for (std::size_t at = 0; at < order.size(); ++at) {
    const std::uint32_t id = order[at];
    if (handed[id]) continue;
    if (!new_kv_lens_.empty()) {
      for (std::size_t i = 0; i < rows_.size() && i < new_kv_lens_.size(); ++i) {
        rows_[i].kv_len = new_kv_lens_[i];
      }
      new_kv_lens_.clear();
      graph = build_batch_graph(model_, amap_, planner_, hw_.memory.request_bytes, rows_, slots,
                                algo_, hw_.overlap.weights, share, graph_layers, carried_in,
                                carry_out, slicing);
    }
    const OpNode& n = graph.nodes()[id];
    const bool head = n.layer >= model_.layers;
    if (n.kind != NodeKind::Compute) {
      // A DMA stream is started by the unit that consumes it, when that node starts;
      // under overlap the streams fetched ahead (next_op's weight streams, next_attention's
      // K/V prefetches) are started here, ahead of their consumers (which come later in
      // this order: one outside the window is never issued).
      if (!n.ahead || n.carried_in) continue;  // carried in: started by the batch before
      if (n.for_next_batch) {
        prefetch(n);  // the next batch's first GEMV's weights, behind the LM head's
        carried_out_ = true;
        continue;
      }
      const OpNode& c = graph.nodes()[n.consumer];
      if (head ? !with_head() : n.layer >= in_layers()) continue;
      if (n.unit == UnitId::KvDma) {
        prefetch_kv(c, share);
        continue;
      }
      if (until_attention() && n.layer + 1 == in_layers() && c.op_kind != tlmx::OpKind::qkv_gemv) {
        continue;
      }
      prefetch(c);
      continue;
    }
    if (head ? !with_head() : n.layer >= in_layers()) continue;
    if (until_attention() && n.layer + 1 == in_layers() && window_attentions == rows.size()) {
      continue;
    }
    if (n.layer + 1 == in_layers() && n.op_kind == tlmx::OpKind::attention) {
      ++window_attentions;
    }
    if (segment_hook_ && (!in_layer || n.layer != layer_)) {
      if (in_layer) segment_hook_(Segment::Layer, false, nullptr);
      segment_hook_(Segment::Layer, true, &n);
      in_layer = true;
    }
    layer_ = n.layer;
    // overlap.o_projection: head_streamed: the next operation of this thread comes after
    // the O projection's slices (it reads their output or runs on their array).
    join_beside(result);
    if (n.streams_o) {
      hand_beside(graph, order, at, handed);
      issue(n, result, &passes_);
      continue;
    }
    issue(n, result);
  }
  join_beside(result);
  if (in_layer) segment_hook_(Segment::Layer, false, nullptr);
}

std::string DecodeSequencer::activity() const {
  std::string s;
  if (op_name_ != nullptr) {
    const bool lm = layer_ >= model_.layers;
    s = fmt::format("sequencer waits for {} to finish {} ({}) of batch {}, issued at cycle {}",
                    op_unit_, op_name_,
                    lm ? std::string("after the last layer") : fmt::format("layer {}", layer_),
                    batch_id_, op_start_);
  }
  if (beside_busy_ && beside_now_ != nullptr) {
    if (!s.empty()) s += "; ";
    s += fmt::format(
        "its second thread waits for {} O projection slice {} of {} (layer {}, after head pass "
        "{} of the attention, which has ended {} passes{}), since cycle {}",
        unit_name(beside_now_->unit), beside_finished_ + 1, beside_slices_, beside_now_->layer,
        beside_now_->after_pass + 1, passes_.passes_done, passes_.finished ? " and finished" : "",
        beside_start_);
  }
  return s;
}

bool DecodeSequencer::has_next_batch() {
  if (!read_ahead_) {
    read_ahead_ = true;
    try {
      ahead_exists_ = reader_.next_batch(ahead_rows_);
      if (ahead_exists_) check_batch_rows(ahead_rows_, reader_.path(), model_, hw_);
    } catch (const InputError& e) {
      ahead_error_ = e.what();
      ahead_exists_ = false;
    }
  }
  return ahead_exists_;
}

bool DecodeSequencer::next_batch(std::vector<trace::DecodeStep>& out) {
  if (!read_ahead_) return reader_.next_batch(out);
  read_ahead_ = false;
  if (ahead_error_) throw InputError(*ahead_error_);
  if (!ahead_exists_) return false;
  out.swap(ahead_rows_);
  return true;
}

void DecodeSequencer::run() {
  try {
    while (next_batch(rows_)) {
      check_batch_rows(rows_, reader_.path(), model_, hw_);
      BatchResult result;
      result.rows = &rows_;
      result.start_cycle = clock_.now_cycle();
      ++started_;
      progress_.notify(sc_core::SC_ZERO_TIME);
      if (segment_hook_) segment_hook_(Segment::Batch, true, nullptr);
      run_batch(rows_, result);
      if (segment_hook_) segment_hook_(Segment::Batch, false, nullptr);
      result.cycles = clock_.now_cycle() - result.start_cycle;
      ++batches_;
      steps_ += rows_.size();
      progress_.notify(sc_core::SC_ZERO_TIME);
      sink_(result);
    }
  } catch (const InputError& e) {
    error_ = e.what();
  }
  finished_ = true;
  progress_.notify(sc_core::SC_ZERO_TIME);
  // No sc_stop(): once the last write-backs drain, no process has anything left to do
  // and sc_start() returns by itself.
}

}  // namespace skv::sim
