// Setting a point's axis keys in the base hardware YAML: existing keys only, DRAM presets
// inlined (and chosen by a dram.preset axis), errors at the sweep file's line.

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

TEST_CASE("set_existing_key sets a nested scalar and rejects unknown keys", "[sweep]") {
  YAML::Node root = YAML::Load("a:\n  b: 1\n  c: {d: x}\ne: 2\n");
  const Axis ab = axis("a.b", 3);
  set_existing_key(root, "a.b", "64", ab.where, "base.yaml");
  set_existing_key(root, "a.c.d", "y", ab.where, "base.yaml");
  set_existing_key(root, "e", "3", ab.where, "base.yaml");
  CHECK(root["a"]["b"].Scalar() == "64");
  CHECK(root["a"]["c"]["d"].Scalar() == "y");
  CHECK(root["e"].Scalar() == "3");
  // Nothing else changed, and no key was added.
  CHECK(root["a"].size() == 2);
  CHECK(root.size() == 2);

  const SourceRef w{"s.yaml", 7, "axes[2].a.bb"};
  CHECK(error_of([&] { set_existing_key(root, "a.bb", "1", w, "base.yaml"); }) ==
        "s.yaml:7: axes[2].a.bb: not a key of the hardware config base.yaml (keys of a: b, c); an "
        "axis sets only keys the base config has, so add this one there first");
  CHECK(error_of([&] {
          set_existing_key(root, "x.y", "1", w, "base.yaml");
        }).find("(keys of the top level: a, e)") != std::string::npos);
  CHECK(error_of([&] { set_existing_key(root, "a", "1", w, "base.yaml"); }) ==
        "s.yaml:7: axes[2].a.bb: a is a group of keys in the hardware config base.yaml; an axis "
        "sets one value");
  CHECK(error_of([&] { set_existing_key(root, "e.f", "1", w, "base.yaml"); }) ==
        "s.yaml:7: axes[2].a.bb: not a key of the hardware config base.yaml: e is a single "
        "value, not a group of keys");
  CHECK(root.size() == 2);
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
  CHECK(error_of([&] {
          overlay.apply({&typo}, {"1"});
        }).rfind("s.yaml:9: axes[0].dram.timing.tRDC: not a key of the hardware config", 0) == 0);
}
