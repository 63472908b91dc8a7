// scripts/dram-compare.py end to end: a `cycle,read|write,address` trace replayed through
// `swiftkv-sim dram`, its figures printed one per line; a bad line is one clear error.

#include <catch2/catch.hpp>
#include <string>

#include "support/RunCli.h"
#include "support/TempDir.h"

using skv::test::CliResult;
using skv::test::run_program;
using skv::test::source_path;
using skv::test::TempDir;

namespace {

CliResult compare(const std::string& csv) {
  return run_program(source_path("scripts/dram-compare.py"),
                     {"--binary", SKV_BINARY, "--config-dir", source_path("configs/dram"),
                      "--dram", "ddr4-3200", csv});
}

}  // namespace

TEST_CASE("dram-compare: a CSV trace replayed, figures printed", "[system]") {
  TempDir dir;
  // One read, alone: front end 1 + tRCD 22 + RL 22 + burst 4 = 49 cycles; then a write.
  const std::string csv =
      dir.write("t.csv", "cycle,op,address\n0,read,0x0\n1000,write,0x40\n");
  const CliResult r = compare(csv);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("requests                     2\n") != std::string::npos);
  CHECK(r.out.find("read_latency_mean_cycles     49.0\n") != std::string::npos);
  CHECK(r.out.find("turnaround_pct               50.0\n") != std::string::npos);
  CHECK(r.out.find("RD                           1\n") != std::string::npos);
  CHECK(r.out.find("WR                           1\n") != std::string::npos);
}

TEST_CASE("dram-compare: a line that is neither read nor write is an error", "[system]") {
  TempDir dir;
  const std::string csv = dir.write("bad.csv", "0,read,0x0\n5,fetch,0x40\n");
  const CliResult r = compare(csv);
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("bad.csv:2: 'fetch' is neither read nor write") != std::string::npos);
}
