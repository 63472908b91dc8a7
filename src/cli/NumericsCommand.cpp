// `swiftkv-sim numerics`: the error table of src/numerics/ErrorTable.h on the terminal and,
// optionally, as CSV.

#include <fmt/format.h>

#include <cerrno>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cli/Commands.h"
#include "common/Error.h"
#include "common/InputFile.h"
#include "models/tlm/AttentionAlgo.h"
#include "numerics/ErrorTable.h"

namespace skv::cli {
namespace {

// Signed on purpose: a negative value reaches our own range check and its clear message
// instead of an unsigned wrap-around.
struct NumericsOptions {
  long long head_dim = 128;
  std::vector<long long> kv{1024, 4096, 32768};
  long long seeds = 3;
  long long first_seed = 1;
  std::vector<std::string> algos = tlmx::attention_algo_names();
  long long total_bits = 32;
  std::vector<long long> frac_bits{17};
  long long accum_bits = 48;
  long long exp_index_bits = 5;
  long long block_size = 64;
  long long partitions = 8;
  std::string csv;
};

// Caps keep one problem's K, V and their fixed-point copies within about 1 GiB.
constexpr long long kMaxHeadDim = 4096;
constexpr long long kMaxKv = 1 << 20;
constexpr long long kMaxCacheValues = 1 << 25;
constexpr long long kMaxSeeds = 1000;

void check_range(const char* option, long long value, long long lo, long long hi) {
  if (value < lo || value > hi) {
    throw InputError(fmt::format("{} {}: must be in {}..{}", option, value, lo, hi));
  }
}

numerics::ErrorTableSpec make_spec(const NumericsOptions& o) {
  check_range("--head-dim", o.head_dim, 1, kMaxHeadDim);
  check_range("--seeds", o.seeds, 1, kMaxSeeds);
  check_range("--first-seed", o.first_seed, 0, (1LL << 62));
  check_range("--total-bits", o.total_bits, 4, 48);
  check_range("--accum-bits", o.accum_bits, o.total_bits, 63);
  check_range("--block-size", o.block_size, 1, kMaxKv);
  check_range("--partitions", o.partitions, 1, kMaxKv);
  if (o.kv.empty()) throw InputError("--kv: give at least one KV length");
  if (o.frac_bits.empty()) throw InputError("--frac-bits: give at least one value");
  if (o.algos.empty()) throw InputError("--algos: give at least one algorithm");

  numerics::ErrorTableSpec spec;
  spec.head_dim = static_cast<std::size_t>(o.head_dim);
  spec.seeds = static_cast<std::size_t>(o.seeds);
  spec.first_seed = static_cast<std::uint64_t>(o.first_seed);
  spec.kv_lengths.clear();
  for (const long long kv : o.kv) {
    check_range("--kv", kv, 1, kMaxKv);
    if (kv * o.head_dim > kMaxCacheValues) {
      throw InputError(
          fmt::format("--kv {} with --head-dim {}: {} cache values per problem, "
                      "the limit is {}",
                      kv, o.head_dim, kv * o.head_dim, kMaxCacheValues));
    }
    spec.kv_lengths.push_back(static_cast<std::size_t>(kv));
  }
  spec.algorithms.clear();
  for (const std::string& name : o.algos) {
    const auto algo = numerics::parse_algorithm(name);
    if (!algo) {
      throw InputError(fmt::format(
          "--algos {}: unknown algorithm (use {})", name, tlmx::attention_algo_list()));
    }
    spec.algorithms.push_back(*algo);
  }
  spec.configs.clear();
  for (const long long frac : o.frac_bits) {
    // The format must hold 1.0 (the largest softmax weight): one integer bit besides sign.
    if (frac < 1 || frac > o.total_bits - 2) {
      throw InputError(
          fmt::format("--frac-bits {}: must be in 1..{} for --total-bits {} (1.0 must "
                      "fit)",
                      frac, o.total_bits - 2, o.total_bits));
    }
    // The exp table index is taken from the fractional bits, at most 16 of them.
    check_range("--exp-index-bits", o.exp_index_bits, 1, std::min(frac, 16LL));
    numerics::NumericsConfig c;
    c.data = {static_cast<int>(o.total_bits), static_cast<int>(frac)};
    c.accum = {static_cast<int>(o.accum_bits), static_cast<int>(frac)};
    c.exp_index_bits = static_cast<int>(o.exp_index_bits);
    c.block_size = static_cast<std::size_t>(o.block_size);
    c.partitions = static_cast<std::size_t>(o.partitions);
    c.validate();
    spec.configs.push_back(c);
  }
  return spec;
}

void run_numerics(const NumericsOptions& o) {
  numerics::ErrorTableSpec spec = make_spec(o);
  // Open the CSV before the work, so a bad path fails at once.
  std::ofstream csv;
  if (!o.csv.empty()) {
    csv.open(o.csv);
    if (!csv) throw InputError(fmt::format("--csv {}: cannot open for writing", o.csv));
  }
  const bool tty = isatty(fileno(stderr)) != 0;
  if (tty) {
    spec.progress = [](std::size_t done, std::size_t total) {
      fmt::print(stderr, "\rnumerics: {}/{} problems", done, total);
      if (done == total) fmt::print(stderr, "\r\033[K");
    };
  }
  const std::vector<numerics::ErrorRow> rows = numerics::error_table(spec);

  const numerics::NumericsConfig& c = spec.configs.front();
  fmt::print(
      "Fixed-point attention vs double reference: head dim {}, {} seed(s) from {}, "
      "exp index bits {}, block size {}, partitions {}\n"
      "inputs q, k ~ U[-2, 2), v ~ U[-1, 1); max abs error and relative L2 error over all "
      "seeds\n\n",
      spec.head_dim, spec.seeds, spec.first_seed, c.exp_index_bits, c.block_size, c.partitions);
  fmt::print("{}", numerics::format_error_table(rows));

  if (csv.is_open()) {
    numerics::write_error_table_csv(csv, rows);
    csv.close();
    if (!csv) throw InputError("--csv " + write_error(o.csv, "the table", errno));
    fmt::print("\nwrote {}\n", o.csv);
  }
}

}  // namespace

void add_numerics_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<NumericsOptions>();
  CLI::App* cmd =
      app.add_subcommand("numerics",
                         "Accuracy of each attention algorithm's fixed-point datapath vs a double "
                         "reference (see docs/numerics.md)");
  cmd->add_option("--head-dim", opts->head_dim, "Head dimension d")->capture_default_str();
  cmd->add_option("--kv", opts->kv, "KV lengths, comma-separated")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--seeds", opts->seeds, "Random problems per KV length")->capture_default_str();
  cmd->add_option("--first-seed", opts->first_seed, "First seed")->capture_default_str();
  cmd->add_option("--algos", opts->algos, "Algorithms: " + tlmx::attention_algo_list())
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--total-bits", opts->total_bits, "Data format width, sign included")
      ->capture_default_str();
  cmd->add_option("--frac-bits", opts->frac_bits,
                  "Fractional bits of data and accumulators, comma-separated to compare formats")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--accum-bits", opts->accum_bits, "Normaliser Z / numerator Y width")
      ->capture_default_str();
  cmd->add_option("--exp-index-bits", opts->exp_index_bits, "exp2 table index width")
      ->capture_default_str();
  cmd->add_option("--block-size", opts->block_size, "flash: tokens per block")
      ->capture_default_str();
  cmd->add_option("--partitions", opts->partitions, "flashdecoding: KV partitions")
      ->capture_default_str();
  cmd->add_option("--csv", opts->csv, "Also write the table as CSV to this file");
  cmd->callback([opts, &exit_code]() {
    run_numerics(*opts);
    exit_code = 0;
  });
}

}  // namespace skv::cli
