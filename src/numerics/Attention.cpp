#include "numerics/Attention.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "common/Error.h"
#include "numerics/Exp2Unit.h"

namespace skv::numerics {

std::optional<Algorithm> parse_algorithm(const std::string& name) {
  if (const auto algo = tlmx::parse_attention_algo(name)) return algo;
  if (name == "blockwise") return Algorithm::Blockwise;
  if (name == "splitk") return Algorithm::SplitK;
  return std::nullopt;
}

void NumericsConfig::validate() const {
  data.validate("data format");
  accum.validate("accumulator format");
  // 48 bits keeps a dot product of up to 2^30 exact products inside 127 bits.
  if (data.total_bits > 48) {
    throw InputError(
        fmt::format("data format: total bits must be at most 48, got {}", data.total_bits));
  }
  // The accumulators must hold every data value exactly, so adding a weight b to Z
  // never rounds or clips before the add itself.
  if (accum.frac_bits < data.frac_bits ||
      accum.total_bits - accum.frac_bits < data.total_bits - data.frac_bits) {
    throw InputError(fmt::format(
        "accumulator format {} must have at least the fractional and integer bits of the "
        "data format {}",
        accum.name(), data.name()));
  }
  Exp2Unit(data, exp_index_bits);  // validates the index width against the data format
  if (block_size < 1) throw InputError("block size must be at least 1");
  if (partitions < 1) throw InputError("partitions must be at least 1");
}

void AttentionProblem::check() const {
  if (head_dim == 0 || kv_length == 0) {
    throw std::invalid_argument("attention problem: head_dim and kv_length must be non-zero");
  }
  if (q.size() != head_dim || k.size() != kv_length * head_dim ||
      v.size() != kv_length * head_dim) {
    throw std::invalid_argument("attention problem: q, k, v sizes disagree with its shape");
  }
}

namespace {

// Running softmax state of an online pass: max m (data format), normaliser Z and
// numerator Y (accumulator format). `empty` stands for the m = -inf start.
struct OnlineState {
  bool empty = true;
  Raw m = 0;
  Raw z = 0;
  std::vector<Raw> y;
};

// The fixed-point units shared by all algorithms, fed with the rounded inputs of one
// problem. Each method is one hardware step, so the algorithms below read as schedules.
class Datapath {
 public:
  Datapath(const NumericsConfig& config, const AttentionProblem& problem, Stats* stats)
      : cfg_(config),
        exp2_(config.data, config.exp_index_bits),
        stats_(stats),
        d_(problem.head_dim),
        q_(quantise(problem.q)),
        k_(quantise(problem.k)),
        v_(quantise(problem.v)),
        c_(from_double(std::log2(std::exp(1.0)) / std::sqrt(static_cast<double>(d_)), config.data,
                       stats)) {}

  std::size_t head_dim() const { return d_; }
  const Raw* v_row(std::size_t t) const { return v_.data() + t * d_; }

  // s_t = c * (q . k_t): a full-precision adder tree, rounded, then the scale multiply.
  Raw score(std::size_t t) const {
    const Raw qk = dot(q_.data(), k_.data() + t * d_, d_, cfg_.data, stats_);
    return mul(c_, cfg_.data, qk, cfg_.data, cfg_.data, stats_);
  }

  // 2^(s - m) for s <= m.
  Raw exp2_diff(Raw s, Raw m) const { return exp2_.eval(sub(s, m, cfg_.data, stats_), stats_); }

  OnlineState start() const {
    OnlineState st;
    st.y.assign(d_, 0);
    return st;
  }

  // Z <- Z * a; Y <- Y * a.
  void rescale(OnlineState& st, Raw a) const {
    st.z = mul(st.z, cfg_.accum, a, cfg_.data, cfg_.accum, stats_, OpKind::Accumulate);
    for (Raw& y : st.y)
      y = mul(y, cfg_.accum, a, cfg_.data, cfg_.accum, stats_, OpKind::Accumulate);
  }

