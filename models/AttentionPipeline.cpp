#include "models/AttentionPipeline.h"

#include <algorithm>
#include <stdexcept>

#include "common/IntMath.h"

namespace skv {

AttentionPipeline::AttentionPipeline(sc_core::sc_module_name name,
                                     const config::AttentionConfig& cfg,
                                     const config::KvSramConfig& sram,
                                     const tlmx::ClockDomain& clock)
    : sc_module(name), cmd("cmd"), kv("kv"), cfg_(cfg), sram_(sram), clock_(clock) {
  cmd.register_b_transport(this, &AttentionPipeline::b_transport);
}

std::uint64_t AttentionPipeline::initiation_interval(std::uint32_t head_dim) const {
  return std::max(ceil_div(head_dim, cfg_.dot_lanes), ceil_div(head_dim, cfg_.accum_lanes));
}

std::uint64_t AttentionPipeline::depth_cycles() const {
  return 1 + ceil_log2(cfg_.dot_lanes) + cfg_.max_latency_cycles + cfg_.exp2_latency_cycles +
         cfg_.accum_latency_cycles;
}

std::uint64_t AttentionPipeline::divide_cycles(std::uint32_t head_dim) const {
  return cfg_.divide_latency_cycles + ceil_div(head_dim, cfg_.divide_lanes) - 1;
}

std::uint32_t AttentionPipeline::heads_per_pass(tlmx::AttentionAlgo algo) const {
  if (algo == tlmx::AttentionAlgo::SplitK) {
    return std::max<std::uint32_t>(1, cfg_.heads_in_parallel / cfg_.splitk_partitions);
  }
  return cfg_.heads_in_parallel;
}

std::vector<AttentionPipeline::Sweep> AttentionPipeline::schedule(tlmx::AttentionAlgo algo,
                                                                  std::uint32_t d) const {
  const std::uint64_t dot = ceil_div(d, cfg_.dot_lanes);      // q.k of one token
  const std::uint64_t acc = ceil_div(d, cfg_.accum_lanes);    // Y update of one token
  const std::uint64_t dot_depth = 1 + ceil_log2(cfg_.dot_lanes);
  std::vector<Sweep> s;
  switch (algo) {
    case tlmx::AttentionAlgo::SwiftKV: {
      Sweep both;
      both.read_k = both.read_v = true;
      both.tile_tokens = cfg_.tile_tokens;
      both.cycles_per_token = initiation_interval(d);
      both.tail_cycles = depth_cycles() + divide_cycles(d);
      s.push_back(both);
      break;
    }
    case tlmx::AttentionAlgo::Native: {
      Sweep qk;  // s_t = c q.k_t, written out
      qk.read_k = qk.write_scores = true;
      qk.tile_tokens = cfg_.tile_tokens;
      qk.cycles_per_token = dot;
      qk.tail_cycles = dot_depth;
      Sweep max;  // m = max_t s_t
      max.read_scores = true;
      max.tile_tokens = cfg_.tile_tokens;
      max.cycles_per_token = 1;
      max.tail_cycles = cfg_.max_latency_cycles;
      Sweep exp;  // e_t = 2^(s_t - m), Z = sum e_t; then 1/Z once
      exp.read_scores = exp.write_scores = true;
      exp.tile_tokens = cfg_.tile_tokens;
      exp.cycles_per_token = 1;
      exp.tail_cycles = cfg_.exp2_latency_cycles + cfg_.accum_latency_cycles +
                        cfg_.divide_latency_cycles;
      Sweep norm = max;  // p_t = e_t / Z
      norm.write_scores = true;
      norm.tail_cycles = cfg_.accum_latency_cycles;
      Sweep pv;  // o = sum p_t v_t
      pv.read_v = pv.read_scores = true;
      pv.tile_tokens = cfg_.tile_tokens;
      pv.cycles_per_token = acc;
      pv.tail_cycles = cfg_.accum_latency_cycles;
      s = {qk, max, exp, norm, pv};
      break;
    }
    case tlmx::AttentionAlgo::Blockwise: {
      // Per block of B tokens: B dot products, block max over B, exp and sum over B,
      // rescale of Y (acc) and Z, then B accumulations; each phase drains before the
      // next uses its result.
      Sweep b;
      b.read_k = b.read_v = true;
      b.tile_tokens = cfg_.block_tokens;
      b.cycles_per_token = dot + 1 + 1 + acc;
      b.cycles_per_tile = acc + dot_depth + cfg_.max_latency_cycles + cfg_.exp2_latency_cycles +
                          cfg_.accum_latency_cycles;
      b.tail_cycles = divide_cycles(d);
      s.push_back(b);
      break;
    }
    case tlmx::AttentionAlgo::SplitK: {
      // P pipelines each run the online recurrence on a share of the tokens; then the
      // P partial (m, Z, Y) are merged one after another: an exp2 and a rescale each.
      const std::uint64_t p = cfg_.splitk_partitions;
      Sweep both;
      both.read_k = both.read_v = true;
      both.tile_tokens = cfg_.tile_tokens;
      both.cycles_per_token = initiation_interval(d);
      both.token_lanes = p;
      both.tail_cycles = depth_cycles() + (p - 1) * (cfg_.exp2_latency_cycles + acc) +
                       divide_cycles(d);
      s.push_back(both);
      break;
    }
  }
  return s;
}

void AttentionPipeline::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  tlmx::OpExtension* ext = nullptr;
  gp.get_extension(ext);
  if (ext == nullptr) throw std::logic_error("AttentionPipeline: command without an operation");
  sc_core::wait(delay);
  delay = sc_core::SC_ZERO_TIME;
  clock_.align();
  if (const auto* a = std::get_if<tlmx::AttentionOp>(&ext->op)) {
    run_attention(*a);
  } else if (const auto* k = std::get_if<tlmx::KvAppendOp>(&ext->op)) {
    run_kv_append(*k);
  } else {
    throw std::logic_error("AttentionPipeline: operation it does not execute");
  }
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

sc_core::sc_time AttentionPipeline::kv_access(tlm::tlm_command command, const tlmx::AddrRange& r,
                                              const std::vector<tlmx::AddrRange>* this_tile,
                                              const std::vector<tlmx::AddrRange>* next_tile,
                                              bool scratch) {
  tlm::tlm_generic_payload gp;
  gp.set_command(command);
  gp.set_address(r.addr);
  gp.set_data_ptr(nullptr);
  gp.set_data_length(static_cast<unsigned int>(r.bytes));
  gp.set_streaming_width(static_cast<unsigned int>(r.bytes));
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  tlmx::TileHint hint;
  tlmx::OnChipScratch on_chip;
  if (this_tile != nullptr) {
    hint.this_tile = *this_tile;
    hint.next_tile = *next_tile;
  }
  const tlmx::ScopedExtension<tlmx::TileHint> with_hint(gp, this_tile != nullptr ? &hint : nullptr);
  const tlmx::ScopedExtension<tlmx::OnChipScratch> with_scratch(gp, scratch ? &on_chip : nullptr);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  kv->b_transport(gp, delay);
  if (gp.is_response_error()) throw std::runtime_error("AttentionPipeline: KV access failed");
  return delay;
}

AttentionPipeline::Tile AttentionPipeline::tile(const Plan& plan, std::uint64_t index) const {
  const tlmx::AttentionOp& op = *plan.op;
  Tile t;
  t.pass = index / plan.tiles_per_pass;
  std::uint64_t rest = index % plan.tiles_per_pass;
  while (rest >= plan.tiles_per_sweep[t.sweep]) rest -= plan.tiles_per_sweep[t.sweep++];
  const Sweep& sw = plan.sweeps[t.sweep];
  t.last_of_sweep = rest + 1 == plan.tiles_per_sweep[t.sweep];
  const std::uint64_t first = rest * sw.tile_tokens;
  t.tokens = std::min<std::uint64_t>(sw.tile_tokens, op.tokens - first);

  const std::uint32_t group = op.q_heads / op.kv_heads;
  const std::uint64_t q_first = t.pass * plan.heads_per_pass;
  const std::uint64_t q_last = std::min<std::uint64_t>(op.q_heads, q_first + plan.heads_per_pass) - 1;
  const std::uint64_t kv_bytes = t.tokens * op.head_dim * op.elem_bytes();
  for (std::uint64_t h = q_first / group; h <= q_last / group; ++h) {
    const auto kvh = static_cast<std::uint32_t>(h);
    if (sw.read_k) t.reads.push_back({op.k_addr(kvh, first), kv_bytes});
    if (sw.read_v) t.reads.push_back({op.v_addr(kvh, first), kv_bytes});
  }
  const std::uint64_t score_bytes = cfg_.score_bits / 8;
  const std::uint64_t row_bytes = t.tokens * score_bytes;
  const std::uint64_t heads = q_last - q_first + 1;
  if (plan.scores_on_chip) {
    t.scratch_bytes = heads * row_bytes * ((sw.read_scores ? 1 : 0) + (sw.write_scores ? 1 : 0));
  } else {
    for (std::uint64_t h = q_first; h <= q_last; ++h) {
      const tlmx::AddrRange r{op.score_base_addr + (h * op.max_tokens + first) * score_bytes,
                              row_bytes};
      if (sw.read_scores) t.reads.push_back(r);
      if (sw.write_scores) t.writes.push_back(r);
      t.spill_bytes += row_bytes * ((sw.read_scores ? 1 : 0) + (sw.write_scores ? 1 : 0));
    }
  }
  return t;
}

void AttentionPipeline::run_attention(const tlmx::AttentionOp& op) {
  ++stats_.attention_ops;
  stats_.fxp32_macs += op.tokens * op.q_heads * 2ull * op.head_dim;
  Plan plan;
  plan.op = &op;
  plan.sweeps = schedule(op.algo, op.head_dim);
  plan.heads_per_pass = heads_per_pass(op.algo);
  plan.passes = ceil_div(op.q_heads, plan.heads_per_pass);
  for (const Sweep& sw : plan.sweeps) {
    plan.tiles_per_sweep.push_back(ceil_div(op.tokens, sw.tile_tokens));
    plan.tiles_per_pass += plan.tiles_per_sweep.back();
  }
  // Scores stay on chip while a pass's scores fit beside two K/V tiles (the staging
  // double buffer) in the SRAM.
  const std::uint64_t kv_heads_per_pass =
      std::min<std::uint64_t>(op.kv_heads, ceil_div(plan.heads_per_pass, op.q_heads / op.kv_heads));
  const std::uint64_t staging = 2 * 2 * kv_heads_per_pass * cfg_.tile_tokens * op.head_dim *
                                op.elem_bytes();
  const std::uint64_t scores = std::uint64_t{plan.heads_per_pass} * op.tokens * cfg_.score_bits / 8;
  plan.scores_on_chip = staging + scores <= sram_.capacity_bytes();

  const std::uint64_t tiles = plan.passes * plan.tiles_per_pass;
  Tile current = tile(plan, 0);
  for (std::uint64_t i = 0; i < tiles; ++i) {
    Tile next;
    if (i + 1 < tiles) next = tile(plan, i + 1);
    const Sweep& sw = plan.sweeps[current.sweep];
    sc_core::sc_time port_time = sc_core::SC_ZERO_TIME;
    for (std::size_t r = 0; r < current.reads.size(); ++r) {
      port_time += kv_access(tlm::TLM_READ_COMMAND, current.reads[r],
                             r == 0 ? &current.reads : nullptr, r == 0 ? &next.reads : nullptr);
    }
    if (current.reads.empty() && !next.reads.empty()) {
      // A sweep that reads nothing from DRAM still lets the SRAM stage what follows.
      port_time += kv_access(tlm::TLM_READ_COMMAND, {0, 0}, &current.reads, &next.reads, true);
    }
    for (const auto& w : current.writes) {
      port_time += kv_access(tlm::TLM_WRITE_COMMAND, w, nullptr, nullptr);
    }
    stats_.score_bytes_spilled += current.spill_bytes;
    if (current.scratch_bytes != 0) {
      port_time += kv_access(tlm::TLM_READ_COMMAND, {0, current.scratch_bytes}, nullptr, nullptr,
                             true);
      stats_.score_bytes_on_chip += current.scratch_bytes;
    }
    const std::uint64_t sram_cycles = ceil_div(clock_.cycle_at_or_after(port_time), sram_.ports);
    const std::uint64_t compute =
        ceil_div(current.tokens, sw.token_lanes) * sw.cycles_per_token + sw.cycles_per_tile;
    const std::uint64_t cycles = std::max(compute, sram_cycles);
    sc_core::wait(clock_.cycles(cycles));
    stats_.compute_cycles += compute;
    stats_.sram_bound_cycles += cycles - compute;
    stats_.busy_cycles += cycles;
    if (current.sweep == 0) {
      const std::uint64_t heads = std::min<std::uint64_t>(
          plan.heads_per_pass, op.q_heads - current.pass * plan.heads_per_pass);
      stats_.tokens += current.tokens * heads;
    }
    if (current.last_of_sweep) {
      sc_core::wait(clock_.cycles(sw.tail_cycles));
      stats_.tail_cycles += sw.tail_cycles;
      stats_.busy_cycles += sw.tail_cycles;
      if (current.sweep + 1 == plan.sweeps.size()) ++stats_.head_passes;
    }
    current = std::move(next);
  }
}

void AttentionPipeline::run_kv_append(const tlmx::KvAppendOp& op) {
  const auto& l = op.layout;
  const std::uint64_t bytes = std::uint64_t{l.head_dim} * l.elem_bytes();
  sc_core::sc_time t = sc_core::SC_ZERO_TIME;
  for (std::uint32_t h = 0; h < l.kv_heads; ++h) {
    t += kv_access(tlm::TLM_WRITE_COMMAND, {l.k_addr(h, op.position), bytes}, nullptr, nullptr);
    t += kv_access(tlm::TLM_WRITE_COMMAND, {l.v_addr(h, op.position), bytes}, nullptr, nullptr);
  }
  const std::uint64_t cycles = ceil_div(clock_.cycle_at_or_after(t), sram_.ports);
  sc_core::wait(clock_.cycles(cycles));
  stats_.kv_append_cycles += cycles;
}

}  // namespace skv
