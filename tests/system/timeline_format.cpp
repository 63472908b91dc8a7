// `run --timeline` writes a file that keeps the trace-event format's rules
// (support/TraceEventCheck.h), under every attention algorithm and in both modes.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "support/RunCli.h"
#include "support/TempDir.h"
#include "support/TraceEventCheck.h"

using nlohmann::json;
using skv::test::read_file;
using skv::test::run_cli;
using skv::test::source_path;
using skv::test::TempDir;
using skv::test::trace_event_problems;

TEST_CASE("timeline: the file keeps the trace-event format's rules", "[system]") {
  const TempDir dir;
  const std::string golden = source_path("tests/golden/tiny-5steps.trace");
  for (const char* algo : {"swiftkv", "native", "flash", "flashdecoding"}) {
    for (const char* mode : {"exact", "fast"}) {
      INFO(algo << " " << mode);
      const std::string name = std::string(algo) + "-" + mode;
      std::vector<std::string> args = {"run", "--hw", source_path("configs/hw/swiftkv-mha-u55c.yaml"),
                                       "--model", source_path("configs/models/tiny.yaml"),
                                       "--trace", golden, "--algo", algo, "--mode", mode, "-q",
                                       "-o", dir.file(name), "--timeline",
                                       dir.file(name + ".json"), "--timeline-batch", "4"};
      if (std::string(mode) == "fast") args.push_back("--no-cache");
      const auto r = run_cli(args);
      INFO(r.err);
      REQUIRE(r.exit_code == 0);
      const json t = json::parse(read_file(dir.file(name + ".json")));
      CHECK(trace_event_problems(t).empty());
      for (const auto& p : trace_event_problems(t)) UNSCOPED_INFO(p);
      // Batch 4 (KV 1022) on the two tracks: every layer's operations, the head's after.
      std::size_t slices = 0;
      for (const auto& e : t.at("traceEvents")) slices += e.at("ph") == "X";
      CHECK(slices > 10);
      CHECK(t.at("otherData").at("batch") == 4);
    }
  }
}