  // Z <- Z + b; Y <- Y + b * v.
  void add_weighted(OnlineState& st, Raw b, const Raw* v) const {
    st.z = add_to_accum(st.z, b);
    for (std::size_t i = 0; i < d_; ++i) st.y[i] = add_product(st.y[i], b, v[i]);
  }

  // acc + x, x in the data format; validate() guarantees the alignment is exact.
  Raw add_to_accum(Raw acc, Raw x) const {
    return add(acc, convert(x, cfg_.data, cfg_.accum, nullptr), cfg_.accum, stats_,
               OpKind::Accumulate);
  }

  // acc + a * b, a and b in the data format, the product rounded to the accumulator.
  Raw add_product(Raw acc, Raw a, Raw b) const {
    const Raw p = mul(a, cfg_.data, b, cfg_.data, cfg_.accum, stats_, OpKind::Accumulate);
    return add(acc, p, cfg_.accum, stats_, OpKind::Accumulate);
  }

  // o = Y / Z, in the data format.
  std::vector<double> finish(const OnlineState& st) const {
    std::vector<double> out(d_);
    for (std::size_t i = 0; i < d_; ++i) {
      out[i] =
          to_double(divide(st.y[i], cfg_.accum, st.z, cfg_.accum, cfg_.data, stats_), cfg_.data);
    }
    return out;
  }

  // One token of the SwiftKV pipeline; also each split-K partition's inner step.
  void online_token(OnlineState& st, std::size_t t) const {
    const Raw s = score(t);
    if (st.empty) {
      // m = -inf: a = 2^(-inf) = 0 would multiply Z = Y = 0; starting m at s_0 gives
      // a = 1 on the same zeros, the same result without an infinity in the format.
      st.m = s;
      st.empty = false;
    }
    const Raw m_new = std::max(st.m, s);
    const Raw a = exp2_diff(st.m, m_new);
    const Raw b = exp2_diff(s, m_new);
    rescale(st, a);
    add_weighted(st, b, v_row(t));
    st.m = m_new;
  }

  const NumericsConfig& config() const { return cfg_; }
  Stats* stats() const { return stats_; }

 private:
  std::vector<Raw> quantise(const std::vector<double>& x) const {
    std::vector<Raw> out(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) out[i] = from_double(x[i], cfg_.data, stats_);
    return out;
  }

