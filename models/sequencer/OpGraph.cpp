#include "models/sequencer/OpGraph.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <stdexcept>
#include <utility>

namespace skv::sim {

const char* unit_name(UnitId u) {
  switch (u) {
    case UnitId::ProcessorArray: return "processor_array";
    case UnitId::AttentionPipeline: return "attention_pipeline";
    case UnitId::WeightDma: return "weight_dma";
    case UnitId::KvDma: return "kv_dma";
  }
  return "?";
}

const char* edge_kind_name(EdgeKind k) {
  switch (k) {
    case EdgeKind::Data: return "data";
    case EdgeKind::Unit: return "unit";
    case EdgeKind::Buffer: return "buffer";
    case EdgeKind::Chain: return "chain";
    case EdgeKind::Pass:
      return "pass";
  }
  return "?";
}

std::uint32_t OpGraph::add(OpNode node) {
  nodes_.push_back(std::move(node));
  return static_cast<std::uint32_t>(nodes_.size() - 1);
}

void OpGraph::edge(std::uint32_t from, std::uint32_t to, EdgeKind kind) {
  if (from >= nodes_.size() || to >= nodes_.size() || from == to) {
    throw std::logic_error("OpGraph: edge between unknown or equal nodes");
  }
  edges_.push_back(OpEdge{from, to, kind});
}

void OpGraph::set_consumer(std::uint32_t stream, std::uint32_t consumer) {
  if (stream >= nodes_.size() || nodes_[stream].kind != NodeKind::DmaStream) {
    throw std::logic_error("OpGraph: a consumer for a node that is no stream");
  }
  nodes_[stream].consumer = consumer;
}

std::vector<std::uint32_t> OpGraph::issue_order() const {
  const std::size_t n = nodes_.size();
  std::vector<std::uint32_t> waiting(n, 0);
  std::vector<std::vector<std::uint32_t>> after(n);
  for (const OpEdge& e : edges_) {
    ++waiting[e.to];
    after[e.from].push_back(e.to);
  }
  // Ready nodes by id: a min-heap would do; graphs are built in issue order, so the
  // lowest ready id is almost always the next one and a scan from `lowest` is short.
  std::vector<bool> ready(n, false);
  std::vector<bool> done(n, false);
  for (std::size_t i = 0; i < n; ++i) ready[i] = waiting[i] == 0;
  std::vector<std::uint32_t> order;
  order.reserve(n);
  std::size_t lowest = 0;
  while (order.size() < n) {
    while (lowest < n && (done[lowest] || !ready[lowest])) ++lowest;
    if (lowest == n) throw std::logic_error("OpGraph: the edges form a cycle");
    const auto id = static_cast<std::uint32_t>(lowest);
    done[id] = true;
    order.push_back(id);
    for (std::uint32_t next : after[id]) {
      if (--waiting[next] == 0) {
        ready[next] = true;
        if (next < lowest) lowest = next;
      }
    }
  }
  return order;
}

std::string OpGraph::describe() const {
  std::vector<std::string> preds(nodes_.size());
  for (const OpEdge& e : edges_) {
    preds[e.to] += fmt::format(" {}({})", e.from, edge_kind_name(e.kind));
  }
  std::string out;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const OpNode& n = nodes_[i];
    out += fmt::format("{} {} [{}]", i, n.name, unit_name(n.unit));
    if (n.for_next_batch) {
      out += fmt::format(" {} B for the next batch's {}", n.stream_bytes,
                         tlmx::op_kind_name(n.op_kind));
    } else if (n.kind == NodeKind::DmaStream) {
      out += fmt::format(" {} B for {}", n.stream_bytes, n.consumer);
      if (n.carried_in) out += " (started by the batch before)";
      if (n.beside) out += " (beside the attention)";
    } else if (n.beside) {
      out += fmt::format(" after head pass {}, beside the attention", n.after_pass);
    }
    if (!preds[i].empty()) out += " <-" + preds[i];
    out += '\n';
  }
  return out;
}

