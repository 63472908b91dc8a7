// The swiftkv-sim binary end to end: --help of every subcommand, `trace gen` and
// `trace import` feeding `run`, the run's report.json and steps.csv, and determinism.
// Each run uses the tiny model and a few decode steps, so that each test takes well
// under a second.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/RunCli.h"
#include "support/TempDir.h"

using nlohmann::json;
using skv::test::CliResult;
using skv::test::read_csv;
using skv::test::read_file;
using skv::test::run_cli;
using skv::test::source_path;
using skv::test::TempDir;

namespace {

const std::string kHw = source_path("configs/hw/swiftkv-mha-u55c.yaml");
const std::string kTiny = source_path("configs/models/tiny.yaml");

// The names listed under "Subcommands:" in a --help text.
std::vector<std::string> subcommands_in(const std::string& help) {
  std::vector<std::string> out;
  std::istringstream in(help);
  std::string line;
  bool in_list = false;
  while (std::getline(in, line)) {
    if (line == "Subcommands:" || line == "SUBCOMMANDS:") {
      in_list = true;
    } else if (in_list) {
      if (line.size() < 3 || line.compare(0, 2, "  ") != 0) break;
      std::istringstream words(line);
      std::string name;
      words >> name;
      out.push_back(name);
    }
  }
  return out;
}

// `trace gen` into `path`; REQUIREs success.
void gen_trace(const std::string& path, const std::vector<std::string>& opts) {
  std::vector<std::string> args = {"trace", "gen", "-o", path};
  args.insert(args.end(), opts.begin(), opts.end());
  const CliResult r = run_cli(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.err.empty());
}

// `run` of `trace` on the reference hardware and the tiny model into `out_dir`.
CliResult run_tiny(const std::string& trace, const std::string& out_dir,
                   const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"run",     "--hw", kHw,  "--model", kTiny,
                                   "--trace", trace,  "-o", out_dir,   "-q"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_cli(args);
}

json load_json(const std::string& path) {
  bool ok = false;
  const std::string text = read_file(path, &ok);
  REQUIRE(ok);
  return json::parse(text);
}

}  // namespace

TEST_CASE("cli: --help of every subcommand exits 0 and prints its usage", "[system]") {
  const CliResult top = run_cli({"--help"});
  REQUIRE(top.exit_code == 0);
  CHECK(top.err.empty());
  CHECK(top.out.find("Usage:") != std::string::npos);
  const auto names = subcommands_in(top.out);
  const std::set<std::string> listed(names.begin(), names.end());
  for (const char* required : {"run", "validate", "trace"}) {
    INFO(required);
    CHECK(listed.count(required) == 1);
  }

  // Every subcommand, and every subcommand of those, found from the help texts.
  std::vector<std::vector<std::string>> todo;
  for (const auto& n : names) todo.push_back({n});
  std::size_t checked = 0;
  while (!todo.empty()) {
    const std::vector<std::string> path = todo.back();
    todo.pop_back();
    std::vector<std::string> args = path;
    args.push_back("--help");
    const CliResult r = run_cli(args);
    INFO("swiftkv-sim " << args.front() << (path.size() > 1 ? " " + path.back() : "") << " --help");
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK(r.out.find("Usage:") != std::string::npos);
    ++checked;
    for (const auto& sub : subcommands_in(r.out)) {
      auto deeper = path;
      deeper.push_back(sub);
      todo.push_back(deeper);
    }
  }
  CHECK(checked >= 5);  // at least run, validate, trace, trace gen, trace import

  const CliResult version = run_cli({"--version"});
  CHECK(version.exit_code == 0);
  CHECK(version.out.rfind("swiftkv-sim ", 0) == 0);
}

