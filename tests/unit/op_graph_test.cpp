// One decode batch as an operation graph (models/sequencer/OpGraph.h): the nodes and
// edges of a layer, and the issue order that reproduces the plain sequence.

#include <catch2/catch.hpp>
#include <cstdint>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "models/sequencer/OpGraph.h"
#include "support/TinyDesign.h"

using skv::sim::EdgeKind;
using skv::sim::NodeKind;
using skv::sim::OpGraph;

namespace {

struct TinyGraph : skv::test::TinyDesign {
  OpGraph build(const std::vector<skv::trace::DecodeStep>& rows,
                skv::config::WeightOverlap weights = skv::config::WeightOverlap::None,
                std::uint64_t kv_share = 0) const {
    const skv::sim::AddressMap amap(model, hw);
    const skv::AttentionPlanner planner(hw.attention, hw.kv_sram.capacity_bytes());
    std::vector<std::uint32_t> slots(rows.size(), 0);
    return skv::sim::build_batch_graph(model, amap, planner, hw.memory.request_bytes, rows, slots,
                                       skv::tlmx::AttentionAlgo::SwiftKV, weights, kv_share);
  }
};

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace

TEST_CASE("op graph: one layer of the tiny model, one row", "[unit]") {
  const OpGraph g = TinyGraph{}.build({{0, 0, 0, 100, 3}});
  // 2 layers of 17 nodes (12 compute, 4 weight streams, 1 K/V stream), then the final
  // RMSNorm, the LM head's weight stream and the LM head.
  REQUIRE(g.nodes().size() == 2 * 17 + 3);
  const std::vector<std::string> all = lines(g.describe());
  const std::vector<std::string> layer0(all.begin(), all.begin() + 17);
  // Weight streams: QKV (4 + 2 x 2) x 64 rows x 256 / 2 = 65536 bytes, O 256 x 256 / 2,
  // gate and up 1024 x 256 / 2, down 256 x 512 / 2. The K/V stream of 101 tokens: both
  // K/V heads, K and V, 101 x 64 x 4 bytes each = 103424.
  const std::vector<std::string> expected = {
      "0 rmsnorm [processor_array]",
      "1 weight_stream [weight_dma] 65536 B for 2",
      "2 qkv_gemv [processor_array] <- 0(unit) 0(chain) 1(data) 0(data)",
      "3 rope [processor_array] <- 2(unit) 2(chain) 2(data)",
      "4 kv_append [attention_pipeline] <- 3(chain) 3(data)",
      "5 kv_stream [kv_dma] 103424 B for 6",
      "6 attention [attention_pipeline] <- 4(unit) 4(chain) 5(data) 3(data) 4(data)",
      "7 weight_stream [weight_dma] 32768 B for 8 <- 2(buffer)",
      "8 o_gemv [processor_array] <- 3(unit) 6(chain) 7(data) 6(data)",
      "9 residual [processor_array] <- 8(unit) 8(chain) 8(data)",
      "10 rmsnorm [processor_array] <- 9(unit) 9(chain) 9(data)",
      "11 weight_stream [weight_dma] 131072 B for 12 <- 8(buffer)",
      "12 gate_up_gemv [processor_array] <- 10(unit) 10(chain) 11(data) 10(data)",
      "13 silu_mul [processor_array] <- 12(unit) 12(chain) 12(data)",
      "14 weight_stream [weight_dma] 65536 B for 15 <- 12(buffer)",
      "15 down_gemv [processor_array] <- 13(unit) 13(chain) 14(data) 13(data)",
      "16 residual [processor_array] <- 15(unit) 15(chain) 15(data) 9(data)",
  };
  CHECK(layer0 == expected);
  // Layer 1 takes its input from layer 0's last residual; its weight streams wait for
  // the weight buffer like any other.
  CHECK(all[17] == "17 rmsnorm [processor_array] <- 16(unit) 16(chain) 16(data)");
}

TEST_CASE("op graph: the issue order is today's sequence, appends before attentions",
          "[unit]") {
  // Two rows: both KV appends run before either attention, each attention after its own
  // append; compute nodes come out in the order the plain sequencer issued them.
  const OpGraph g = TinyGraph{}.build({{0, 0, 0, 100, 3}, {0, 1, 0, 50, 4}});
  std::vector<std::string> compute;
  for (std::uint32_t id : g.issue_order()) {
    const auto& n = g.nodes()[id];
    if (n.kind == NodeKind::Compute && n.layer == 0) compute.emplace_back(n.name);
  }
  CHECK(compute == std::vector<std::string>{"rmsnorm", "qkv_gemv", "rope", "kv_append",
                                            "kv_append", "attention", "attention", "o_gemv",
                                            "residual", "rmsnorm", "gate_up_gemv", "silu_mul",
                                            "down_gemv", "residual"});
  std::size_t chain = 0;
  for (const auto& e : g.edges()) chain += e.kind == EdgeKind::Chain ? 1 : 0;
  std::size_t computes = 0;
  for (const auto& n : g.nodes()) computes += n.kind == NodeKind::Compute ? 1 : 0;
  CHECK(chain == computes - 1);  // a plain chain through every compute node

  OpGraph cyclic;
  const auto a = cyclic.add({});
  const auto b = cyclic.add({});
  cyclic.edge(a, b, EdgeKind::Data);
  cyclic.edge(b, a, EdgeKind::Data);
  CHECK_THROWS_WITH(cyclic.issue_order(), "OpGraph: the edges form a cycle");
}

TEST_CASE("op graph: next_op places each GEMV's weight stream before the GEMV ahead of it",
          "[unit]") {
  const OpGraph g = TinyGraph{}.build({{0, 0, 0, 100, 3}}, skv::config::WeightOverlap::NextOp);
  // The same 37 nodes as without overlap; only the weight streams move and change edges.
  REQUIRE(g.nodes().size() == 2 * 17 + 3);
  const std::vector<std::string> all = lines(g.describe());
  // The QKV stream (1) and the O stream (2) both come before the QKV GEMV (3): the O
  // stream queues behind the QKV stream in the weight buffer (a buffer edge from 1, none
  // from the QKV GEMV) and fills the slots the QKV GEMV frees while it computes. Each
  // later stream sits just before the GEMV ahead of its own: gate/up (8) before the O
  // GEMV (9), down (12) before gate/up (13), layer 1's QKV (15) before down (16).
  const std::vector<std::string> expected = {
      "0 rmsnorm [processor_array]",
      "1 weight_stream [weight_dma] 65536 B for 3",
      "2 weight_stream [weight_dma] 32768 B for 9 <- 1(buffer)",
      "3 qkv_gemv [processor_array] <- 0(unit) 0(chain) 1(data) 0(data)",
      "4 rope [processor_array] <- 3(unit) 3(chain) 3(data)",
      "5 kv_append [attention_pipeline] <- 4(chain) 4(data)",
      "6 kv_stream [kv_dma] 103424 B for 7",
      "7 attention [attention_pipeline] <- 5(unit) 5(chain) 6(data) 4(data) 5(data)",
      "8 weight_stream [weight_dma] 131072 B for 13 <- 2(buffer)",
      "9 o_gemv [processor_array] <- 4(unit) 7(chain) 2(data) 7(data)",
      "10 residual [processor_array] <- 9(unit) 9(chain) 9(data)",
      "11 rmsnorm [processor_array] <- 10(unit) 10(chain) 10(data)",
      "12 weight_stream [weight_dma] 65536 B for 16 <- 8(buffer)",
      "13 gate_up_gemv [processor_array] <- 11(unit) 11(chain) 8(data) 11(data)",
      "14 silu_mul [processor_array] <- 13(unit) 13(chain) 13(data)",
      "15 weight_stream [weight_dma] 65536 B for 20 <- 12(buffer)",
      "16 down_gemv [processor_array] <- 14(unit) 14(chain) 12(data) 14(data)",
      "17 residual [processor_array] <- 16(unit) 16(chain) 16(data) 10(data)",
  };
  CHECK(std::vector<std::string>(all.begin(), all.begin() + 18) == expected);
  // Layer 1 has one stream fewer in its span (its QKV stream is 15) and one more: the LM
  // head's (1000 x 256 / 2 = 128000 bytes) just before layer 1's down GEMV (33).
  CHECK(all[32] == "32 weight_stream [weight_dma] 128000 B for 36 <- 29(buffer)");
  CHECK(all[33].rfind("33 down_gemv", 0) == 0);
  CHECK(all[36].rfind("36 lm_head_gemv [processor_array] <- 35(unit) 35(chain) 32(data)", 0) == 0);
  // Every edge runs from a lower id to a higher one, so the issue order is the ids'
  // order: a stream is issued just before the GEMV it overlaps.
  std::vector<std::uint32_t> ids(g.nodes().size());
  for (std::uint32_t i = 0; i < ids.size(); ++i) ids[i] = i;
  CHECK(g.issue_order() == ids);
}

TEST_CASE("op graph: next_attention adds each attention's K/V prefetch stream, issued ahead",
          "[unit]") {
  // One row at kv_len 100: 101 tokens in tiles of 64, so tile 0 (tokens 0..63) is in
  // DRAM before the append and tile 1 (64..100, the new token's) is not. Tile 0 reads K
  // and V of both K/V heads: 4 ranges of 64 x 64 x 4 = 16384 bytes (4 requests of 4096
  // each), 65536 bytes in all: a share of 64 KiB takes all of tile 0.
  const OpGraph g = TinyGraph{}.build({{0, 0, 0, 100, 3}}, skv::config::WeightOverlap::None, 65536);
  // Per layer one node more than without (17), the prefetch stream; the attention's K/V
  // stream keeps the rest, 103424 - 65536 = 37888 bytes.
  REQUIRE(g.nodes().size() == 2 * 18 + 3);
  const std::vector<std::string> all = lines(g.describe());
  // Layer 0's prefetch (0) comes first, with no predecessor: it starts with the batch.
  // Layer 1's (8) sits right after layer 0's attention (7), with a buffer edge from it:
  // issued once that attention has finished, before the O GEMV, so it fills during the
  // O projection, the FFN and layer 1's norm and QKV. Each feeds its attention (7, 25).
  const std::vector<std::string> expected = {
      "0 kv_prefetch [kv_dma] 65536 B for 7",
      "1 rmsnorm [processor_array]",
      "2 weight_stream [weight_dma] 65536 B for 3",
      "3 qkv_gemv [processor_array] <- 1(unit) 1(chain) 2(data) 1(data)",
      "4 rope [processor_array] <- 3(unit) 3(chain) 3(data)",
      "5 kv_append [attention_pipeline] <- 4(chain) 4(data)",
      "6 kv_stream [kv_dma] 37888 B for 7",
      "7 attention [attention_pipeline] <- 5(unit) 5(chain) 6(data) 0(data) 4(data) 5(data)",
      "8 kv_prefetch [kv_dma] 65536 B for 25 <- 7(buffer)",
      "9 weight_stream [weight_dma] 32768 B for 10 <- 3(buffer)",
      "10 o_gemv [processor_array] <- 4(unit) 7(chain) 9(data) 7(data)",
  };
  CHECK(std::vector<std::string>(all.begin(), all.begin() + 11) == expected);
  CHECK(all[24] == "24 kv_stream [kv_dma] 37888 B for 25 <- 7(buffer)");
  CHECK(all[25] ==
        "25 attention [attention_pipeline] <- 23(unit) 23(chain) 24(data) 8(data) 22(data) "
        "23(data)");
  CHECK(g.nodes()[0].ahead);
  CHECK(!g.nodes()[6].ahead);  // the rest streams in as the attention runs, as before
  // The issue order is the ids' order: layer 1's prefetch right after layer 0's attention.
  std::vector<std::uint32_t> ids(g.nodes().size());
  for (std::uint32_t i = 0; i < ids.size(); ++i) ids[i] = i;
  CHECK(g.issue_order() == ids);

  // A share of 40 KiB holds whole ranges of 16 KiB only: two (K and V of head 0).
  const OpGraph part =
      TinyGraph{}.build({{0, 0, 0, 100, 3}}, skv::config::WeightOverlap::None, 40960);
  CHECK(lines(part.describe())[0] == "0 kv_prefetch [kv_dma] 32768 B for 7");
  // A row whose first tile holds the new token (kv_len 10: one tile) prefetches nothing:
  // no stream, the graph of overlap.kv: none.
  const OpGraph none = TinyGraph{}.build({{0, 0, 0, 10, 3}});
  const OpGraph short_row =
      TinyGraph{}.build({{0, 0, 0, 10, 3}}, skv::config::WeightOverlap::None, 65536);
  CHECK(short_row.describe() == none.describe());
  // Shares: whole requests, split evenly between the rows.
  CHECK(skv::sim::kv_prefetch_share(512 * 1024, 4096, 1) == 512 * 1024);
  CHECK(skv::sim::kv_prefetch_share(512 * 1024, 4096, 3) == 42 * 4096);
  CHECK(skv::sim::kv_prefetch_share(4096, 4096, 2) == 0);
}

TEST_CASE("op graph: across_batches carries the first GEMV's weight stream over a batch's end",
          "[unit]") {
  const TinyGraph tiny;
  const skv::sim::AddressMap amap(tiny.model, tiny.hw);
  const skv::AttentionPlanner planner(tiny.hw.attention, tiny.hw.kv_sram.capacity_bytes());
  const std::vector<skv::trace::DecodeStep> rows = {{0, 0, 0, 100, 3}};
  auto build = [&](bool carried_in, bool carry_out) {
    return skv::sim::build_batch_graph(tiny.model, amap, planner, tiny.hw.memory.request_bytes,
                                       rows, {0}, skv::tlmx::AttentionAlgo::SwiftKV,
                                       skv::config::WeightOverlap::NextOp, 0, ~std::uint32_t{0},
                                       carried_in, carry_out);
  };
  const OpGraph plain = build(false, false);
  const OpGraph both = build(true, true);
  // One node more than next_op alone (37): the stream for the next batch's QKV GEMV.
  REQUIRE(both.nodes().size() == plain.nodes().size() + 1);
  const std::vector<std::string> all = lines(both.describe());
  // The first QKV stream is in the graph, with its edges, but marked as started by the
  // batch before: the sequencer does not start it again.
  CHECK(all[1] == "1 weight_stream [weight_dma] 65536 B for 3 (started by the batch before)");
  CHECK(both.nodes()[1].carried_in);
  CHECK(!plain.nodes()[1].carried_in);
  // After the final norm (35): the next batch's QKV weights (the same 65536 bytes, layer
  // 0's), queued behind the LM head's stream (32) in the buffer, just before the LM head
  // (37), so it starts as the LM head starts and fills the slots the LM head releases.
  CHECK(all[35].rfind("35 final_rmsnorm", 0) == 0);
  CHECK(all[36] ==
        "36 weight_stream [weight_dma] 65536 B for the next batch's qkv_gemv <- "
        "32(buffer)");
  CHECK(all[37].rfind("37 lm_head_gemv [processor_array] <- 35(unit) 35(chain) 32(data)", 0) == 0);
  const skv::sim::OpNode& carry = both.nodes()[36];
  CHECK(carry.for_next_batch);
  CHECK(carry.ahead);
  CHECK(carry.layer == 0);
  const auto* op = std::get_if<skv::tlmx::GemvOp>(&carry.op);
  REQUIRE(op != nullptr);
  CHECK(op->weight_addr == amap.layer(0).qkv.weight_addr);
  // The issue order is still the ids' order.
  std::vector<std::uint32_t> ids(both.nodes().size());
  for (std::uint32_t i = 0; i < ids.size(); ++i) ids[i] = i;
  CHECK(both.issue_order() == ids);
  // The trace's last batch: carried in, nothing carried out; the graph of next_op alone
  // but for the mark on its first stream.
  const OpGraph last = build(true, false);
  REQUIRE(last.nodes().size() == plain.nodes().size());
  std::string marked = plain.describe();
  const std::string first = "1 weight_stream [weight_dma] 65536 B for 3";
  marked.insert(marked.find(first) + first.size(), " (started by the batch before)");
  CHECK(last.describe() == marked);
}

TEST_CASE(
    "op graph: head_streamed cuts the O GEMV into one slice per head pass, beside the "
    "attention",
    "[unit]") {
  const TinyGraph t;
  const skv::sim::AddressMap amap(t.model, t.hw);
  const skv::AttentionPlanner planner(t.hw.attention, t.hw.kv_sram.capacity_bytes());
  const std::vector<skv::trace::DecodeStep> rows = {{0, 0, 0, 100, 3}};
  const std::vector<std::uint32_t> slots = {0};
  // Two heads per pass on the tiny model's four: two slices, on 24 of the 32 rows.
  const skv::sim::OSlicing slicing{2, 24};
  const OpGraph g = skv::sim::build_batch_graph(t.model, amap, planner, t.hw.memory.request_bytes,
                                                rows, slots, skv::tlmx::AttentionAlgo::SwiftKV,
                                                skv::config::WeightOverlap::NextOp, 0,
                                                ~std::uint32_t{0}, false, false, slicing);
  const std::vector<std::string> all = lines(g.describe());
  // Layer 0 as under next_op (op graph test above) but the O GEMV: its stream (2) now
  // brings slice 0's weights, 256 x (2 x 64) / 2 = 16384 bytes of W_O's 32768; slice 1's
  // stream (9) is started beside the attention, as slice 0 starts (the buffer edge from
  // 2); each slice waits for its head pass of the attention (a pass edge from 7) and the
  // residual for both.
  const std::vector<std::string> expected = {
      "0 rmsnorm [processor_array]",
      "1 weight_stream [weight_dma] 65536 B for 3",
      "2 weight_stream [weight_dma] 16384 B for 9 <- 1(buffer)",
      "3 qkv_gemv [processor_array] <- 0(unit) 0(chain) 1(data) 0(data)",
      "4 rope [processor_array] <- 3(unit) 3(chain) 3(data)",
      "5 kv_append [attention_pipeline] <- 4(chain) 4(data)",
      "6 kv_stream [kv_dma] 103424 B for 7",
      "7 attention [attention_pipeline] <- 5(unit) 5(chain) 6(data) 4(data) 5(data)",
  };
  REQUIRE(all.size() > 13);
  CHECK(std::vector<std::string>(all.begin(), all.begin() + 8) == expected);
  CHECK(all[8] ==
        "8 weight_stream [weight_dma] 16384 B for 11 (beside the attention) <- 2(buffer)");
  CHECK(all[9] ==
        "9 o_slice [processor_array] after head pass 0, beside the attention <- 4(unit) "
        "7(chain) 2(data) 7(pass)");
  CHECK(all[10] ==
        "10 weight_stream [weight_dma] 131072 B for 15 (beside the attention) <- "
        "8(buffer)");
  CHECK(all[11] ==
        "11 o_slice [processor_array] after head pass 1, beside the attention <- "
        "9(unit) 9(chain) 8(data) 7(pass)");
  CHECK(all[12] == "12 residual [processor_array] <- 11(unit) 11(chain) 9(data) 11(data)");
  // The slices: W_O stored head-major, slice 1 right after slice 0's 16384 bytes.
  const auto& s0 = std::get<skv::tlmx::GemvOp>(g.nodes()[9].op);
  const auto& s1 = std::get<skv::tlmx::GemvOp>(g.nodes()[11].op);
  const skv::tlmx::GemvOp o = amap.layer(0).o;
  CHECK(s0.weight_addr == o.weight_addr);
  CHECK(s1.weight_addr == o.weight_addr + 16384);
  CHECK(s0.in_features == 128);
  CHECK(s0.weight_bytes() + s1.weight_bytes() == o.weight_bytes());
  CHECK(s0.macs() + s1.macs() == o.macs());
  CHECK(s0.array_rows == 24);
  CHECK(g.nodes()[7].streams_o);
  CHECK(!g.nodes()[9].streams_o);
}
