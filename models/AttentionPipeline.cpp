#include "models/AttentionPipeline.h"

#include <algorithm>
#include <stdexcept>

namespace skv {

namespace {
std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }
std::uint64_t ceil_log2(std::uint64_t v) {
  std::uint64_t n = 0;
  while ((std::uint64_t{1} << n) < v) ++n;
  return n;
}
}  // namespace

AttentionPipeline::AttentionPipeline(sc_core::sc_module_name name,
                                     const config::AttentionConfig& cfg,
                                     std::uint32_t sram_ports, const tlmx::ClockDomain& clock)
    : sc_module(name), cmd("cmd"), kv("kv"), cfg_(cfg), sram_ports_(sram_ports), clock_(clock) {
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
                                              const std::vector<tlmx::AddrRange>* next_tile) {
  tlm::tlm_generic_payload gp;
  gp.set_command(command);
  gp.set_address(r.addr);
  gp.set_data_ptr(nullptr);
  gp.set_data_length(static_cast<unsigned int>(r.bytes));
  gp.set_streaming_width(static_cast<unsigned int>(r.bytes));
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  tlmx::TileHint hint;
  if (this_tile != nullptr) {
    hint.this_tile = *this_tile;
    hint.next_tile = *next_tile;
    gp.set_extension(&hint);
  }
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  kv->b_transport(gp, delay);
  if (this_tile != nullptr) gp.clear_extension(&hint);
  if (gp.is_response_error()) throw std::runtime_error("AttentionPipeline: KV access failed");
  return delay;
}

std::vector<tlmx::AddrRange> AttentionPipeline::tile_ranges(const tlmx::AttentionOp& op,
                                                            std::uint64_t index) const {
  const std::uint64_t tiles_per_pass = ceil_div(op.tokens, cfg_.tile_tokens);
  const std::uint64_t pass = index / tiles_per_pass;
  const std::uint64_t first_token = (index % tiles_per_pass) * cfg_.tile_tokens;
  const std::uint64_t n = std::min<std::uint64_t>(cfg_.tile_tokens, op.tokens - first_token);
  const std::uint32_t group = op.q_heads / op.kv_heads;
  const std::uint64_t q_first = pass * cfg_.heads_in_parallel;
  const std::uint64_t q_last = std::min<std::uint64_t>(op.q_heads, q_first + cfg_.heads_in_parallel) - 1;
  std::vector<tlmx::AddrRange> out;
  for (std::uint64_t h = q_first / group; h <= q_last / group; ++h) {
    const auto kvh = static_cast<std::uint32_t>(h);
    out.push_back({op.k_addr(kvh, first_token), n * op.head_dim * op.elem_bytes()});
    out.push_back({op.v_addr(kvh, first_token), n * op.head_dim * op.elem_bytes()});
  }
  return out;
}

void AttentionPipeline::run_attention(const tlmx::AttentionOp& op) {
  ++stats_.attention_ops;
  const std::uint64_t passes = ceil_div(op.q_heads, cfg_.heads_in_parallel);
  const std::uint64_t tiles_per_pass = ceil_div(op.tokens, cfg_.tile_tokens);
  const std::uint64_t tiles = passes * tiles_per_pass;
  const std::uint64_t ii = initiation_interval(op.head_dim);
  std::vector<tlmx::AddrRange> current = tile_ranges(op, 0);
  for (std::uint64_t t = 0; t < tiles; ++t) {
    std::vector<tlmx::AddrRange> next;
    if (t + 1 < tiles) next = tile_ranges(op, t + 1);
    // SRAM port time of the tile, shared over the SRAM's ports.
    sc_core::sc_time port_time = sc_core::SC_ZERO_TIME;
    for (std::size_t i = 0; i < current.size(); ++i) {
      port_time += kv_access(tlm::TLM_READ_COMMAND, current[i], i == 0 ? &current : nullptr,
                             i == 0 ? &next : nullptr);
    }
    const std::uint64_t sram_cycles =
        ceil_div(clock_.cycle_at_or_after(port_time), sram_ports_);
    const std::uint64_t first_token = (t % tiles_per_pass) * cfg_.tile_tokens;
    const std::uint64_t n = std::min<std::uint64_t>(cfg_.tile_tokens, op.tokens - first_token);
    const std::uint64_t compute = n * ii;
    const std::uint64_t cycles = std::max(compute, sram_cycles);
    sc_core::wait(clock_.cycles(cycles));
    stats_.compute_cycles += compute;
    stats_.sram_bound_cycles += cycles - compute;
    stats_.busy_cycles += cycles;
    stats_.tokens += n * std::min<std::uint64_t>(cfg_.heads_in_parallel,
                                                 op.q_heads - (t / tiles_per_pass) * cfg_.heads_in_parallel);
    if ((t + 1) % tiles_per_pass == 0) {
      // The last token of the pass drains through the pipeline, then o = Y / Z.
      const std::uint64_t tail = depth_cycles() + divide_cycles(op.head_dim);
      sc_core::wait(clock_.cycles(tail));
      stats_.fill_drain_cycles += tail;
      stats_.busy_cycles += tail;
      ++stats_.head_passes;
    }
    current.swap(next);
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
  const std::uint64_t cycles = ceil_div(clock_.cycle_at_or_after(t), sram_ports_);
  sc_core::wait(clock_.cycles(cycles));
  stats_.kv_append_cycles += cycles;
}

}  // namespace skv
