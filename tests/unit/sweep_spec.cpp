// The sweep file parser: its schema and error places, axis expansion (lists, ranges,
// geometric ranges, zip groups, the cross product's count and order), point names and
// shard selection.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/Error.h"
#include "sweep/SweepSpec.h"

using namespace skv::sweep;

namespace {

const std::string kHead =
    "hw: ../hw/base.yaml\n"                              // line 1
    "model: ../models/m.yaml\n"                          // line 2
    "trace: {prompt_tokens: 64, generate_tokens: 1}\n";  // line 3

SweepSpec parse(const std::string& text) { return parse_sweep_spec(text, "s.yaml", "/x/sweeps"); }

// The InputError message of parsing `text`, or "" if it parses.
std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const skv::InputError& e) {
    return e.what();
  }
  return "";
}

std::vector<std::string> values_of(const std::string& axis_yaml) {
  return parse(kHead + "axes:\n  - " + axis_yaml + "\n").groups.at(0).axes.at(0).values;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("sweep file: paths, trace generator, algorithm default", "[sweep]") {
  const SweepSpec s = parse(kHead + "axes:\n  - processor_array.rows: [16, 32]\n");
  CHECK(s.name == "s");  // the file's stem
  CHECK(s.hw_file == "/x/hw/base.yaml");
  CHECK(s.model_file == "/x/models/m.yaml");
  CHECK(s.trace.file.empty());
  CHECK(s.trace.generate.prompt_tokens == 64);
  CHECK(s.trace.generate.generate_tokens == 1);
  CHECK(s.trace.generate.requests == 1);
  CHECK(s.algorithm == "swiftkv");
  CHECK(s.point_count() == 2);

  const SweepSpec f = parse(
      "name: n\nhw: /abs/hw.yaml\nmodel: m.yaml\ntrace: t.trace\nalgorithm: native\n"
      "axes:\n  - clock_mhz: [100]\n");
  CHECK(f.name == "n");
  CHECK(f.hw_file == "/abs/hw.yaml");
  CHECK(f.trace.file == "/x/sweeps/t.trace");
  CHECK(f.algorithm == "native");
}

TEST_CASE("sweep file: errors name file, line and key", "[sweep]") {
  // Unknown top-level key, with a suggestion from config::Node.
  CHECK(error_of(kHead + "axez:\n  - clock_mhz: [1]\n") ==
        "s.yaml:4: axez: unknown key; did you mean 'axes'?");
  CHECK(error_of(kHead + "axes:\n  - clock_mhz: [1]\nalgo: native\n") ==
        "s.yaml:6: algo: unknown key (allowed here: algorithm, axes, hw, mode, model, name, trace)");
  CHECK(error_of(kHead + "axes:\n  - algorithm: [swiftkv, natve]\n") ==
        "s.yaml:5: axes[0].algorithm: 'natve' is not an algorithm (allowed: swiftkv, native, "
        "flash, flashdecoding)");
  CHECK(error_of(kHead + "axes:\n  - kv_sram.capacity_kib: {from: 1, to: 8, stp: 2}\n") ==
        "s.yaml:5: axes[0].kv_sram.capacity_kib.stp: unknown key (allowed here: factor, from, "
        "step, to)");
  CHECK(error_of(kHead + "axes:\n  - processor_array.rows: []\n") ==
        "s.yaml:5: axes[0].processor_array.rows: an empty list of values");
  CHECK(error_of(kHead + "axes:\n  - processor_array.rows: [1, [2]]\n") ==
        "s.yaml:5: axes[0].processor_array.rows[1]: expected a single value");
  // Two keys in one item: ambiguous between cross product and zip, so refused.
  CHECK(error_of(kHead + "axes:\n  - processor_array.rows: [1]\n    processor_array.cols: [1]\n")
            .rfind("s.yaml:5: axes[0]: each item of axes is one axis", 0) == 0);
  CHECK(error_of(kHead + "axes:\n  - clock_mhz: [1]\n  - clock_mhz: [2]\n") ==
        "s.yaml:6: axes[1].clock_mhz: already an axis (at line 5)");
  CHECK(error_of(kHead + "axes:\n  - processor array: [1]\n")
            .rfind("s.yaml:5: axes[0].processor array: not an axis", 0) == 0);
  CHECK(error_of(kHead + "axes: []\n") == "s.yaml: a sweep needs at least one axis");
  CHECK(error_of("model: m\ntrace: t\naxes:\n  - clock_mhz: [1]\n") ==
        "s.yaml:1: hw: missing required value");
}

TEST_CASE("sweep file: the algorithm and kv_len axes", "[sweep]") {
  const SweepSpec s = parse(
      "hw: h\nmodel: m\ntrace: {generate_tokens: 2}\n"
      "axes:\n  - kv_len: [512, 1024]\n  - algorithm: [native, swiftkv]\n");
  CHECK(s.trace.prompt_from_kv_len);
  CHECK(s.trace.generate.generate_tokens == 2);
  CHECK(s.point_count() == 4);
  // kv_len sets the prompt: the trace may not set it too.
  CHECK(error_of(kHead + "axes:\n  - kv_len: [512]\n") ==
        "s.yaml:3: trace.prompt_tokens: set by the kv_len axis (line 5); remove it here");
  CHECK(error_of("hw: h\nmodel: m\ntrace: t.trace\naxes:\n  - kv_len: [512]\n")
            .rfind("s.yaml:5: axes[0].kv_len: a kv_len axis needs a generated trace", 0) == 0);
  CHECK(error_of("hw: h\nmodel: m\ntrace: {generate_tokens: 1}\naxes:\n  - kv_len: [1k]\n") ==
        "s.yaml:5: axes[0].kv_len: '1k' is not a whole number of tokens");
  CHECK(error_of(kHead + "algorithm: flash\naxes:\n  - algorithm: [native]\n") ==
        "s.yaml:4: algorithm: set by the algorithm axis (line 6); remove it here");
  CHECK(error_of(kHead + "algorithm: fast\naxes:\n  - clock_mhz: [1]\n") ==
        "s.yaml:4: algorithm: 'fast' is not an algorithm (allowed: swiftkv, native, flash, "
        "flashdecoding)");
}

TEST_CASE("sweep axes: lists, single values, arithmetic and geometric ranges", "[sweep]") {
  CHECK(values_of("processor_array.rows: [16, 32, 64]") == V{"16", "32", "64"});
  CHECK(values_of("dram.preset: hbm2-u55c") == V{"hbm2-u55c"});
  // Both ends included when reached; integers stay integers.
  CHECK(values_of("kv_sram.capacity_kib: {from: 256, to: 1024, step: 256}") ==
        V{"256", "512", "768", "1024"});
  CHECK(values_of("kv_sram.capacity_kib: {from: 256, to: 1000, step: 256}") ==
        V{"256", "512", "768"});
  CHECK(values_of("kv_sram.capacity_kib: {from: 256, to: 2048, factor: 2}") ==
        V{"256", "512", "1024", "2048"});
  CHECK(values_of("kv_sram.capacity_kib: {from: 3, to: 100, factor: 3}") ==
        V{"3", "9", "27", "81"});
  CHECK(values_of("clock_mhz: {from: 5, to: 5, step: 1}") == V{"5"});
  // Reals: each value from `from` (no accumulated rounding), 12 significant digits.
  CHECK(values_of("clock_mhz: {from: 200, to: 250, step: 12.5}") ==
        V{"200", "212.5", "225", "237.5", "250"});
  CHECK(values_of("clock_mhz: {from: 0.1, to: 0.5, step: 0.1}") ==
        V{"0.1", "0.2", "0.3", "0.4", "0.5"});
  CHECK(values_of("clock_mhz: {from: 100, to: 400, factor: 1.5}") ==
        V{"100", "150", "225", "337.5"});
}

TEST_CASE("sweep axes: bad ranges", "[sweep]") {
  const std::string at = "s.yaml:5: axes[0].clock_mhz: ";
  auto err = [](const std::string& range) {
    return error_of(kHead + "axes:\n  - clock_mhz: " + range + "\n");
  };
  CHECK(err("{from: 1, to: 8}") == at + "a range takes either 'step' (arithmetic) or 'factor' "
                                        "(geometric), not both or neither");
  CHECK(err("{from: 1, to: 8, step: 1, factor: 2}").rfind(at + "a range takes either", 0) == 0);
  CHECK(err("{from: 8, to: 1, step: 1}") == at + "'to' (1) is less than 'from' (8)");
  CHECK(err("{from: 1, to: 8, step: 0}") == at + "step 0 must be greater than 0");
  CHECK(err("{from: 1, to: 8, factor: 1}") == at + "factor 1 must be greater than 1");
  CHECK(err("{from: 0, to: 8, factor: 2}") == at + "a geometric range needs 'from' > 0, not 0");
  CHECK(err("{from: one, to: 8, step: 1}") == at + "from 'one' is not a number");
  CHECK(err("{from: 1, to: 1000000, step: 1}") == at + "the range gives more than 10000 values");
  CHECK(error_of(kHead + "axes:\n  - clock_mhz: {from: 1, to: 8}\n").find("s.yaml:5:") == 0);
}

TEST_CASE("sweep axes: zip groups and the cross product's count and order", "[sweep]") {
  const SweepSpec s = parse(kHead +
                            "axes:\n"
                            "  - zip:\n"
                            "      processor_array.rows: [16, 32, 64]\n"
                            "      processor_array.cols: [64, 32, 16]\n"
                            "  - algorithm: [native, swiftkv]\n");
  REQUIRE(s.groups.size() == 2);
  CHECK(s.groups[0].axes.size() == 2);
  CHECK(s.point_count() == 6);  // 3 zipped shapes x 2 algorithms, not 3 x 3 x 2
  const auto points = expand_points(s);
  REQUIRE(points.size() == 6);
  // First group outermost, last fastest; zipped values move together.
  const std::vector<V> expected = {{"16", "64", "native"}, {"16", "64", "swiftkv"},
                                   {"32", "32", "native"}, {"32", "32", "swiftkv"},
                                   {"64", "16", "native"}, {"64", "16", "swiftkv"}};
  for (std::size_t i = 0; i < points.size(); ++i) {
    CHECK(points[i].index == i);
    CHECK(points[i].values == expected[i]);
  }
  CHECK(point_dir_name(s, points[0]) == "0000-rows16-cols64-native");
  CHECK(point_dir_name(s, points[5]) == "0005-rows64-cols16-swiftkv");

  const SweepSpec three = parse(kHead +
                                "axes:\n  - clock_mhz: [100, 200]\n"
                                "  - kv_sram.capacity_kib: {from: 1, to: 4, factor: 2}\n"
                                "  - dram.preset: [a/b, c]\n");
  CHECK(three.point_count() == 2 * 3 * 2);
  const auto p = expand_points(three);
  CHECK(p[7].values == V{"200", "1", "c"});  // 7 = 1*6 + 0*2 + 1
  CHECK(point_dir_name(three, p[6]) == "0006-clock_mhz200-capacity_kib1-preset-a_b");

  CHECK(error_of(kHead + "axes:\n  - zip:\n      processor_array.rows: [1, 2]\n"
                         "      processor_array.cols: [1]\n") ==
        "s.yaml:7: axes[0].zip.processor_array.cols: 1 values, but the first axis of its zip "
        "group (processor_array.rows) has 2; zipped axes take their values together, so they "
        "need as many");
  CHECK(error_of(kHead + "axes:\n  - zip:\n      processor_array.rows: [1, 2]\n") ==
        "s.yaml:5: axes[0].zip: a zip group needs at least two axes");
}

TEST_CASE("sweep: a point count over the limit is refused before expansion", "[sweep]") {
  CHECK(error_of(kHead + "axes:\n  - clock_mhz: {from: 1, to: 1000, step: 1}\n"
                         "  - processor_array.rows: {from: 1, to: 1000, step: 1}\n") ==
        "s.yaml: the axes give more than 100000 points");
}

TEST_CASE("sweep --shard K/N selects index % N == K-1", "[sweep]") {
  const Shard s = parse_shard("2/3");
  CHECK(s.k == 2);
  CHECK(s.n == 3);
  std::vector<std::size_t> picked;
  for (std::size_t i = 0; i < 10; ++i) {
    if (s.selects(i)) picked.push_back(i);
  }
  CHECK(picked == std::vector<std::size_t>{1, 4, 7});
  // Every point in exactly one shard.
  for (std::size_t i = 0; i < 20; ++i) {
    int owners = 0;
    for (std::uint64_t k = 1; k <= 4; ++k) owners += Shard{k, 4}.selects(i) ? 1 : 0;
    CHECK(owners == 1);
  }
  CHECK(Shard{}.selects(12345));
  for (const char* bad : {"0/3", "4/3", "3", "a/b", "1/0", "1/2/3", ""}) {
    CHECK_THROWS_AS(parse_shard(bad), skv::InputError);
  }
}