std::vector<tlmx::GemvOp> o_projection_slices(const tlmx::GemvOp& o,
                                              const config::ModelConfig& model,
                                              const OSlicing& slicing) {
  if (!slicing.on()) return {o};
  if (o.in_features != std::uint64_t{model.heads} * model.head_dim) {
    throw std::logic_error("OpGraph: an O projection that is not heads x head_dim wide");
  }
  std::vector<tlmx::GemvOp> slices;
  for (std::uint32_t first = 0; first < model.heads; first += slicing.heads_per_slice) {
    const std::uint32_t heads = std::min(slicing.heads_per_slice, model.heads - first);
    tlmx::GemvOp s = o;
    s.in_features = std::uint64_t{heads} * model.head_dim;
    s.weight_addr = o.weight_addr + o.out_features * first * model.head_dim * o.weight_bits / 8;
    s.array_rows = slicing.array_rows;
    slices.push_back(s);
  }
  return slices;
}

OpGraph build_batch_graph(const config::ModelConfig& model, const AddressMap& amap,
                          const AttentionPlanner& planner, std::uint32_t request_bytes,
                          const std::vector<trace::DecodeStep>& rows,
                          const std::vector<std::uint32_t>& slots, tlmx::AttentionAlgo algo,
                          config::WeightOverlap weights, std::uint64_t kv_share,
                          std::uint32_t layers, bool carried_in, bool carry_out,
                          OSlicing o_slicing) {
  OpGraph g;
  const std::uint32_t n_layers = std::min(layers, model.layers);
  const auto b = static_cast<std::uint32_t>(rows.size());
  const std::uint64_t hidden = model.hidden_size;
  std::optional<std::uint32_t> chain_last;
  std::array<std::optional<std::uint32_t>, 4> unit_last;
  std::optional<std::uint32_t> weight_consumer;  // the last GEMV: it holds the weight buffer
  std::optional<std::uint32_t> kv_consumer;      // the last attention: it holds the staging
  std::uint32_t layer = 0;

  auto compute = [&](const char* name, UnitId unit, tlmx::OpKind kind, tlmx::Op op) {
    OpNode n;
    n.name = name;
    n.unit = unit;
    n.op_kind = kind;
    n.layer = layer;
    n.op = std::move(op);
    const std::uint32_t id = g.add(std::move(n));
    auto& last = unit_last[static_cast<int>(unit)];
    if (last) g.edge(*last, id, EdgeKind::Unit);
    last = id;
    if (chain_last) g.edge(*chain_last, id, EdgeKind::Chain);
    chain_last = id;
    return id;
  };
  // A DMA stream feeding `consumer`, which is added next: the stream may fill its buffer
  // once the buffer's previous consumer has released it.
  auto stream = [&](const char* name, UnitId unit, std::uint64_t bytes,
                    std::optional<std::uint32_t>& holder) {
    OpNode n;
    n.kind = NodeKind::DmaStream;
    n.name = name;
    n.unit = unit;
    n.layer = layer;
    n.stream_bytes = bytes;
    const auto consumer = static_cast<std::uint32_t>(g.nodes().size() + 1);
    n.consumer = consumer;
    const std::uint32_t id = g.add(std::move(n));
    if (holder) g.edge(*holder, id, EdgeKind::Buffer);
    holder = consumer;
    return id;
  };
  auto vec = [&](const char* name, tlmx::OpKind kind, std::uint64_t elements,
                 std::uint32_t ops) {
    return compute(name, UnitId::ProcessorArray, kind,
                   tlmx::VectorOp{elements * b, ops});
  };
  // next_op: every GEMV of the batch in order (its layer and weights), known up front so
  // that GEMV k+1's stream can be placed before GEMV k.
  const bool next_op = weights == config::WeightOverlap::NextOp;
  std::vector<std::pair<std::uint32_t, tlmx::GemvOp>> gemvs;
  if (next_op) {
    for (std::uint32_t l = 0; l < n_layers; ++l) {
      const LayerWeights w = amap.layer(l);
      gemvs.emplace_back(l, w.qkv);
      for (const tlmx::GemvOp& op : o_projection_slices(w.o, model, o_slicing)) {
        gemvs.emplace_back(l, op);
      }
      gemvs.emplace_back(l, w.ffn_in);
      gemvs.emplace_back(l, w.ffn_down);
    }
    gemvs.emplace_back(model.layers, amap.lm_head());
  }
  std::size_t gemv_index = 0;
  std::optional<std::uint32_t> next_stream;  // next_op: the stream of the GEMV to come
  bool slicing_now = false;  // gemv() is adding an O projection slice (head_streamed)
  auto ahead_stream = [&](std::size_t k) {
    OpNode n;
    n.kind = NodeKind::DmaStream;
    n.name = "weight_stream";
    n.unit = UnitId::WeightDma;
    n.ahead = true;
    n.layer = gemvs[k].first;
    n.stream_bytes = gemvs[k].second.weight_bytes();
    const std::uint32_t id = g.add(std::move(n));
    if (next_stream) g.edge(*next_stream, id, EdgeKind::Buffer);  // behind it in the buffer
    return id;
  };
  auto gemv = [&](const char* name, tlmx::OpKind kind, tlmx::GemvOp w) {
    w.batch = b;
    if (next_op) {
      const std::size_t k = gemv_index++;
      if (k == 0) {
        next_stream = ahead_stream(0);
        g.node(*next_stream).carried_in = carried_in;
      }
      const std::uint32_t mine = *next_stream;
      if (k + 1 < gemvs.size()) {
        next_stream = ahead_stream(k + 1);
        g.node(*next_stream).beside = slicing_now;  // started as the slice starts
      } else if (carry_out) {
        // The next batch's first GEMV: the same weights as this batch's (layer 0's QKV).
        next_stream = ahead_stream(0);
        OpNode& n = g.node(*next_stream);
        n.for_next_batch = true;
        n.op_kind = n_layers != 0 ? tlmx::OpKind::qkv_gemv : tlmx::OpKind::lm_head_gemv;
        n.op = gemvs[0].second;
      }
      const std::uint32_t c = compute(name, UnitId::ProcessorArray, kind, w);
      g.set_consumer(mine, c);
      g.edge(mine, c, EdgeKind::Data);
      return c;
    }
    const std::uint32_t s = stream("weight_stream", UnitId::WeightDma, w.weight_bytes(),
                                   weight_consumer);
    const std::uint32_t c = compute(name, UnitId::ProcessorArray, kind, w);
    g.edge(s, c, EdgeKind::Data);
    return c;
  };
  auto data = [&g](std::uint32_t from, std::uint32_t to) { g.edge(from, to, EdgeKind::Data); };

  // Each row's K/V stream: the same for every layer (one attention shape per row); under
  // overlap.kv the part fetched ahead is a stream of its own.
  std::vector<std::uint64_t> kv_bytes(b);
  std::vector<std::uint64_t> ahead_bytes(b, 0);
  for (std::uint32_t i = 0; i < b; ++i) {
    tlmx::AttentionOp op = amap.kv_layout(slots[i], 0);
    op.tokens = rows[i].kv_len + 1;
    op.algo = algo;
    const AttentionPlanner::Plan plan = planner.plan(op);
    const AttentionPlanner::Traffic t = planner.traffic(plan, request_bytes);
    kv_bytes[i] = t.kv_read_bytes + t.score_read_bytes;
    if (kv_share != 0) {
      for (const auto& r : planner.prefetch_ranges(plan, kv_share, request_bytes)) {
        ahead_bytes[i] += r.bytes;
      }
      kv_bytes[i] -= ahead_bytes[i];
    }
  }
  // overlap.kv: the prefetch streams of a layer's attentions, row by row (none for a row
  // with nothing to prefetch); `after`: the attention that frees the prefetch space.
  std::vector<std::optional<std::uint32_t>> kv_ahead(b);
  auto kv_prefetches = [&](std::uint32_t of_layer, std::optional<std::uint32_t> after) {
    for (std::uint32_t i = 0; i < b; ++i) {
      kv_ahead[i].reset();
      if (ahead_bytes[i] == 0) continue;
      OpNode n;
      n.kind = NodeKind::DmaStream;
      n.name = "kv_prefetch";
      n.unit = UnitId::KvDma;
      n.layer = of_layer;
      n.stream_bytes = ahead_bytes[i];
      n.ahead = true;
      const std::uint32_t id = g.add(std::move(n));
      if (after) g.edge(*after, id, EdgeKind::Buffer);
      kv_ahead[i] = id;
    }
  };
  if (kv_share != 0 && model.layers != 0) kv_prefetches(0, std::nullopt);

  const bool gated = model.ffn_kind == config::FfnKind::GatedSilu;
  std::optional<std::uint32_t> x;  // the node that produced the layer's input
  for (layer = 0; layer < n_layers; ++layer) {
    const LayerWeights w = amap.layer(layer);
    const std::uint32_t norm = vec("rmsnorm", tlmx::OpKind::rmsnorm, hidden, kNormOps);
    if (x) data(*x, norm);
    const std::uint32_t qkv = gemv("qkv_gemv", tlmx::OpKind::qkv_gemv, w.qkv);
    data(norm, qkv);
    const std::uint32_t rope =
        vec("rope", tlmx::OpKind::rope,
            std::uint64_t{model.heads + model.kv_heads} * model.head_dim, kRopeOps);
    data(qkv, rope);
    std::vector<std::uint32_t> appends;
    for (std::uint32_t i = 0; i < b; ++i) {
      const std::uint32_t a =
          compute("kv_append", UnitId::AttentionPipeline, tlmx::OpKind::kv_append,
                  tlmx::KvAppendOp{amap.kv_layout(slots[i], layer), rows[i].kv_len});
      data(rope, a);
      appends.push_back(a);
    }
    std::vector<std::uint32_t> attentions;
    for (std::uint32_t i = 0; i < b; ++i) {
      tlmx::AttentionOp op = amap.kv_layout(slots[i], layer);
      op.tokens = rows[i].kv_len + 1;
      op.algo = algo;
      const std::uint32_t s = stream("kv_stream", UnitId::KvDma, kv_bytes[i], kv_consumer);
      const std::uint32_t a =
          compute("attention", UnitId::AttentionPipeline, tlmx::OpKind::attention, op);
      data(s, a);
      if (kv_ahead[i]) {
        g.set_consumer(*kv_ahead[i], a);
        data(*kv_ahead[i], a);
      }
      data(rope, a);          // q
      data(appends[i], a);    // the new token's k and v
      attentions.push_back(a);
    }
    if (kv_share != 0 && layer + 1 < n_layers) {
      // The next layer's streams, placed here: issued once these attentions have ended.
      kv_prefetches(layer + 1, attentions.back());
    }
    std::vector<std::uint32_t> o_parts;
    if (o_slicing.on()) {
      // One slice per head pass of the last row's attention (every row's pass before it
      // has ended by then), on the array rows the attention pipelines leave free.
      g.node(attentions.back()).streams_o = true;
      slicing_now = true;
      std::uint32_t pass = 0;
      for (const tlmx::GemvOp& slice : o_projection_slices(w.o, model, o_slicing)) {
        const std::uint32_t o = gemv("o_slice", tlmx::OpKind::o_gemv, slice);
        g.node(o).beside = true;
        g.node(o).after_pass = pass++;
        for (std::uint32_t a : attentions) {
          g.edge(a, o, a == attentions.back() ? EdgeKind::Pass : EdgeKind::Data);
        }
        o_parts.push_back(o);
      }
      slicing_now = false;
    } else {
      const std::uint32_t o = gemv("o_gemv", tlmx::OpKind::o_gemv, w.o);
      for (std::uint32_t a : attentions) data(a, o);
      o_parts.push_back(o);
    }
    const std::uint32_t res1 = vec("residual", tlmx::OpKind::residual, hidden, kResidualOps);
    for (std::uint32_t o : o_parts) data(o, res1);
    if (x) data(*x, res1);
    const std::uint32_t norm2 = vec("rmsnorm", tlmx::OpKind::rmsnorm, hidden, kNormOps);
    data(res1, norm2);
    const std::uint32_t up = gemv(gated ? "gate_up_gemv" : "up_gemv", tlmx::OpKind::ffn_in_gemv, w.ffn_in);
    data(norm2, up);
    const std::uint32_t act = vec(gated ? "silu_mul" : "gelu", tlmx::OpKind::activation, model.ffn_size,
                                   kActivationOps);
    data(up, act);
    const std::uint32_t down = gemv("down_gemv", tlmx::OpKind::ffn_down_gemv, w.ffn_down);
    data(act, down);
    const std::uint32_t res2 = vec("residual", tlmx::OpKind::residual, hidden, kResidualOps);
    data(down, res2);
    data(res1, res2);
    x = res2;
  }
  layer = model.layers;  // the head's nodes, also after a window
  const std::uint32_t norm = vec("final_rmsnorm", tlmx::OpKind::final_rmsnorm, hidden, kNormOps);
  if (x) data(*x, norm);
  const std::uint32_t head = gemv("lm_head_gemv", tlmx::OpKind::lm_head_gemv, amap.lm_head());
  data(norm, head);
  if (gemv_index != gemvs.size()) throw std::logic_error("OpGraph: GEMVs and their streams differ");
  return g;
}

}  // namespace skv::sim
