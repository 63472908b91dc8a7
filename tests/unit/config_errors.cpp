// The config schema layer (config::Node) and the hardware and model loaders: every bad
// input is one InputError line "<file>:<line>: <dotted.key>: <reason>", and the tests
// check the file, the line and the key of each.

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>
#include <string>
#include <utility>

#include "common/Error.h"
#include "config/ConfigNode.h"
#include "config/HwConfigLoader.h"
#include "config/ModelConfigLoader.h"
#include "config/ResolvedConfig.h"
#include "support/TempDir.h"
#include "support/TextChecks.h"

using skv::InputError;
using skv::config::Node;
using skv::test::TempDir;
using skv::test::error_of;
using skv::test::line_starting;

namespace {

// `msg` is exactly one line "<file>:<line>: <key>: <reason>" whose reason contains
// `reason_part`.
void check_error(const std::string& msg, const std::string& file, int line, const std::string& key,
                 const std::string& reason_part) {
  INFO("message: " << msg);
  const std::string prefix = fmt::format("{}:{}: {}: ", file, line, key);
  CHECK(msg.rfind(prefix, 0) == 0);
  CHECK(msg.size() > prefix.size());
  CHECK(msg.find('\n') == std::string::npos);
  CHECK(msg.find(reason_part) != std::string::npos);
}

// 1-based number of the line of `text` that, without its indentation, starts with
// `start` (e.g. "tRC:"); 0 if none does. Tests use it on texts where the match is unique.

// Replaces the value of the one line whose key is `key` (keeping its indentation and
// dropping any trailing comment).
std::string set_value(std::string text, const std::string& key, const std::string& value) {
  const int target = line_starting(text, key + ":");
  REQUIRE(target > 0);
  std::istringstream in(text);
  std::string line;
  std::string out;
  int n = 0;
  while (std::getline(in, line)) {
    if (++n == target) {
      line = line.substr(0, line.find_first_not_of(' ')) + key + ": " + value;
    }
    out += line + '\n';
  }
  return out;
}

// Replaces the one whole line `from` (which must occur exactly once) with `to`; an empty
// `to` deletes the line. `to` may hold several lines.
std::string replace_line(const std::string& text, const std::string& from, const std::string& to) {
  const std::string padded = '\n' + text;
  const std::string needle = '\n' + from + '\n';
  const auto pos = padded.find(needle);
  REQUIRE(pos != std::string::npos);
  REQUIRE(padded.find(needle, pos + 1) == std::string::npos);
  return padded.substr(1, pos) + (to.empty() ? "" : to + '\n') + padded.substr(pos + needle.size());
}

std::string shipped(const std::string& rel) {
  bool ok = false;
  const std::string text = skv::test::read_file(std::string(SKV_SOURCE_DIR) + "/" + rel, &ok);
  REQUIRE(ok);
  return text;
}

// A hardware config shaped like the shipped U55C preset. Its attention pipelines need
// 8 x (32 + 32) x 4 = 2048 MAC slots, exactly the 32 x 32 x 2 the array has.
const std::string kHw = R"(# hardware config for tests
name: test-hw
clock_mhz: 250
processor_array:
  rows: 32
  cols: 32
  macs_per_pe_per_cycle: 2
  fxp32_mac_slots: 4
attention:
  heads_in_parallel: 8
  dot_lanes: 32
  accum_lanes: 32
  max_latency_cycles: 1
  exp2_latency_cycles: 3
  accum_latency_cycles: 2
  divide_latency_cycles: 18
  divide_lanes: 4
  tile_tokens: 64
kv_sram:
  capacity_kib: 2048
  banks: 16
  bank_width_bytes: 64
  ports: 2
  access_latency_cycles: 2
memory:
  request_bytes: 4096
  max_outstanding: 64
  max_batch: 1
dram:
  preset: hbm2-u55c
)";

// A test directory laid out like configs/: hw/<file> and dram/hbm2-u55c.yaml (a copy of
// the shipped preset), so that `preset: hbm2-u55c` resolves as it does in the project.
struct HwFixture {
  TempDir dir;
  HwFixture() { dir.write("dram/hbm2-u55c.yaml", shipped("configs/dram/hbm2-u55c.yaml")); }
  std::string write(const std::string& text) const { return dir.write("hw/test.yaml", text); }
  std::string error(const std::string& text) const {
    const std::string path = write(text);
    return error_of([&] { skv::config::load_hw_config(path); });
  }
};

// The hardware config with the shipped DRAM preset written inline under `dram:` (in
// place of `preset:`), after `edit` has been applied to the preset's text.
template <class Edit>
std::string with_inline_dram(Edit edit) {
  const std::string preset = edit(shipped("configs/dram/hbm2-u55c.yaml"));
  std::istringstream in(preset);
  std::string text = kHw.substr(0, kHw.find("dram:\n")) + "dram:\n";
  std::string line;
  while (std::getline(in, line)) text += (line.empty() ? "" : "  " + line) + '\n';
  return text;
}

const std::string kModel = R"(# model for tests
name: test-model
layers: 2
hidden_size: 256
heads: 4
kv_heads: 2
head_dim: 64
ffn_size: 512
ffn_kind: gated_silu
vocab_size: 1000
max_context: 1024
weight_bits: 4
activation_bits: 8
kv_bits: 32
)";

std::string model_error(const TempDir& dir, const std::string& text) {
  const std::string path = dir.write("model.yaml", text);
  return error_of([&] { skv::config::load_model_config(path); });
}

}  // namespace

// ---------------------------------------------------------------------------------------
// The schema layer, on text parsed in memory.

