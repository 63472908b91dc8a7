// The bad-input catalogue: inputs a user can get wrong, across every reader (hardware,
// model, DRAM preset and sweep YAML, decode traces, request CSVs, DRAM request traces,
// the command line), each with the exit status and a stable part of the first stderr
// line it must give. Each case runs with a time limit and gets one verdict:
//   clear    the expected exit status and one "swiftkv-sim: error: " line holding the
//            expected text
//   unclear  a non-zero exit, but another status, more lines, other words, or an
//            "internal error"
//   crash    ended by a signal
//   hang     still running at the time limit (killed)
//   silent   exit 0: the bad input was accepted
// The test fails on any case that is not clear, and prints a count by verdict.
//
// SKV_CATALOGUE_BINARY runs the cases against another build of swiftkv-sim (to count
// an older build's verdicts); the test then reports but does not fail.

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "support/RunCli.h"
#include "support/TempDir.h"

namespace fs = std::filesystem;
using skv::test::CliResult;
using skv::test::read_file;
using skv::test::source_path;
using skv::test::TempDir;

namespace {

// A case's input files: name below the case's directory -> content.
using Files = std::vector<std::pair<std::string, std::string>>;

struct Case {
  std::string name;
  // Arguments; "@x" is file x in the case's directory, "$HW", "$TINY" and "$DRAM" the
  // shipped hardware config, tiny model and HBM2 preset, "$DIR" the case's directory.
  std::vector<std::string> args;
  Files files;
  int exit_code;       // expected exit status: 1 bad input, 2 bad command line
  std::string expect;  // text the first stderr line must hold (after the file's path)
};

const std::string kTraceHead = "# swiftkv-decode-trace v1\nbatch,request,step,kv_len\n";
const std::string kCsvHead = "TIMESTAMP,ContextTokens,GeneratedTokens\n";

// `text` with the value of the first line whose key (after indentation) is `key`
// replaced by `value`; `value` "<drop>" removes the line.
std::string with(std::string text, const std::string& key, const std::string& value) {
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = text.find('\n', at);
    const std::size_t line_end = end == std::string::npos ? text.size() : end;
    std::size_t k = at;
    while (k < line_end && text[k] == ' ') ++k;
    if (text.compare(k, key.size() + 1, key + ":") == 0) {
      if (value == "<drop>") return text.erase(at, line_end - at);
      return text.replace(k, line_end - k, key + ": " + value);
    }
    at = line_end + 1;
  }
  throw std::runtime_error("no key " + key + " in the text");
}

std::string hw_text() { return read_file(source_path("configs/hw/swiftkv-mha-u55c.yaml")); }
std::string model_text() { return read_file(source_path("configs/models/tiny.yaml")); }
std::string preset_text() { return read_file(source_path("configs/dram/hbm2-u55c.yaml")); }

Case hw_case(const std::string& name, const std::string& text, const std::string& expect) {
  return {name, {"validate", "@hw/h.yaml"}, {{"hw/h.yaml", text}}, 1, expect};
}
Case hw_key(const std::string& key, const std::string& value, const std::string& expect) {
  return hw_case("hardware " + key + ": " + value.substr(0, 40), with(hw_text(), key, value),
                 expect);
}
Case model_case(const std::string& name, const std::string& text, const std::string& expect) {
  return {name, {"validate", "--hw", "$HW", "--model", "@m.yaml"}, {{"m.yaml", text}}, 1, expect};
}
Case model_key(const std::string& key, const std::string& value, const std::string& expect) {
  return model_case("model " + key + ": " + value.substr(0, 40), with(model_text(), key, value),
                    expect);
}
Case preset_key(const std::string& key, const std::string& value, const std::string& expect) {
  return {"DRAM preset " + key + ": " + value.substr(0, 40),
          {"validate", "@dram/p.yaml"},
          {{"dram/p.yaml", with(preset_text(), key, value)}},
          1,
          expect};
}
std::string sweep_text(const std::string& body) {
  return "name: s\nhw: " + source_path("configs/hw/swiftkv-mha-u55c.yaml") +
         "\nmodel: " + source_path("configs/models/tiny.yaml") + "\n" + body;
}
const std::string kSweepTrace = "trace:\n  prompt_tokens: 16\n  generate_tokens: 1\n";
Case sweep_case(const std::string& name, const std::string& text, const std::string& expect) {
  return {name, {"sweep", "@s.yaml", "-o", "@out", "-q", "-j", "1"}, {{"s.yaml", text}}, 1, expect};
}
Case trace_case(const std::string& name, const std::string& text, const std::string& expect) {
  return {name,
          {"run", "--hw", "$HW", "--model", "$TINY", "--trace", "@t.trace", "-o", "@out", "-q"},
          {{"t.trace", text}},
          1,
          expect};
}
Case csv_case(const std::string& name, const std::string& text, const std::string& expect) {
  return {name, {"trace", "import", "@r.csv", "-o", "@o.trace"}, {{"r.csv", text}}, 1, expect};
}
Case dram_case(const std::string& name, const std::string& text, const std::string& expect) {
  return {name, {"dram", "--dram", "$DRAM", "--trace", "@d.trace", "-q"}, {{"d.trace", text}}, 1,
          expect};
}
Case cli_case(const std::string& name, std::vector<std::string> args, int exit_code,
              const std::string& expect, Files files = {}) {
  return {name, std::move(args), std::move(files), exit_code, expect};
}