TEST_CASE("cli: trace gen then run writes report.json and steps.csv", "[system]") {
  TempDir dir;
  const std::string trace = dir.file("t.trace");
  gen_trace(trace, {"--requests", "2", "--prompt", "32", "--gen", "3"});
  CHECK(run_cli({"validate", trace}).out.find("decode trace, 6 steps") != std::string::npos);

  const std::string out = dir.file("out");
  const CliResult r = run_tiny(trace, out);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());  // -q: no progress, and no warnings
  CHECK(r.out.find("swiftkv-sim run: tiny on swiftkv-mha-u55c (swiftkv)") != std::string::npos);

  const json j = load_json(out + "/report.json");
  CHECK(j.at("report") == "swiftkv-sim run");
  CHECK(j.at("format_version") == 9);
  CHECK(j.at("inputs").at("hw_config") == kHw);
  CHECK(j.at("inputs").at("model_name") == "tiny");
  CHECK(j.at("inputs").at("trace") == trace);
  CHECK(j.at("inputs").at("algorithm") == "swiftkv");

  // Every documented key is there (docs/formats.md, "report.json").
  const std::vector<std::pair<const char*, std::vector<const char*>>> keys = {
      {"clocks", {"accelerator_mhz", "accelerator_period_ps", "dram_mhz", "dram_period_ps"}},
      {"totals",
       {"batches", "decode_steps", "tokens", "simulated_cycles", "simulated_time_ns",
        "tokens_per_s"}},
      {"latency_per_step",
       {"mean_cycles", "min_cycles", "max_cycles", "mean_ns", "min_ns", "max_ns"}},
      {"breakdown",
       {"gemv_cycles", "gemv_pct", "attention_cycles", "attention_pct", "other_cycles",
        "other_pct"}},
      {"dram_by_operation", {"gemv", "attention", "other"}},
      {"processor_array",
       {"rows", "cols", "peak_macs_per_cycle", "macs", "attention_fxp32_macs", "gemv_ops",
        "vector_ops", "busy_cycles", "gemv_compute_cycles", "fill_drain_cycles", "vector_cycles",
        "attention_cycles", "weight_stall_cycles", "weight_bytes", "busy_pct", "useful_mac_pct",
        "gemv_useful_mac_pct", "attention_useful_mac_pct"}},
      {"stalls",
       {"array_waiting_for_weights_cycles", "attention_waiting_for_kv_cycles",
        "attention_bound_by_sram_ports_cycles", "dram_requests_held_back", "dram_held_back_ns"}},
      {"roofline",
       {"memory_bound_cycles_per_step", "compute_bound_cycles_per_step", "bound",
        "simulated_over_bound"}},
      {"attention_pipeline",
       {"attention_ops", "head_passes", "token_heads", "busy_cycles", "compute_cycles",
        "sram_bound_cycles", "tail_cycles", "score_bytes_on_chip", "score_bytes_spilled",
        "kv_append_cycles", "busy_pct"}},
      {"kv_sram",
       {"capacity_bytes", "ports", "read_bytes", "write_bytes", "fill_bytes", "scratch_bytes",
        "demand_fills", "stall_cycles", "port_busy_cycles", "port_utilisation_pct"}},
      {"dram",
       {"preset", "channels", "bytes_read", "bytes_written", "requests", "row_hits", "row_misses",
        "row_conflicts", "bandwidth_over_run_bytes_per_s", "peak_bandwidth_bytes_per_s",
        "bandwidth_over_run_pct", "busy_span_bandwidth_bytes_per_s", "weights_resident_bytes",
        "kv_reserved_bytes", "read_latency_cycles", "act_commands", "refreshes"}},
      {"dram_controller", {"requests_held_back", "held_back_ps", "gemv_read_bytes"}}};
  for (const auto& [group, names] : keys) {
    INFO(group);
    REQUIRE(j.contains(group));
    for (const char* k : names) {
      INFO(k);
      CHECK(j.at(group).contains(k));
    }
  }
  std::uint64_t booked_reads = 0;
  std::uint64_t booked_writes = 0;
  for (const char* cls : {"gemv", "attention", "other"}) {
    for (const char* k : {"dram_bytes", "dram_read_bytes", "dram_write_bytes",
                          "dram_read_bandwidth_bytes_per_s", "dram_read_bandwidth_pct"}) {
      INFO(cls << "." << k);
      CHECK(j.at("dram_by_operation").at(cls).contains(k));
    }
    booked_reads += j.at("dram_by_operation").at(cls).at("dram_read_bytes").get<std::uint64_t>();
    booked_writes += j.at("dram_by_operation").at(cls).at("dram_write_bytes").get<std::uint64_t>();
  }
  // The configs as the run used them: defaults filled in, the DRAM preset inlined, with
  // the versions that --version prints.
  const json& cfg = j.at("config");
  CHECK(cfg.at("hw").at("name") == "swiftkv-mha-u55c");
  CHECK(cfg.at("hw").at("processor_array").at("pipeline_fill_cycles") == 63);  // 32 + 32 - 1
  CHECK(cfg.at("hw").at("attention").at("splitk_partitions") == 4);            // min(4, 8)
  CHECK(cfg.at("hw").at("dram").at("name") == "hbm2-u55c");
  CHECK(cfg.at("hw").at("dram").at("timing").at("tRCD") == 11);
  CHECK(cfg.at("hw").at("dram").at("command_bus").at("dual") == true);
  CHECK(cfg.at("hw").at("dram").at("controller").at("refresh") == "per_bank");
  CHECK(cfg.at("model").at("ffn_kind") == "gated_silu");
  const std::string version = run_cli({"--version"}).out;
  CHECK(version.find("config schema " + cfg.at("schema_version").get<std::string>()) !=
        std::string::npos);
  CHECK(cfg.at("resolved_hash").get<std::string>().size() == 16);

  // Every byte the DRAM moved is booked to the operation that asked for it.
  CHECK(booked_reads == j.at("dram").at("bytes_read").get<std::uint64_t>());
  CHECK(booked_writes == j.at("dram").at("bytes_written").get<std::uint64_t>());
  // Weights are read for GEMVs only; appended k and v are written by "other" work.
  CHECK(j.at("dram_by_operation").at("gemv").at("dram_write_bytes") == 0);
  CHECK(j.at("dram_by_operation").at("other").at("dram_read_bytes") == 0);

  const auto& t = j.at("totals");
  const auto cycles = t.at("simulated_cycles").get<std::uint64_t>();
  CHECK(cycles > 0);
  CHECK(t.at("decode_steps") == 6);
  CHECK(t.at("batches") == 6);
  CHECK(j.at("clocks").at("accelerator_period_ps") == 4000);  // 250 MHz
  // 4 ns a cycle.
  CHECK(t.at("simulated_time_ns").get<double>() == Approx(4.0 * static_cast<double>(cycles)));

  const auto& b = j.at("breakdown");
  const double pct_sum = b.at("gemv_pct").get<double>() + b.at("attention_pct").get<double>() +
                         b.at("other_pct").get<double>();
  CHECK(pct_sum == Approx(100.0).margin(1e-3));
  CHECK(b.at("gemv_cycles").get<std::uint64_t>() + b.at("attention_cycles").get<std::uint64_t>() +
            b.at("other_cycles").get<std::uint64_t>() ==
        cycles);

  const auto& d = j.at("dram");
  const double util = d.at("bandwidth_over_run_pct").get<double>();
  CHECK(util > 0.0);
  CHECK(util <= 100.0);
  CHECK(d.at("preset") == "hbm2-u55c");
  CHECK(d.at("bytes_read").get<std::uint64_t>() > 0);
  const auto& l = j.at("latency_per_step");
  CHECK(l.at("min_cycles").get<double>() <= l.at("mean_cycles").get<double>());
  CHECK(l.at("mean_cycles").get<double>() <= l.at("max_cycles").get<double>());

  // steps.csv: the header, then one row per trace row, in trace order.
  const auto csv = read_csv(out + "/steps.csv");
  REQUIRE(csv.size() == 1 + 6);
  const std::vector<std::string> header = {"batch",          "request",     "step",
                                           "kv_len",         "batch_size",  "start_cycle",
                                           "latency_cycles", "gemv_cycles", "attention_cycles",
                                           "other_cycles",   "latency_ns",  "source"};
  CHECK(csv[0] == header);
  std::uint64_t expected_start = 0;
  for (std::size_t i = 1; i < csv.size(); ++i) {
    INFO("steps.csv row " << i);
    const auto& row = csv[i];
    REQUIRE(row.size() == header.size());
    // The generator's order: request 0's three steps, then request 1's.
    const std::uint64_t request = (i - 1) / 3;
    const std::uint64_t step = (i - 1) % 3;
    CHECK(std::stoull(row[0]) == i - 1);
    CHECK(std::stoull(row[1]) == request);
    CHECK(std::stoull(row[2]) == step);
    CHECK(std::stoull(row[3]) == 32 + step);
    CHECK(std::stoull(row[4]) == 1);
    // Batches run back to back, and every cycle of a step is booked to one class.
    const std::uint64_t start = std::stoull(row[5]);
    const std::uint64_t latency = std::stoull(row[6]);
    CHECK(start == expected_start);
    expected_start = start + latency;
    CHECK(std::stoull(row[7]) + std::stoull(row[8]) + std::stoull(row[9]) == latency);
    CHECK(row[10] == std::to_string(latency * 4) + ".000");  // 4 ns a cycle, printed exactly
    CHECK(row[11] == "simulated");  // exact mode
  }
  CHECK(expected_start == cycles);
}

