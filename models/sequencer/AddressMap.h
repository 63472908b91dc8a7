#pragma once
// Where the model's weights and KV caches live in DRAM: weights first, matrix after
// matrix, then one KV cache region per batch slot and layer. Each region starts on a
// 4 KiB boundary so streams begin at the start of a DRAM row.

#include <cstdint>

#include "models/top/HwConfig.h"
#include "models/sequencer/ModelConfig.h"
#include "models/tlm/Ops.h"

namespace skv::sim {

struct LayerWeights {
  tlmx::GemvOp qkv;
  tlmx::GemvOp o;
  tlmx::GemvOp ffn_in;    // gate and up together (gated), or up alone
  tlmx::GemvOp ffn_down;
};

class AddressMap {
 public:
  // Throws InputError if weights and KV caches do not fit the DRAM.
  AddressMap(const config::ModelConfig& model, const config::HwConfig& hw);

  // GEMV descriptors of one layer (batch 1; the sequencer sets the batch).
  LayerWeights layer(std::uint32_t layer) const;
  tlmx::GemvOp lm_head() const;
  // Attention layout of `slot`'s KV cache for `layer` (tokens unset).
  tlmx::AttentionOp kv_layout(std::uint32_t slot, std::uint32_t layer) const;

  std::uint64_t weight_bytes() const { return weight_bytes_; }
  std::uint64_t kv_bytes() const { return kv_bytes_; }
  std::uint64_t dram_capacity_bytes() const { return capacity_; }

 private:
  tlmx::GemvOp matrix(std::uint64_t out, std::uint64_t in, std::uint64_t addr) const;

  const config::ModelConfig& model_;
  std::uint32_t slots_;
  std::uint64_t layer_weight_bytes_ = 0;
  std::uint64_t qkv_off_ = 0, o_off_ = 0, ffn_in_off_ = 0, ffn_down_off_ = 0;
  std::uint64_t lm_head_addr_ = 0;
  std::uint64_t weight_bytes_ = 0;
  std::uint64_t kv_base_ = 0;
  std::uint64_t kv_layer_bytes_ = 0;
  std::uint64_t kv_bytes_ = 0;
  std::uint64_t score_base_ = 0;       // spilled scores, one region per batch slot
  std::uint64_t score_slot_bytes_ = 0;
  std::uint64_t capacity_ = 0;
};

}  // namespace skv::sim
