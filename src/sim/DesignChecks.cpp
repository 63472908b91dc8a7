#include "sim/DesignChecks.h"

#include <fmt/format.h>

#include "common/Error.h"
#include "common/IntMath.h"
#include "models/attention/AttentionPlan.h"
#include "models/sequencer/AddressMap.h"

namespace skv::sim {

KvSramNeed kv_sram_need(const config::HwConfig& hw, const config::ModelConfig& model,
                        tlmx::AttentionAlgo algo) {
  const AttentionPlanner planner(hw.attention, hw.kv_sram.score_space_bytes());
  tlmx::AttentionOp op = AddressMap(model, hw).kv_layout(0, 0);
  op.tokens = model.max_context;  // the widest tiles and the most scores
  op.algo = algo;
  KvSramNeed need;
  need.tile_requests = planner.traffic(planner.plan(op), hw.memory.request_bytes).widest_tile_requests;
  need.tile_bytes = need.tile_requests * hw.memory.request_bytes;
  need.min_kib = ceil_div(need.tile_bytes, 1024);
  need.double_buffer_kib = ceil_div(2 * need.tile_bytes, 1024);
  return need;
}

void check_design(const config::HwConfig& hw, const config::ModelConfig& model,
                  tlmx::AttentionAlgo algo) {
  const AddressMap fits_dram(model, hw);  // throws if weights and KV caches do not fit
  (void)fits_dram;
  if (algo == tlmx::AttentionAlgo::Native && hw.attention.scores == config::ScoreHome::Sram) {
    // A score buffer on chip is sized for the longest context the model reserves.
    const AttentionPlanner planner(hw.attention, hw.kv_sram.score_space_bytes());
    tlmx::AttentionOp op = AddressMap(model, hw).kv_layout(0, 0);
    op.tokens = model.max_context;
    op.algo = algo;
    const AttentionPlanner::Plan plan = planner.plan(op);
    if (!planner.scores_fit(plan)) {
      throw InputError(fmt::format(
          "{}: attention.scores: infeasible: sram: the scores of {} head{} at max_context {} "
          "of model {} ({} KiB) and two K/V tiles ({} KiB) do not fit kv_sram.{} = "
          "{}; use auto or dram",
          hw.source_file, plan.heads_per_pass, plan.heads_per_pass == 1 ? "" : "s",
          model.max_context, model.name, ceil_div(planner.score_buffer_bytes(plan), 1024),
          ceil_div(planner.staging_bytes(plan), 1024),
          hw.kv_sram.score_kib != 0 ? "score_kib" : "capacity_kib",
          hw.kv_sram.score_kib != 0 ? hw.kv_sram.score_kib : hw.kv_sram.capacity_kib));
    }
  }
  const KvSramNeed need = kv_sram_need(hw, model, algo);
  const std::uint64_t credits = hw.kv_sram.staging_bytes() / hw.memory.request_bytes;
  if (credits < need.tile_requests && hw.kv_sram.staging_bytes() != hw.kv_sram.capacity_bytes()) {
    // The split keys leave too little staging space.
    const std::uint64_t staging_kib = hw.kv_sram.staging_bytes() / 1024;
    throw InputError(fmt::format(
        "{}: kv_sram.{}: capacity_kib {} - prefetch_kib {} - score_kib {} leaves "
        "{} KiB of staging space, which cannot stage one K/V tile of model {} under {} "
        "attention ({} KiB at the longest context); prefetch_kib + score_kib may be at most {}",
        hw.kv_sram.prefetch_kib != 0 ? hw.kv_sram.prefetch_kib_at : hw.kv_sram.score_kib_at,
        hw.kv_sram.prefetch_kib != 0 ? "prefetch_kib" : "score_kib", hw.kv_sram.capacity_kib,
        hw.kv_sram.prefetch_kib, hw.kv_sram.score_kib, staging_kib, model.name,
        tlmx::attention_algo_name(algo), need.min_kib,
        hw.kv_sram.capacity_kib > need.min_kib ? hw.kv_sram.capacity_kib - need.min_kib : 0));
  }
  if (credits < need.tile_requests) {
    throw InputError(fmt::format(
        "{}: kv_sram.capacity_kib: {} KiB cannot stage one K/V tile of model {} under {} "
        "attention ({} requests of memory.request_bytes = {}, {} KiB at the longest context); "
        "the minimum is {}, and {} double-buffers",
        hw.kv_sram.capacity_kib_at, hw.kv_sram.capacity_kib, model.name,
        tlmx::attention_algo_name(algo), need.tile_requests, hw.memory.request_bytes, need.min_kib,
        need.min_kib, need.double_buffer_kib));
  }
}

}  // namespace skv::sim
