#include "config/ModelConfigLoader.h"

#include <fmt/format.h>

#include "config/ConfigNode.h"

namespace skv::config {

ModelConfig load_model_config(const std::string& path) {
  Node n = Node::load_file(path);
  ModelConfig m;
  m.source_file = path;
  auto u32 = [&n](const char* key, std::uint32_t lo, std::uint32_t hi) {
    return static_cast<std::uint32_t>(n.get_uint(key, lo, hi));
  };
  m.name = n.get_string("name");
  m.layers = u32("layers", 1, 1024);
  m.hidden_size = u32("hidden_size", 1, 1u << 20);
  m.heads = u32("heads", 1, 1024);
  m.kv_heads = u32("kv_heads", 1, 1024);
  m.head_dim = u32("head_dim", 1, 4096);
  m.ffn_size = u32("ffn_size", 1, 1u << 22);
  m.ffn_kind = n.get_enum("ffn_kind", {"gated_silu", "gelu"}) == "gated_silu" ? FfnKind::GatedSilu
                                                                             : FfnKind::Gelu;
  m.vocab_size = u32("vocab_size", 1, 1u << 24);
  m.max_context = u32("max_context", 1, 1u << 24);
  m.weight_bits = u32("weight_bits", 1, 32);
  m.activation_bits = u32("activation_bits", 1, 32);
  m.kv_bits = u32("kv_bits", 1, 64);
  // K/V elements are whole bytes: the KV cache layout addresses them by byte.
  if (m.kv_bits != 8 && m.kv_bits != 16 && m.kv_bits != 32) {
    n.fail("kv_bits", fmt::format("{} is not supported (allowed: 8, 16, 32)", m.kv_bits));
  }
  for (const char* key : {"weight_bits", "activation_bits"}) {
    const auto bits = n.get_uint(key, 1, 64);
    if (bits != 4 && bits != 8 && bits != 16 && bits != 32) {
      n.fail(key, fmt::format("{} is not supported (allowed: 4, 8, 16, 32)", bits));
    }
  }
  if (m.heads % m.kv_heads != 0) {
    n.fail("kv_heads", fmt::format("{} does not divide heads = {} (each K/V head serves a whole "
                                   "group of query heads)", m.kv_heads, m.heads));
  }
  n.finish();
  return m;
}

}  // namespace skv::config
