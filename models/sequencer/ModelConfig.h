#pragma once
// Validated description of one decoder-only LLM: what the sequencer decodes, and its
// schema: the keys of a model file (loaded by src/config/ModelConfigLoader.*;
// docs/formats.md's table of them is generated from the schema below).

#include <cstdint>
#include <string>

#include "common/ConfigSchema.h"

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

inline const schema::Schema<ModelConfig>& model_schema() {
  using namespace schema;
  static const Schema<ModelConfig> instance = [] {
    Schema<ModelConfig> s;
    s.key("name", SKV_MEMBER(name), text(), "", required, Timing::No, "shown in reports");
    s.key("layers", SKV_MEMBER(layers), integer(1, 1024), "", required, Timing::Yes,
          "decoder layers");
    s.key("hidden_size", SKV_MEMBER(hidden_size), integer(1, 1u << 20), "elements", required,
          Timing::Yes, "model width");
    s.key("heads", SKV_MEMBER(heads), integer(1, 1024), "", required, Timing::Yes, "query heads");
    s.key("kv_heads", SKV_MEMBER(kv_heads), integer(1, 1024), "", required, Timing::Yes,
          "K/V heads: `heads` for MHA, 1 for MQA, a divisor of `heads` for GQA");
    s.key("head_dim", SKV_MEMBER(head_dim), integer(1, 4096), "elements", required, Timing::Yes,
          "d");
    s.key("ffn_size", SKV_MEMBER(ffn_size), integer(1, 1u << 22), "elements", required, Timing::Yes,
          "FFN intermediate size");
    s.key("ffn_kind", SKV_MEMBER(ffn_kind),
          names<FfnKind>({{"gated_silu", FfnKind::GatedSilu}, {"gelu", FfnKind::Gelu}}), "",
          required, Timing::Yes,
          "`gated_silu`: gate and up GEMVs (2 x `ffn_size` outputs) and SiLU-and-multiply; "
          "`gelu`: one up GEMV and GELU");
    s.key("vocab_size", SKV_MEMBER(vocab_size), integer(1, 1u << 24), "tokens", required,
          Timing::Yes, "rows of the LM head");
    s.key("max_context", SKV_MEMBER(max_context), integer(1, 1u << 24), "tokens", required,
          Timing::Yes,
          "KV cache tokens reserved per request (DRAM layout); a trace row needs `kv_len + 1 "
          "<= max_context`");
    s.key("weight_bits", SKV_MEMBER(weight_bits), integer_one_of({4, 8, 16, 32}), "bits", required,
          Timing::Yes, "weight precision (GEMV weight traffic and MAC slots)");
    s.key("activation_bits", SKV_MEMBER(activation_bits), integer_one_of({4, 8, 16, 32}), "bits",
          required, Timing::Yes, "activation precision");
    // K/V elements are whole bytes: the KV cache layout addresses them by byte.
    s.key("kv_bits", SKV_MEMBER(kv_bits), integer_one_of({8, 16, 32}), "bits", required,
          Timing::Yes, "K/V element precision (KV cache size and traffic)");
    return s;
  }();
  return instance;
}

}  // namespace skv::config
