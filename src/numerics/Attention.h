#pragma once
// Decode attention for one query against a KV cache, bit-exact in the fixed-point
// datapath, for each algorithm the simulator compares, plus a double reference.
//
// The softmax scale is folded into a base-2 exponent: with c = log2(e) / sqrt(d),
// 2^(c * q.k) = e^(q.k / sqrt(d)), so every algorithm uses the Exp2Unit and still computes
// exact softmax attention up to rounding. See docs/numerics.md.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "models/tlm/AttentionAlgo.h"
#include "numerics/FixedPoint.h"

namespace skv::numerics {

// The algorithms the simulator compares: one list for the numerics, the attention pipeline
// and the command line (models/tlm/AttentionAlgo.h).
using Algorithm = tlmx::AttentionAlgo;
inline constexpr const auto& kAllAlgorithms = tlmx::kAttentionAlgos;

// The command-line names ("swiftkv", "native", "flash", "flashdecoding"), as `run --algo`
// spells them.
inline const char* algorithm_name(Algorithm algo) { return tlmx::attention_algo_name(algo); }
// Accepts those names and the aliases "blockwise" and "splitk"; nullopt otherwise.
std::optional<Algorithm> parse_algorithm(const std::string& name);

struct NumericsConfig {
  // q, k, v, c, scores, exponent input and output, normalised weights, outputs.
  FixedFormat data{32, 17};
  // The normaliser Z and numerator Y. Z reaches L when all scores are equal (L up to
  // 32768 > 16384, the data format's limit), so it is wider: Q31.17, 2^30 of headroom.
  FixedFormat accum{48, 17};
  int exp_index_bits = 5;       // exp2 table index width: 2^5 = 32 intervals
  std::size_t block_size = 64;  // Blockwise: tokens per block
  std::size_t partitions = 8;   // SplitK: number of KV partitions

  // Throws skv::InputError naming the offending field.
  void validate() const;
};

// One decode query against L tokens. k and v are row-major L x head_dim.
struct AttentionProblem {
  std::size_t head_dim = 0;
  std::size_t kv_length = 0;
  std::vector<double> q;
  std::vector<double> k;
  std::vector<double> v;

  // Throws std::invalid_argument if the sizes disagree or are zero.
  void check() const;
};

// The attention output (head_dim values) computed in the fixed-point datapath of `config`
// by `algo`. Inputs are first rounded to config.data. Operation and saturation counts are
// added to *stats if stats is not null.
std::vector<double> attend(Algorithm algo, const NumericsConfig& config,
                           const AttentionProblem& problem, Stats* stats = nullptr);

// Softmax attention in double precision on the unrounded inputs: the yardstick.
std::vector<double> reference_attend(const AttentionProblem& problem);

}  // namespace skv::numerics
