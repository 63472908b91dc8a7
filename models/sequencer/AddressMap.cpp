#include "models/sequencer/AddressMap.h"

#include <fmt/format.h>

#include "common/Error.h"
#include "common/Figures.h"

namespace skv::sim {

namespace {
constexpr std::uint64_t kAlign = 4096;
std::uint64_t align_up(std::uint64_t v) { return (v + kAlign - 1) / kAlign * kAlign; }
}  // namespace

AddressMap::AddressMap(const config::ModelConfig& m, const config::HwConfig& hw)
    : model_(m), slots_(hw.memory.max_batch) {
  const std::uint64_t q_dim = std::uint64_t{m.heads} * m.head_dim;
  const std::uint64_t kv_dim = std::uint64_t{m.kv_heads} * m.head_dim;
  const std::uint64_t ffn_in_rows = (m.ffn_kind == config::FfnKind::GatedSilu ? 2 : 1) *
                                    std::uint64_t{m.ffn_size};
  auto bytes = [&m](std::uint64_t out, std::uint64_t in) { return out * in * m.weight_bits / 8; };
  std::uint64_t off = 0;
  qkv_off_ = off;
  off = align_up(off + bytes(q_dim + 2 * kv_dim, m.hidden_size));
  o_off_ = off;
  off = align_up(off + bytes(m.hidden_size, q_dim));
  ffn_in_off_ = off;
  off = align_up(off + bytes(ffn_in_rows, m.hidden_size));
  ffn_down_off_ = off;
  off = align_up(off + bytes(m.hidden_size, m.ffn_size));
  layer_weight_bytes_ = off;
  lm_head_addr_ = layer_weight_bytes_ * m.layers;
  weight_bytes_ = align_up(lm_head_addr_ + bytes(m.vocab_size, m.hidden_size));
  kv_base_ = weight_bytes_;
  kv_layer_bytes_ = align_up(2ull * m.kv_heads * m.max_context * m.head_dim * m.kv_bits / 8);
  kv_bytes_ = kv_layer_bytes_ * m.layers * slots_;
  // Materialised scores (native attention) that spill off chip: one row of
  // max_context scores per query head; reused by every layer.
  score_base_ = kv_base_ + kv_bytes_;
  score_slot_bytes_ = align_up(std::uint64_t{m.heads} * m.max_context * hw.attention.score_bits / 8);
  kv_bytes_ += score_slot_bytes_ * slots_;
  const auto& org = hw.dram.org;
  capacity_ = std::uint64_t{org.channels} * org.banks() * org.rows * org.row_bytes();
  if (weight_bytes_ + kv_bytes_ > capacity_) {
    throw InputError(fmt::format(
        "{}: memory.max_batch: model {} needs {} of weights plus {} of KV "
        "cache ({} slot(s) of {} tokens), more than the {} of DRAM '{}'",
        hw.memory.max_batch_at, m.name, format_bytes(weight_bytes_), format_bytes(kv_bytes_),
        slots_, m.max_context, format_bytes(capacity_), hw.dram.name));
  }
}

tlmx::GemvOp AddressMap::matrix(std::uint64_t out, std::uint64_t in, std::uint64_t addr) const {
  tlmx::GemvOp g;
  g.out_features = out;
  g.in_features = in;
  g.batch = 1;
  g.weight_bits = model_.weight_bits;
  g.activation_bits = model_.activation_bits;
  g.weight_addr = addr;
  return g;
}

LayerWeights AddressMap::layer(std::uint32_t layer) const {
  const auto& m = model_;
  const std::uint64_t base = layer_weight_bytes_ * layer;
  const std::uint64_t q_dim = std::uint64_t{m.heads} * m.head_dim;
  const std::uint64_t kv_dim = std::uint64_t{m.kv_heads} * m.head_dim;
  const std::uint64_t ffn_in_rows = (m.ffn_kind == config::FfnKind::GatedSilu ? 2 : 1) *
                                    std::uint64_t{m.ffn_size};
  return LayerWeights{matrix(q_dim + 2 * kv_dim, m.hidden_size, base + qkv_off_),
                      matrix(m.hidden_size, q_dim, base + o_off_),
                      matrix(ffn_in_rows, m.hidden_size, base + ffn_in_off_),
                      matrix(m.hidden_size, m.ffn_size, base + ffn_down_off_)};
}

tlmx::GemvOp AddressMap::lm_head() const {
  return matrix(model_.vocab_size, model_.hidden_size, lm_head_addr_);
}

tlmx::AttentionOp AddressMap::kv_layout(std::uint32_t slot, std::uint32_t layer) const {
  tlmx::AttentionOp a;
  a.q_heads = model_.heads;
  a.kv_heads = model_.kv_heads;
  a.head_dim = model_.head_dim;
  a.kv_bits = model_.kv_bits;
  a.max_tokens = model_.max_context;
  a.kv_base_addr = kv_base_ + (std::uint64_t{slot} * model_.layers + layer) * kv_layer_bytes_;
  a.score_base_addr = score_base_ + std::uint64_t{slot} * score_slot_bytes_;
  return a;
}

}  // namespace skv::sim