TEST_CASE("timeline: all four units, their counters and flows, on a one-step run", "[system]") {
  const TempDir dir;
  {
    std::ofstream t(dir.file("one.trace"));
    t << "# swiftkv-decode-trace v1\nbatch,request,step,kv_len\n0,0,0,1022\n";
  }
  const auto r = run_cli({"run", "--hw", source_path("configs/hw/swiftkv-mha-u55c.yaml"), "--model",
                          source_path("configs/models/tiny.yaml"), "--trace", dir.file("one.trace"),
                          "-q", "-o", dir.file("out"), "--timeline", dir.file("t.json"),
                          "--timeline-bins", "64"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json t = json::parse(read_file(dir.file("t.json")));
  const json report = json::parse(read_file(dir.file("out/report.json")));
  for (const auto& p : trace_event_problems(t)) UNSCOPED_INFO(p);
  CHECK(trace_event_problems(t).empty());

  // Every process and track by name, and what each track holds.
  std::map<long long, std::string> process;
  std::map<std::pair<long long, long long>, std::string> thread;
  for (const auto& e : t.at("traceEvents")) {
    if (e.at("ph") != "M") continue;
    if (e.at("name") == "process_name") process[e.at("pid")] = e.at("args").at("name");
    if (e.at("name") == "thread_name") thread[{e.at("pid"), e.at("tid")}] = e.at("args").at("name");
  }
  CHECK(process == std::map<long long, std::string>{{1, "processor_array"},
                                                    {2, "attention_pipeline"},
                                                    {3, "kv_sram"},
                                                    {4, "dram_controller"}});
  std::map<std::string, std::map<std::string, std::size_t>> kinds;  // "unit/track" -> ph -> n
  std::map<std::string, std::vector<json>> counters;                // "unit/name" -> samples
  std::size_t flow_starts = 0, flow_ends = 0;
  for (const auto& e : t.at("traceEvents")) {
    const std::string ph = e.at("ph");
    if (ph == "M") continue;
    const std::string unit = process[e.at("pid")];
    if (ph == "C") {
      counters[unit + "/" + e.at("name").get<std::string>()].push_back(e);
      continue;
    }
    ++kinds[unit + "/" + thread[{e.at("pid"), e.at("tid")}]][ph];
    flow_starts += ph == "s";
    flow_ends += ph == "f";
  }
  for (const char* track :
       {"processor_array/operations", "attention_pipeline/operations",
        "attention_pipeline/head passes", "kv_sram/port: reads, writes", "kv_sram/tile fills",
        "dram_controller/channels 0-7", "dram_controller/channels 8-15",
        "dram_controller/channels 16-23", "dram_controller/channels 24-31",
        "dram_controller/requests: weights", "dram_controller/requests: kv fill",
        "dram_controller/requests: kv write-back"}) {
    INFO(track);
    CHECK(kinds[track]["X"] > 0);
  }
  // Two layers of 4 query heads, 2 K/V heads: the attention runs heads_in_parallel heads
  // a pass; each pass a slice, and at least one per layer.
  CHECK(kinds["attention_pipeline/head passes"]["X"] >= 2);
  // One flow per operation that read DRAM: every GEMV (4 per layer and the LM head: 9)
  // and every attention (one per layer: 2). Each leaves a request group and ends on its
  // operation.
  CHECK(flow_starts == 11);
  CHECK(flow_ends == 11);
  CHECK(kinds["dram_controller/requests: weights"]["X"] == 9);
  CHECK(kinds["dram_controller/requests: kv fill"]["X"] == 2);
  CHECK(kinds["processor_array/operations"]["f"] == 9);
  CHECK(kinds["attention_pipeline/operations"]["f"] == 2);
  CHECK(t.at("otherData").at("flows") == 11);

  // Counters: one sample per bin and one at the end, within the stated bound.
  const json& other = t.at("otherData");
  const std::size_t bins = other.at("bins");
  CHECK(bins >= 32);  // the step is longer than half the bound: between 64 / 2 and 64 bins
  CHECK(bins <= 64);
  CHECK(other.at("max_bins") == 64);
  CHECK(other.at("channels_per_group") == 8);
  REQUIRE(counters.count("dram_controller/bandwidth GB/s") == 1);
  REQUIRE(counters.count("kv_sram/staging bytes") == 1);
  CHECK(counters["dram_controller/bandwidth GB/s"].size() == bins + 1);
  CHECK(counters["kv_sram/staging bytes"].size() == bins + 1);
  double peak_read = 0, staged_max = 0;
  for (const auto& c : counters["dram_controller/bandwidth GB/s"]) {
    peak_read = std::max(peak_read, c.at("args").at("read").get<double>());
  }
  for (const auto& c : counters["kv_sram/staging bytes"]) {
    staged_max = std::max(staged_max, c.at("args").at("bytes").get<double>());
  }
  // Some bin reads DRAM, none faster than the HBM2's peak (about 460 GB/s); the staging
  // space holds K/V at some point, never more than the SRAM's capacity.
  CHECK(peak_read > 0);
  const double peak_bytes_per_s = report.at("dram").at("peak_bandwidth_bytes_per_s");
  CHECK(peak_read * 1e9 <= peak_bytes_per_s * 1.0001);
  CHECK(staged_max > 0);
  CHECK(staged_max <= report.at("kv_sram").at("capacity_bytes").get<double>());

  // The bins counted every burst the run moved: the one batch is the whole run.
  const std::uint64_t burst = 32;
  CHECK(other.at("dram_read_bursts").get<std::uint64_t>() * burst ==
        report.at("dram").at("bytes_read").get<std::uint64_t>());
  CHECK(other.at("dram_write_bursts").get<std::uint64_t>() * burst ==
        report.at("dram").at("bytes_written").get<std::uint64_t>());
  CHECK(other.at("dram_refreshes").get<std::uint64_t>() > 0);
  // The channel-group slices' bursts add up to the same (all within the step).
  std::uint64_t sliced_reads = 0;
  for (const auto& e : t.at("traceEvents")) {
    if (e.at("ph") == "X" && e.value("cat", "") == "dram_bin") {
      sliced_reads += e.at("args").at("read_bursts").get<std::uint64_t>();
    }
  }
  CHECK(sliced_reads == other.at("dram_read_bursts").get<std::uint64_t>());

  // Recording changed nothing: the same run without --timeline reports the same figures.
  const auto plain = run_cli({"run", "--hw", source_path("configs/hw/swiftkv-mha-u55c.yaml"),
                              "--model", source_path("configs/models/tiny.yaml"), "--trace",
                              dir.file("one.trace"), "-q", "-o", dir.file("plain")});
  REQUIRE(plain.exit_code == 0);
  CHECK(read_file(dir.file("plain/report.json")) == read_file(dir.file("out/report.json")));
}

TEST_CASE("timeline: one DMA track per stream under overlap, adding up to the DRAM's reads",
          "[system]") {
  // tiny (two layers) at KV 1022 on the preset with both prefetch streams: weights
  // (overlap.weights: next_op) and K/V (overlap.kv: next_attention, 512 KiB).
  const TempDir dir;
  {
    std::ofstream t(dir.file("one.trace"));
    t << "# swiftkv-decode-trace v1\nbatch,request,step,kv_len\n0,0,0,1022\n";
  }
  const auto r =
      run_cli({"run", "--hw", source_path("configs/hw/swiftkv-mha-u55c-kvprefetch.yaml"), "--model",
               source_path("configs/models/tiny.yaml"), "--trace", dir.file("one.trace"), "-q",
               "-o", dir.file("out"), "--timeline", dir.file("t.json")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json t = json::parse(read_file(dir.file("t.json")));
  const json report = json::parse(read_file(dir.file("out/report.json")));
  CHECK(trace_event_problems(t).empty());

  std::map<std::pair<long long, long long>, std::string> thread;
  for (const auto& e : t.at("traceEvents")) {
    if (e.at("ph") == "M" && e.at("name") == "thread_name" && e.at("pid") == 4) {
      thread[{e.at("pid"), e.at("tid")}] = e.at("args").at("name");
    }
  }
  // Bytes and slices per request track (lanes folded: "requests: kv fill 2" is kv fill).
  std::map<std::string, std::uint64_t> bytes, slices;
  std::map<std::string, std::vector<std::string>> names;
  for (const auto& e : t.at("traceEvents")) {
    if (e.at("ph") != "X" || e.value("cat", "") != "dram_requests") continue;
    std::string track = thread[{e.at("pid"), e.at("tid")}];
    if (!track.empty() && track.back() >= '2' && track.back() <= '9')
      track.resize(track.size() - 2);
    bytes[track] += e.at("args").at("bytes").get<std::uint64_t>();
    ++slices[track];
    names[track].push_back(e.at("name"));
  }
  // Weights requested before their GEMV started, and everything the prefetch space
  // fetched, are the two streams fetched ahead.
  const std::uint64_t weights_ahead =
      report.at("weight_prefetch").at("prefetched_bytes").get<std::uint64_t>();
  const std::uint64_t kv_ahead =
      report.at("kv_prefetch").at("prefetched_bytes").get<std::uint64_t>();
  REQUIRE(weights_ahead > 0);
  REQUIRE(kv_ahead > 0);
  // The track holds the weight requests sent before their GEMV started;
  // weight_prefetch.prefetched_bytes counts those the DRAM controller had accepted by
  // then. A port sends one request at a time, so at a GEMV's start at most one request
  // of its stream is sent and not yet accepted (back-pressure): the two differ by at
  // most one request (4 KiB) per GEMV started ahead.
  const std::uint64_t boundaries =
      report.at("weight_prefetch").at("streams_ahead").get<std::uint64_t>();
  CHECK(bytes["requests: weights ahead"] >= weights_ahead);
  CHECK(bytes["requests: weights ahead"] <= weights_ahead + boundaries * 4096);
  CHECK(bytes["requests: kv ahead"] == kv_ahead);
  // Every byte read is on exactly one read track: the run is one batch.
  CHECK(bytes["requests: weights"] + bytes["requests: weights ahead"] + bytes["requests: kv fill"] +
            bytes["requests: kv ahead"] ==
        report.at("dram").at("bytes_read").get<std::uint64_t>());
  CHECK(bytes["requests: kv write-back"] ==
        report.at("dram").at("bytes_written").get<std::uint64_t>());
  // Each stream fetched ahead is named after the operation it was for: the GEMVs after
  // the first (the batch's first GEMV, layer 0's QKV, has nothing before it to hide
  // behind, so at most 8 of the 9 GEMVs) and the two layers' attentions (one row: one
  // slice each).
  CHECK(slices["requests: weights ahead"] >= 1);
  CHECK(slices["requests: weights ahead"] <= 8);
  for (const auto& n : names["requests: weights ahead"]) {
    INFO(n);
    CHECK(n.size() > 5);
    CHECK(n.compare(n.size() - 5, 5, "_gemv") == 0);
  }
  CHECK(names["requests: kv ahead"] == std::vector<std::string>{"attention", "attention"});
}

TEST_CASE("timeline: the checker finds broken rules", "[system]") {
  // A checker that cannot fail checks nothing: each rule, broken once. Track (1, 1) holds
  // two operations, track (1, 2) a request group; flow 7 runs from the group to the second
  // operation.
  const json ok = json::parse(R"({"traceEvents": [
      {"ph": "M", "pid": 1, "tid": 1, "name": "thread_name", "args": {"name": "a"}},
      {"ph": "X", "pid": 1, "tid": 1, "name": "op", "ts": 0, "dur": 2},
      {"ph": "X", "pid": 1, "tid": 1, "name": "op", "ts": 2, "dur": 1},
      {"ph": "C", "pid": 1, "name": "bw", "ts": 1, "args": {"GB/s": 3.5}},
      {"ph": "X", "pid": 1, "tid": 2, "name": "requests", "ts": 0, "dur": 1},
      {"ph": "s", "pid": 1, "tid": 2, "name": "f", "ts": 0.5, "id": 7},
      {"ph": "f", "pid": 1, "tid": 1, "name": "f", "ts": 2.5, "id": 7, "bp": "e"},
      {"ph": "C", "pid": 1, "name": "bw", "ts": 3, "args": {"GB/s": 0}}]})");
  CHECK(trace_event_problems(ok).empty());
  auto broken = [&](const char* pointer, const json& value) {
    json j = ok;
    j[json::json_pointer(pointer)] = value;
    return trace_event_problems(j);
  };
  using Lines = std::vector<std::string>;
  CHECK(broken("/traceEvents/1/dur", -1) == Lines{"event 1: no duration >= 0"});
  CHECK(broken("/traceEvents/2/ts", 1) ==
        Lines{"event 2: overlaps the track's previous event",
              "flow 7: its 'f' is inside no slice of its track"});
  CHECK(broken("/traceEvents/1/ph", "Q") == Lines{"event 1: unknown phase 'Q'"});
  CHECK(broken("/traceEvents/3/args/GB~1s", "fast") ==
        Lines{"event 3: counter value not a number"});
  CHECK(broken("/traceEvents/6/id", 8) ==
        Lines{"flow 7: start or end missing", "flow 8: start or end missing"});
  CHECK(broken("/traceEvents/0/name", "colour") == Lines{"event 0: unknown metadata 'colour'"});
  // Time order per track, per counter; a flow forwards in time, bound to slices.
  CHECK(broken("/traceEvents/6/ts", 0.2) ==
        Lines{"event 6: earlier than the track's previous event", "flow 7: ends before it starts"});
  CHECK(broken("/traceEvents/7/ts", 0.5) ==
        Lines{"event 7: counter sample earlier than the counter's previous one"});
  CHECK(broken("/traceEvents/5/ts", 1.5) ==
        Lines{"flow 7: its 's' is inside no slice of its track"});
  CHECK(broken("/traceEvents/4/ts", 3) ==
        Lines{"event 5: earlier than the track's previous event",
              "flow 7: its 's' is inside no slice of its track"});
  CHECK(broken("/traceEvents/6/tid", "one") ==
        Lines{"event 6: no integer tid", "flow 7: start or end missing"});
}
