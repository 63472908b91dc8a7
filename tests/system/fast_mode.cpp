// The fast mode end to end: its reports say what was simulated and what reused, its
// output depends only on its inputs (byte for byte), and `check-fast` bounds it against
// the exact mode on the small matrix (configs/checks/fast-small.yaml).

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "common/OutputPaths.h"
#include "support/RunCli.h"
#include "support/TempDir.h"

using nlohmann::json;
using skv::test::read_csv;
using skv::test::read_file;
using skv::test::run_cli;
using skv::test::source_path;
using skv::test::TempDir;

namespace {

const std::string kHw = source_path("configs/hw/swiftkv-mha-u55c.yaml");
const std::string kTiny = source_path("configs/models/tiny.yaml");
const std::string kGolden = source_path("tests/golden/tiny-5steps.trace");

// One row of tiny on `hw` at KV 64 (a grid point: a tile edge) and at KV 100 (between the
// grid points 96 and 127: tile 64, two points per tile, and 127 | 128 where a second tile
// starts), each in both modes: the reports of exact and fast at 64 (`on`) and at 100
// (`off`).
struct OnOffGrid {
  json exact_on, fast_on, exact_off, fast_off;
};

// A one-step trace of `rows` ("batch,request,step,kv_len" lines), run on `hw` in `mode`
// (fast without the sample cache): its report.
json run_rows(const TempDir& dir, const std::string& hw, const std::string& name,
              const std::string& rows, const char* mode) {
  const std::string trace =
      dir.write(name + ".trace", "# swiftkv-decode-trace v1\nbatch,request,step,kv_len\n" + rows);
  const std::string out = dir.file(name + "-" + mode);
  std::vector<std::string> args = {"run", "--hw",   hw,   "--model", kTiny, "--trace",
                                   trace, "--mode", mode, "-q",      "-o",  out};
  if (std::string(mode) == "fast") args.push_back("--no-cache");
  const auto r = run_cli(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(read_file(out + "/report.json"));
}

OnOffGrid run_on_and_off_grid(const TempDir& dir, const std::string& hw) {
  return {run_rows(dir, hw, "on", "0,0,0,64\n", "exact"),
          run_rows(dir, hw, "on", "0,0,0,64\n", "fast"),
          run_rows(dir, hw, "off", "0,0,0,100\n", "exact"),
          run_rows(dir, hw, "off", "0,0,0,100\n", "fast")};
}

}  // namespace

TEST_CASE("fast mode: the report says what was simulated, and the work equals exact mode's",
          "[system]") {
  const TempDir dir;
  const auto er = run_cli({"run", "--hw", kHw, "--model", kTiny, "--trace", kGolden, "--mode",
                           "exact", "-q", "-o", dir.file("exact")});
  INFO(er.err);
  REQUIRE(er.exit_code == 0);
  const auto fr = run_cli({"run", "--hw", kHw, "--model", kTiny, "--trace", kGolden, "--mode",
                           "fast", "--no-cache", "-o", dir.file("fast")});
  INFO(fr.err);
  REQUIRE(fr.exit_code == 0);
  const json e = json::parse(read_file(dir.file("exact/report.json")));
  const json f = json::parse(read_file(dir.file("fast/report.json")));
  // The summary gives the simulated share with two significant digits below 1% (a
  // llama-scale run's 0.036% must not read as 0.0%), one decimal above.
  const double share = f.at("/fast/sample_share_pct"_json_pointer).get<double>();
  CHECK(fr.out.find(fmt::format(" cycles simulated exactly, {}% of all simulated); ",
                                share < 1 ? fmt::format("{:.2g}", share)
                                          : fmt::format("{:.1f}", share))) != std::string::npos);
  CHECK(e.at("mode") == "exact");
  CHECK_FALSE(e.contains("fast"));
  CHECK(f.at("mode") == "fast");
  const json& s = f.at("fast");
  // The golden trace's KV lengths 63, 64, 500, 501 and 1022: 63 and 64 are the two sides
  // of the first tile edge (grid points: reused), the others lie between grid points.
  CHECK(s.at("steps_reused") == 2);
  CHECK(s.at("steps_interpolated") == 3);
  CHECK(s.at("steps_without_estimate") == 0);
  CHECK(s.at("layer_samples") == 1);  // one batch size
  CHECK(s.at("attention_samples").get<int>() >= 2 + 2 * 3);
  CHECK(s.at("sample_cycles").get<std::uint64_t>() > 0);

  // Bytes, MACs and operation counts: exactly exact mode's.
  for (const char* key :
       {"/dram/bytes_read", "/dram/bytes_written", "/processor_array/macs",
        "/processor_array/gemv_ops", "/processor_array/vector_ops",
        "/attention_pipeline/attention_ops", "/attention_pipeline/kv_appends",
        "/attention_pipeline/fxp32_macs", "/attention_pipeline/token_heads",
        "/kv_sram/fill_bytes"}) {
    INFO(key);
    CHECK(f.at(json::json_pointer(key)) == e.at(json::json_pointer(key)));
  }

  const auto csv = read_csv(dir.file("fast/steps.csv"));
  REQUIRE(csv.size() == 1 + 5);
  CHECK(csv[0].back() == "source");
  const std::vector<std::string> sources = {"reused", "reused", "interpolated", "interpolated",
                                            "interpolated"};
  for (std::size_t i = 1; i < csv.size(); ++i) CHECK(csv[i].back() == sources[i - 1]);
}

TEST_CASE(
    "fast mode: each row of a batch takes the attention of its own place in a sample of "
    "the whole batch",
    "[system]") {
  const TempDir dir;
  // Two rows at KV 64 (a grid point), on hardware with two KV slots.
  const std::string trace = dir.write("two.trace",
                                      "# swiftkv-decode-trace v1\nbatch,request,step,kv_len\n"
                                      "0,0,0,64\n0,1,0,64\n");
  const auto r = run_cli({"run", "--hw", source_path("configs/hw/swiftkv-mha-u55c-batch2.yaml"),
                          "--model", kTiny, "--trace", trace, "--mode", "fast", "--cache-dir",
                          dir.file("cache"), "-q", "-o", dir.file("fast")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  // The cache holds one attention sample, of both rows (r2), none of one row alone.
  std::vector<std::string> attention_samples;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir.file("cache"))) {
    const std::string name = f.path().filename().string();
    if (name.find("-attn") != std::string::npos) attention_samples.push_back(f.path().string());
  }
  REQUIRE(attention_samples.size() == 1);
  CHECK(std::filesystem::path(attention_samples[0]).filename() == "r2-kv64-l1-attn.json");
  // Its layer: row 0's attention after the two K/V appends, row 1's after row 0's.
  const json sample = json::parse(read_file(attention_samples[0]));
  std::vector<std::uint64_t> cycles;
  for (const json& op : sample.at("layer_ops")) {
    if (op.at("name") == "attention") {
      cycles.push_back(op.at("counters").at("span").at("cycles").get<std::uint64_t>());
    }
  }
  REQUIRE(cycles.size() == 2);
  // Each row of the step has the batch's attention cycles: tiny's 2 layers x (row 0's
  // attention + row 1's).
  const auto csv = read_csv(dir.file("fast/steps.csv"));
  REQUIRE(csv.size() == 1 + 2);
  REQUIRE(csv[0][8] == "attention_cycles");
  for (std::size_t i = 1; i < csv.size(); ++i) {
    CHECK(std::stoull(csv[i][8]) == 2 * (cycles[0] + cycles[1]));
    CHECK(csv[i].back() == "reused");
  }
}

TEST_CASE(
    "fast mode under overlap: whole steps of one row, exact on the grid, the same work "
    "between",
    "[system]") {
  const TempDir dir;
  // tiny has 2 layers: a sample under overlap simulates the whole model (both layers
  // and the head) from a cold start, as the trace's first step does.
  const OnOffGrid g =
      run_on_and_off_grid(dir, source_path("configs/hw/swiftkv-mha-u55c-prefetch.yaml"));
  const json& e = g.exact_on;
  const json& f = g.fast_on;
  CHECK(f.at("fast").at("steps_reused") == 1);
  CHECK(f.at("fast").at("layer_samples") == 1);      // the step at KV 64
  CHECK(f.at("fast").at("attention_samples") == 0);  // no attention is reused on its own
  // On the grid the sample is the step itself: the same cycles, to the cycle.
  CHECK(f.at("totals").at("simulated_cycles") == e.at("totals").at("simulated_cycles"));
  CHECK(f.at("weight_prefetch").at("prefetched_bytes") ==
        e.at("weight_prefetch").at("prefetched_bytes"));

  // Between grid points: the straight line between the steps at 96 and 127, whose bytes
  // are affine in the KV length within a plan, so the work is exact mode's.
  const json& e2 = g.exact_off;
  const json& f2 = g.fast_off;
  CHECK(f2.at("fast").at("steps_interpolated") == 1);
  // 96 and 127 around it, and 64 for the error estimate: the neighbouring interval with
  // the same plan is 64..96 (the next one, 127..128, ends in a third tile).
  CHECK(f2.at("fast").at("layer_samples") == 3);
  CHECK(f2.at("fast").at("steps_without_estimate") == 0);
  for (const char* key : {"/dram/bytes_read", "/dram/bytes_written", "/processor_array/macs",
                          "/attention_pipeline/fxp32_macs", "/kv_sram/fill_bytes"}) {
    INFO(key);
    CHECK(f2.at(json::json_pointer(key)) == e2.at(json::json_pointer(key)));
  }
  const double ec = e2.at("totals").at("simulated_cycles").get<double>();
  const double fc = f2.at("totals").at("simulated_cycles").get<double>();
  CHECK(std::abs(fc - ec) / ec < 0.005);
}

TEST_CASE(
    "fast mode under overlap.kv: whole steps of one row with their K/V prefetch, exact on "
    "the grid, the same work between",
    "[system]") {
  const TempDir dir;
  // Weight and K/V prefetch, 512 KiB of prefetch space. tiny has 2 layers: the sample is
  // the whole step, layer 0's K/V streams issued as it starts and layer 1's after layer
  // 0's attentions, as in the exact mode.
  const OnOffGrid g =
      run_on_and_off_grid(dir, source_path("configs/hw/swiftkv-mha-u55c-kvprefetch.yaml"));
  const json& e = g.exact_on;
  const json& f = g.fast_on;
  CHECK(f.at("fast").at("steps_reused") == 1);
  CHECK(f.at("totals").at("simulated_cycles") == e.at("totals").at("simulated_cycles"));
  // At KV 64 each attention prefetches tile 0 (tokens 0..63: 2 K/V heads, K and V, 4 x
  // 16 KiB; the tile of the new token is never prefetched): 2 layers x 64 KiB.
  CHECK(e.at("kv_prefetch").at("streams") == 2);
  CHECK(e.at("kv_prefetch").at("prefetched_bytes") == 2 * 65536);
  for (const char* key :
       {"streams", "prefetched_bytes", "used_bytes", "wasted_bytes", "refetched_bytes"}) {
    INFO(key);
    CHECK(f.at("kv_prefetch").at(key) == e.at("kv_prefetch").at(key));
  }

  // Between grid points: bytes, the prefetched ones included, are exact mode's.
  const json& e2 = g.exact_off;
  const json& f2 = g.fast_off;
  CHECK(f2.at("fast").at("steps_interpolated") == 1);
  for (const char* key :
       {"/dram/bytes_read", "/dram/bytes_written", "/processor_array/macs",
        "/attention_pipeline/fxp32_macs", "/kv_sram/fill_bytes", "/kv_prefetch/streams",
        "/kv_prefetch/prefetched_bytes", "/kv_prefetch/used_bytes"}) {
    INFO(key);
    CHECK(f2.at(json::json_pointer(key)) == e2.at(json::json_pointer(key)));
  }
  const double ec = e2.at("totals").at("simulated_cycles").get<double>();
  const double fc = f2.at("totals").at("simulated_cycles").get<double>();
  CHECK(std::abs(fc - ec) / ec < 0.005);
}

TEST_CASE("fast mode under overlap, a batch of two rows: exact on the grid, the same work between",
          "[system]") {
  const TempDir dir;
  // Weight and K/V prefetch, two rows sharing the 512 KiB of prefetch space. tiny has 2
  // layers: a sample is the whole step of both rows (request ids 0 and 1, KV slots 0 and
  // 1, from cycle 0), as the trace's one step is.
  const std::string hw = source_path("configs/hw/swiftkv-mha-u55c-kvprefetch-batch2.yaml");
  // On the grid: rows at KV 64 and 96 (grid points: tile 64, two points per tile). The
  // step is one sample of both rows at those lengths, so the same cycles, to the cycle.
  const std::string on = "0,0,0,64\n0,1,0,96\n";
  const json e = run_rows(dir, hw, "on", on, "exact");
  const json f = run_rows(dir, hw, "on", on, "fast");
  CHECK(f.at("fast").at("steps_reused") == 2);  // a step per row
  CHECK(f.at("fast").at("layer_samples") == 1);
  CHECK(f.at("totals").at("simulated_cycles") == e.at("totals").at("simulated_cycles"));
  CHECK(e.at("kv_prefetch").at("streams") == 4);  // 2 rows x 2 layers
  for (const char* key : {"/kv_prefetch/prefetched_bytes", "/kv_prefetch/used_bytes",
                          "/weight_prefetch/prefetched_bytes", "/dram/bytes_read"}) {
    INFO(key);
    CHECK(f.at(json::json_pointer(key)) == e.at(json::json_pointer(key)));
  }

  // Between grid points: row 0 at KV 100 in the cell 96..127 (4 / 31 of the way in), row
  // 1 at 70 in 64..96 (6 / 32, further in). The simplex path moves row 1 first: samples at
  // (96, 64), (96, 96) and (127, 96). The error estimate's neighbouring path: row 0's
  // next interval (127..128) ends in a third tile, so its previous one, 64..96; row 1's
  // next one, 96..127: samples at (64, 96), (64, 127) and (96, 127). Six samples.
  const std::string off = "0,0,0,100\n0,1,0,70\n";
  const json e2 = run_rows(dir, hw, "off", off, "exact");
  const json f2 = run_rows(dir, hw, "off", off, "fast");
  CHECK(f2.at("fast").at("steps_interpolated") == 2);
  CHECK(f2.at("fast").at("layer_samples") == 6);
  CHECK(f2.at("fast").at("steps_without_estimate") == 0);
  for (const char* key : {"/dram/bytes_read", "/dram/bytes_written", "/processor_array/macs",
                          "/attention_pipeline/fxp32_macs", "/kv_sram/fill_bytes",
                          "/kv_prefetch/streams", "/kv_prefetch/prefetched_bytes",
                          "/kv_prefetch/used_bytes", "/weight_prefetch/prefetched_bytes"}) {
    INFO(key);
    CHECK(f2.at(json::json_pointer(key)) == e2.at(json::json_pointer(key)));
  }
  const double ec = e2.at("totals").at("simulated_cycles").get<double>();
  const double fc = f2.at("totals").at("simulated_cycles").get<double>();
  CHECK(std::abs(fc - ec) / ec < 0.005);

  // Both rows at one KV length between grid points (100, 100): equally far into equal
  // cells, they move together, so the path is the cell's diagonal, (96, 96) to (127, 127),
  // and the neighbouring one (64, 64) to (96, 96): three samples, as one row's line.
  const std::string same = "0,0,0,100\n0,1,0,100\n";
  const json e3 = run_rows(dir, hw, "same", same, "exact");
  const json f3 = run_rows(dir, hw, "same", same, "fast");
  CHECK(f3.at("fast").at("layer_samples") == 3);
  for (const char* key : {"/dram/bytes_read", "/kv_prefetch/prefetched_bytes"}) {
    INFO(key);
    CHECK(f3.at(json::json_pointer(key)) == e3.at(json::json_pointer(key)));
  }
}

TEST_CASE("fast mode: the same bytes with no cache, a cold cache, a warm one and a corrupt "
          "entry",
          "[system]") {
  const TempDir dir;
  const std::string cache = dir.file("cache");
  auto run = [&](const std::string& out, std::vector<std::string> extra) {
    std::vector<std::string> args = {"run", "--hw", kHw, "--model", kTiny, "--trace", kGolden,
                                     "--mode", "fast", "-o", dir.file(out)};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = run_cli(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r;
  };
  run("none", {"--no-cache"});
  const auto cold = run("cold", {"--cache-dir", cache});
  CHECK(cold.out.find("0 hits") != std::string::npos);
  const auto warm = run("warm", {"--cache-dir", cache});
  CHECK(warm.out.find("0 misses") != std::string::npos);
  // Corrupt one entry: it is ignored with a warning and measured again.
  std::string victim;
  for (const auto& e : std::filesystem::recursive_directory_iterator(cache)) {
    if (e.is_regular_file()) victim = e.path().string();
  }
  REQUIRE(!victim.empty());
  { std::ofstream(victim) << "{\"rows\": 1, truncated"; }
  const auto healed = run("healed", {"--cache-dir", cache});
  CHECK(healed.err.find("ignored a corrupt cached sample") != std::string::npos);
  CHECK(healed.out.find("1 misses") != std::string::npos);
  for (const char* other : {"cold", "warm", "healed"}) {
    INFO(other);
    CHECK(read_file(dir.file("none/report.json")) == read_file(dir.file(std::string(other) + "/report.json")));
    CHECK(read_file(dir.file("none/steps.csv")) == read_file(dir.file(std::string(other) + "/steps.csv")));
  }
}

TEST_CASE("fast mode: the same bytes with -j 1 and -j 2, each from a cold cache", "[system]") {
  const TempDir dir;
  // Batches of one and two rows (two shapes of layer sample), KV lengths on and between
  // grid points: samples of both kinds, several measured at once.
  const std::string trace = dir.file("mixed.trace");
  {
    std::ofstream t(trace);
    t << "# swiftkv-decode-trace v1\nbatch,request,step,kv_len\n"
         "0,0,0,63\n0,1,0,200\n1,0,1,64\n1,1,1,201\n2,2,0,500\n3,2,1,501\n4,3,0,1022\n";
  }
  const std::string hw = source_path("configs/hw/swiftkv-mha-u55c-batch2.yaml");
  for (const char* jobs : {"1", "2"}) {
    const auto r =
        run_cli({"run", "--hw", hw, "--model", kTiny, "--trace", trace, "--mode", "fast", "-q",
                 "-j", jobs, "--cache-dir", dir.file(std::string("cache") + jobs), "-o",
                 dir.file(std::string("j") + jobs)});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find(" 0 hits") != std::string::npos);
  }
  const json j1 = json::parse(read_file(dir.file("j1/report.json")));
  CHECK(j1.at("fast").at("layer_samples") == 2);
  CHECK(read_file(dir.file("j1/report.json")) == read_file(dir.file("j2/report.json")));
  CHECK(read_file(dir.file("j1/steps.csv")) == read_file(dir.file("j2/steps.csv")));
}

TEST_CASE("fast mode: samples are keyed by the resolved configs, not by their files' text",
          "[system]") {
  const TempDir dir;
  const std::string cache = dir.file("cache");
  // The reference config with its comments dropped, another name and one default spelt
  // out (pipeline_fill_cycles = rows + cols - 1 = 32 + 32 - 1 = 63): the same timing.
  // Beside a link to the shipped presets: a config finds its DRAM preset in ../dram.
  std::filesystem::create_directory(dir.file("hw"));
  std::filesystem::create_directory_symlink(source_path("configs/dram"), dir.file("dram"));
  const std::string same = dir.file("hw/same.yaml");
  const std::string slower = dir.file("hw/slower.yaml");
  {
    std::istringstream in(read_file(kHw));
    std::ofstream a(same), b(slower);
    for (std::string line; std::getline(in, line);) {
      const auto hash = line.find('#');
      std::string bare = hash == std::string::npos ? line : line.substr(0, hash);
      while (!bare.empty() && bare.back() == ' ') bare.pop_back();
      if (bare.empty()) continue;
      if (bare.rfind("name:", 0) == 0) bare = "name: renamed-copy";
      a << bare << '\n';
      if (bare.rfind("  cols:", 0) == 0) a << "  pipeline_fill_cycles: 63\n";
      b << (bare.rfind("clock_mhz:", 0) == 0 ? std::string("clock_mhz: 200") : bare) << '\n';
    }
  }
  auto run = [&](const std::string& hw, const std::string& out) {
    const auto r = run_cli({"run", "--hw", hw, "--model", kTiny, "--trace", kGolden, "--mode",
                            "fast", "--cache-dir", cache, "-o", dir.file(out)});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
  };
  CHECK(run(kHw, "ref").find("0 hits") != std::string::npos);
  CHECK(run(same, "same").find("0 misses") != std::string::npos);
  CHECK(run(slower, "slower").find("0 hits") != std::string::npos);
}

TEST_CASE("fast mode: a grid too coarse for an error estimate says so", "[system]") {
  const TempDir dir;
  // One point per 64-token tile: the grid is the tiles' edges (kT - 1 and kT) and the last
  // position, so every interval between two edges is its plan's only one.
  const auto r = run_cli({"run", "--hw", kHw, "--model", kTiny, "--trace", kGolden, "--mode",
                          "fast", "--no-cache", "--fast-points-per-tile", "1", "-o",
                          dir.file("out")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json f = json::parse(read_file(dir.file("out/report.json"))).at("fast");
  // KV 500, 501 (between 448 and 511) and 1022 (between 960 and 1023) are interpolated.
  CHECK(f.at("steps_interpolated") == 3);
  CHECK(f.at("steps_without_estimate") == 3);
  CHECK(r.out.find("3 interpolated steps without one") != std::string::npos);
}

TEST_CASE("exact mode: the fast mode's options are refused in one line", "[system]") {
  const TempDir dir;
  const auto r = run_cli({"run", "--hw", kHw, "--model", kTiny, "--trace", kGolden, "-q", "-o",
                          dir.file("out"), "--fast-points-per-tile", "8", "--no-cache", "-j", "2"});
  CHECK(r.exit_code == 1);
  REQUIRE(r.err_lines().size() == 1);
  CHECK(r.err_lines()[0].find("--no-cache, --fast-points-per-tile, --jobs: only the fast mode "
                              "has them; add --mode fast") != std::string::npos);
}

TEST_CASE("fast mode: --timeline simulates its batch exactly, as an exact run of that batch "
          "alone",
          "[system]") {
  const TempDir dir;
  const auto f = run_cli({"run", "--hw", kHw, "--model", kTiny, "--trace", kGolden, "--mode",
                          "fast", "--no-cache", "-q", "-o", dir.file("fast"), "--timeline",
                          dir.file("fast.json"), "--timeline-batch", "2"});
  INFO(f.err);
  REQUIRE(f.exit_code == 0);
  const std::string kept = dir.file("fast/timeline-batch.trace");
  CHECK(f.out.find("batch 2 simulated exactly from an idle accelerator: " + kept) !=
        std::string::npos);
  // The kept trace holds batch 2's one row (the golden trace's third, KV 500).
  const std::string rows = read_file(kept);
  CHECK(rows.find("# swiftkv-decode-trace v1\n") == 0);
  CHECK(rows.substr(rows.find("batch,")) == "batch,request,step,kv_len\n2,1,0,500\n");
  const auto e = run_cli({"run", "--hw", kHw, "--model", kTiny, "--trace", kept, "-q", "-o",
                          dir.file("exact"), "--timeline", dir.file("exact.json")});
  REQUIRE(e.exit_code == 0);
  const std::string timeline = read_file(dir.file("fast.json"));
  CHECK(json::parse(timeline).at("traceEvents").size() > 10);
  CHECK(timeline == read_file(dir.file("exact.json")));
}

TEST_CASE("check-fast: the small matrix stays within its bounds", "[system]") {
  const TempDir dir;
  const auto r = run_cli({"check-fast", source_path("configs/checks/fast-small.yaml"), "-o",
                          dir.file("check"), "-j", "2"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  const auto csv = read_csv(dir.file("check/check-fast.csv"));
  // tiny x 4 algorithms, small8 x 2 algorithms x 2 KV lengths, small8 batch 2, small8
  // with weight prefetch x 2 algorithms x 2 KV lengths, small8 with weight and K/V
  // prefetch x 2 KV lengths, small8 batch 2 with weight and K/V prefetch, small8 with a
  // head-streamed O projection x 2 KV lengths, small8 with weight prefetch across batches
  // x 2 KV lengths, small8 with weight and K/V prefetch behind demand x 2 KV lengths,
  // small8 on a 64 x 64 array x 2 algorithms, on LPDDR5 x 2 algorithms, and native on a
  // KV SRAM where the scores spill part of the way.
  REQUIRE(csv.size() == 1 + 4 + 4 + 1 + 4 + 2 + 1 + 2 + 2 + 2 + 2 + 2 + 1);
  const std::vector<std::string>& header = csv[0];
  for (std::size_t i = 1; i < csv.size(); ++i) {
    INFO(csv[i][0]);
    CHECK(csv[i][header.size() - 2] == "yes");  // work_equal
    CHECK(csv[i].back() == "ok");
  }
  // Resumed: a second run finds every run done.
  const auto again = run_cli({"check-fast", source_path("configs/checks/fast-small.yaml"), "-o",
                              dir.file("check"), "-j", "2"});
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("0 runs to do (81 done before)") != std::string::npos);

  // A resumed check compares the reports again: a percentage the exact report has and the
  // fast one lacks, without naming it in fast.not_estimated, fails its case (exit 5).
  const std::string fast_report = dir.file("check/" + csv[1][0] + "/fast/report.json");
  json f = json::parse(read_file(fast_report));
  REQUIRE(f.at("dram").erase("data_bus_utilisation_pct") == 1);
  std::ofstream(fast_report) << f.dump(2);
  const auto missing = run_cli({"check-fast", source_path("configs/checks/fast-small.yaml"), "-o",
                                dir.file("check"), "-j", "2"});
  CHECK(missing.exit_code == 5);
  CHECK(missing.out.find("FAIL: not in the fast report: /dram/data_bus_utilisation_pct") !=
        std::string::npos);
  const auto failed = read_csv(dir.file("check/check-fast.csv"));
  REQUIRE(failed.size() == csv.size());
  CHECK(failed[1].back() == "fail");
}

TEST_CASE(
    "check-fast --only: the cases whose names match, in matrix order, and one "
    "error line for a pattern that matches none",
    "[system]") {
  const TempDir dir;
  const std::string matrix = source_path("configs/checks/fast-small.yaml");
  const auto none = run_cli({"check-fast", matrix, "-o", dir.file("check"), "--only", "llama*"});
  CHECK(none.exit_code == 1);
  REQUIRE(none.err_lines().size() == 1);
  CHECK(none.err_lines()[0] == "swiftkv-sim: error: " + matrix +
                                   ": --only 'llama*' matches none of its 27 cases (named "
                                   "POINT-ALGORITHM-kvKV, e.g. tiny-swiftkv-kv517)");
  CHECK_FALSE(std::filesystem::exists(dir.file("check")));

  // 'tiny-flash-*' does not match tiny-flashdecoding-kv517. Each case is small (`small:
  // true`): three runs, exact, fast and the fixed-length exact run.
  const auto r = run_cli({"check-fast", matrix, "-o", dir.file("check"), "--only", "tiny-flash-*",
                          "--only", "tiny-s*", "-j", "2"});
  INFO(r.out << r.err);
  CHECK(r.out.find("check-fast: 2 cases, 6 runs to do (0 done before)") != std::string::npos);
  CHECK(r.out.find("check-fast: 6 of 6 runs done: ") != std::string::npos);
  const auto csv = read_csv(dir.file("check/check-fast.csv"));
  REQUIRE(csv.size() == 1 + 2);
  CHECK(csv[1][0] == "tiny-swiftkv-kv517");
  CHECK(csv[2][0] == "tiny-flash-kv517");

  // --table reads what has finished, runs nothing and writes nothing, and takes no lock:
  // it reads a check still running. tiny-flash's fast run is made to look stopped part of
  // the way (its report marked incomplete); tiny-native and tiny-flashdecoding never ran.
  const std::string flash_fast = dir.file("check/tiny-flash-kv517/fast/report.json");
  json f = json::parse(read_file(flash_fast));
  f["complete"] = false;
  std::ofstream(flash_fast) << f.dump(2);
  const std::string csv_before = read_file(dir.file("check/check-fast.csv"));
  const skv::OutputDirLock running(dir.file("check"), "check-fast");
  const auto t =
      run_cli({"check-fast", matrix, "-o", dir.file("check"), "--table", "--only", "tiny-*"});
  INFO(t.out << t.err);
  CHECK(t.exit_code == 0);
  CHECK(t.err.empty());
  const auto lines = t.out_lines();
  REQUIRE(lines.size() == 1 + 4 + 1);
  CHECK(lines[1].rfind("tiny-swiftkv-kv517 ", 0) == 0);
  CHECK(lines[1].substr(lines[1].size() - 4) == "  ok");
  // In matrix order: swiftkv, native, flash, flashdecoding. tiny-flash's fast run wrote
  // all its 64 steps (the matrix's `steps`) before it was "stopped".
  CHECK(lines[2] == fmt::format("{:<40} {:>9}  not finished: exact not started, fast not "
                                "started, fixed not started",
                                "tiny-native-kv517", "-"));
  CHECK(lines[3] == fmt::format("{:<40} {:>9}  not finished: fast has 64 of 64 steps",
                                "tiny-flash-kv517", "-"));
  CHECK(lines[4].rfind("tiny-flashdecoding-kv517 ", 0) == 0);
  CHECK(lines[5].find(" over the 1 finished of 4 cases; 1 of them within bounds; read from " +
                      dir.file("check")) != std::string::npos);
  CHECK(read_file(dir.file("check/check-fast.csv")) == csv_before);
  CHECK_FALSE(std::filesystem::exists(dir.file("check/tiny-native-kv517")));

  const auto unfinished =
      run_cli({"check-fast", matrix, "-o", dir.file("check"), "--table", "--only", "small8-*"});
  CHECK(unfinished.exit_code == 0);
  CHECK(unfinished.out_lines().back() ==
        "none of the 23 cases has finished; read from " + dir.file("check"));

  const auto absent = run_cli({"check-fast", matrix, "-o", dir.file("nothere"), "--table"});
  CHECK(absent.exit_code == 1);
  REQUIRE(absent.err_lines().size() == 1);
  CHECK(absent.err_lines()[0] ==
        "swiftkv-sim: error: " + dir.file("nothere") +
            ": no such check-fast output directory (allowed: the -o of a check that has "
            "started)");
}

TEST_CASE("run: rows past the model's context stop the run before simulating, or are "
          "skipped or clipped as asked, and counted",
          "[system]") {
  const TempDir dir;
  // The tiny model's max_context is 1024: kv_len 1023 is its last position (1023 + 1 =
  // 1024 tokens); request 0's third step (kv_len 1024) does not fit.
  const std::string trace = dir.file("over.trace");
  {
    std::ofstream out(trace);
    out << "# swiftkv-decode-trace v1\nbatch,request,step,kv_len\n"
           "0,0,0,1022\n1,0,1,1023\n2,0,2,1024\n3,1,0,10\n";
  }
  const auto stop = run_cli({"run", "--hw", kHw, "--model", kTiny, "--trace", trace, "-q", "-o",
                             dir.file("stop")});
  CHECK(stop.exit_code == 1);
  REQUIRE(stop.err_lines().size() == 1);
  CHECK(stop.err_lines()[0].find("over.trace:5: kv_len 1024 plus the new token exceeds "
                                 "max_context = 1024 of model tiny (request 0)") !=
        std::string::npos);
  CHECK_FALSE(std::ifstream(dir.file("stop/steps.csv")).good());  // stopped before simulating

  for (const char* mode : {"exact", "fast"}) {
    INFO(mode);
    const std::string skip = dir.file(std::string("skip-") + mode);
    const std::string cache = std::string(mode) == "fast" ? "--no-cache" : "-q";
    const auto s = run_cli({"run", "--hw", kHw, "--model", kTiny, "--trace", trace, "-q",
                            "--mode", mode, "--over-context", "skip", cache, "-o", skip});
    REQUIRE(s.exit_code == 0);
    const json js = json::parse(read_file(skip + "/report.json"));
    CHECK(js.at("totals").at("decode_steps") == 1);  // request 1 only
    CHECK(js.at("over_context").at("requests_skipped") == 1);
    CHECK(js.at("over_context").at("steps_skipped") == 3);
    CHECK(s.out.find("skip: 1 requests (3 steps) skipped") != std::string::npos);

    const std::string clip = dir.file(std::string("clip-") + mode);
    const auto c = run_cli({"run", "--hw", kHw, "--model", kTiny, "--trace", trace, "-q",
                            "--mode", mode, "--over-context", "clip", cache, "-o", clip});
    REQUIRE(c.exit_code == 0);
    const json jc = json::parse(read_file(clip + "/report.json"));
    CHECK(jc.at("totals").at("decode_steps") == 4);
    CHECK(jc.at("over_context").at("steps_clipped") == 1);
    const auto rows = read_csv(clip + "/steps.csv");
    REQUIRE(rows.size() == 5);
    CHECK(rows[3][3] == "1023");  // the clipped row attends over the whole context
  }
}
