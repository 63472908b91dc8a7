#include "models/attention/AttentionPipeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "common/IntMath.h"

namespace skv {

AttentionPipeline::AttentionPipeline(sc_core::sc_module_name name,
                                     const config::AttentionConfig& cfg,
                                     const config::KvSramConfig& sram,
                                     const tlmx::ClockDomain& clock)
    : sc_module(name),
      cmd("cmd"),
      kv("kv"),
      cfg_(cfg),
      sram_(sram),
      clock_(clock),
      planner_(cfg, sram.score_space_bytes()) {
  cmd.register_b_transport(this, &AttentionPipeline::b_transport);
}

std::string AttentionPipeline::activity() const {
  if (!at_.busy) return {};
  return fmt::format("attention_pipeline {} K/V tile {} of {} (head pass {} of {}) since cycle {}",
                     at_.reading ? "waits for" : "computes", at_.tile + 1, at_.tiles,
                     at_.pass + 1, at_.passes, at_.since_cycle);
}

void AttentionPipeline::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  tlmx::OpExtension* ext = nullptr;
  gp.get_extension(ext);
  if (ext == nullptr) throw std::logic_error("AttentionPipeline: command without an operation");
  if (!tlmx::kind_fits(ext->op, ext->kind)) {
    throw std::logic_error("AttentionPipeline: an operation whose kind does not fit it");
  }
  if (ext->prefetch) {
    tlmx::KvPrefetch* ranges = nullptr;
    gp.get_extension(ranges);
    if (ranges == nullptr || !std::holds_alternative<tlmx::AttentionOp>(ext->op)) {
      throw std::logic_error("AttentionPipeline: a prefetch of no attention's K/V");
    }
    prefetch(*ranges);  // takes no time: the SRAM's DMA runs on its own
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  sc_core::wait(delay);
  delay = sc_core::SC_ZERO_TIME;
  clock_.align();
  if (const auto* a = std::get_if<tlmx::AttentionOp>(&ext->op)) {
    run_attention(*a, ext->progress);
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
  const tlmx::ScopedExtension<tlmx::RequestOwner> with_owner(gp, &owner_);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  kv->b_transport(gp, delay);
  if (gp.is_response_error()) throw std::runtime_error("AttentionPipeline: KV access failed");
  return delay;
}

void AttentionPipeline::prefetch(const tlmx::KvPrefetch& ranges) {
  tlm::tlm_generic_payload gp;
  gp.set_command(tlm::TLM_IGNORE_COMMAND);
  gp.set_address(0);
  gp.set_data_ptr(nullptr);
  gp.set_data_length(0);
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  tlmx::KvPrefetch copy = ranges;
  tlmx::RequestOwner owner;
  owner.kind = tlmx::OpKind::attention;
  const tlmx::ScopedExtension<tlmx::KvPrefetch> with_ranges(gp, &copy);
  const tlmx::ScopedExtension<tlmx::RequestOwner> with_owner(gp, &owner);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  kv->b_transport(gp, delay);
  if (gp.is_response_error()) throw std::runtime_error("AttentionPipeline: K/V prefetch failed");
}

void AttentionPipeline::run_attention(const tlmx::AttentionOp& op, tlmx::PassProgress* progress) {
  owner_.kind = tlmx::OpKind::attention;
  ++stats_.attention_ops;
  stats_.fxp32_macs += op.tokens * op.q_heads * 2ull * op.head_dim;
  using Tile = AttentionPlanner::Tile;
  const AttentionPlanner::Plan plan = planner_.plan(op);
  const AttentionPlanner::Arithmetic arith = AttentionPlanner::arithmetic(plan);
  stats_.exp2_evals += arith.exp2_evals;
  stats_.divisions += arith.divisions;
  const std::uint64_t tiles = plan.tiles();
  at_ = Position{true, false, 0, tiles, 0, plan.passes, clock_.now_cycle()};
  Tile current = planner_.tile(plan, 0);
  // The head pass in progress, for the recorder: its index, first cycle and tiles.
  std::uint64_t pass_of = current.pass;
  std::uint64_t pass_since_ps = sc_core::sc_time_stamp().value();
  std::uint64_t pass_tiles = 0;
  auto report_pass = [&] {
    const std::uint64_t first = pass_of * plan.heads_per_pass;
    const std::uint64_t heads =
        std::min<std::uint64_t>(plan.heads_per_pass,
                                op.q_heads - std::min<std::uint64_t>(first, op.q_heads));
    recorder_->head_pass(static_cast<std::uint32_t>(first), static_cast<std::uint32_t>(heads),
                         pass_tiles, pass_since_ps, sc_core::sc_time_stamp().value());
  };
  for (std::uint64_t i = 0; i < tiles; ++i) {
    if (recorder_ != nullptr) {
      if (current.pass != pass_of) {
        report_pass();
        pass_of = current.pass;
        pass_since_ps = sc_core::sc_time_stamp().value();
        pass_tiles = 0;
      }
      ++pass_tiles;
    }
    Tile next;
    if (i + 1 < tiles) next = planner_.tile(plan, i + 1);
    const AttentionPlanner::Sweep& sw = plan.sweeps[current.sweep];
    at_.tile = i;
    at_.pass = current.pass;
    at_.since_cycle = clock_.now_cycle();
    at_.reading = true;
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
    at_.reading = false;
    const std::uint64_t sram_cycles = ceil_div(clock_.cycle_at_or_after(port_time), sram_.ports);
    const std::uint64_t compute =
        ceil_div(current.tokens, sw.token_lanes) * sw.cycles_per_token + sw.cycles_per_tile;
    const std::uint64_t cycles = std::max(compute, sram_cycles);
    if (recorder_ != nullptr && sram_cycles != 0) {
      std::uint64_t bytes = current.scratch_bytes;
      for (const auto& r : current.reads) bytes += r.bytes;
      for (const auto& w : current.writes) bytes += w.bytes;
      const std::uint64_t now_ps = sc_core::sc_time_stamp().value();
      recorder_->sram_port(current.reads.empty() && !current.writes.empty(), bytes, now_ps,
                           now_ps + clock_.cycles(sram_cycles).value());
    }
    sc_core::wait(clock_.cycles(cycles));
    stats_.compute_cycles += compute;
    stats_.sram_bound_cycles += cycles - compute;
    stats_.busy_cycles += cycles;
    if (current.sweep == 0) {
      const std::uint64_t heads = std::min<std::uint64_t>(
          plan.heads_per_pass, op.q_heads - current.pass * plan.heads_per_pass);
      stats_.token_heads += current.tokens * heads;
    }
    if (current.last_of_sweep) {
      sc_core::wait(clock_.cycles(sw.tail_cycles));
      stats_.tail_cycles += sw.tail_cycles;
      stats_.busy_cycles += sw.tail_cycles;
      if (current.sweep + 1 == plan.sweeps.size()) {
        ++stats_.head_passes;
        if (progress != nullptr) {
          ++progress->passes_done;
          progress->changed.notify(sc_core::SC_ZERO_TIME);
        }
      }
    }
    current = std::move(next);
  }
  if (recorder_ != nullptr && tiles != 0) report_pass();
  at_.busy = false;
  if (progress != nullptr) {
    progress->finished = true;
    progress->end = sc_core::sc_time_stamp();
    progress->changed.notify(sc_core::SC_ZERO_TIME);
  }
}

void AttentionPipeline::run_kv_append(const tlmx::KvAppendOp& op) {
  ++stats_.kv_appends;
  owner_.kind = tlmx::OpKind::kv_append;
  const auto& l = op.layout;
  const std::uint64_t bytes = std::uint64_t{l.head_dim} * l.elem_bytes();
  sc_core::sc_time t = sc_core::SC_ZERO_TIME;
  for (std::uint32_t h = 0; h < l.kv_heads; ++h) {
    t += kv_access(tlm::TLM_WRITE_COMMAND, {l.k_addr(h, op.position), bytes}, nullptr, nullptr);
    t += kv_access(tlm::TLM_WRITE_COMMAND, {l.v_addr(h, op.position), bytes}, nullptr, nullptr);
  }
  const std::uint64_t cycles = ceil_div(clock_.cycle_at_or_after(t), sram_.ports);
  if (recorder_ != nullptr && cycles != 0) {
    const std::uint64_t now_ps = sc_core::sc_time_stamp().value();
    recorder_->sram_port(true, 2 * bytes * l.kv_heads, now_ps,
                         now_ps + clock_.cycles(cycles).value());
  }
  sc_core::wait(clock_.cycles(cycles));
  stats_.kv_append_cycles += cycles;
}

}  // namespace skv
