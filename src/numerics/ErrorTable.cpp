#include "numerics/ErrorTable.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ostream>
#include <stdexcept>

#include "common/Error.h"

namespace skv::numerics {

double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

namespace {

// SplitMix64's finaliser: spreads nearby seeds and shapes over unrelated generator states.
std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void fill_uniform(std::vector<double>& x, double range, std::mt19937_64& rng) {
  for (double& e : x) e = range * (2.0 * uniform01(rng) - 1.0);
}

}  // namespace

AttentionProblem make_random_problem(std::size_t head_dim, std::size_t kv_length,
                                     std::uint64_t seed, double qk_range, double v_range) {
  std::mt19937_64 rng(mix64(seed ^ mix64(head_dim ^ mix64(kv_length))));
  AttentionProblem p;
  p.head_dim = head_dim;
  p.kv_length = kv_length;
  p.q.resize(head_dim);
  p.k.resize(kv_length * head_dim);
  p.v.resize(kv_length * head_dim);
  fill_uniform(p.q, qk_range, rng);
  fill_uniform(p.k, qk_range, rng);
  fill_uniform(p.v, v_range, rng);
  return p;
}

namespace {

struct ErrorSums {
  double max_abs = 0.0;
  double err2 = 0.0;
  double ref2 = 0.0;
};

void accumulate_errors(ErrorSums& sums, const std::vector<double>& out,
                       const std::vector<double>& ref) {
  if (out.size() != ref.size()) throw std::invalid_argument("compare_outputs: size mismatch");
  for (std::size_t i = 0; i < out.size(); ++i) {
    const double e = out[i] - ref[i];
    sums.max_abs = std::max(sums.max_abs, std::abs(e));
    sums.err2 += e * e;
    sums.ref2 += ref[i] * ref[i];
  }
}

// An all-zero reference (possible only with all-zero v) makes any error infinitely large
// relatively, and no error zero.
double relative(double err2, double ref2) {
  if (ref2 > 0.0) return std::sqrt(err2 / ref2);
  return err2 > 0.0 ? INFINITY : 0.0;
}

}  // namespace

ErrorMetrics compare_outputs(const std::vector<double>& out, const std::vector<double>& ref) {
  ErrorSums sums;
  accumulate_errors(sums, out, ref);
  return ErrorMetrics{sums.max_abs, relative(sums.err2, sums.ref2)};
}

std::vector<ErrorRow> error_table(const ErrorTableSpec& spec) {
  if (spec.head_dim < 1) throw InputError("head dim must be at least 1");
  if (spec.kv_lengths.empty()) throw InputError("at least one KV length is needed");
  for (const std::size_t kv : spec.kv_lengths) {
    if (kv < 1) throw InputError("KV lengths must be at least 1");
  }
  if (spec.seeds < 1) throw InputError("seeds must be at least 1");
  if (spec.algorithms.empty()) throw InputError("at least one algorithm is needed");
  if (spec.configs.empty()) throw InputError("at least one number format is needed");
  for (const NumericsConfig& c : spec.configs) c.validate();

  const std::size_t n_alg = spec.algorithms.size();
  const std::size_t n_kv = spec.kv_lengths.size();
  std::vector<ErrorRow> rows(spec.configs.size() * n_alg * n_kv);
  std::vector<ErrorSums> sums(rows.size());
  const auto row_index = [&](std::size_t ci, std::size_t ai, std::size_t ki) {
    return (ci * n_alg + ai) * n_kv + ki;
  };

  const std::size_t total = n_kv * spec.seeds;
  std::size_t done = 0;
  for (std::size_t ki = 0; ki < n_kv; ++ki) {
    for (std::size_t s = 0; s < spec.seeds; ++s) {
      // One problem and one reference serve every format and algorithm.
      const AttentionProblem problem =
          make_random_problem(spec.head_dim, spec.kv_lengths[ki], spec.first_seed + s);
      const std::vector<double> ref = reference_attend(problem);
      for (std::size_t ci = 0; ci < spec.configs.size(); ++ci) {
        for (std::size_t ai = 0; ai < n_alg; ++ai) {
          Stats stats;
          const std::vector<double> out =
              attend(spec.algorithms[ai], spec.configs[ci], problem, &stats);
          const std::size_t r = row_index(ci, ai, ki);
          accumulate_errors(sums[r], out, ref);
          rows[r].saturations += stats.total_saturations();
          rows[r].exp_underflows += stats.exp_underflows;
        }
      }
      if (spec.progress) spec.progress(++done, total);
    }
  }

  for (std::size_t ci = 0; ci < spec.configs.size(); ++ci) {
    for (std::size_t ai = 0; ai < n_alg; ++ai) {
      for (std::size_t ki = 0; ki < n_kv; ++ki) {
        ErrorRow& row = rows[row_index(ci, ai, ki)];
        const ErrorSums& e = sums[row_index(ci, ai, ki)];
        row.algorithm = spec.algorithms[ai];
        row.config = spec.configs[ci];
        row.head_dim = spec.head_dim;
        row.kv_length = spec.kv_lengths[ki];
        row.seeds = spec.seeds;
        row.max_abs_error = e.max_abs;
        row.rel_l2_error = relative(e.err2, e.ref2);
      }
    }
  }
  return rows;
}

namespace {

// The one list of fields: the CSV has all of them, the readable table those marked.
struct Column {
  const char* name;
  bool in_table;
  std::string (*value)(const ErrorRow&);
};

const Column kColumns[] = {
    {"algorithm", true, [](const ErrorRow& r) { return std::string(algorithm_name(r.algorithm)); }},
    {"data_format", true, [](const ErrorRow& r) { return r.config.data.name(); }},
    {"accum_format", true, [](const ErrorRow& r) { return r.config.accum.name(); }},
    {"exp_index_bits", true,
     [](const ErrorRow& r) { return fmt::format("{}", r.config.exp_index_bits); }},
    {"block_size", false, [](const ErrorRow& r) { return fmt::format("{}", r.config.block_size); }},
    {"partitions", false, [](const ErrorRow& r) { return fmt::format("{}", r.config.partitions); }},
    {"head_dim", false, [](const ErrorRow& r) { return fmt::format("{}", r.head_dim); }},
    {"kv_length", true, [](const ErrorRow& r) { return fmt::format("{}", r.kv_length); }},
    {"seeds", false, [](const ErrorRow& r) { return fmt::format("{}", r.seeds); }},
    {"max_abs_error", true,
     [](const ErrorRow& r) { return fmt::format("{:.3e}", r.max_abs_error); }},
    {"rel_l2_error", true, [](const ErrorRow& r) { return fmt::format("{:.3e}", r.rel_l2_error); }},
    {"saturations", true, [](const ErrorRow& r) { return fmt::format("{}", r.saturations); }},
    {"exp_underflows", false,
     [](const ErrorRow& r) { return fmt::format("{}", r.exp_underflows); }},
};

}  // namespace

std::string format_error_table(const std::vector<ErrorRow>& rows) {
  std::vector<const Column*> cols;
  for (const Column& c : kColumns) {
    if (c.in_table) cols.push_back(&c);
  }
  std::vector<std::vector<std::string>> cells(rows.size());
  std::vector<std::size_t> width;
  for (const Column* c : cols) width.push_back(std::string(c->name).size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t j = 0; j < cols.size(); ++j) {
      cells[r].push_back(cols[j]->value(rows[r]));
      width[j] = std::max(width[j], cells[r][j].size());
    }
  }
  std::string out;
  const auto append_line = [&](const auto& get) {
    for (std::size_t j = 0; j < cols.size(); ++j) {
      // Text left-aligned, numbers right-aligned; the first three columns are text.
      out +=
          j < 3 ? fmt::format("{:<{}}", get(j), width[j]) : fmt::format("{:>{}}", get(j), width[j]);
      out += j + 1 < cols.size() ? "  " : "\n";
    }
  };
  append_line([&](std::size_t j) { return std::string(cols[j]->name); });
  for (std::size_t r = 0; r < rows.size(); ++r) {
    append_line([&](std::size_t j) { return cells[r][j]; });
  }
  return out;
}

void write_error_table_csv(std::ostream& os, const std::vector<ErrorRow>& rows) {
  bool first = true;
  for (const Column& c : kColumns) {
    os << (first ? "" : ",") << c.name;
    first = false;
  }
  os << '\n';
  for (const ErrorRow& row : rows) {
    first = true;
    for (const Column& c : kColumns) {
      os << (first ? "" : ",") << c.value(row);
      first = false;
    }
    os << '\n';
  }
}

}  // namespace skv::numerics