TEST_CASE("config node: reads typed values and defaults, and accepts a fully read mapping",
          "[config]") {
  Node n = Node::load_string(
      "count: 12\nmask: 0x1f\nratio: 2.5\non: true\nkind: open\ntitle: abc\nsub:\n  x: 3\n",
      "inline.yaml");
  CHECK(n.get_uint("count", 0, 100) == 12);
  CHECK(n.get_uint("mask", 0, 100) == 31);
  CHECK(n.get_double("ratio", 0.0, 10.0) == 2.5);
  CHECK(n.get_bool("on"));
  CHECK(n.get_enum("kind", {"open", "closed"}) == "open");
  CHECK(n.get_string("title") == "abc");
  Node sub = n.child("sub");
  CHECK(sub.get_uint("x", 0, 5) == 3);
  CHECK(sub.get_uint_or("y", 0, 5, 4) == 4);
  sub.finish();
  CHECK(n.get_double_or("absent_real", 0.0, 1.0, 0.25) == 0.25);
  CHECK(n.get_string_or("absent_name", "fallback") == "fallback");
  CHECK_FALSE(n.get_bool_or("absent_flag", false));
  CHECK_FALSE(n.optional_child("absent_section").has_value());
  CHECK_NOTHROW(n.finish());
}

TEST_CASE("config node: a key that is never read is an unknown key at its line", "[config]") {
  Node n = Node::load_string("# comment\nouter:\n  alpha: 1\n  zeta: 2\n", "inline.yaml");
  Node outer = n.child("outer");
  CHECK(outer.get_uint("alpha", 0, 9) == 1);
  const std::string msg = error_of([&] { outer.finish(); });
  check_error(msg, "inline.yaml", 4, "outer.zeta", "unknown key");
  CHECK(msg.find("alpha") != std::string::npos);  // the allowed keys are listed
}

TEST_CASE("config node: a misspelt required key is named with the key it resembles", "[config]") {
  Node n = Node::load_string("outer:\n  first: 1\n  lenth: 3\n", "inline.yaml");
  Node outer = n.child("outer");
  outer.get_uint("first", 0, 9);
  const std::string msg = error_of([&] { outer.get_uint("length", 0, 9); });
  check_error(msg, "inline.yaml", 3, "outer.lenth", "did you mean 'length'");
}

TEST_CASE("config node: a duplicate key is an error at its second line", "[config]") {
  Node n = Node::load_string("outer:\n  rows: 32\n  cols: 4\n  rows: 4000\n", "inline.yaml");
  Node outer = n.child("outer");
  outer.get_uint("rows", 0, 9999);
  outer.get_uint("cols", 0, 9999);
  const std::string msg = error_of([&] { outer.finish(); });
  check_error(msg, "inline.yaml", 4, "outer.rows", "duplicate key (first at line 2)");
}

TEST_CASE("config node: keys of one family are not taken for misspellings", "[config]") {
  // tCCD_S missing beside a valid tCCD_L, RL missing beside a valid WL: the error
  // names the missing key, not the valid one.
  Node n = Node::load_string("t:\n  tCCD_L: 4\n  WL: 2\n", "inline.yaml");
  Node t = n.child("t");
  check_error(error_of([&] { t.get_uint("tCCD_S", 0, 9); }), "inline.yaml", 2, "t.tCCD_S",
              "missing required value");
  check_error(error_of([&] { t.get_uint("RL", 0, 9); }), "inline.yaml", 2, "t.RL",
              "missing required value");
}

TEST_CASE("config node: a wrong type names the key and what was expected", "[config]") {
  Node n = Node::load_string(
      "count: many\nfrac: 1.5\nneg: -1\nlist: [1, 2]\nmap: {a: 1}\nreal: fast\nflag: yes\n"
      "kind: relu\nsection: 7\n",
      "inline.yaml");
  check_error(error_of([&] { n.get_uint("count", 0, 9); }), "inline.yaml", 1, "count",
              "'many' is not a whole number");
  check_error(error_of([&] { n.get_uint("frac", 0, 9); }), "inline.yaml", 2, "frac",
              "'1.5' is not a whole number");
  check_error(error_of([&] { n.get_uint("neg", 0, 9); }), "inline.yaml", 3, "neg",
              "'-1' is not a whole number");
  check_error(error_of([&] { n.get_uint("list", 0, 9); }), "inline.yaml", 4, "list",
              "found a sequence");
  check_error(error_of([&] { n.get_string("map"); }), "inline.yaml", 5, "map", "found a mapping");
  check_error(error_of([&] { n.get_double("real", 0, 9); }), "inline.yaml", 6, "real",
              "'fast' is not a number");
  check_error(error_of([&] { n.get_bool("flag"); }), "inline.yaml", 7, "flag",
              "'yes' is not a boolean");
  check_error(error_of([&] {
                n.get_enum("kind", {"gated_silu", "gelu"});
              }),
              "inline.yaml", 8, "kind", "(allowed: gated_silu, gelu)");
  check_error(error_of([&] { n.child("section"); }), "inline.yaml", 9, "section",
              "expected a mapping");
}

TEST_CASE("config node: a missing required value names the key", "[config]") {
  SECTION("absent at the top level: the line of the mapping (its first key)") {
    Node n = Node::load_string("# comment\n\nname: x\n", "inline.yaml");
    check_error(error_of([&] { n.get_uint("count", 0, 9); }), "inline.yaml", 3, "count",
                "missing required value");
  }
  SECTION("absent in a section: the line of the section's first key") {
    Node n = Node::load_string("name: x\nsection:\n  # comment\n  alpha: 1\n", "inline.yaml");
    Node s = n.child("section");
    check_error(error_of([&] { s.get_uint("omega", 0, 9); }), "inline.yaml", 4, "section.omega",
                "missing required value");
  }
  SECTION("present without a value: the key's own line") {
    Node n = Node::load_string("name: x\ncount:\n", "inline.yaml");
    check_error(error_of([&] { n.get_uint("count", 0, 9); }), "inline.yaml", 2, "count",
                "missing required value");
  }
}