std::vector<Case> catalogue() {
  const std::string hw = hw_text();
  const std::string deep = "name: x\nclock_mhz: " + std::string(5000, '[') + "\n";
  const std::string long_name(300, 'p');
  std::vector<Case> c = {
      // --- hardware config ---
      hw_key("cols", "-1", "processor_array.cols"),
      hw_key("cols", "18446744073709551616", "processor_array.cols"),
      hw_key("cols", "0", "processor_array.cols"),
      hw_key("cols", "1.5", "processor_array.cols"),
      hw_key("cols", "abc", "processor_array.cols"),
      hw_key("cols", "{a: 1}", "processor_array.cols"),
      hw_key("cols", "[1, 2]", "processor_array.cols"),
      hw_key("cols", "\"\"", "processor_array.cols"),
      hw_key("clock_mhz", "nan", "clock_mhz"),
      hw_key("clock_mhz", "-250", "clock_mhz"),
      hw_key("clock_mhz", "1e400", "clock_mhz"),
      hw_key("clock_mhz", "0", "clock_mhz"),
      hw_key("capacity_kib", "18446744073709551615", "kv_sram.capacity_kib"),
      hw_key("max_batch", "0", "memory.max_batch"),
      hw_key("max_batch", "-1", "memory.max_batch"),
      hw_key("request_bytes", "3", "memory.request_bytes"),
      hw_key("tile_tokens", "0", "attention.tile_tokens"),
      hw_key("preset", "no-such-preset", "no-such-preset"),
      hw_key("preset", long_name, "dram.preset"),
      hw_key("processor_array", "5", "YAML syntax error"),
      hw_key("rows", "*undefined", "YAML"),
      hw_key("name", "\"unterminated", "cannot tell what this file is"),
      hw_key("rows", "[1, 2", "YAML"),
      hw_case("hardware: a tab indents a key", with(hw, "rows", "32\n\tcols: 32"), "tab"),
      hw_case("hardware: a merge key", "base: &b\n  rows: 32\n" + with(hw, "rows", "32\n  <<: *b"),
              "merge"),
      hw_case("hardware: nesting too deep", deep, "deep"),
      hw_case("hardware: a base that does not exist", "base: none.yaml\n" + hw, "no such file"),
      hw_case("hardware: a file its own base", "base: h.yaml\n" + hw, "a cycle of bases"),
      hw_case("hardware: a base and no name", "base: h.yaml\n", "a config with a base names"),
      hw_case("hardware: an empty file", "", "empty"),
      hw_case("hardware: only comments", "# nothing here\n", "empty"),
      hw_case("hardware: a list at the top", "- a\n- b\n", "mapping"),
      hw_case("hardware: a key given twice", "clock_mhz: 300\n" + hw, "clock_mhz"),
      hw_case("hardware: an unknown top-level key", "colour: red\n" + hw, "colour"),
      cli_case("hardware: a misspelt section",
               {"run", "--hw", "@hw/h.yaml", "--model", "$TINY", "--trace", "@t.trace", "-o",
                "@out", "-q"},
               1, "did you mean 'processor_array'",
               {{"hw/h.yaml",
                 std::string(hw).replace(hw.find("processor_array:"), 16, "procesor_array:")},
                {"t.trace", kTraceHead + "0,0,0,8\n"}}),
      hw_case("hardware: binary bytes", std::string("\x01\x02\xff\xfe\x00\x00garbage", 13),
              "not a text file"),
      hw_case("hardware: a file over 1 MiB", hw + std::string(2 << 20, '#') + "\n", "MiB"),
      cli_case("hardware: a directory", {"validate", "$DIR"}, 1, "is a directory"),
      cli_case("hardware: --hw /dev/zero",
               {"run", "--hw", "/dev/zero", "--model", "$TINY", "--trace", "@t.trace", "-o", "@out",
                "-q"},
               1, "/dev/zero", {{"t.trace", kTraceHead + "0,0,0,8\n"}}),
      cli_case("hardware: a missing file", {"validate", "@hw/none.yaml"}, 1, "No such file"),
      // --- model ---
      model_key("layers", "-1", "layers"),
      model_key("layers", "0", "layers"),
      model_key("layers", "18446744073709551615", "layers"),
      model_key("heads", "3", "heads"),
      model_key("head_dim", "0", "head_dim"),
      model_key("kv_bits", "4", "kv_bits"),
      model_key("kv_bits", "12", "kv_bits"),
      model_key("max_context", "0", "max_context"),
      model_key("max_context", "18446744073709551615", "max_context"),
      model_key("ffn_kind", "relu2", "ffn_kind"),
      model_key("weight_bits", "0", "weight_bits"),
      model_key("layers", "<drop>", "layers"),
      model_key("hidden_size", "1e3", "hidden_size"),
      model_key("name", "[a, b]", "name"),
      model_key("vocab_size", "-5", "vocab_size"),
      model_case("model: a tab indent", "name: t\n\tlayers: 2\n", "tab"),
      cli_case("model: a directory", {"validate", "--hw", "$HW", "--model", "$DIR"}, 1,
               "is a directory"),
      // --- DRAM preset ---
      preset_key("channels", "0", "organisation.channels"),
      preset_key("channels", "-1", "organisation.channels"),
      preset_key("channels", "3", "organisation.channels"),
      preset_key("rows", "18446744073709551615", "organisation.rows"),
      preset_key("burst_length", "0", "organisation.burst_length"),
      preset_key("bus_width_bits", "7", "organisation.bus_width_bits"),
      preset_key("tRCD", "-1", "timing.tRCD"),
      preset_key("tRFCpb", "5000", "timing.tRFCpb"),
      preset_key("scheduler", "lifo", "controller.scheduler"),
      preset_key("page_policy", "half", "controller.page_policy"),
      preset_key("queue_depth", "0", "controller.queue_depth"),
      preset_key("write_high_watermark", "2", "watermark"),
      preset_key("address_mapping", "XYZ", "controller.address_mapping"),
      preset_key("clock_mhz", "0", "clock_mhz"),
      preset_key("timing", "<drop>", "timing"),
      cli_case("DRAM preset: a name longer than a file name",
               {"dram", "--dram", long_name, "--trace", "@d.trace"}, 1, "preset",
               {{"d.trace", "0 R 0x0\n"}}),
      cli_case("DRAM preset: no such preset", {"dram", "--dram", "nope", "--trace", "@d.trace"}, 1,
               "nope", {{"d.trace", "0 R 0x0\n"}}),
      // --- sweep ---
      sweep_case("sweep: no trace", sweep_text("axes:\n  - kv_len: [16]\n"), "trace"),
      sweep_case("sweep: trace misspelt",
                 sweep_text("traec:\n  prompt_tokens: 16\naxes:\n  - algorithm: [swiftkv]\n"),
                 "traec"),
      sweep_case("sweep: no axes", sweep_text(kSweepTrace), "axes"),
      sweep_case("sweep: an unknown axis key",
                 sweep_text(kSweepTrace + "axes:\n  - processor_array.colz: [1]\n"), "colz"),
      sweep_case("sweep: an axis value out of range",
                 sweep_text(kSweepTrace + "axes:\n  - processor_array.cols: [-1]\n"),
                 "processor_array.cols"),
      sweep_case("sweep: a range with factor 1",
                 sweep_text("trace:\n  generate_tokens: 1\naxes:\n  - kv_len: {from: 16, to: "
                            "64, factor: 1}\n"),
                 "factor"),
      sweep_case("sweep: a range that runs backwards",
                 sweep_text("trace:\n  generate_tokens: 1\naxes:\n  - kv_len: {from: 64, to: "
                            "16, factor: 2}\n"),
                 "kv_len"),
      sweep_case("sweep: zip lists of unequal length",
                 sweep_text(kSweepTrace + "axes:\n  - zip:\n      processor_array.rows: [16, 32]\n"
                                          "      processor_array.cols: [64]\n"),
                 "zip"),
      sweep_case("sweep: a missing hardware file",
                 "name: s\nhw: none.yaml\nmodel: " + source_path("configs/models/tiny.yaml") +
                     "\n" + kSweepTrace + "axes:\n  - algorithm: [swiftkv]\n",
                 "none.yaml"),
      sweep_case("sweep: prompt_tokens -1",
                 sweep_text("trace:\n  prompt_tokens: -1\n  generate_tokens: 1\naxes:\n  - "
                            "algorithm: [swiftkv]\n"),
                 "prompt_tokens"),
      sweep_case("sweep: generate_tokens 0",
                 sweep_text("trace:\n  prompt_tokens: 16\n  generate_tokens: 0\naxes:\n  - "
                            "algorithm: [swiftkv]\n"),
                 "generate_tokens"),
      sweep_case("sweep: an unknown algorithm",
                 sweep_text(kSweepTrace + "axes:\n  - algorithm: [nope]\n"), "nope"),
      sweep_case("sweep: an unknown mode",
                 sweep_text(kSweepTrace + "mode: turbo\naxes:\n  - algorithm: [swiftkv]\n"),
                 "mode"),
      sweep_case("sweep: a merge key",
                 sweep_text("t: &t\n  prompt_tokens: 16\ntrace:\n  <<: *t\n  generate_tokens: "
                            "1\naxes:\n  - algorithm: [swiftkv]\n"),
                 "merge"),
      sweep_case("sweep: an empty file", "", "empty"),
      cli_case("sweep: a directory", {"sweep", "$DIR", "-o", "@out", "-q"}, 1, "is a directory"),
      cli_case("sweep: --jobs -1", {"sweep", "@s.yaml", "-j", "-1"}, 2, "--jobs"),
      cli_case("sweep: --shard 3/2", {"sweep", "@s.yaml", "--shard", "3/2"}, 1, "--shard",
               {{"s.yaml", sweep_text(kSweepTrace + "axes:\n  - algorithm: [swiftkv]\n")}}),
      // --- decode trace ---
      trace_case("trace: kv_len 2^64-1", kTraceHead + "0,0,0,18446744073709551615\n", "kv_len"),
      trace_case("trace: kv_len 2^64", kTraceHead + "0,0,0,18446744073709551616\n", "kv_len"),
      trace_case("trace: kv_len -1", kTraceHead + "0,0,0,-1\n", "kv_len"),
      trace_case("trace: kv_len at the context", kTraceHead + "0,0,0,1024\n", "max_context"),
      trace_case("trace: a late row over the context",
                 kTraceHead + "0,0,0,8\n1,0,1,9\n2,0,2,5000\n", ":5:"),
      trace_case("trace: header only", kTraceHead, "no rows"),
      trace_case("trace: an empty file", "", ":1:"),
      trace_case("trace: version v2", "# swiftkv-decode-trace v2\n", "not a decode trace"),
      trace_case("trace: five fields", kTraceHead + "0,0,0,8,9\n", "4 fields"),
      trace_case("trace: a request twice in a batch", kTraceHead + "0,4,0,8\n0,4,0,8\n", "twice"),
      trace_case("trace: batches backwards", kTraceHead + "1,0,0,8\n0,0,1,9\n", "batch"),
      trace_case("trace: a NUL byte", kTraceHead + std::string("0,0,0,8\0\n", 9), ":3:"),
      trace_case("trace: a batch over max_batch", kTraceHead + "0,0,0,8\n0,1,0,8\n", "max_batch"),
      trace_case("trace: a comment after a row", kTraceHead + "0,0,0,8 # note\n", ":3:"),
      trace_case("trace: a line of 2 MiB", kTraceHead + std::string(2 << 20, '1') + "\n", ":3:"),
      cli_case("trace: a directory",
               {"run", "--hw", "$HW", "--model", "$TINY", "--trace", "$DIR", "-o", "@out", "-q"}, 1,
               "is a directory"),
      cli_case(
          "trace: /dev/zero",
          {"run", "--hw", "$HW", "--model", "$TINY", "--trace", "/dev/zero", "-o", "@out", "-q"}, 1,
          "/dev/zero"),
      cli_case("trace: validate a kv_len over the context",
               {"validate", "--hw", "$HW", "--model", "$TINY", "@t.trace"}, 1, "max_context",
               {{"t.trace", kTraceHead + "0,0,0,18446744073709551615\n"}}),
      // --- request CSV (trace import) ---
      csv_case("import: an empty file", "", "empty"),
      csv_case("import: a wrong header", "a,b,c\n", "header"),
      csv_case("import: ContextTokens -1", kCsvHead + "t,-1,4\n", "ContextTokens"),
      csv_case("import: ContextTokens 2^64-1", kCsvHead + "t,18446744073709551615,4\n",
               "ContextTokens"),
      csv_case("import: ContextTokens 2^64", kCsvHead + "t,18446744073709551616,4\n",
               "ContextTokens"),
      csv_case("import: GeneratedTokens 10^12", kCsvHead + "t,10,1000000000000\n",
               "GeneratedTokens"),
      csv_case("import: GeneratedTokens -3", kCsvHead + "t,10,-3\n", "GeneratedTokens"),
      csv_case("import: four fields", kCsvHead + "t,1,2,3\n", "3 fields"),
      csv_case("import: two fields", kCsvHead + "t,1\n", "3 fields"),
      csv_case("import: ContextTokens 1.5", kCsvHead + "t,1.5,2\n", "ContextTokens"),
      csv_case("import: header only", kCsvHead, "no rows"),
      csv_case("import: only zero-token requests", kCsvHead + "t,10,0\nt,11,0\n", "no rows"),
      cli_case("import: --max-requests -1",
               {"trace", "import", "@r.csv", "-o", "@o.trace", "--max-requests", "-1"}, 2,
               "--max-requests", {{"r.csv", kCsvHead + "t,1,2\n"}}),
      cli_case("import: --skip-requests -1",
               {"trace", "import", "@r.csv", "-o", "@o.trace", "--skip-requests", "-1"}, 2,
               "--skip-requests", {{"r.csv", kCsvHead + "t,1,2\n"}}),
      cli_case("import: a directory", {"trace", "import", "$DIR", "-o", "@o.trace"}, 1,
               "is a directory"),
      cli_case("import: output in a missing directory",
               {"trace", "import", "@r.csv", "-o", "@no/such/o.trace"}, 1, "No such file",
               {{"r.csv", kCsvHead + "t,1,2\n"}}),
      cli_case("import: output is a directory", {"trace", "import", "@r.csv", "-o", "$DIR"}, 1,
               "Is a directory", {{"r.csv", kCsvHead + "t,1,2\n"}}),
      // --- trace gen ---
      cli_case("gen: --prompt -1", {"trace", "gen", "--prompt", "-1", "-o", "@g.trace"}, 2,
               "--prompt"),
      cli_case("gen: --gen -1", {"trace", "gen", "--gen", "-1", "-o", "@g.trace"}, 2, "--gen"),
      cli_case("gen: --batch -1", {"trace", "gen", "--batch", "-1", "-o", "@g.trace"}, 2,
               "--batch"),
      cli_case("gen: --requests -1", {"trace", "gen", "--requests", "-1", "-o", "@g.trace"}, 2,
               "--requests"),
      cli_case("gen: --requests 0", {"trace", "gen", "--requests", "0", "-o", "@g.trace"}, 2,
               "--requests"),
      cli_case("gen: --gen 10^12", {"trace", "gen", "--gen", "1000000000000", "-o", "@g.trace"}, 2,
               "--gen"),
      cli_case("gen: --requests 10^12",
               {"trace", "gen", "--requests", "1000000000000", "-o", "@g.trace"}, 2, "--requests"),
      cli_case("gen: --prompt 2^64-1",
               {"trace", "gen", "--prompt", "18446744073709551615", "-o", "@g.trace"}, 2,
               "--prompt"),
      cli_case("gen: output in a missing directory", {"trace", "gen", "-o", "@no/such/g.trace"}, 1,
               "No such file"),
      // --- DRAM request trace ---
      dram_case("dram: a bad cycle", "x R 0x0\n", "issue cycle"),
      dram_case("dram: cycles going back", "10 R 0x0\n5 R 0x40\n", ":2:"),
      dram_case("dram: an unknown operation", "0 X 0x0\n", ":1:"),
      dram_case("dram: a bad address", "0 R zz\n", ":1:"),
      dram_case("dram: an address past the device", "0 R 0xffffffffffffffc0\n", "capacity"),
      dram_case("dram: an address just past 16 GiB", "0 R 0x400000000\n", "capacity"),
      dram_case("dram: zero bytes", "0 R 0x0 0\n", ":1:"),
      dram_case("dram: negative bytes", "0 R 0x0 -1\n", ":1:"),
      dram_case("dram: 2^40 bytes", "0 R 0x0 1099511627776\n", ":1:"),
      dram_case("dram: an issue cycle of 10^12", "0 R 0x0\n1000000000000 R 0x40\n", ":2:"),
      dram_case("dram: cycle 2^64", "18446744073709551616 R 0x0\n", ":1:"),
      dram_case("dram: an empty trace", "", "no requests"),
      cli_case("dram: a directory", {"dram", "--dram", "$DRAM", "--trace", "$DIR", "-q"}, 1,
               "is a directory"),
      cli_case("dram: --bytes -1",
               {"dram", "--dram", "$DRAM", "--trace", "@d.trace", "--bytes", "-1"}, 2, "--bytes",
               {{"d.trace", "0 R 0x0\n"}}),
      // --- dram gen ---
      cli_case("dram gen: --count -1", {"dram", "gen", "--count", "-1", "--out", "@g.trace"}, 2,
               "--count"),
      cli_case("dram gen: --count 0", {"dram", "gen", "--count", "0", "--out", "@g.trace"}, 2,
               "--count"),
      cli_case("dram gen: --count 10^12",
               {"dram", "gen", "--count", "1000000000000", "--out", "@g.trace"}, 2, "--count"),
      cli_case("dram gen: --footprint 17179869185G",
               {"dram", "gen", "--count", "4", "--footprint", "17179869185G", "--out", "@g.trace"},
               1, "--footprint"),
      cli_case("dram gen: --footprint -1",
               {"dram", "gen", "--count", "4", "--footprint", "-1", "--out", "@g.trace"}, 1,
               "--footprint"),
      cli_case(
          "dram gen: --start near 2^64",
          {"dram", "gen", "--count", "4", "--start", "0xffffffffffffffc0", "--out", "@g.trace"}, 1,
          "--start"),
      cli_case("dram gen: --bytes 0",
               {"dram", "gen", "--count", "4", "--bytes", "0", "--out", "@g.trace"}, 2, "--bytes"),
      cli_case("dram gen: --write-pct 101",
               {"dram", "gen", "--count", "4", "--write-pct", "101", "--out", "@g.trace"}, 2,
               "--write-pct"),
      cli_case("dram gen: --write-pct -1",
               {"dram", "gen", "--count", "4", "--write-pct", "-1", "--out", "@g.trace"}, 2,
               "--write-pct"),
      cli_case("dram gen: --interval -1",
               {"dram", "gen", "--count", "4", "--interval", "-1", "--out", "@g.trace"}, 2,
               "--interval"),
      cli_case("dram gen: --pattern zigzag",
               {"dram", "gen", "--count", "4", "--pattern", "zigzag", "--out", "@g.trace"}, 2,
               "--pattern"),
      // --- outputs that cannot be written (/dev/full: every write fails, disk full) ---
      cli_case("output: run --timeline on a full disk",
               {"run", "--hw", "$HW", "--model", "$TINY", "--trace", "@t.trace", "-o", "@out", "-q",
                "--timeline", "/dev/full"},
               1, "No space left on device", {{"t.trace", kTraceHead + "0,0,0,8\n"}}),
      cli_case("output: trace gen on a full disk", {"trace", "gen", "-o", "/dev/full"}, 1,
               "No space left on device"),
      cli_case("output: trace import on a full disk",
               {"trace", "import", "@r.csv", "-o", "/dev/full"}, 1, "No space left on device",
               {{"r.csv", kCsvHead + "t,1,2\n"}}),
      cli_case("output: dram gen on a full disk",
               {"dram", "gen", "--count", "4", "--out", "/dev/full"}, 1, "No space left on device"),
      cli_case("output: dram --json on a full disk",
               {"dram", "--dram", "$DRAM", "--trace", "@d.trace", "-q", "--json", "/dev/full"}, 1,
               "No space left on device", {{"d.trace", "0 R 0x0\n"}}),
      // --- the command line ---
      cli_case("cli: an unknown command", {"runn"}, 2, "unknown command"),
      cli_case("cli: run without --hw",
               {"run", "--model", "$TINY", "--trace", "@t.trace", "-o", "@out"}, 2, "--hw"),
      cli_case("cli: run --algo bogus",
               {"run", "--hw", "$HW", "--model", "$TINY", "--trace", "@t.trace", "--algo", "bogus"},
               2, "--algo", {{"t.trace", kTraceHead + "0,0,0,8\n"}}),
      cli_case("cli: run --timeline-batch -5",
               {"run", "--hw", "$HW", "--model", "$TINY", "--trace", "@t.trace", "-o", "@out",
                "--timeline", "@tl.txt", "--timeline-batch", "-5"},
               2, "--timeline-batch", {{"t.trace", kTraceHead + "0,0,0,8\n"}}),
      cli_case("cli: run --timeline-bins 8",
               {"run", "--hw", "$HW", "--model", "$TINY", "--trace", "@t.trace", "-o", "@out",
                "--timeline", "@tl.txt", "--timeline-bins", "8"},
               2, "--timeline-bins", {{"t.trace", kTraceHead + "0,0,0,8\n"}}),
      cli_case("cli: run --timeline-bins without --timeline",
               {"run", "--hw", "$HW", "--model", "$TINY", "--trace", "@t.trace", "-o", "@out",
                "--timeline-bins", "100"},
               2, "--timeline-bins", {{"t.trace", kTraceHead + "0,0,0,8\n"}}),
      cli_case("cli: run --watchdog -1",
               {"run", "--hw", "$HW", "--model", "$TINY", "--trace", "@t.trace", "-o", "@out",
                "--watchdog", "-1"},
               2, "--watchdog", {{"t.trace", kTraceHead + "0,0,0,8\n"}}),
      cli_case("cli: run --cache-limit-mib -1",
               {"run", "--hw", "$HW", "--model", "$TINY", "--trace", "@t.trace", "-o", "@out",
                "--cache-limit-mib", "-1"},
               2, "--cache-limit-mib", {{"t.trace", kTraceHead + "0,0,0,8\n"}}),
      cli_case("cli: run --fast-points-per-tile -1",
               {"run", "--hw", "$HW", "--model", "$TINY", "--trace", "@t.trace", "-o", "@out",
                "--fast-points-per-tile", "-1"},
               2, "--fast-points-per-tile", {{"t.trace", kTraceHead + "0,0,0,8\n"}}),
      cli_case("cli: numerics --head-dim -1", {"numerics", "--head-dim", "-1"}, 1, "--head-dim"),
      cli_case("cli: numerics --seeds -1", {"numerics", "--seeds", "-1"}, 1, "--seeds"),
      cli_case("cli: numerics --kv -5", {"numerics", "--kv", "-5"}, 1, "--kv"),
      cli_case("cli: check-fast --jobs -1", {"check-fast", "@m.yaml", "-o", "@out", "-j", "-1"}, 2,
               "--jobs"),
      cli_case("cli: compare --gen -1",
               {"compare", "--hw", "$HW", "--model", "$TINY", "--kv-lens", "16", "--gen", "-1"}, 2,
               "--gen"),
      cli_case("cli: compare --kv-lens -16",
               {"compare", "--hw", "$HW", "--model", "$TINY", "--kv-lens", "-16"}, 2, "--kv-lens"),
  };
  return c;
}

