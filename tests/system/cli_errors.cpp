// Bad input reaches the user as exactly one line on stderr, "swiftkv-sim: error: ...",
// naming the file (and the line and key where there is one), with a non-zero exit and
// no crash; and `validate` on every shipped config.

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/OutputPaths.h"
#include "support/RunCli.h"
#include "support/TempDir.h"
#include "support/TextChecks.h"

namespace fs = std::filesystem;
using skv::test::CliResult;
using skv::test::read_file;
using skv::test::run_cli;
using skv::test::source_path;
using skv::test::TempDir;
using skv::test::line_starting;

namespace {

const std::string kHw = source_path("configs/hw/swiftkv-mha-u55c.yaml");
const std::string kTiny = source_path("configs/models/tiny.yaml");
const std::string kTraceHead = "# swiftkv-decode-trace v1\nbatch,request,step,kv_len\n";

// The run failed cleanly with `exit_code` and one stderr line that starts with
// "swiftkv-sim: error: " followed by `start`, and contains every one of `parts`.
void check_one_error(const CliResult& r, int exit_code, const std::string& start,
                     const std::vector<std::string>& parts = {}) {
  INFO("exit " << r.exit_code << ", signal " << r.signal << ", stderr:\n" << r.err);
  CHECK_FALSE(r.crashed());
  CHECK(r.exit_code == exit_code);
  const auto lines = r.err_lines();
  REQUIRE(lines.size() == 1);
  CHECK(r.err.back() == '\n');
  const std::string prefix = "swiftkv-sim: error: " + start;
  CHECK(lines[0].rfind(prefix, 0) == 0);
  for (const auto& p : parts) {
    INFO("expected in the message: " << p);
    CHECK(lines[0].find(p) != std::string::npos);
  }
}

CliResult run_tiny(const std::string& trace, const std::string& out_dir) {
  return run_cli({"run", "--hw", kHw, "--model", kTiny, "--trace", trace, "-o", out_dir, "-q"});
}

std::vector<std::string> shipped_files(const std::string& rel_dir, const std::string& ext) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(source_path(rel_dir))) {
    if (e.path().extension() == ext) out.push_back(e.path().string());
  }
  return out;
}

}  // namespace

TEST_CASE("cli errors: a misspelt key in a hardware config", "[system]") {
  TempDir dir;
  // A copy of configs/ (hw and the DRAM presets it names) with one key misspelt.
  for (const auto& p : shipped_files("configs/dram", ".yaml")) {
    dir.write("dram/" + fs::path(p).filename().string(), read_file(p));
  }
  std::string text = read_file(kHw);
  const auto at = text.find("  cols: ");
  REQUIRE(at != std::string::npos);
  text.replace(at, 8, "  colls: ");
  const std::string hw = dir.write("hw/misspelt.yaml", text);
  const std::string trace = dir.write("t.trace", kTraceHead + "0,0,0,8\n");

  const CliResult r =
      run_cli({"run", "--hw", hw, "--model", kTiny, "--trace", trace, "-o", dir.file("out"), "-q"});
  check_one_error(
      r, 1, hw + ":" + std::to_string(line_starting(text, "colls:")) + ": processor_array.colls: ",
      {"did you mean 'cols'"});
  CHECK(r.out.empty());
  CHECK_FALSE(fs::exists(dir.file("out/report.json")));

  const CliResult v = run_cli({"validate", hw});
  check_one_error(v, 1, hw + ":" + std::to_string(line_starting(text, "colls:")) + ": ");
}

TEST_CASE("cli errors: a missing input file names the file", "[system]") {
  TempDir dir;
  const std::string trace = dir.write("t.trace", kTraceHead + "0,0,0,8\n");
  const std::string missing = dir.file("no-such-model.yaml");
  const CliResult r = run_cli(
      {"run", "--hw", kHw, "--model", missing, "--trace", trace, "-o", dir.file("out"), "-q"});
  check_one_error(r, 1, missing + ": ", {"cannot open"});

  const std::string no_trace = dir.file("no-such.trace");
  check_one_error(run_tiny(no_trace, dir.file("out")), 1, no_trace + ": ", {"cannot open"});

  const std::string no_csv = dir.file("no-such.csv");
  check_one_error(run_cli({"trace", "import", no_csv, "-o", dir.file("x.trace")}), 1, no_csv + ": ",
                  {"cannot open"});
}

