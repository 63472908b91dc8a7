#pragma once
// Validated description of one decoder-only LLM: what the sequencer decodes (loaded by
// src/config/ModelConfigLoader.*; docs/formats.md documents every key).

#include <cstdint>
#include <string>

namespace skv::config {

enum class FfnKind { GatedSilu, Gelu };

struct ModelConfig {
  std::string name;
  std::string source_file;
  std::uint32_t layers = 0;
  std::uint32_t hidden_size = 0;
  std::uint32_t heads = 0;         // query heads
  std::uint32_t kv_heads = 0;      // K/V heads (== heads: MHA; 1: MQA; between: GQA)
  std::uint32_t head_dim = 0;
  std::uint32_t ffn_size = 0;
  FfnKind ffn_kind = FfnKind::GatedSilu;
  std::uint32_t vocab_size = 0;
  std::uint32_t max_context = 0;   // KV cache tokens reserved per request
  std::uint32_t weight_bits = 4;
  std::uint32_t activation_bits = 8;
  std::uint32_t kv_bits = 32;

  std::uint32_t q_per_kv() const { return heads / kv_heads; }
  std::uint64_t kv_bytes_per_token_per_layer() const {
    return 2ull * kv_heads * head_dim * kv_bits / 8;
  }
};

}  // namespace skv::config