std::string expand(const std::string& arg, const TempDir& dir) {
  if (arg == "$HW") return source_path("configs/hw/swiftkv-mha-u55c.yaml");
  if (arg == "$TINY") return source_path("configs/models/tiny.yaml");
  if (arg == "$DRAM") return source_path("configs/dram/hbm2-u55c.yaml");
  if (arg == "$DIR") return dir.path().string();
  if (!arg.empty() && arg[0] == '@') return dir.file(arg.substr(1));
  return arg;
}

const char* const kVerdicts[] = {"clear", "unclear", "crash", "hang", "silent"};

std::string verdict_of(const CliResult& r, const Case& c, const std::string& place) {
  if (r.hung) return "hang";
  if (r.crashed()) return "crash";
  if (r.exit_code == 0) return "silent";
  const auto lines = r.err_lines();
  const std::string prefix = "swiftkv-sim: error: ";
  if (r.exit_code != c.exit_code || lines.size() != 1 || lines[0].rfind(prefix, 0) != 0 ||
      lines[0].find("internal error") != std::string::npos) {
    return "unclear";
  }
  // The expected text after the file's name, so a path holding the words cannot match.
  const std::string rest =
      !place.empty() && lines[0].find(place) != std::string::npos
          ? lines[0].substr(lines[0].find(place) + place.size())
          : lines[0];
  return rest.find(c.expect) != std::string::npos ? "clear" : "unclear";
}

}  // namespace