TEST_CASE("cli errors: a malformed trace row names the trace and the line", "[system]") {
  TempDir dir;
  const std::string trace = dir.write("bad.trace", kTraceHead + "0,0,0,8\n1,0,one,9\n");
  const CliResult r = run_tiny(trace, dir.file("out"));
  check_one_error(r, 1, trace + ":4: ", {"step", "'one'"});
  CHECK_FALSE(fs::exists(dir.file("out/report.json")));

  const std::string short_row = dir.write("short.trace", kTraceHead + "0,0,0\n");
  check_one_error(run_tiny(short_row, dir.file("out")), 1, short_row + ":3: ", {"4 fields"});

  const std::string no_magic = dir.write("nomagic.trace", "batch,request,step,kv_len\n0,0,0,1\n");
  check_one_error(run_tiny(no_magic, dir.file("out")), 1,
                  no_magic + ":1: ", {"not a decode trace"});

  const std::string backwards = dir.write("back.trace", kTraceHead + "1,0,0,8\n0,0,1,9\n");
  check_one_error(run_tiny(backwards, dir.file("out")), 1, backwards + ":4: ", {"batch"});
}

TEST_CASE("cli errors: kv_len beyond the model's max_context", "[system]") {
  TempDir dir;
  // tiny reserves 1024 tokens: a step with kv_len 1023 attends over 1024 (it fits), one
  // with kv_len 1024 would need 1025.
  const std::string fits = dir.write("fits.trace", kTraceHead + "0,0,0,1023\n");
  const CliResult ok = run_tiny(fits, dir.file("ok"));
  INFO(ok.err);
  CHECK(ok.exit_code == 0);

  const std::string trace = dir.write("long.trace", kTraceHead + "0,0,0,1000\n1,0,1,1024\n");
  const CliResult r = run_tiny(trace, dir.file("out"));
  check_one_error(r, 1, trace + ":4: ", {"kv_len 1024", "max_context = 1024", "tiny"});
  CHECK_FALSE(fs::exists(dir.file("out/report.json")));
}

TEST_CASE("cli errors: a batch larger than memory.max_batch", "[system]") {
  TempDir dir;
  const std::string trace = dir.write("b2.trace", kTraceHead + "0,0,0,8\n0,1,0,8\n");
  check_one_error(run_tiny(trace, dir.file("out")), 1,
                  trace + ":3: ", {"memory.max_batch = 1", kHw});
}

TEST_CASE("cli errors: a KV cache larger than the DRAM names memory.max_batch and its line",
          "[system]") {
  // 1024 slots of LLaMA-2 7B's 4096-token KV cache (4 GiB each with 32-bit K and V)
  // cannot fit the 16 GiB of HBM2.
  TempDir dir;
  std::string hw = read_file(kHw);
  const std::string from = "  max_batch: 1 ";
  REQUIRE(hw.find(from) != std::string::npos);
  hw.replace(hw.find(from), from.size(), "  max_batch: 1024 ");
  const std::string hw_file = dir.write("hw/big-batch.yaml", hw);
  dir.write("dram/hbm2-u55c.yaml", read_file(source_path("configs/dram/hbm2-u55c.yaml")));
  const std::string trace = dir.write("t.trace", kTraceHead + "0,0,0,8\n");
  const CliResult r =
      run_cli({"run", "--hw", hw_file, "--model", source_path("configs/models/llama2-7b.yaml"),
               "--trace", trace, "-o", dir.file("out"), "-q"});
  check_one_error(r, 1, hw_file + ":" + std::to_string(line_starting(hw, "max_batch:")) +
                            ": memory.max_batch: ",
                  {"1024 slot(s) of 4096 tokens", "more than the 16.00 GiB of DRAM 'hbm2-u55c'"});
}

