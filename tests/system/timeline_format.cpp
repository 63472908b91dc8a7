// `run --timeline` writes a file that keeps the trace-event format's rules
// (support/TraceEventCheck.h), under every attention algorithm and in both modes.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

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

TEST_CASE("timeline: the checker finds broken rules", "[system]") {
  // A checker that cannot fail checks nothing: each rule, broken once.
  const json ok = json::parse(R"({"traceEvents": [
      {"ph": "M", "pid": 1, "tid": 1, "name": "thread_name", "args": {"name": "a"}},
      {"ph": "X", "pid": 1, "tid": 1, "name": "op", "ts": 0, "dur": 2},
      {"ph": "X", "pid": 1, "tid": 1, "name": "op", "ts": 2, "dur": 1},
      {"ph": "C", "pid": 1, "name": "bw", "ts": 1, "args": {"GB/s": 3.5}},
      {"ph": "s", "pid": 1, "tid": 1, "name": "f", "ts": 0, "id": 7},
      {"ph": "f", "pid": 1, "tid": 1, "name": "f", "ts": 1, "id": 7}]})");
  CHECK(trace_event_problems(ok).empty());
  auto broken = [&](const char* pointer, const json& value) {
    json j = ok;
    j[json::json_pointer(pointer)] = value;
    return trace_event_problems(j);
  };
  CHECK(broken("/traceEvents/1/dur", -1) == std::vector<std::string>{"event 1: no duration >= 0"});
  CHECK(broken("/traceEvents/2/ts", 1) ==
        std::vector<std::string>{"event 2: overlaps the track's previous event"});
  CHECK(broken("/traceEvents/1/ph", "Q") == std::vector<std::string>{"event 1: unknown phase 'Q'"});
  CHECK(broken("/traceEvents/3/args/GB~1s", "fast") ==
        std::vector<std::string>{"event 3: counter value not a number"});
  CHECK(broken("/traceEvents/5/id", 8) ==
        std::vector<std::string>{"flow 7: start or end missing", "flow 8: start or end missing"});
  CHECK(broken("/traceEvents/0/name", "colour") ==
        std::vector<std::string>{"event 0: unknown metadata 'colour'"});
}