TEST_CASE("config node: values out of range name the key and the allowed range", "[config]") {
  Node n = Node::load_string(
      "low: 0\nhigh: 65\nhuge: 99999999999999999999999\nreal: 10.5\n"
      "nan: nan\n",
      "inline.yaml");
  check_error(error_of([&] { n.get_uint("low", 1, 64); }), "inline.yaml", 1, "low",
              "0 is out of range (allowed: 1 to 64)");
  check_error(error_of([&] { n.get_uint("high", 1, 64); }), "inline.yaml", 2, "high",
              "65 is out of range (allowed: 1 to 64)");
  check_error(error_of([&] { n.get_uint("huge", 1, 64); }), "inline.yaml", 3, "huge",
              "is too large");
  check_error(error_of([&] { n.get_double("real", 1.0, 10.0); }), "inline.yaml", 4, "real",
              "out of range");
  check_error(error_of([&] { n.get_double("nan", 1.0, 10.0); }), "inline.yaml", 5, "nan",
              "out of range");
}

TEST_CASE("config node: a YAML syntax error names the file and the line", "[config]") {
  const std::string msg =
      error_of([] { Node::load_string("name: x\nlist: [1, 2\nnext: 3\n", "inline.yaml"); });
  INFO(msg);
  CHECK(msg.rfind("inline.yaml:3: YAML syntax error: ", 0) == 0);
  CHECK(msg.find('\n') == std::string::npos);

  const std::string msg2 = error_of([] { Node::load_string("a: 1\n  b: 2\n", "inline.yaml"); });
  INFO(msg2);
  CHECK(msg2.rfind("inline.yaml:2: YAML syntax error: ", 0) == 0);
}

TEST_CASE("config node: a file that is not a mapping, or is missing, is rejected", "[config]") {
  CHECK(error_of([] { Node::load_string("- a\n- b\n", "list.yaml"); }) ==
        "list.yaml:1: expected a mapping of keys at the top level");
  CHECK(error_of([] { Node::load_string("", "empty.yaml"); }) ==
        "empty.yaml:1: empty file (expected a mapping of keys at the top level)");
  TempDir dir;
  const std::string missing = dir.file("no-such.yaml");
  CHECK(error_of([&] { Node::load_file(missing); }) == missing + ": cannot open file: No such file or directory");
}

TEST_CASE("config node: errors from a file carry that file's path", "[config]") {
  TempDir dir;
  const std::string path = dir.write("x.yaml", "# c\nsection:\n  value: 300\n");
  Node n = Node::load_file(path);
  Node s = n.child("section");
  check_error(error_of([&] { s.get_uint("value", 0, 255); }), path, 3, "section.value",
              "out of range");
}

// ---------------------------------------------------------------------------------------
// load_hw_config

TEST_CASE("hw config: a valid file loads, with the documented defaults", "[config]") {
  HwFixture fx;
  const auto hw = skv::config::load_hw_config(fx.write(kHw));
  CHECK(hw.name == "test-hw");
  CHECK(hw.clock_mhz == 250.0);
  CHECK(hw.source_file == fx.dir.file("hw/test.yaml"));
  CHECK(hw.array.rows == 32);
  CHECK(hw.array.cols == 32);
  CHECK(hw.array.macs_per_pe_per_cycle == 2);
  CHECK(hw.array.fxp32_mac_slots == 4);
  CHECK(hw.array.weight_bits == 4);                     // default
  CHECK(hw.array.activation_bits == 8);                 // default
  CHECK(hw.array.vector_lanes == 32);                   // default: cols
  CHECK(hw.array.pipeline_fill_cycles == 32 + 32 - 1);  // default: rows + cols - 1
  CHECK(hw.attention.heads_in_parallel == 8);
  CHECK(hw.attention.tile_tokens == 64);
  CHECK(hw.attention.block_tokens == 64);      // default: tile_tokens
  CHECK(hw.attention.splitk_partitions == 4);  // default: min(4, heads_in_parallel)
  CHECK(hw.attention.score_bits == 32);        // default
  CHECK(hw.kv_sram.capacity_bytes() == 2048u * 1024u);
  CHECK(hw.kv_sram.bytes_per_cycle() == 16u * 64u);
  // No split by default: all of it is staging, and the scores' decision weighs all of it.
  CHECK(hw.kv_sram.prefetch_kib == 0);
  CHECK(hw.kv_sram.score_kib == 0);
  CHECK(hw.kv_sram.staging_bytes() == 2048u * 1024u);
  CHECK(hw.kv_sram.score_space_bytes() == 2048u * 1024u);
  CHECK(hw.overlap.kv == skv::config::KvOverlap::None);
  CHECK(!hw.overlap.any());
  CHECK(hw.overlap.arbitration == skv::config::Arbitration::Controller);
  CHECK(hw.memory.request_bytes == 4096);
  CHECK(hw.memory.max_batch == 1);
  CHECK(hw.dram.name == "hbm2-u55c");
}