TEST_CASE("cli errors: a YAML syntax error in a model names the file and line", "[system]") {
  TempDir dir;
  const std::string model = dir.write("m.yaml", "name: broken\nlayers: [2\nheads: 4\n");
  const std::string trace = dir.write("t.trace", kTraceHead + "0,0,0,8\n");
  const CliResult r = run_cli(
      {"run", "--hw", kHw, "--model", model, "--trace", trace, "-o", dir.file("out"), "-q"});
  check_one_error(r, 1, model + ":3: YAML syntax error");
}

TEST_CASE("cli errors: unknown subcommands and options exit 2", "[system]") {
  TempDir dir;
  check_one_error(run_cli({"frobnicate"}), 2, "");
  check_one_error(run_cli({}), 2, "");
  const std::string trace = dir.write("t.trace", kTraceHead + "0,0,0,8\n");
  check_one_error(run_cli({"run", "--hw", kHw, "--model", kTiny, "--trace", trace, "-o",
                           dir.file("out"), "--frobnicate"}),
                  2, "", {"--frobnicate"});
  check_one_error(run_cli({"run", "--hw", kHw, "--model", kTiny, "--trace", trace, "-o",
                           dir.file("out"), "--algo", "bogus"}),
                  2, "--algo", {"bogus"});
  check_one_error(run_cli({"run", "--model", kTiny, "--trace", trace}), 2, "--hw");
  check_one_error(run_cli({"trace", "gen", "--gen", "0", "-o", dir.file("x.trace")}), 2, "--gen");
  check_one_error(run_cli({"trace", "bake"}), 2, "");
  CHECK_FALSE(fs::exists(dir.file("out")));
}

TEST_CASE("cli validate: every shipped config and trace is valid", "[system]") {
  std::vector<std::string> files;
  for (const char* d : {"configs/hw", "configs/models", "configs/dram"}) {
    const auto f = shipped_files(d, ".yaml");
    files.insert(files.end(), f.begin(), f.end());
  }
  const auto traces = shipped_files("traces", ".trace");
  files.insert(files.end(), traces.begin(), traces.end());
  REQUIRE(files.size() >= 7);
  std::vector<std::string> args = {"validate"};
  args.insert(args.end(), files.begin(), files.end());
  const CliResult r = run_cli(args);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  for (const auto& f : files) {
    INFO(f);
    CHECK(r.out.find("ok: " + f + ": ") != std::string::npos);
  }
}

TEST_CASE("cli validate: a bad file exits 1 and names it, the good ones still pass", "[system]") {
  TempDir dir;
  const std::string bad =
      dir.write("bad-model.yaml",
                "name: bad\nlayers: 2\nhidden_size: 256\nheads: 4\nkv_heads: 3\n"
                "head_dim: 64\nffn_size: 512\nffn_kind: gelu\nvocab_size: 10\n"
                "max_context: 64\nweight_bits: 4\nactivation_bits: 8\n"
                "kv_bits: 32\n");
  const CliResult r = run_cli({"validate", kTiny, bad});
  check_one_error(r, 1, bad + ":5: kv_heads: ", {"does not divide heads = 4"});
  CHECK(r.out.find("ok: " + kTiny + ": model 'tiny'") != std::string::npos);
  CHECK(r.out.find(bad) == std::string::npos);

  const std::string unknown = dir.write("what.yaml", "colour: blue\n");
  check_one_error(run_cli({"validate", unknown}), 1,
                  unknown + ":1: ", {"cannot tell what this file is"});
  const std::string missing = dir.file("none.yaml");
  check_one_error(run_cli({"validate", missing}), 1, missing + ": ", {"cannot open"});
}

TEST_CASE("cli: a mistyped command is named and the commands are listed", "[system]") {
  check_one_error(run_cli({"frobnicate", "--hw", kHw}), 2, "unknown command 'frobnicate'",
                  {"run", "validate", "sweep", "compare", "dram"});
}

