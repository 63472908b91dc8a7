// The error table behind `swiftkv-sim numerics`: shape, order, determinism, CSV.

#include <algorithm>
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/Error.h"
#include "numerics/ErrorTable.h"

using namespace skv::numerics;

namespace {

ErrorTableSpec small_spec() {
  ErrorTableSpec spec;
  spec.head_dim = 16;
  spec.kv_lengths = {1, 100};
  spec.seeds = 2;
  NumericsConfig coarse;
  coarse.data = {32, 12};
  coarse.accum = {48, 12};
  spec.configs = {NumericsConfig{}, coarse};
  return spec;
}

std::size_t count_lines(const std::string& s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

}  // namespace

TEST_CASE("error_table: one row per format, algorithm and KV length, in order", "[numerics]") {
  ErrorTableSpec spec = small_spec();
  std::size_t calls = 0;
  spec.progress = [&](std::size_t done, std::size_t total) {
    ++calls;
    CHECK(done == calls);
    CHECK(total == 4);  // 2 KV lengths x 2 seeds
  };
  const std::vector<ErrorRow> rows = error_table(spec);
  CHECK(calls == 4);
  REQUIRE(rows.size() == 2 * 4 * 2);
  CHECK(rows[0].algorithm == Algorithm::SwiftKV);
  CHECK(rows[0].kv_length == 1);
  CHECK(rows[1].kv_length == 100);
  CHECK(rows[2].algorithm == Algorithm::Native);
  CHECK(rows[8].config.data.frac_bits == 12);
  for (const ErrorRow& r : rows) {
    CHECK(r.head_dim == 16);
    CHECK(r.seeds == 2);
    CHECK(r.saturations == 0);
    CHECK(r.max_abs_error > 0.0);
    CHECK(r.rel_l2_error > 0.0);
    // 12 fractional bits are 32 times coarser than 17; the errors follow (loosely).
    const double lsb = r.config.data.lsb();
    CHECK(r.max_abs_error < 1e-4 + 64 * lsb);
  }
  // Same Q15.17 row vs Q19.12 row: the coarser format is less accurate.
  CHECK(rows[8 + 1].max_abs_error > rows[1].max_abs_error);
  // Deterministic to the bit.
  const std::vector<ErrorRow> again = error_table(small_spec());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CHECK(again[i].max_abs_error == rows[i].max_abs_error);
    CHECK(again[i].rel_l2_error == rows[i].rel_l2_error);
  }
}

TEST_CASE("error_table rejects an empty or invalid spec", "[numerics]") {
  ErrorTableSpec spec = small_spec();
  spec.kv_lengths = {};
  CHECK_THROWS_AS(error_table(spec), skv::InputError);
  spec = small_spec();
  spec.kv_lengths = {0};
  CHECK_THROWS_AS(error_table(spec), skv::InputError);
  spec = small_spec();
  spec.seeds = 0;
  CHECK_THROWS_AS(error_table(spec), skv::InputError);
  spec = small_spec();
  spec.algorithms = {};
  CHECK_THROWS_AS(error_table(spec), skv::InputError);
  spec = small_spec();
  spec.configs[0].exp_index_bits = 0;
  CHECK_THROWS_AS(error_table(spec), skv::InputError);
}

TEST_CASE("error table text and CSV come from one field list", "[numerics]") {
  ErrorTableSpec spec = small_spec();
  spec.configs.resize(1);
  spec.algorithms = {Algorithm::SwiftKV, Algorithm::SplitK};
  const std::vector<ErrorRow> rows = error_table(spec);
  const std::string text = format_error_table(rows);
  CHECK(count_lines(text) == 1 + rows.size());
  CHECK(text.find("max_abs_error") != std::string::npos);
  CHECK(text.find("flashdecoding") != std::string::npos);

  std::ostringstream csv;
  write_error_table_csv(csv, rows);
  const std::string s = csv.str();
  CHECK(count_lines(s) == 1 + rows.size());
  std::istringstream lines(s);
  std::string header;
  std::getline(lines, header);
  CHECK(header.rfind("algorithm,data_format,accum_format,", 0) == 0);
  const auto commas = std::count(header.begin(), header.end(), ',');
  for (std::string line; std::getline(lines, line);) {
    CHECK(std::count(line.begin(), line.end(), ',') == commas);
  }
  CHECK(s.find("swiftkv,Q15.17,Q31.17,5,64,8,16,100,2,") != std::string::npos);
}