TEST_CASE("hw config: the KV SRAM split into staging, prefetch and score space", "[config]") {
  HwFixture fx;
  const std::string text =
      replace_line(kHw, "  capacity_kib: 2048",
                   "  capacity_kib: 2048\n  prefetch_kib: 512\n  score_kib: 256") +
      "overlap:\n  kv: next_attention\n";
  const auto hw = skv::config::load_hw_config(fx.write(text));
  CHECK(hw.overlap.kv == skv::config::KvOverlap::NextAttention);
  CHECK(hw.overlap.any());
  CHECK(hw.kv_sram.prefetch_bytes() == 512u * 1024u);
  CHECK(hw.kv_sram.score_space_bytes() == 256u * 1024u);
  CHECK(hw.kv_sram.staging_bytes() == (2048u - 512u - 256u) * 1024u);  // the rest
}

TEST_CASE("hw config: overlap.arbitration, each choice", "[config]") {
  HwFixture fx;
  const auto fifo = skv::config::load_hw_config(
      fx.write(kHw + "overlap:\n  weights: next_op\n  arbitration: controller\n"));
  CHECK(fifo.overlap.arbitration == skv::config::Arbitration::Controller);
  const auto first = skv::config::load_hw_config(
      fx.write(kHw + "overlap:\n  weights: next_op\n  arbitration: demand_first\n"));
  CHECK(first.overlap.arbitration == skv::config::Arbitration::DemandFirst);
  CHECK(std::string(skv::config::arbitration_name(first.overlap.arbitration)) == "demand_first");
}

TEST_CASE("hw config: overlap.across_batches, each choice", "[config]") {
  HwFixture fx;
  const auto plain = skv::config::load_hw_config(fx.write(kHw + "overlap:\n  weights: next_op\n"));
  CHECK(plain.overlap.across_batches == skv::config::AcrossBatches::None);  // the default
  CHECK(!plain.overlap.weights_cross());
  const auto next = skv::config::load_hw_config(
      fx.write(kHw + "overlap:\n  weights: next_op\n  across_batches: next_batch\n"));
  CHECK(next.overlap.across_batches == skv::config::AcrossBatches::NextBatch);
  CHECK(next.overlap.weights_cross());
  CHECK(std::string(skv::config::across_batches_name(next.overlap.across_batches)) == "next_batch");
}

TEST_CASE("hw config: overlap.o_projection, each choice, with its array partition", "[config]") {
  HwFixture fx;
  const auto plain = skv::config::load_hw_config(fx.write(kHw));
  CHECK(plain.overlap.o_projection == skv::config::OProjection::AfterAttention);  // the default
  CHECK(plain.array.attention_rows == 0);
  // 4 pipelines x (32 + 32) lanes x 4 slots = 1024 MAC slots = 16 rows x 32 cols x 2.
  const std::string four = replace_line(kHw, "  heads_in_parallel: 8", "  heads_in_parallel: 4");
  const auto streamed = skv::config::load_hw_config(fx.write(
      replace_line(four, "  fxp32_mac_slots: 4", "  fxp32_mac_slots: 4\n  attention_rows: 16") +
      "overlap:\n  o_projection: head_streamed\n"));
  CHECK(streamed.overlap.head_streamed());
  CHECK(streamed.array.attention_rows == 16);
  CHECK(std::string(skv::config::o_projection_name(streamed.overlap.o_projection)) ==
        "head_streamed");
}

TEST_CASE("hw config: optional keys override their defaults", "[config]") {
  HwFixture fx;
  std::string text = replace_line(kHw, "  fxp32_mac_slots: 4",
                                  "  fxp32_mac_slots: 4\n  vector_lanes: 7\n"
                                  "  pipeline_fill_cycles: 5\n  weight_bits: 8");
  text = replace_line(text, "  tile_tokens: 64",
                      "  tile_tokens: 64\n  block_tokens: 16\n  splitk_partitions: 2\n"
                      "  score_bits: 16");
  const auto hw = skv::config::load_hw_config(fx.write(text));
  CHECK(hw.array.vector_lanes == 7);
  CHECK(hw.array.pipeline_fill_cycles == 5);
  CHECK(hw.array.weight_bits == 8);
  CHECK(hw.attention.block_tokens == 16);
  CHECK(hw.attention.splitk_partitions == 2);
  CHECK(hw.attention.score_bits == 16);
}

TEST_CASE("hw config: a misspelt key is an error at its line", "[config]") {
  HwFixture fx;
  const std::string path = fx.dir.file("hw/test.yaml");
  SECTION("a required key") {
    const std::string text = replace_line(kHw, "  cols: 32", "  colls: 32");
    check_error(fx.error(text), path, line_starting(text, "colls:"), "processor_array.colls",
                "did you mean 'cols'");
  }
  SECTION("an optional key") {
    const std::string text = replace_line(kHw, "  rows: 32", "  rows: 32\n  vector_lane: 16");
    check_error(fx.error(text), path, 6, "processor_array.vector_lane", "unknown key");
  }
  SECTION("a section") {
    const std::string text = replace_line(kHw, "kv_sram:", "kv_sam:");
    check_error(fx.error(text), path, 19, "kv_sam", "did you mean 'kv_sram'");
  }
  SECTION("a key that belongs to another section") {
    const std::string text = replace_line(kHw, "  max_batch: 1", "  max_batch: 1\n  ports: 2");
    check_error(fx.error(text), path, line_starting(text, "max_batch:") + 1, "memory.ports",
                "unknown key");
  }
}