TEST_CASE("cli errors: a KV SRAM too small for one tile is refused before simulating",
          "[system]") {
  TempDir dir;
  for (const auto& p : shipped_files("configs/dram", ".yaml")) {
    dir.write("dram/" + fs::path(p).filename().string(), read_file(p));
  }
  std::string text = read_file(kHw);
  const auto at = text.find("capacity_kib: 2048");
  REQUIRE(at != std::string::npos);
  text.replace(at, 18, "capacity_kib: 32  ");
  const std::string hw = dir.write("hw/small-sram.yaml", text);
  const std::string trace = dir.write("t.trace", kTraceHead + "0,0,0,8\n");
  const std::string where = hw + ":" + std::to_string(line_starting(text, "capacity_kib:")) +
                            ": kv_sram.capacity_kib: 32 KiB ";
  // tiny under swiftkv: one 64-token tile of both K/V heads, K and V: 2 x 2 x 64 tokens
  // x 64 x 4 bytes = 64 KiB, 16 requests of 4 KiB; two tiles double-buffer: 128 KiB.
  const CliResult r =
      run_cli({"run", "--hw", hw, "--model", kTiny, "--trace", trace, "-o", dir.file("out"), "-q"});
  check_one_error(r, 1, where, {"cannot stage one K/V tile of model tiny under swiftkv",
                                "16 requests", "the minimum is 64, and 128 double-buffers"});
  CHECK_FALSE(fs::exists(dir.file("out/report.json")));

  // validate --hw --model makes the same check for every algorithm: an error line each
  // for those that do not fit, an "ok" line for those that do.
  const CliResult v = run_cli({"validate", "--hw", hw, "--model", kTiny});
  CHECK(v.exit_code == 1);
  CHECK(v.err.find(where + "cannot stage one K/V tile of model tiny under swiftkv") !=
        std::string::npos);
  const CliResult ok = run_cli({"validate", "--hw", kHw, "--model", kTiny, "--algo", "native"});
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("ok: " + kHw + " runs " + kTiny + " under native: KV SRAM 2048 KiB") == 0);
}

TEST_CASE("cli errors: a batch past its watchdog limit stops with who waits for what",
          "[system]") {
  TempDir dir;
  const std::string trace = dir.write("t.trace", kTraceHead + "0,0,0,100\n");
  // --watchdog 1: a batch may take its roofline bound + 1000 cycles; every real batch
  // takes longer (fills, latencies), so the watchdog stops the first one.
  const CliResult r = run_cli({"run", "--hw", kHw, "--model", kTiny, "--trace", trace, "-o",
                               dir.file("out"), "-q", "--watchdog", "1"});
  check_one_error(r, 4, "simulation stalled at cycle ",
                  {"batch 0 (started at cycle 0) did not finish within",
                   "1 x (its roofline bound of", "sequencer waits for ", "kv_sram holds "});
  CHECK(r.out.empty());
  CHECK_FALSE(fs::exists(dir.file("out/report.json")));
}

TEST_CASE("cli errors: an output directory another swiftkv-sim is writing is refused", "[system]") {
  TempDir dir;
  const std::string trace = dir.write("t.trace", kTraceHead + "0,0,0,8\n");
  const std::string out = dir.file("out");
  fs::create_directories(out);
  {
    // This process holds the directory as a `run` would while it writes there.
    const skv::OutputDirLock held(out, "run");
    const CliResult r = run_tiny(trace, out);
    check_one_error(r, 1, out + ": output directory in use by another swiftkv-sim",
                    {"(run pid " + std::to_string(getpid()) + ")", "write elsewhere with -o"});
    CHECK_FALSE(fs::exists(fs::path(out) / "report.json"));
    CHECK_FALSE(fs::exists(fs::path(out) / "steps.csv"));
    // check-fast too, before it plans a run.
    const std::string matrix = dir.write(
        "m.yaml", "steps: 2\npoints:\n  - name: t\n    hw: " + kHw + "\n    model: " + kTiny +
                      "\n    algorithms: swiftkv\n    kv: 8\n    small: true\n");
    check_one_error(run_cli({"check-fast", matrix, "-o", out}), 1,
                    out + ": output directory in use by another swiftkv-sim");
  }
  // Released (as it is when its holder ends, however it ends), the same run goes ahead,
  // over the lock file left behind.
  CHECK(run_tiny(trace, out).exit_code == 0);
  CHECK(fs::exists(fs::path(out) / "report.json"));
}