  const NumericsConfig& cfg_;
  Exp2Unit exp2_;
  Stats* stats_;
  std::size_t d_;
  std::vector<Raw> q_, k_, v_;
  Raw c_;
};

std::vector<double> swiftkv(const Datapath& dp, std::size_t length) {
  OnlineState st = dp.start();
  for (std::size_t t = 0; t < length; ++t) dp.online_token(st, t);
  return dp.finish(st);
}

std::vector<double> native(const Datapath& dp, std::size_t length) {
  const NumericsConfig& cfg = dp.config();
  // Pass 1: materialise every score.
  std::vector<Raw> p(length);
  for (std::size_t t = 0; t < length; ++t) p[t] = dp.score(t);
  // Pass 2: the maximum.
  const Raw m = *std::max_element(p.begin(), p.end());
  // Pass 3: exponentiate in place and sum.
  Raw z = 0;
  for (Raw& x : p) {
    x = dp.exp2_diff(x, m);
    z = dp.add_to_accum(z, x);
  }
  // Pass 4: normalise each weight to the data format, and pass 5: P . V.
  std::vector<Raw> y(dp.head_dim(), 0);
  for (std::size_t t = 0; t < length; ++t) {
    const Raw pn = divide(p[t], cfg.data, z, cfg.accum, cfg.data, dp.stats());
    const Raw* v = dp.v_row(t);
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = dp.add_product(y[i], pn, v[i]);
  }
  std::vector<double> out(y.size());
  for (std::size_t i = 0; i < y.size(); ++i) {
    out[i] = to_double(convert(y[i], cfg.accum, cfg.data, dp.stats()), cfg.data);
  }
  return out;
}

std::vector<double> blockwise(const Datapath& dp, std::size_t length) {
  const std::size_t block = dp.config().block_size;
  OnlineState st = dp.start();
  std::vector<Raw> s(block);
  for (std::size_t begin = 0; begin < length; begin += block) {
    const std::size_t n = std::min(block, length - begin);
    for (std::size_t j = 0; j < n; ++j) s[j] = dp.score(begin + j);
    const Raw block_max = *std::max_element(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(n));
    if (st.empty) {
      st.m = block_max;
      st.empty = false;
    }
    const Raw m_new = std::max(st.m, block_max);
    dp.rescale(st, dp.exp2_diff(st.m, m_new));  // once per block, not per token
    for (std::size_t j = 0; j < n; ++j) {
      dp.add_weighted(st, dp.exp2_diff(s[j], m_new), dp.v_row(begin + j));
    }
    st.m = m_new;
  }
  return dp.finish(st);
}

std::vector<double> split_k(const Datapath& dp, std::size_t length) {
  const std::size_t parts = dp.config().partitions;
  // Balanced contiguous ranges; with fewer tokens than partitions some stay empty.
  std::vector<OnlineState> partial;
  for (std::size_t p = 0; p < parts; ++p) {
    const std::size_t begin = p * length / parts;
    const std::size_t end = (p + 1) * length / parts;
    if (begin == end) continue;
    OnlineState st = dp.start();
    for (std::size_t t = begin; t < end; ++t) dp.online_token(st, t);
    partial.push_back(std::move(st));
  }
  // Merge: rescale each partial to the global maximum and sum.
  Raw m = partial.front().m;
  for (const OnlineState& st : partial) m = std::max(m, st.m);
  OnlineState total = dp.start();
  const NumericsConfig& cfg = dp.config();
  for (const OnlineState& st : partial) {
    const Raw f = dp.exp2_diff(st.m, m);
    const Raw zf = mul(st.z, cfg.accum, f, cfg.data, cfg.accum, dp.stats(), OpKind::Accumulate);
    total.z = add(total.z, zf, cfg.accum, dp.stats(), OpKind::Accumulate);
    for (std::size_t i = 0; i < total.y.size(); ++i) {
      const Raw yf =
          mul(st.y[i], cfg.accum, f, cfg.data, cfg.accum, dp.stats(), OpKind::Accumulate);
      total.y[i] = add(total.y[i], yf, cfg.accum, dp.stats(), OpKind::Accumulate);
    }
  }
  return dp.finish(total);
}

}  // namespace

std::vector<double> attend(Algorithm algo, const NumericsConfig& config,
                           const AttentionProblem& problem, Stats* stats) {
  config.validate();
  problem.check();
  const Datapath dp(config, problem, stats);
  switch (algo) {
    case Algorithm::SwiftKV:
      return swiftkv(dp, problem.kv_length);
    case Algorithm::Native:
      return native(dp, problem.kv_length);
    case Algorithm::Blockwise:
      return blockwise(dp, problem.kv_length);
    case Algorithm::SplitK:
      return split_k(dp, problem.kv_length);
  }
  throw std::invalid_argument("attend: unknown algorithm");
}

std::vector<double> reference_attend(const AttentionProblem& problem) {
  problem.check();
  const std::size_t d = problem.head_dim;
  const double scale = std::log2(std::exp(1.0)) / std::sqrt(static_cast<double>(d));
  std::vector<double> s(problem.kv_length);
  for (std::size_t t = 0; t < s.size(); ++t) {
    double acc = 0.0;
    for (std::size_t i = 0; i < d; ++i) acc += problem.q[i] * problem.k[t * d + i];
    s[t] = scale * acc;
  }
  const double m = *std::max_element(s.begin(), s.end());
  double z = 0.0;
  std::vector<double> y(d, 0.0);
  for (std::size_t t = 0; t < s.size(); ++t) {
    const double w = std::exp2(s[t] - m);
    z += w;
    for (std::size_t i = 0; i < d; ++i) y[i] += w * problem.v[t * d + i];
  }
  for (double& x : y) x /= z;
  return y;
}

}  // namespace skv::numerics