TEST_CASE("hw config: a wrong type is an error at the key's line", "[config]") {
  HwFixture fx;
  const std::string path = fx.dir.file("hw/test.yaml");
  check_error(fx.error(replace_line(kHw, "  rows: 32", "  rows: many")), path, 5,
              "processor_array.rows", "'many' is not a whole number");
  check_error(fx.error(replace_line(kHw, "clock_mhz: 250", "clock_mhz: fast")), path, 3,
              "clock_mhz", "'fast' is not a number");
  check_error(fx.error(replace_line(kHw, "  ports: 2", "  ports: [1, 2]")), path, 23,
              "kv_sram.ports", "found a sequence");
  check_error(fx.error(replace_line(kHw, "  preset: hbm2-u55c", "  preset: {name: x}")), path, 30,
              "dram.preset", "found a mapping");
}

TEST_CASE("hw config: a missing required key names the key", "[config]") {
  HwFixture fx;
  const std::string path = fx.dir.file("hw/test.yaml");
  SECTION("in a section: reported at the section's first key") {
    const std::string text = replace_line(kHw, "  tile_tokens: 64", "");
    check_error(fx.error(text), path, line_starting(text, "heads_in_parallel:"),
                "attention.tile_tokens", "missing required value");
  }
  SECTION("at the top level") {
    const std::string text = replace_line(kHw, "clock_mhz: 250", "");
    check_error(fx.error(text), path, 2, "clock_mhz", "missing required value");
  }
  SECTION("a whole section") {
    std::string text = kHw.substr(0, kHw.find("memory:\n")) + kHw.substr(kHw.find("dram:\n"));
    check_error(fx.error(text), path, 2, "memory", "missing required value");
  }
}

TEST_CASE("hw config: an out-of-range value names the key and the range", "[config]") {
  HwFixture fx;
  const std::string path = fx.dir.file("hw/test.yaml");
  check_error(fx.error(replace_line(kHw, "  rows: 32", "  rows: 0")), path, 5,
              "processor_array.rows", "0 is out of range (allowed: 1 to 4096)");
  check_error(fx.error(replace_line(kHw, "clock_mhz: 250", "clock_mhz: 20000")), path, 3,
              "clock_mhz", "out of range");
  check_error(fx.error(replace_line(kHw, "  ports: 2", "  ports: 17")), path, 23, "kv_sram.ports",
              "17 is out of range (allowed: 1 to 16)");
  check_error(fx.error(replace_line(kHw, "  max_batch: 1", "  max_batch: 0")), path, 28,
              "memory.max_batch", "out of range");
}