TEST_CASE("cli: two runs of the same inputs give byte-identical outputs", "[system]") {
  TempDir dir;
  const std::string trace = dir.file("t.trace");
  gen_trace(trace, {"--requests", "2", "--prompt", "40", "--gen", "2"});
  const CliResult a = run_tiny(trace, dir.file("a"));
  const CliResult b = run_tiny(trace, dir.file("b"));
  REQUIRE(a.exit_code == 0);
  REQUIRE(b.exit_code == 0);
  bool ok_a = false;
  bool ok_b = false;
  const std::string report_a = read_file(dir.file("a/report.json"), &ok_a);
  REQUIRE(ok_a);
  CHECK(report_a == read_file(dir.file("b/report.json"), &ok_b));
  CHECK(ok_b);
  const std::string steps_a = read_file(dir.file("a/steps.csv"), &ok_a);
  REQUIRE(ok_a);
  CHECK(steps_a.size() > 0);
  CHECK(steps_a == read_file(dir.file("b/steps.csv"), &ok_b));
  CHECK(ok_b);
}

TEST_CASE("cli: every attention algorithm runs and is named in the report", "[system]") {
  TempDir dir;
  const std::string trace = dir.file("t.trace");
  gen_trace(trace, {"--prompt", "100", "--gen", "2"});
  for (const char* algo : {"swiftkv", "native", "flash", "flashdecoding"}) {
    INFO(algo);
    const std::string out = dir.file(std::string("out-") + algo);
    const CliResult r = run_tiny(trace, out, {"--algo", algo});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const json j = load_json(out + "/report.json");
    CHECK(j.at("inputs").at("algorithm") == algo);
    CHECK(j.at("totals").at("decode_steps") == 2);
    CHECK(j.at("breakdown").at("attention_cycles").get<std::uint64_t>() > 0);
  }
}

