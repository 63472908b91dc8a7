#include "models/attention/AttentionPlan.h"

#include <algorithm>

#include "common/IntMath.h"

namespace skv {

AttentionPlanner::AttentionPlanner(const config::AttentionConfig& cfg,
                                   std::uint64_t sram_capacity_bytes)
    : cfg_(cfg), sram_capacity_bytes_(sram_capacity_bytes) {}

std::uint64_t AttentionPlanner::initiation_interval(std::uint32_t head_dim) const {
  return std::max(ceil_div(head_dim, cfg_.dot_lanes), ceil_div(head_dim, cfg_.accum_lanes));
}

std::uint64_t AttentionPlanner::depth_cycles() const {
  return 1 + ceil_log2(cfg_.dot_lanes) + cfg_.max_latency_cycles + cfg_.exp2_latency_cycles +
         cfg_.accum_latency_cycles;
}

std::uint64_t AttentionPlanner::divide_cycles(std::uint32_t head_dim) const {
  return cfg_.divide_latency_cycles + ceil_div(head_dim, cfg_.divide_lanes) - 1;
}

std::uint32_t AttentionPlanner::heads_per_pass(tlmx::AttentionAlgo algo) const {
  if (algo == tlmx::AttentionAlgo::SplitK) {
    return std::max<std::uint32_t>(1, cfg_.heads_in_parallel / cfg_.splitk_partitions);
  }
  return cfg_.heads_in_parallel;
}

std::vector<AttentionPlanner::Sweep> AttentionPlanner::schedule(tlmx::AttentionAlgo algo,
                                                                  std::uint32_t d) const {
  const std::uint64_t dot = ceil_div(d, cfg_.dot_lanes);      // q.k of one token
  const std::uint64_t acc = ceil_div(d, cfg_.accum_lanes);    // Y update of one token
  const std::uint64_t dot_depth = 1 + ceil_log2(cfg_.dot_lanes);
  // Cycles between two inputs of the exp2 unit.
  const std::uint64_t exp_interval = cfg_.exp2_pipelined ? 1 : cfg_.exp2_latency_cycles;
  std::vector<Sweep> s;
  switch (algo) {
    case tlmx::AttentionAlgo::SwiftKV: {
      Sweep both;
      both.read_k = both.read_v = true;
      both.tile_tokens = cfg_.tile_tokens;
      both.cycles_per_token = initiation_interval(d);
      both.tail_cycles = depth_cycles() + divide_cycles(d);
      both.exp2_per_token = 2;  // a = 2^(m - m'), b = 2^(s - m')
      both.divisions_after = d;  // o = Y / Z
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
      Sweep pv;  // o = sum p_t v_t
      pv.read_v = pv.read_scores = true;
      pv.tile_tokens = cfg_.tile_tokens;
      pv.cycles_per_token = acc;
      pv.tail_cycles = cfg_.accum_latency_cycles;
      if (cfg_.softmax_passes == 2) {
        // Online normaliser: m' = max(m, s_t), Z' = Z 2^(m - m') + 2^(s_t - m') in one
        // sweep, then 1/Z once; the normalisation recomputes p_t = 2^(s_t - m) / Z.
        Sweep online = max;
        online.tail_cycles = cfg_.max_latency_cycles + cfg_.exp2_latency_cycles +
                             cfg_.accum_latency_cycles + cfg_.divide_latency_cycles;
        online.exp2_per_token = 2;
        online.divisions_after = 1;
        Sweep norm = max;
        norm.write_scores = true;
        norm.tail_cycles = cfg_.exp2_latency_cycles + cfg_.accum_latency_cycles;
        norm.exp2_per_token = 1;
        s = {qk, online, norm, pv};
        break;
      }
      Sweep exp;  // e_t = 2^(s_t - m), Z = sum e_t; then 1/Z once
      exp.read_scores = exp.write_scores = true;
      exp.tile_tokens = cfg_.tile_tokens;
      exp.cycles_per_token = 1;
      exp.tail_cycles = cfg_.exp2_latency_cycles + cfg_.accum_latency_cycles +
                        cfg_.divide_latency_cycles;
      exp.exp2_per_token = 1;
      exp.divisions_after = 1;  // 1 / Z; the normalisation multiplies by it
      Sweep norm = max;  // p_t = e_t / Z
      norm.write_scores = true;
      norm.tail_cycles = cfg_.accum_latency_cycles;
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
      b.cycles_per_token = dot + 1 + exp_interval + acc;
      b.cycles_per_tile = acc + dot_depth + cfg_.max_latency_cycles + cfg_.exp2_latency_cycles +
                          cfg_.accum_latency_cycles;
      b.tail_cycles = divide_cycles(d);
      b.exp2_per_token = 1;  // 2^(s - m_block)
      b.exp2_per_tile = 1;   // the rescale 2^(m_old - m_new)
      b.divisions_after = d;
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
      both.exp2_per_token = 2;
      both.exp2_after = 2 * (p - 1);  // each merge rescales both partials
      both.divisions_after = d;
      s.push_back(both);
      break;
    }
  }
  if (!cfg_.exp2_pipelined && algo != tlmx::AttentionAlgo::Blockwise) {
    // An unpipelined exp2 unit paces a sweep whose tokens need more of its time than
    // the rest of the pipeline does (blockwise's phases add up instead, above).
    for (Sweep& sw : s) {
      sw.cycles_per_token = std::max(sw.cycles_per_token, sw.exp2_per_token * exp_interval);
    }
  }
  return s;
}

bool AttentionPlanner::scores_fit(const Plan& plan) const {
  return staging_bytes(plan) + score_buffer_bytes(plan) <= sram_capacity_bytes_;
}

std::uint64_t AttentionPlanner::staging_bytes(const Plan& plan) const {
  // Two K/V tiles (the staging double buffer) of each K/V head a pass reads.
  const tlmx::AttentionOp& op = plan.op;
  const std::uint64_t kv_heads_per_pass =
      std::min<std::uint64_t>(op.kv_heads, ceil_div(plan.heads_per_pass, op.q_heads / op.kv_heads));
  return 2 * 2 * kv_heads_per_pass * cfg_.tile_tokens * op.head_dim * op.elem_bytes();
}

std::uint64_t AttentionPlanner::score_buffer_bytes(const Plan& plan) const {
  return std::uint64_t{plan.heads_per_pass} * plan.op.tokens * cfg_.score_bits / 8;
}

AttentionPlanner::Plan AttentionPlanner::plan(const tlmx::AttentionOp& op) const {
  Plan plan;
  plan.op = op;
  plan.sweeps = schedule(op.algo, op.head_dim);
  plan.heads_per_pass = heads_per_pass(op.algo);
  plan.passes = ceil_div(op.q_heads, plan.heads_per_pass);
  for (const Sweep& sw : plan.sweeps) {
    plan.tiles_per_sweep.push_back(ceil_div(op.tokens, sw.tile_tokens));
    plan.tiles_per_pass += plan.tiles_per_sweep.back();
  }
  // attention.scores (native attention's; the other schedules write no scores and keep
  // the auto decision, so that the key changes nothing for them): auto keeps them on chip
  // while they fit; sram always (check_design refuses a model whose scores do not fit);
  // dram never.
  plan.scores_on_chip = scores_fit(plan);
  if (op.algo == tlmx::AttentionAlgo::Native && cfg_.scores != config::ScoreHome::Auto) {
    plan.scores_on_chip = cfg_.scores == config::ScoreHome::Sram;
  }
  return plan;
}

AttentionPlanner::Arithmetic AttentionPlanner::arithmetic(const Plan& plan) {
  Arithmetic a;
  const std::uint64_t heads = plan.op.q_heads;
  for (std::size_t i = 0; i < plan.sweeps.size(); ++i) {
    const Sweep& sw = plan.sweeps[i];
    a.exp2_evals += heads * (plan.op.tokens * sw.exp2_per_token +
                             plan.tiles_per_sweep[i] * sw.exp2_per_tile + sw.exp2_after);
    a.divisions += heads * sw.divisions_after;
  }
  return a;
}

AttentionPlanner::Tile AttentionPlanner::tile(const Plan& plan, std::uint64_t index) const {
  const tlmx::AttentionOp& op = plan.op;
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
  t.kv_reads = t.reads.size();
  t.first_token = first;
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

std::vector<tlmx::AddrRange> AttentionPlanner::prefetch_ranges(const Plan& plan,
                                                               std::uint64_t budget_bytes,
                                                               std::uint32_t request_bytes) const {
  std::vector<tlmx::AddrRange> out;
  std::uint64_t used = 0;
  for (std::uint64_t i = 0; i < plan.tiles(); ++i) {
    const Tile tl = tile(plan, i);
    // The last position (the new token's) is in DRAM only once the append has run.
    const bool in_dram = tl.first_token + tl.tokens < plan.op.tokens;
    for (std::size_t r = 0; r < tl.reads.size(); ++r) {
      if (r >= tl.kv_reads || !in_dram) return out;
      const std::uint64_t need = ceil_div(tl.reads[r].bytes, request_bytes) * request_bytes;
      if (used + need > budget_bytes) return out;
      used += need;
      out.push_back(tl.reads[r]);
    }
  }
  return out;
}

AttentionPlanner::Traffic AttentionPlanner::traffic(const Plan& plan,
                                                     std::uint32_t request_bytes) const {
  Traffic t;
  for (std::uint64_t i = 0; i < plan.tiles(); ++i) {
    const Tile tl = tile(plan, i);
    std::uint64_t read_bytes = 0;
    std::uint64_t requests = 0;
    for (const auto& r : tl.reads) {
      read_bytes += r.bytes;
      requests += ceil_div(r.bytes, request_bytes);
    }
    std::uint64_t write_bytes = 0;
    for (const auto& w : tl.writes) write_bytes += w.bytes;
    // A tile's spilled score traffic is its score reads plus its score writes.
    const std::uint64_t score_reads = tl.spill_bytes - write_bytes;
    t.kv_read_bytes += read_bytes - score_reads;
    t.score_read_bytes += score_reads;
    t.score_write_bytes += write_bytes;
    t.widest_tile_requests = std::max(t.widest_tile_requests, requests);
  }
  return t;
}

}  // namespace skv