TEST_CASE("hw config: impossible combinations are errors at the offending key", "[config]") {
  HwFixture fx;
  const std::string path = fx.dir.file("hw/test.yaml");
  SECTION("more split-K partitions than attention pipelines") {
    const std::string text =
        replace_line(kHw, "  tile_tokens: 64", "  tile_tokens: 64\n  splitk_partitions: 16");
    check_error(fx.error(text), path, 19, "attention.splitk_partitions",
                "more than heads_in_parallel = 8");
  }
  SECTION("attention pipelines needing more MAC slots than the array has") {
    // 8 x (33 + 32) x 4 = 2080 MAC slots needed, 32 x 32 x 2 = 2048 there.
    const std::string text = replace_line(kHw, "  dot_lanes: 32", "  dot_lanes: 33");
    const std::string msg = fx.error(text);
    check_error(msg, path, 11, "attention.dot_lanes", "need 2080 MAC slots");
    CHECK(msg.find("has 2048") != std::string::npos);
  }
  SECTION("a DMA request that is not a whole number of DRAM bursts") {
    const std::string text = replace_line(kHw, "  request_bytes: 4096", "  request_bytes: 4100");
    check_error(fx.error(text), path, 26, "memory.request_bytes", "burst");
  }
  SECTION("KV SRAM prefetch and score space that leave no staging space") {
    const std::string text = replace_line(kHw, "  capacity_kib: 2048",
                                          "  capacity_kib: 2048\n  prefetch_kib: 1024\n"
                                          "  score_kib: 1024");
    const std::string msg = fx.error(text);
    check_error(msg, path, 21, "kv_sram.prefetch_kib", "leaves no staging space");
    CHECK(msg.find("must be less than capacity_kib") != std::string::npos);
  }
  SECTION("K/V prefetch without prefetch space") {
    const std::string text = kHw + "overlap:\n  kv: next_attention\n";
    check_error(fx.error(text), path, line_starting(text, "kv:"), "overlap.kv",
                "next_attention needs prefetch space: set kv_sram.prefetch_kib > 0");
  }
  SECTION("an unknown arbitration") {
    const std::string text = kHw + "overlap:\n  weights: next_op\n  arbitration: prefetch_first\n";
    const std::string msg = fx.error(text);
    check_error(msg, path, line_starting(text, "arbitration:"), "overlap.arbitration",
                "prefetch_first");
    CHECK(msg.find("controller") != std::string::npos);
    CHECK(msg.find("demand_first") != std::string::npos);
  }
  SECTION("demand first with nothing prefetched") {
    const std::string text = kHw + "overlap:\n  arbitration: demand_first\n";
    check_error(fx.error(text), path, line_starting(text, "arbitration:"), "overlap.arbitration",
                "demand_first orders prefetch behind demand, and nothing is prefetched: set "
                "weights: next_op or kv: next_attention, or use controller");
  }
  SECTION("across batches with no weight stream to carry") {
    // K/V prefetch does not cross a batch's end: next_batch needs weights: next_op.
    for (const std::string& overlap :
         {std::string("overlap:\n  across_batches: next_batch\n"),
          std::string("overlap:\n  kv: next_attention\n  across_batches: next_batch\n")}) {
      const std::string text =
          replace_line(kHw, "  capacity_kib: 2048", "  capacity_kib: 2048\n  prefetch_kib: 512") +
          overlap;
      check_error(fx.error(text), path, line_starting(text, "across_batches:"),
                  "overlap.across_batches",
                  "next_batch carries the weight stream of weights: next_op into the next batch "
                  "(K/V prefetch does not cross): set weights: next_op, or use none");
    }
  }
  SECTION("a head-streamed O projection without an array partition") {
    const std::string text = kHw + "overlap:\n  o_projection: head_streamed\n";
    check_error(fx.error(text), path, line_starting(text, "o_projection:"), "overlap.o_projection",
                "head_streamed runs the O projection's slices beside the attention, on array "
                "rows the attention pipelines leave free: set processor_array.attention_rows (1 "
                "to rows - 1 = 31), or use after_attention");
  }
  SECTION("an array partition without a head-streamed O projection") {
    const std::string text =
        replace_line(kHw, "  fxp32_mac_slots: 4", "  fxp32_mac_slots: 4\n  attention_rows: 16");
    check_error(fx.error(text), path, line_starting(text, "attention_rows:"),
                "processor_array.attention_rows",
                "partitions the array only for overlap.o_projection: head_streamed");
  }
  SECTION("an array partition that leaves the slices no rows") {
    const std::string text =
        replace_line(kHw, "  fxp32_mac_slots: 4", "  fxp32_mac_slots: 4\n  attention_rows: 32") +
        "overlap:\n  o_projection: head_streamed\n";
    check_error(fx.error(text), path, line_starting(text, "attention_rows:"),
                "processor_array.attention_rows",
                "32 leaves no rows of rows = 32 for the O projection's slices: it must be 1 to 31");
  }
  SECTION("attention rows too few for the attention pipelines") {
    // The reference pipelines need 8 x (32 + 32) x 4 = 2048 MAC slots; 31 rows hold
    // 31 x 32 x 2 = 1984, and 2048 / 64 = 32 rows would leave the slices none.
    const std::string text =
        replace_line(kHw, "  fxp32_mac_slots: 4", "  fxp32_mac_slots: 4\n  attention_rows: 31") +
        "overlap:\n  o_projection: head_streamed\n";
    check_error(fx.error(text), path, line_starting(text, "attention_rows:"),
                "processor_array.attention_rows",
                "31 rows hold 1984 MAC slots per cycle (attention_rows x cols x "
                "macs_per_pe_per_cycle) but the attention pipelines need 2048 (heads_in_parallel "
                "x (dot_lanes + accum_lanes) x fxp32_mac_slots): at least 32 of the 32 rows, "
                "which leaves none for the slices");
  }
  SECTION("an unknown K/V overlap") {
    const std::string text = kHw + "overlap:\n  kv: later\n";
    const std::string msg = fx.error(text);
    check_error(msg, path, line_starting(text, "kv:"), "overlap.kv", "later");
    CHECK(msg.find("next_attention") != std::string::npos);
  }
  SECTION("tRC < tRAS + tRP in an inline dram section") {
    const std::string text = with_inline_dram([](std::string preset) {
      preset = set_value(preset, "tRAS", "30");
      preset = set_value(preset, "tRP", "13");
      return set_value(preset, "tRC", "42");
    });
    REQUIRE(line_starting(text, "tRC:") > 0);
    check_error(fx.error(text), path, line_starting(text, "tRC:"), "dram.timing.tRC", "tRAS + tRP");
  }
}

TEST_CASE("hw config: an inline dram section loads like the preset it copies", "[config]") {
  HwFixture fx;
  const std::string text = with_inline_dram([](std::string preset) { return preset; });
  const auto inline_hw = skv::config::load_hw_config(fx.write(text));
  const auto preset_hw = skv::config::load_hw_config(fx.write(kHw));
  CHECK(inline_hw.dram.name == preset_hw.dram.name);
  CHECK(inline_hw.dram.clock_mhz == preset_hw.dram.clock_mhz);
  CHECK(inline_hw.dram.org.channels == preset_hw.dram.org.channels);
  CHECK(inline_hw.dram.timing.tRC == preset_hw.dram.timing.tRC);

  // A misspelt key inside the inline section is named with its full dotted path.
  const std::string bad = with_inline_dram([](std::string preset) {
    const auto pos = preset.find("channels:");
    REQUIRE(pos != std::string::npos);
    return preset.replace(pos, 9, "chanels:");
  });
  check_error(fx.error(bad), fx.dir.file("hw/test.yaml"), line_starting(bad, "chanels:"),
              "dram.organisation.chanels", "unknown key");
}

TEST_CASE("hw config: DRAM preset lookup errors", "[config]") {
  HwFixture fx;
  const std::string path = fx.dir.file("hw/test.yaml");
  SECTION("an unknown preset name lists the presets there are") {
    const std::string msg = fx.error(replace_line(kHw, "  preset: hbm2-u55c", "  preset: hbm9"));
    check_error(msg, path, 30, "dram.preset", "'hbm9'");
    CHECK(msg.find("hbm2-u55c") != std::string::npos);
  }
  SECTION("a preset with other keys beside it") {
    const std::string text =
        replace_line(kHw, "  preset: hbm2-u55c", "  preset: hbm2-u55c\n  clock_mhz: 800");
    check_error(fx.error(text), path, 31, "dram.clock_mhz", "unknown key");
  }
  SECTION("an error inside the preset file names the preset file") {
    const std::string preset = set_value(
        set_value(set_value(shipped("configs/dram/hbm2-u55c.yaml"), "tRAS", "30"), "tRP", "13"),
        "tRC", "10");
    const std::string preset_path = fx.dir.write("dram/broken.yaml", preset);
    const std::string msg = fx.error(replace_line(kHw, "  preset: hbm2-u55c", "  preset: broken"));
    const std::string shown = std::filesystem::path(preset_path).lexically_normal().string();
    check_error(msg, shown, line_starting(preset, "tRC:"), "timing.tRC", "tRAS + tRP");
  }
}

