#pragma once
// The attention schedules the pipeline can run (docs/architecture.md, "Attention"), and
// their names as the command line, the reports and sweep files spell them: the one list
// of algorithms. Plain C++, no SystemC: the sweep code (skv_core) includes it as well as
// the models (skv_sim).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace skv::tlmx {

enum class AttentionAlgo {
  SwiftKV,    // one pass, per-token online max/normaliser update
  Native,     // scores materialised; max pass; exp-and-sum pass; normalise; P.V pass
  Blockwise,  // FlashAttention style: per-block max and rescale
  SplitK,     // FlashDecoding style: P online partitions, then a merge
};
inline constexpr AttentionAlgo kAttentionAlgos[] = {
    AttentionAlgo::SwiftKV, AttentionAlgo::Native, AttentionAlgo::Blockwise, AttentionAlgo::SplitK};

// Names as the command line and the reports spell them.
constexpr const char* attention_algo_name(AttentionAlgo a) {
  switch (a) {
    case AttentionAlgo::SwiftKV:
      return "swiftkv";
    case AttentionAlgo::Native:
      return "native";
    case AttentionAlgo::Blockwise:
      return "flash";
    case AttentionAlgo::SplitK:
      return "flashdecoding";
  }
  return "?";
}

// Every name, in order (the default algorithm set of `compare` and `numerics`).
inline std::vector<std::string> attention_algo_names() {
  std::vector<std::string> out;
  for (const AttentionAlgo a : kAttentionAlgos) out.emplace_back(attention_algo_name(a));
  return out;
}

// The same names separated by ", " (for help texts and error messages).
inline std::string attention_algo_list() {
  std::string out;
  for (const std::string& name : attention_algo_names()) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// The algorithm of that name (as attention_algo_name spells it); nullopt for any other.
inline std::optional<AttentionAlgo> parse_attention_algo(std::string_view name) {
  for (const AttentionAlgo a : kAttentionAlgos) {
    if (name == attention_algo_name(a)) return a;
  }
  return std::nullopt;
}

}  // namespace skv::tlmx
