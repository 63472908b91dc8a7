#pragma once
// Accuracy of each algorithm's fixed-point datapath against the double reference, on
// random problems generated deterministically (the same bytes on every platform).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <random>
#include <string>
#include <vector>

#include "numerics/Attention.h"

namespace skv::numerics {

// Uniform in [0, 1) from the top 53 bits of one draw. std::mt19937_64's output sequence is
// fixed by the standard; std::uniform_real_distribution's mapping is not.
double uniform01(std::mt19937_64& rng);

// q and k uniform in [-qk_range, qk_range), v uniform in [-v_range, v_range), drawn in that
// order from an mt19937_64 seeded from (seed, head_dim, kv_length), so every shape gets its
// own independent data. With the defaults and d = 128 the scores c * q.k have a standard
// deviation of about 1.9 (in log2 units), a moderately peaked softmax.
AttentionProblem make_random_problem(std::size_t head_dim, std::size_t kv_length,
                                     std::uint64_t seed, double qk_range = 2.0,
                                     double v_range = 1.0);

struct ErrorMetrics {
  double max_abs_error = 0.0;  // max_i |o_i - ref_i|
  double rel_l2_error = 0.0;   // ||o - ref||_2 / ||ref||_2
};
ErrorMetrics compare_outputs(const std::vector<double>& out, const std::vector<double>& ref);

struct ErrorRow {
  Algorithm algorithm = Algorithm::SwiftKV;
  NumericsConfig config;
  std::size_t head_dim = 0;
  std::size_t kv_length = 0;
  std::size_t seeds = 0;
  double max_abs_error = 0.0;     // over all seeds and output elements
  double rel_l2_error = 0.0;      // pooled: sqrt(sum of ||o - ref||^2 / sum of ||ref||^2)
  std::uint64_t saturations = 0;  // all kinds, summed over seeds
  std::uint64_t exp_underflows = 0;
};

struct ErrorTableSpec {
  std::size_t head_dim = 128;
  std::vector<std::size_t> kv_lengths{1024, 4096, 32768};
  std::size_t seeds = 3;
  std::uint64_t first_seed = 1;  // seeds used: first_seed .. first_seed + seeds - 1
  std::vector<Algorithm> algorithms{std::begin(kAllAlgorithms), std::end(kAllAlgorithms)};
  std::vector<NumericsConfig> configs{NumericsConfig{}};  // the number formats to compare
  // Called after each (kv length, seed) problem with (done, total); may be empty.
  std::function<void(std::size_t, std::size_t)> progress;
};

// One row per (config, algorithm, kv length), in that nesting order. Throws
// skv::InputError on an invalid spec.
std::vector<ErrorRow> error_table(const ErrorTableSpec& spec);

// A readable fixed-width table of the rows, and the same fields as CSV (one header line).
std::string format_error_table(const std::vector<ErrorRow>& rows);
void write_error_table_csv(std::ostream& os, const std::vector<ErrorRow>& rows);

}  // namespace skv::numerics