TEST_CASE("hw config: syntax errors and missing files", "[config]") {
  HwFixture fx;
  const std::string path = fx.dir.file("hw/test.yaml");
  const std::string msg = fx.error(replace_line(kHw, "  banks: 16", "  banks: [16"));
  INFO(msg);
  CHECK(msg.rfind(path + ":", 0) == 0);
  CHECK(msg.find("YAML syntax error") != std::string::npos);
  CHECK(msg.find('\n') == std::string::npos);

  const std::string missing = fx.dir.file("hw/none.yaml");
  CHECK(error_of([&] { skv::config::load_hw_config(missing); }) == missing + ": cannot open file: No such file or directory");
}

// ---------------------------------------------------------------------------------------
// load_model_config

TEST_CASE("model config: a valid file loads", "[config]") {
  TempDir dir;
  const auto m = skv::config::load_model_config(dir.write("model.yaml", kModel));
  CHECK(m.name == "test-model");
  CHECK(m.layers == 2);
  CHECK(m.heads == 4);
  CHECK(m.kv_heads == 2);
  CHECK(m.q_per_kv() == 2);
  CHECK(m.ffn_kind == skv::config::FfnKind::GatedSilu);
  CHECK(m.max_context == 1024);
  // K and V, 2 heads of 64, 4 bytes each: 2 x 2 x 64 x 4 = 1024 bytes per token per layer.
  CHECK(m.kv_bytes_per_token_per_layer() == 1024);
  const auto gelu = skv::config::load_model_config(
      dir.write("gelu.yaml", replace_line(kModel, "ffn_kind: gated_silu", "ffn_kind: gelu")));
  CHECK(gelu.ffn_kind == skv::config::FfnKind::Gelu);
}

TEST_CASE("model config: kv_heads must divide heads", "[config]") {
  TempDir dir;
  const std::string msg = model_error(dir, replace_line(kModel, "kv_heads: 2", "kv_heads: 3"));
  check_error(msg, dir.file("model.yaml"), 6, "kv_heads", "3 does not divide heads = 4");
}

TEST_CASE("model config: bad keys, types, ranges and precisions", "[config]") {
  TempDir dir;
  const std::string path = dir.file("model.yaml");
  check_error(model_error(dir, replace_line(kModel, "hidden_size: 256", "hiden_size: 256")), path,
              4, "hiden_size", "did you mean 'hidden_size'");
  check_error(model_error(dir, kModel + "rope_theta: 10000\n"), path, 15, "rope_theta",
              "unknown key");
  check_error(model_error(dir, replace_line(kModel, "layers: 2", "layers: [1, 2]")), path, 3,
              "layers", "found a sequence");
  check_error(model_error(dir, replace_line(kModel, "ffn_kind: gated_silu", "ffn_kind: relu")),
              path, 9, "ffn_kind", "'relu' is not allowed (allowed: gated_silu, gelu)");
  check_error(model_error(dir, replace_line(kModel, "max_context: 1024", "")), path, 2,
              "max_context", "missing required value");
  check_error(model_error(dir, replace_line(kModel, "heads: 4", "heads: 0")), path, 5, "heads",
              "0 is out of range");
  check_error(model_error(dir, replace_line(kModel, "weight_bits: 4", "weight_bits: 33")), path, 12,
              "weight_bits", "33 is not supported (allowed: 4, 8, 16, 32)");
  check_error(model_error(dir, replace_line(kModel, "kv_bits: 32", "kv_bits: 12")), path, 14,
              "kv_bits", "12 is not supported (allowed: 8, 16, 32)");
}

// ---------------------------------------------------------------------------------------
// `base:`: a hardware config that starts from another

TEST_CASE("config node: a key a layered node does not set is read from its base, errors there",
          "[config]") {
  Node own = Node::load_string("a: 1\nsub:\n  x: 2\n", "own.yaml");
  own.set_base(Node::load_string("# base\nb: two\nsub:\n  x: 9\n  y: 3\n", "base.yaml"));
  CHECK(own.has("b"));
  CHECK(own.get_uint("a", 0, 9) == 1);
  Node sub = own.child("sub");
  CHECK(sub.get_uint("x", 0, 9) == 2);  // the file's own value over the base's
  CHECK(sub.get_uint("y", 0, 9) == 3);  // the base's, in a section both set
  CHECK(sub.place_of("y") == "base.yaml:5");
  CHECK(sub.place_of("x") == "own.yaml:3");
  CHECK_NOTHROW(sub.finish());
  // A bad value the base sets is named at the base's line.
  check_error(error_of([&] { own.get_uint("b", 0, 9); }), "base.yaml", 2, "b", "'two'");
  CHECK_NOTHROW(own.finish());
}

