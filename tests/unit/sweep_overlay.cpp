// Setting a point's axis keys in the base hardware YAML: any key of the hardware config's
// schema, DRAM presets inlined (and chosen by a dram.preset axis), errors at the sweep
// file's line.

#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>

#include "common/Error.h"
#include "support/TempDir.h"
#include "sweep/HwOverlay.h"

using namespace skv::sweep;

namespace {

const char* kBase =
    "# base\n"
    "name: base\n"
    "clock_mhz: 250\n"
    "processor_array:\n"
    "  rows: 32\n"
    "  cols: 32\n"
    "dram:\n"
    "  preset: fast\n";

Axis axis(const std::string& key, int line) {
  Axis a;
  a.key = key;
  a.where = SourceRef{"s.yaml", line, "axes[0]." + key};
  return a;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const skv::InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("set_key sets any key of the schema, present or not, and rejects others", "[sweep]") {
  YAML::Node root = YAML::Load(
      "name: base\nclock_mhz: 250\nprocessor_array:\n  rows: 32\n  cols: 32\n"
      "dram:\n  timing: {tRCD: 10}\n");
  const SourceRef w{"s.yaml", 7, "axes[2].x"};
  set_key(root, "processor_array.rows", "64", w, "base.yaml");
  set_key(root, "clock_mhz", "300", w, "base.yaml");
  set_key(root, "dram.timing.tRCD", "11", w, "base.yaml");
  CHECK(root["processor_array"]["rows"].Scalar() == "64");
  CHECK(root["clock_mhz"].Scalar() == "300");
  CHECK(root["dram"]["timing"]["tRCD"].Scalar() == "11");
  CHECK(root["processor_array"].size() == 2);
  // Keys the base leaves at their defaults, and the sections that hold them, are added.
  set_key(root, "processor_array.vector_lanes", "16", w, "base.yaml");
  set_key(root, "attention.splitk_partitions", "2", w, "base.yaml");
  set_key(root, "dram.command_bus.dual", "true", w, "base.yaml");
  CHECK(root["processor_array"]["vector_lanes"].Scalar() == "16");
  CHECK(root["processor_array"].size() == 3);
  CHECK(root["attention"]["splitk_partitions"].Scalar() == "2");
  CHECK(root["dram"]["command_bus"]["dual"].Scalar() == "true");
  CHECK(root.size() == 5);

  // Not keys of the schema: the keys of the nearest section, and the likely one meant.
  CHECK(error_of([&] { set_key(root, "processor_array.rowz", "1", w, "base.yaml"); }) ==
        "s.yaml:7: axes[2].x: not a key of the hardware config (keys of processor_array: rows, "
        "cols, macs_per_pe_per_cycle, weight_bits, activation_bits, fxp32_mac_slots, "
        "vector_lanes, pipeline_fill_cycles, attention_rows); did you mean 'rows'?");
  CHECK(error_of([&] { set_key(root, "x.y", "1", w, "base.yaml"); })
            .find("(keys of the top level: name, clock_mhz, processor_array, attention, kv_sram, "
                  "memory, overlap, dram)") != std::string::npos);
  CHECK(error_of([&] {
          set_key(root, "dram.timing.tRDC", "1", w, "base.yaml");
        }).find("(keys of dram.timing: tRCD, tRCDW,") != std::string::npos);
  CHECK(error_of([&] { set_key(root, "dram.timing", "1", w, "base.yaml"); }) ==
        "s.yaml:7: axes[2].x: dram.timing is a group of keys of the hardware config; an axis "
        "sets one value");
  // A part of the path that the base holds as a single value.
  YAML::Node flat = YAML::Load("processor_array: 5\n");
  CHECK(error_of([&] { set_key(flat, "processor_array.rows", "1", w, "base.yaml"); }) ==
        "s.yaml:7: axes[2].x: processor_array is a single value in the hardware config "
        "base.yaml, not a group of keys");
  CHECK(root.size() == 5);
}

TEST_CASE("axis values are checked against their key's type and range", "[sweep]") {
  const SourceRef w{"s.yaml", 5, "axes[0].processor_array.rows"};
  CHECK_NOTHROW(check_axis_value("processor_array.rows", "64", w));
  CHECK_NOTHROW(check_axis_value("dram.preset", "anything", w));  // found when inlined
  CHECK(error_of([&] { check_axis_value("processor_array.rows", "0", w); }) ==
        "s.yaml:5: axes[0].processor_array.rows: 0 is out of range (allowed: 1 to 4096)");
  CHECK(error_of([&] { check_axis_value("processor_array.rows", "4k", w); }) ==
        "s.yaml:5: axes[0].processor_array.rows: '4k' is not a whole number (allowed: 1 to 4096)");
  CHECK(error_of([&] { check_axis_value("clock_mhz", "0.5", w); }) ==
        "s.yaml:5: axes[0].processor_array.rows: 0.5 is out of range (allowed: 1 to 10000)");
  CHECK(error_of([&] { check_axis_value("dram.controller.page_policy", "lazy", w); }) ==
        "s.yaml:5: axes[0].processor_array.rows: 'lazy' is not allowed (allowed: open, closed, "
        "open_adaptive, closed_adaptive)");
  CHECK(error_of([&] {
          check_axis_value("dram.organisation.channels", "3", w);
        }).find("3 is not a power of two") != std::string::npos);
}

TEST_CASE("HwOverlay inlines the DRAM preset and applies axes in it", "[sweep]") {
  skv::test::TempDir dir;
  const std::string base = dir.write("hw/base.yaml", kBase);
  dir.write("dram/fast.yaml", "name: fast\ntiming:\n  tRCD: 10\n");
  dir.write("dram/slow.yaml", "name: slow\ntiming:\n  tRCD: 20\n");
  const HwOverlay overlay(base);

  const Axis rows = axis("processor_array.rows", 5);
  const Axis alg = axis("algorithm", 6);
  const Axis trcd = axis("dram.timing.tRCD", 7);
  const Axis preset = axis("dram.preset", 8);

  // Special axes do not touch the config.
  YAML::Node a = overlay.apply({&rows, &alg}, {"64", "native"});
  CHECK(a["processor_array"]["rows"].Scalar() == "64");
  CHECK(a["processor_array"]["cols"].Scalar() == "32");
  CHECK(a["dram"]["name"].Scalar() == "fast");
  CHECK(!a["dram"]["preset"].IsDefined());
  CHECK(!a["algorithm"].IsDefined());

  // The preset axis is applied first, whatever its column, then keys inside it.
  YAML::Node b = overlay.apply({&trcd, &preset}, {"13", "slow"});
  CHECK(b["dram"]["name"].Scalar() == "slow");
  CHECK(b["dram"]["timing"]["tRCD"].Scalar() == "13");

  // The base is not changed by applying.
  CHECK(overlay.apply({}, {})["processor_array"]["rows"].Scalar() == "32");

  // The rendered text loads back to the same tree.
  const YAML::Node back = YAML::Load(overlay.render({&rows}, {"128"}));
  CHECK(back["processor_array"]["rows"].Scalar() == "128");
  CHECK(back["dram"]["timing"]["tRCD"].Scalar() == "10");

  CHECK(error_of([&] { overlay.apply({&preset}, {"medium"}); }) ==
        "s.yaml:8: axes[0].dram.preset: no DRAM preset 'medium' in " + dir.file("dram") +
            " (known: fast, slow)");
  const Axis typo = axis("dram.timing.tRDC", 9);
  CHECK(error_of([&] { overlay.apply({&typo}, {"1"}); }) ==
        "s.yaml:9: axes[0].dram.timing.tRDC: not a key of the hardware config (keys of "
        "dram.timing: tRCD, tRCDW, tRP, tRPab, tRAS, tRC, tRTP, tWR, RL, WL, tCCD_S, tCCD_L, "
        "tRRD_S, tRRD_L, tFAW, tWTR_S, tWTR_L, tRTW, tRTRS, tREFI, tRFC, tREFIpb, tRFCpb, "
        "tPBR2PBR, tPBR2ACT); did you mean 'tRCD'?");
  // A key the preset leaves out is added, in the inlined preset.
  const Axis refi = axis("dram.timing.tREFI", 10);
  CHECK(overlay.apply({&refi}, {"3900"})["dram"]["timing"]["tREFI"].Scalar() == "3900");
}

TEST_CASE("HwOverlay resolves its config's base, so that a point's file stands alone", "[sweep]") {
  skv::test::TempDir dir;
  dir.write("hw/base.yaml", kBase);
  // The variant sets one key of a section and its own name; the rest is the base's.
  const std::string variant = dir.write(
      "hw/variant.yaml", "base: base.yaml\nname: variant\nprocessor_array:\n  cols: 64\n");
  dir.write("dram/fast.yaml", "name: fast\ntiming:\n  tRCD: 10\n");
  const HwOverlay overlay(variant);
  const Axis rows = axis("processor_array.rows", 5);
  const YAML::Node a = overlay.apply({&rows}, {"128"});
  CHECK(!a["base"].IsDefined());
  CHECK(a["name"].Scalar() == "variant");
  CHECK(a["clock_mhz"].Scalar() == "250");
  CHECK(a["processor_array"]["rows"].Scalar() == "128");
  CHECK(a["processor_array"]["cols"].Scalar() == "64");
  // The base's preset, found beside the base (the file that names it), inlined.
  CHECK(a["dram"]["name"].Scalar() == "fast");
}