TEST_CASE("cli: trace import then run, one row per decode step of each request", "[system]") {
  TempDir dir;
  const std::string csv = source_path("traces/azure-conv-2023-first20.csv");
  const std::string trace = dir.file("imported.trace");
  // Requests 3 and 4 of the slice: 91 context tokens and 16 generated tokens each.
  const CliResult imp =
      run_cli({"trace", "import", csv, "-o", trace, "--skip-requests", "3", "--max-requests", "2"});
  INFO(imp.err);
  REQUIRE(imp.exit_code == 0);
  CHECK(imp.out.find("32 decode steps") != std::string::npos);

  const std::string out = dir.file("out");
  const CliResult r = run_tiny(trace, out);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto rows = read_csv(out + "/steps.csv");
  REQUIRE(rows.size() == 1 + 32);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const std::uint64_t request = (i - 1) / 16;
    const std::uint64_t step = (i - 1) % 16;
    INFO("row " << i);
    CHECK(std::stoull(rows[i][1]) == request);
    CHECK(std::stoull(rows[i][2]) == step);
    CHECK(std::stoull(rows[i][3]) == 91 + step);
  }
}

TEST_CASE("cli schema: the key tables, and docs/formats.md checked against them", "[system]") {
  const CliResult r = run_cli({"schema"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("config schema version ", 0) == 0);
  for (const char* id : {"\nhw:\n", "\nhw.processor_array:\n", "\nmodel:\n", "\ndram.timing:\n"}) {
    CHECK(r.out.find(id) != std::string::npos);
  }
  CHECK(r.out.find("| `vector_lanes` | integer | elements/cycle | 1 to 65536 | `cols` | yes |") !=
        std::string::npos);

  const std::string docs = source_path("docs/formats.md");
  const CliResult check = run_cli({"schema", "--check", docs});
  CHECK(check.exit_code == 0);
  CHECK(check.out == "ok: " + docs + ": 13 schema tables up to date\n");

  // --docs rewrites a stale table in place; --check names it first.
  TempDir dir;
  std::string text = read_file(docs);
  const std::string row = "| `tRCD` | integer | tCK | 1 to 1000 |";
  REQUIRE(text.find(row) != std::string::npos);
  const std::string stale =
      dir.write("formats.md", std::string(text).replace(text.find(row), row.size(),
                                                        "| `tRCD` | integer | ns | 1 to 1000 |"));
  const CliResult differs = run_cli({"schema", "--check", stale});
  CHECK(differs.exit_code == 1);
  CHECK(differs.err == "swiftkv-sim: error: " + stale +
                           ": schema tables differ from the schemas: dram.timing (run swiftkv-sim "
                           "schema --docs " +
                           stale + ")\n");
  const CliResult fixed = run_cli({"schema", "--docs", stale});
  CHECK(fixed.exit_code == 0);
  CHECK(fixed.out == stale + ": 13 schema tables, 1 rewritten (dram.timing)\n");
  CHECK(read_file(stale) == text);
}

namespace {

// The u55c preset with `overlap.weights: next_op`, in dir/hw beside its DRAM preset.
std::string overlap_hw(const TempDir& dir) {
  dir.write("dram/hbm2-u55c.yaml", read_file(source_path("configs/dram/hbm2-u55c.yaml")));
  return dir.write("hw/overlap.yaml",
                   read_file(kHw) + "\noverlap:\n  weights: next_op  # prefetch the next GEMV\n");
}

// The u55c preset with `overlap.kv: next_attention` and `prefetch_kib` KiB of its 2048
// as prefetch space, in dir/hw beside its DRAM preset.
std::string kv_overlap_hw(const TempDir& dir, int prefetch_kib) {
  dir.write("dram/hbm2-u55c.yaml", read_file(source_path("configs/dram/hbm2-u55c.yaml")));
  std::string text = read_file(kHw);
  const std::string capacity = "  capacity_kib: 2048";
  text.insert(text.find(capacity) + capacity.size(),
              "\n  prefetch_kib: " + std::to_string(prefetch_kib));
  return dir.write("hw/kv-overlap.yaml",
                   text + "\noverlap:\n  kv: next_attention  # prefetch the next K/V\n");
}

}  // namespace

TEST_CASE("cli: overlap.kv next_attention runs in exact mode, saves time, moves the same bytes",
          "[system]") {
  TempDir dir;
  const std::string hw = kv_overlap_hw(dir, 64);
  // KV 64 and 65 on the tiny model: tile 0 (tokens 0..63, both K/V heads, K and V: 4 x
  // 16 KiB) is in DRAM before each step's append and fits the 64 KiB of prefetch space.
  const std::string trace = dir.write(
      "t.trace", "# swiftkv-decode-trace v1\nbatch,request,step,kv_len\n0,0,0,64\n1,0,1,65\n");
  const CliResult plain = run_cli(
      {"run", "--hw", kHw, "--model", kTiny, "--trace", trace, "-o", dir.file("plain"), "-q"});
  const CliResult ahead = run_cli(
      {"run", "--hw", hw, "--model", kTiny, "--trace", trace, "-o", dir.file("ahead"), "-q"});
  INFO(plain.err << ahead.err);
  REQUIRE(plain.exit_code == 0);
  REQUIRE(ahead.exit_code == 0);
  const json a = json::parse(read_file(dir.file("plain/report.json")));
  const json b = json::parse(read_file(dir.file("ahead/report.json")));
  CHECK(!a.contains("kv_prefetch"));      // without overlap: the report as it always was
  CHECK(!b.contains("weight_prefetch"));  // only the overlap the design has
  // The same work and bytes; 2 layers x 2 batches x 64 KiB fetched ahead and all read.
  CHECK(b["dram"]["bytes_read"] == a["dram"]["bytes_read"]);
  CHECK(b["kv_sram"]["fill_bytes"] == a["kv_sram"]["fill_bytes"]);
  CHECK(b["attention_pipeline"]["token_heads"] == a["attention_pipeline"]["token_heads"]);
  const json& p = b["kv_prefetch"];
  CHECK(p["streams"] == 4);
  CHECK(p["prefetched_bytes"] == 4 * 65536);
  CHECK(p["used_bytes"] == 4 * 65536);
  CHECK(p["wasted_bytes"] == 0);
  CHECK(p["refetched_bytes"] == 0);
  CHECK(p["buffer_bytes"] == 65536);
  CHECK(p["buffer_peak_bytes"].get<std::uint64_t>() <= 65536);
  CHECK(b["kv_sram"]["stall_cycles"].get<std::uint64_t>() <
        a["kv_sram"]["stall_cycles"].get<std::uint64_t>());
  CHECK(b["totals"]["simulated_cycles"].get<std::uint64_t>() <
        a["totals"]["simulated_cycles"].get<std::uint64_t>());
  // The `overlap` group's K/V stream: the kv_prefetch counters, its occupancy and its
  // hideable bound (per stream at most its 64 KiB; the streams' bounds add up to the group's).
  const json& o = b.at("overlap");
  const json& k = o.at("streams").at("kv");
  CHECK(k["choice"] == "next_attention");
  CHECK(k["boundaries"] == 4);
  CHECK(k["prefetched_bytes"] == p["prefetched_bytes"]);
  CHECK(k["wasted_bytes"] == 0);
  CHECK(k["fetched_twice_bytes"] == 0);
  CHECK(k["buffer_bytes"] == 65536);
  CHECK(k["buffer_mean_bytes"].get<double>() > 0);
  CHECK(k["buffer_mean_bytes"].get<double>() <= 65536);
  CHECK(k["hideable_bytes"] == p["hideable_bytes"]);
  CHECK(k["hideable_bytes"].get<std::uint64_t>() <= 4 * 65536);
  CHECK(k["hideable_cycles"].get<std::uint64_t>() > 0);
  CHECK(o["hideable_cycles"].get<std::uint64_t>() ==
        k["hideable_cycles"].get<std::uint64_t>() +
            o["streams"]["weights"]["hideable_cycles"].get<std::uint64_t>());
  const CliResult loud =
      run_cli({"run", "--hw", hw, "--model", kTiny, "--trace", trace, "-o", dir.file("loud")});
  CHECK(loud.out.find("  overlap K/V         next_attention: 4 attention streams fetched ahead "
                      "(0.2 MiB, wasted 0.0 MiB, fetched twice 0.0 MiB); space 64 KiB") !=
        std::string::npos);

  // The fast mode runs it (tests/system/fast_mode.cpp);
  // --dump-graph shows the streams and edges.
  const CliResult graph =
      run_cli({"run", "--dump-graph", "--hw", hw, "--model", kTiny, "--trace", trace});
  INFO(graph.err);
  REQUIRE(graph.exit_code == 0);
  CHECK(graph.out.find("overlap.kv = next_attention") != std::string::npos);
  CHECK(graph.out.find("0 kv_prefetch [kv_dma] 65536 B for 7\n") != std::string::npos);
  CHECK(graph.out.find("8 kv_prefetch [kv_dma] 65536 B for 25 <- 7(buffer)\n") !=
        std::string::npos);
}

TEST_CASE("cli: overlap.arbitration, each choice: the same work, prefetch behind demand or not",
          "[system]") {
  TempDir dir;
  dir.write("dram/hbm2-u55c.yaml", read_file(source_path("configs/dram/hbm2-u55c.yaml")));
  std::string text = read_file(kHw);
  const std::string capacity = "  capacity_kib: 2048";
  text.insert(text.find(capacity) + capacity.size(), "\n  prefetch_kib: 512");
  // K/V prefetch: the next attention's K/V competes with the GEMVs' weights between
  // attentions (with weight prefetch too, on this model, no prefetch request happens to
  // wait while a demand request does).
  text += "\noverlap:\n  kv: next_attention\n";
  const std::string plain_hw = dir.write("hw/default.yaml", text);
  const std::string fifo_hw = dir.write("hw/controller.yaml", text + "  arbitration: controller\n");
  const std::string first_hw =
      dir.write("hw/demand-first.yaml", text + "  arbitration: demand_first\n");
  const std::string trace = dir.write(
      "t.trace", "# swiftkv-decode-trace v1\nbatch,request,step,kv_len\n0,0,0,64\n1,0,1,65\n");
  json reports[3];
  const std::string hws[3] = {plain_hw, fifo_hw, first_hw};
  for (int i = 0; i < 3; ++i) {
    const std::string out = dir.file("out" + std::to_string(i));
    const CliResult r =
        run_cli({"run", "--hw", hws[i], "--model", kTiny, "--trace", trace, "-o", out, "-q"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    reports[i] = json::parse(read_file(out + "/report.json"));
  }
  const json& plain = reports[0];
  const json& fifo = reports[1];
  const json& first = reports[2];
  // `controller` is the default: the same cycles and counters as without the key.
  CHECK(fifo["totals"] == plain["totals"]);
  CHECK(fifo["dram"] == plain["dram"]);
  CHECK(fifo["dram_arbitration"] == plain["dram_arbitration"]);
  // The same work and bytes either way.
  CHECK(first["dram"]["bytes_read"] == fifo["dram"]["bytes_read"]);
  CHECK(first["dram"]["bytes_written"] == fifo["dram"]["bytes_written"]);
  CHECK(first["attention_pipeline"]["token_heads"] == fifo["attention_pipeline"]["token_heads"]);
  CHECK(first["kv_prefetch"]["used_bytes"] == fifo["kv_prefetch"]["used_bytes"]);
  // In arrival order no prefetch request waits behind demand; demand first, some do.
  const json& a = fifo["dram_arbitration"];
  const json& b = first["dram_arbitration"];
  CHECK(a["prefetch_requests"].get<std::uint64_t>() > 0);
  CHECK(a["deferred_requests"] == 0);
  CHECK(a["deferred_ps"] == 0);
  CHECK(b["prefetch_requests"].get<std::uint64_t>() > 0);
  CHECK(b["deferred_requests"].get<std::uint64_t>() > 0);
  CHECK(b["deferred_ps"].get<std::uint64_t>() > 0);
  CHECK(b["deferred_requests"].get<std::uint64_t>() <= b["prefetch_requests"].get<std::uint64_t>());
  // A run without overlap has no such group.
  const CliResult none = run_cli(
      {"run", "--hw", kHw, "--model", kTiny, "--trace", trace, "-o", dir.file("none"), "-q"});
  REQUIRE(none.exit_code == 0);
  CHECK(!json::parse(read_file(dir.file("none/report.json"))).contains("dram_arbitration"));
}

TEST_CASE("cli: overlap.weights next_op runs in exact mode, saves time, moves the same bytes",
          "[system]") {
  TempDir dir;
  const std::string hw = overlap_hw(dir);
  const std::string trace = dir.write(
      "t.trace", "# swiftkv-decode-trace v1\nbatch,request,step,kv_len\n0,0,0,64\n1,0,1,65\n");
  const CliResult plain = run_cli(
      {"run", "--hw", kHw, "--model", kTiny, "--trace", trace, "-o", dir.file("plain"), "-q"});
  const CliResult ahead = run_cli(
      {"run", "--hw", hw, "--model", kTiny, "--trace", trace, "-o", dir.file("ahead"), "-q"});
  INFO(plain.err << ahead.err);
  REQUIRE(plain.exit_code == 0);
  REQUIRE(ahead.exit_code == 0);
  CHECK(ahead.err.empty());
  const json a = json::parse(read_file(dir.file("plain/report.json")));
  const json b = json::parse(read_file(dir.file("ahead/report.json")));
  CHECK(!a.contains("weight_prefetch"));  // without overlap: the report as it always was
  CHECK(b.at("config").at("hw").dump().find("next_op") != std::string::npos);
  // The same work: bytes, MACs and operations; the next GEMV's weights fetched ahead.
  CHECK(b["dram"]["bytes_read"] == a["dram"]["bytes_read"]);
  CHECK(b["processor_array"]["macs"] == a["processor_array"]["macs"]);
  CHECK(b["processor_array"]["gemv_ops"] == a["processor_array"]["gemv_ops"]);
  CHECK(b["weight_prefetch"]["prefetched_bytes"].get<std::uint64_t>() > 0);
  // The weight buffer holds memory.max_outstanding (64) x request_bytes (4096) at most.
  CHECK(b["weight_prefetch"]["buffer_peak_bytes"].get<std::uint64_t>() <= 64 * 4096);
  CHECK(b["processor_array"]["weight_stall_cycles"].get<std::uint64_t>() <
        a["processor_array"]["weight_stall_cycles"].get<std::uint64_t>());
  CHECK(b["totals"]["simulated_cycles"].get<std::uint64_t>() <
        a["totals"]["simulated_cycles"].get<std::uint64_t>());

  // The `overlap` group: only with overlap.
  CHECK(!a.contains("overlap"));
  const json& o = b.at("overlap");
  const json& w = o.at("streams").at("weights");
  CHECK(w["choice"] == "next_op");
  CHECK(w["buffer_bytes"] == 64 * 4096);
  CHECK(w["buffer_peak_bytes"] == b["weight_prefetch"]["buffer_peak_bytes"]);
  CHECK(w["prefetched_bytes"] == b["weight_prefetch"]["prefetched_bytes"]);
  CHECK(w["boundaries"] == b["weight_prefetch"]["streams_ahead"]);
  CHECK(w["wasted_bytes"] == 0);
  CHECK(w["fetched_twice_bytes"] == 0);
  // Mean occupancy: the integral over the run's cycles, never above the peak.
  const double cycles = b["totals"]["simulated_cycles"].get<double>();
  CHECK(w["buffer_mean_bytes"].get<double>() ==
        Approx(b["weight_prefetch"]["buffer_occupancy_byte_cycles"].get<double>() / cycles)
            .margin(1e-6));
  CHECK(w["buffer_mean_bytes"].get<double>() > 0);
  CHECK(w["buffer_mean_bytes"].get<double>() <= w["buffer_peak_bytes"].get<double>());
  // The bound is never more than the buffer's worth per boundary, and is the stream's sum.
  CHECK(w["hideable_bytes"].get<std::uint64_t>() <=
        w["boundaries"].get<std::uint64_t>() * 64 * 4096);
  CHECK(w["hideable_cycles"].get<std::uint64_t>() > 0);
  CHECK(o["hideable_cycles"] == w["hideable_cycles"]);
  // The exclusive breakdown adds up to the simulated cycles.
  std::uint64_t sum = 0;
  for (const auto& [key, v] : o.at("exclusive_breakdown").items()) {
    if (key.size() > 7 && key.compare(key.size() - 7, 7, "_cycles") == 0)
      sum += v.get<std::uint64_t>();
  }
  CHECK(sum == b["totals"]["simulated_cycles"].get<std::uint64_t>());
  CHECK(o["exclusive_breakdown"]["gemv_waiting_for_weights_cycles"] ==
        b["processor_array"]["weight_stall_cycles"]);
  CHECK(o["exclusive_breakdown"]["attention_waiting_for_kv_cycles"] ==
        b["kv_sram"]["stall_cycles"]);
}

TEST_CASE("cli: under overlap --dump-graph prints the edges", "[system]") {
  TempDir dir;
  const std::string hw = overlap_hw(dir);
  const std::string trace =
      dir.write("t.trace", "# swiftkv-decode-trace v1\nbatch,request,step,kv_len\n0,0,0,64\n");
  const CliResult graph =
      run_cli({"run", "--dump-graph", "--hw", hw, "--model", kTiny, "--trace", trace});
  INFO(graph.err);
  REQUIRE(graph.exit_code == 0);
  // The O GEMV's weight stream queues behind the QKV GEMV's (a buffer edge from stream
  // to stream), before the QKV GEMV itself.
  CHECK(graph.out.find("overlap.weights = next_op") != std::string::npos);
  CHECK(graph.out.find("2 weight_stream [weight_dma] 32768 B for 9 <- 1(buffer)\n") !=
        std::string::npos);
  const CliResult plain =
      run_cli({"run", "--dump-graph", "--hw", kHw, "--model", kTiny, "--trace", trace});
  REQUIRE(plain.exit_code == 0);
  CHECK(plain.out.find("7 weight_stream [weight_dma] 32768 B for 8 <- 2(buffer)\n") !=
        std::string::npos);
}