TEST_CASE("hw config: a base gives every key the file does not set", "[config]") {
  HwFixture fx;
  const std::string base = fx.dir.write("hw/base.yaml", kHw);
  const std::string variant = fx.dir.write(
      "hw/variant.yaml",
      "# the base with a 64 x 64 array\nbase: base.yaml\nname: test-hw-64\nprocessor_array:\n"
      "  rows: 64\n  cols: 64\n");
  const auto v = skv::config::load_hw_config(variant);
  CHECK(v.source_file == variant);
  CHECK(v.name == "test-hw-64");
  CHECK(v.array.rows == 64);
  CHECK(v.array.cols == 64);
  CHECK(v.array.macs_per_pe_per_cycle == 2);  // the base's, in a section both set
  CHECK(v.dram.name == "hbm2-u55c");          // the base's preset
  // Every key resolves as in one file with the same values written out, defaults derived
  // from the file's own values included (vector_lanes = cols = 64, pipeline_fill_cycles
  // = rows + cols - 1 = 127).
  const auto expected = skv::config::load_hw_config(fx.dir.write(
      "hw/whole.yaml",
      set_value(set_value(set_value(kHw, "rows", "64"), "cols", "64"), "name", "test-hw-64")));
  CHECK(v.array.vector_lanes == 64);
  CHECK(v.array.pipeline_fill_cycles == 127);
  const auto got = skv::config::resolved_keys(v);
  const auto want = skv::config::resolved_keys(expected);
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO(got[i].info->path());
    CHECK(skv::schema::to_text(got[i].value) == skv::schema::to_text(want[i].value));
  }
  // A check made after loading names the line in the file that set the key.
  CHECK(v.kv_sram.capacity_kib_at ==
        fmt::format("{}:{}", base, line_starting(kHw, "capacity_kib:")));

  // A base of a base: the chain resolves from the nearest file out.
  const std::string third = fx.dir.write(
      "hw/third.yaml", "base: variant.yaml\nname: test-hw-64-b2\nmemory:\n  max_batch: 2\n");
  const auto t = skv::config::load_hw_config(third);
  CHECK(t.array.rows == 64);
  CHECK(t.memory.max_batch == 2);
  CHECK(t.memory.request_bytes == 4096);
}

TEST_CASE("hw config: a file's dram section replaces its base's whole", "[config]") {
  HwFixture fx;
  fx.dir.write("hw/base.yaml", kHw);
  // An inline DRAM config over a base that names a preset: nothing of the two is merged.
  const std::string inline_hw =
      with_inline_dram([](std::string preset) { return set_value(preset, "tRCD", "20"); });
  const std::string dram_part = inline_hw.substr(inline_hw.find("dram:\n"));
  const std::string variant =
      fx.dir.write("hw/variant.yaml", "base: base.yaml\nname: slow-rcd\n" + dram_part);
  const auto v = skv::config::load_hw_config(variant);
  CHECK(v.dram.timing.tRCD == 20);
}

TEST_CASE("hw config: base errors", "[config]") {
  HwFixture fx;
  fx.dir.write("hw/base.yaml", kHw);
  const auto err = [&](const std::string& name, const std::string& text) {
    const std::string path = fx.dir.write("hw/" + name, text);
    return std::make_pair(path, error_of([&] { skv::config::load_hw_config(path); }));
  };
  SECTION("a base that does not exist") {
    const auto [path, msg] = err("v.yaml", "name: v\nbase: nothere.yaml\n");
    check_error(msg, path, 2, "base", "no such file");
  }
  SECTION("a cycle of bases") {
    fx.dir.write("hw/a.yaml", "base: b.yaml\nname: a\n");
    const auto [path, msg] = err("b.yaml", "name: b\nbase: a.yaml\n");
    check_error(msg, fx.dir.file("hw/a.yaml"), 1, "base",
                "a cycle of bases (b.yaml -> a.yaml -> b.yaml)");
  }
  SECTION("a file with a base and no name of its own") {
    const auto [path, msg] = err("v.yaml", "base: base.yaml\nclock_mhz: 300\n");
    check_error(msg, path, 1, "name", "a config with a base names itself");
  }
  SECTION("a misspelt key in the file is its own error, among the keys the base gives") {
    const auto [path, msg] =
        err("v.yaml", "base: base.yaml\nname: v\nkv_sram:\n  capacity_kb: 1\n");
    check_error(msg, path, 4, "kv_sram.capacity_kb", "unknown key");
    CHECK(msg.find("capacity_kib") != std::string::npos);
  }
  SECTION("a bad value in the base names the base's file and line") {
    const std::string broken = fx.dir.write("hw/broken.yaml", set_value(kHw, "banks", "zero"));
    const auto [path, msg] = err("v.yaml", "base: broken.yaml\nname: v\n");
    check_error(msg, broken, line_starting(kHw, "banks:"), "kv_sram.banks", "'zero'");
  }
  SECTION("a rule across keys names the file that set the key it blames") {
    // The file's splitk_partitions against the base's heads_in_parallel = 8.
    const auto [path, msg] =
        err("v.yaml", "base: base.yaml\nname: v\nattention:\n  splitk_partitions: 16\n");
    check_error(msg, path, 4, "attention.splitk_partitions", "more than heads_in_parallel = 8");
  }
}

TEST_CASE("hw config: hw_config_yaml resolves the base chain into one tree", "[config]") {
  HwFixture fx;
  const std::string base = fx.dir.write("hw/base.yaml", kHw);
  const std::string variant =
      fx.dir.write("hw/variant.yaml", "base: base.yaml\nname: v\nprocessor_array:\n  rows: 64\n");
  const skv::config::HwYaml y = skv::config::hw_config_yaml(variant);
  CHECK(!y.root["base"].IsDefined());
  CHECK(y.root["name"].Scalar() == "v");
  CHECK(y.root["processor_array"]["rows"].Scalar() == "64");
  CHECK(y.root["processor_array"]["cols"].Scalar() == "32");
  CHECK(y.root["dram"]["preset"].Scalar() == "hbm2-u55c");
  CHECK(y.dram_file == base);  // the base names the preset
}