TEST_CASE("bad-input catalogue: every case gives one clear line", "[system]") {
  const char* other = std::getenv("SKV_CATALOGUE_BINARY");
  const std::string binary = other ? other : SKV_BINARY;
  const std::vector<Case> cases = catalogue();
  CHECK(cases.size() >= 100);

  std::map<std::string, int> count;
  for (const Case& c : cases) {
    TempDir dir;
    for (const auto& p : fs::directory_iterator(source_path("configs/dram"))) {
      dir.write("dram/" + p.path().filename().string(), read_file(p.path().string()));
    }
    for (const auto& [name, text] : c.files) dir.write(name, text);
    std::vector<std::string> args;
    for (const auto& a : c.args) args.push_back(expand(a, dir));
    const CliResult r =
        skv::test::run_program_with_timeout(binary, args, std::chrono::milliseconds{20000});
    const std::string v = verdict_of(r, c, c.files.empty() ? "" : dir.file(c.files[0].first));
    ++count[v];
    std::string first = r.err_lines().empty() ? "(nothing)" : r.err_lines()[0];
    if (first.size() > 300) first = first.substr(0, 300) + "...";
    if (v != "clear") {
      std::printf("catalogue: %-7s %s: exit %d signal %d: %s\n", v.c_str(), c.name.c_str(),
                  r.exit_code, r.signal, first.c_str());
    }
    if (!other) {
      INFO(c.name << ": exit " << r.exit_code << ", signal " << r.signal
                  << (r.hung ? " (hung)" : "") << ", expected exit " << c.exit_code
                  << " and '" << c.expect << "'; stderr:\n"
                  << first);
      CHECK(v == "clear");
    }
  }
  std::string summary = "bad-input catalogue: " + std::to_string(cases.size()) + " cases:";
  for (const char* v : kVerdicts) summary += " " + std::string(v) + " " + std::to_string(count[v]);
  std::printf("%s\n", summary.c_str());
}
