// The config schemas (common/ConfigSchema.h, one beside each config struct): their
// entries, the defaults and errors they give the loaders, the resolved configs and their
// hashes, and the key tables of docs/formats.md generated from them.

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "common/BuildId.h"
#include "common/ConfigSchema.h"
#include "config/HwConfigLoader.h"
#include "config/ModelConfigLoader.h"
#include "config/ResolvedConfig.h"
#include "config/SchemaDocs.h"
#include "support/TempDir.h"
#include "support/TextChecks.h"

using skv::config::HwConfig;
using skv::config::ModelConfig;
using skv::test::error_of;
using skv::test::TempDir;
namespace schema = skv::schema;

namespace {

std::string source(const std::string& rel) { return std::string(SKV_SOURCE_DIR) + "/" + rel; }

std::string shipped(const std::string& rel) {
  bool ok = false;
  const std::string text = skv::test::read_file(source(rel), &ok);
  REQUIRE(ok);
  return text;
}

// Only the required keys; every other key takes its default.
const std::string kMinimalHw = R"(name: minimal
clock_mhz: 200
processor_array:
  rows: 16
  cols: 48
  macs_per_pe_per_cycle: 2
  fxp32_mac_slots: 4
attention:
  heads_in_parallel: 2
  dot_lanes: 16
  accum_lanes: 16
  max_latency_cycles: 1
  exp2_latency_cycles: 3
  accum_latency_cycles: 2
  divide_latency_cycles: 18
  divide_lanes: 4
  tile_tokens: 32
kv_sram:
  capacity_kib: 1024
  banks: 8
  bank_width_bytes: 64
  ports: 2
  access_latency_cycles: 2
memory:
  request_bytes: 4096
  max_outstanding: 16
  max_batch: 1
dram:
  name: minimal-dram
  clock_mhz: 800
  organisation:
    channels: 2
    ranks: 1
    bank_groups: 4
    banks_per_group: 4
    rows: 65536
    columns: 1024
    bus_width_bits: 64
    burst_length: 8
  timing:
    tRCD: 22
    tRP: 22
    tRAS: 52
    tRC: 74
    tRTP: 12
    tWR: 24
    RL: 22
    WL: 16
    tCCD_S: 4
    tCCD_L: 8
    tRRD_S: 4
    tRRD_L: 8
    tFAW: 34
    tWTR_S: 4
    tWTR_L: 12
    tRTW: 10
  controller:
    page_policy: closed
    queue_depth: 16
)";

template <class S>
void check_entries(const schema::Schema<S>& s, const std::string& name) {
  std::set<std::string> paths;
  for (const auto& f : s.fields()) {
    const schema::KeyInfo& k = f.info;
    INFO(name << ": " << k.path());
    CHECK(paths.insert(k.path()).second);  // one entry per key
    CHECK(!k.key.empty());
    CHECK(!k.member.empty());
    CHECK(!k.description.empty());
    CHECK(k.description.find('|') == std::string::npos);  // it goes into a table cell
    CHECK(k.description.find('\n') == std::string::npos);
    CHECK(s.find_section(k.section) != nullptr);
    REQUIRE(f.get);
    REQUIRE(f.set);
    switch (k.default_kind) {
      case schema::Default::Required:
        CHECK(k.default_text.empty());
        CHECK(!f.fallback);
        break;
      case schema::Default::Fixed:
      case schema::Default::Derived:
        CHECK(!k.default_text.empty());
        CHECK(f.fallback);
        break;
    }
    if (k.type == schema::Type::Integer) {
      CHECK(k.min <= k.max);
      for (const auto v : k.one_of) CHECK((v >= k.min && v <= k.max));
    }
    if (k.type == schema::Type::Real) CHECK(k.min_real <= k.max_real);
    if (k.type == schema::Type::Name) CHECK(!k.names.empty());
    // A fixed default is itself an allowed value.
    if (k.default_kind == schema::Default::Fixed) CHECK(k.check(f.fallback(S{})).empty());
  }
  for (const auto& sec : s.sections()) {
    INFO(name << ": section " << sec.path);
    bool has_key = false;
    for (const auto& f : s.fields()) has_key = has_key || f.info.section.rfind(sec.path, 0) == 0;
    CHECK(has_key);
  }
}

std::string hw_error(const std::string& text) {
  TempDir dir;
  const std::string path = dir.write("hw.yaml", text);
  return error_of([&] { skv::config::load_hw_config(path); });
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// A resolved config written back as YAML: every key, nested as in a file.
std::string to_yaml(const std::vector<skv::config::ResolvedKey>& keys) {
  YAML::Node root(YAML::NodeType::Map);
  for (const auto& k : keys) {
    YAML::Node at;
    at.reset(root);
    const std::string& section = k.info->section;
    for (std::size_t start = 0; start < section.size();) {
      const std::size_t dot = std::min(section.find('.', start), section.size());
      YAML::Node next = at[section.substr(start, dot - start)];
      at.reset(next);
      start = dot + 1;
    }
    at[k.info->key] = schema::to_text(k.value);
  }
  YAML::Emitter out;
  out << root;
  return std::string(out.c_str()) + "\n";
}

std::vector<std::string> texts(const std::vector<skv::config::ResolvedKey>& keys) {
  std::vector<std::string> out;
  for (const auto& k : keys) out.push_back(k.info->path() + "=" + schema::to_text(k.value));
  return out;
}

}  // namespace

TEST_CASE("schema: docs/formats.md's key tables are generated from the schemas", "[config]") {
  const std::string doc = shipped("docs/formats.md");
  const skv::config::SplicedDoc d = skv::config::splice_schema_tables(doc, "docs/formats.md");
  std::string changed;
  for (const auto& id : d.changed) changed += (changed.empty() ? "" : ", ") + id;
  INFO("tables that differ from the schemas: "
       << changed << "; regenerate them with: swiftkv-sim schema --docs docs/formats.md");
  CHECK(d.changed.empty());
  CHECK(d.text == doc);

  // A stale table is found and rewritten; a missing or unknown one is an error.
  const std::string stale = replace(doc, "| `rows` | integer | PEs | 1 to 4096 |",
                                    "| `rows` | integer | PEs | 1 to 9999 |");
  const auto redone = skv::config::splice_schema_tables(stale, "f.md");
  CHECK(redone.changed == std::vector<std::string>{"hw.processor_array"});
  CHECK(redone.text == doc);
  CHECK(error_of([&] {
          skv::config::splice_schema_tables(replace(doc, "<!-- BEGIN schema-table model -->",
                                                    "<!-- BEGIN schema-table modle -->"),
                                            "f.md");
        }).find("f.md:") == 0);
  CHECK(error_of([&] { skv::config::splice_schema_tables("no tables\n", "f.md"); }) ==
        "f.md: has no schema table 'hw' (mark its place with '<!-- BEGIN schema-table hw -->' "
        "and '<!-- END schema-table -->')");
}

TEST_CASE("schema: every entry has its key, member, description, range and default", "[config]") {
  check_entries(skv::config::hw_schema(), "hw");
  check_entries(skv::config::model_schema(), "model");
  check_entries(skv::dram::dram_schema(), "dram");
  // The hardware config's schema is its own keys (name, clock_mhz, overlap.weights,
  // overlap.kv, overlap.arbitration, overlap.across_batches, overlap.o_projection) plus
  // each unit's, the DRAM preset's under `dram`.
  const auto& hw = skv::config::hw_schema();
  CHECK(hw.fields().size() == 7 + skv::config::processor_array_schema().fields().size() +
                                  skv::config::attention_schema().fields().size() +
                                  skv::config::kv_sram_schema().fields().size() +
                                  skv::config::memory_system_schema().fields().size() +
                                  skv::dram::dram_schema().fields().size());
  REQUIRE(hw.find("dram.timing.tRCD") != nullptr);
  CHECK(hw.find("dram.timing.tRCD")->info.member == "dram.timing.tRCD");
  CHECK(hw.find("processor_array.rows")->info.member == "array.rows");
  CHECK(hw.find_section("dram.command_bus")->required == false);
  // Names and the DRAM's currents (energy only) are not timing; every other key is.
  for (const auto& f : hw.fields()) {
    INFO(f.info.path());
    CHECK(f.info.affects_timing ==
          (f.info.key != "name" && f.info.path().rfind("dram.power.", 0) != 0));
  }
}

TEST_CASE("schema: keys left out take their defaults, derived from the keys before them",
          "[config]") {
  TempDir dir;
  const HwConfig hw = skv::config::load_hw_config(dir.write("hw.yaml", kMinimalHw));
  CHECK(hw.array.weight_bits == 4);
  CHECK(hw.array.activation_bits == 8);
  CHECK(hw.array.vector_lanes == 48);          // cols
  CHECK(hw.array.pipeline_fill_cycles == 63);  // rows + cols - 1 = 16 + 48 - 1
  CHECK(hw.attention.block_tokens == 32);      // tile_tokens
  CHECK(hw.attention.splitk_partitions == 2);  // min(4, heads_in_parallel = 2)
  CHECK(hw.attention.score_bits == 32);
  const auto& d = hw.dram;
  CHECK(d.org.data_rate == 2);
  CHECK(d.timing.tRCDW == 22);  // tRCD
  CHECK(d.timing.tRPab == 22);  // tRP
  CHECK(d.timing.tRTRS == 1);
  CHECK(d.timing.tREFI == 0);
  CHECK(d.timing.tREFIpb == 0);   // tREFI / 16 banks per rank
  CHECK(d.timing.tPBR2PBR == 4);  // tRRD_S
  CHECK(d.timing.tPBR2ACT == 4);
  CHECK(d.controller.refresh == skv::dram::RefreshMode::None);  // tREFI is 0
  CHECK(d.controller.scheduler == skv::dram::SchedulerKind::FrFcfs);
  CHECK(d.controller.address_mapping == "RoRaBaCoBgCh");
  CHECK_FALSE(d.command_bus.dual);
  CHECK(d.command_bus.act_cycles == 1);

  // With refresh timing, the derived defaults follow it.
  const HwConfig refreshed = skv::config::load_hw_config(dir.write(
      "hw2.yaml",
      replace(kMinimalHw, "    tRTW: 10\n", "    tRTW: 10\n    tREFI: 6240\n    tRFC: 280\n")));
  CHECK(refreshed.dram.timing.tREFIpb == 390);  // 6240 / 16
  CHECK(refreshed.dram.controller.refresh == skv::dram::RefreshMode::AllBank);
}

TEST_CASE("schema: errors name the file, line and key, what is wrong and what is allowed",
          "[config]") {
  auto err = [](const std::string& text) {
    const std::string e = hw_error(text);
    // "<temp dir>/hw.yaml:<line>: ..." -> "hw.yaml:<line>: ..."
    const auto at = e.find("hw.yaml:");
    return at == std::string::npos ? e : e.substr(at);
  };
  CHECK(err(replace(kMinimalHw, "rows: 16", "rows: 5000")) ==
        "hw.yaml:4: processor_array.rows: 5000 is out of range (allowed: 1 to 4096)");
  CHECK(err(replace(kMinimalHw, "clock_mhz: 200", "clock_mhz: 0.5")) ==
        "hw.yaml:2: clock_mhz: 0.5 is out of range (allowed: 1 to 10000)");
  CHECK(err(replace(kMinimalHw, "channels: 2", "channels: 3")) ==
        "hw.yaml:32: dram.organisation.channels: 3 is not a power of two (allowed: a power of "
        "two, 1 to 1024)");
  CHECK(err(replace(kMinimalHw, "page_policy: closed", "page_policy: lazy")) ==
        "hw.yaml:58: dram.controller.page_policy: 'lazy' is not allowed (allowed: open, closed, "
        "open_adaptive, closed_adaptive)");
  CHECK(err(replace(kMinimalHw, "  controller:\n",
                    "  command_bus:\n    dual: yes\n  controller:\n")) ==
        "hw.yaml:58: dram.command_bus.dual: 'yes' is not a boolean (allowed: true, false)");
  CHECK(err(replace(kMinimalHw, "tile_tokens: 32", "tile_tokens: many")) ==
        "hw.yaml:17: attention.tile_tokens: 'many' is not a whole number (allowed: 1 to 65536)");
  CHECK(err(replace(kMinimalHw, "  tile_tokens: 32\n", "")) ==
        "hw.yaml:9: attention.tile_tokens: missing required value");
  // An unknown key lists every key of its mapping, those left at their defaults too.
  CHECK(err(replace(kMinimalHw, "  ports: 2\n", "  ports: 2\n  port: 2\n")) ==
        "hw.yaml:23: kv_sram.port: unknown key (allowed here: access_latency_cycles, "
        "bank_width_bytes, banks, capacity_kib, ports, prefetch_kib, score_kib)");
  CHECK(err(replace(kMinimalHw, "  fxp32_mac_slots: 4\n", "  fxp32_mac_slots: 4\n  lanes: 4\n"))
            .rfind("hw.yaml:8: processor_array.lanes: unknown key (allowed here: activation_bits, "
                   "attention_rows, cols, fxp32_mac_slots, macs_per_pe_per_cycle, "
                   "pipeline_fill_cycles, rows, "
                   "vector_lanes, weight_bits)",
                   0) == 0);
  CHECK(err(replace(kMinimalHw, "  controller:\n",
                    "  command_bus:\n    dual_bus: true\n  controller:\n"))
            .rfind("hw.yaml:58: dram.command_bus.dual_bus: unknown key (allowed here: "
                   "act_cycles, column_cycles, dual, precharge_cycles, refresh_cycles)",
                   0) == 0);
}

TEST_CASE("schema: a resolved config has every key and loads back to the same config", "[config]") {
  TempDir dir;
  for (const char* name : {"swiftkv-mha-u55c", "swiftkv-mha-lpddr4"}) {
    INFO(name);
    const HwConfig hw =
        skv::config::load_hw_config(source(std::string("configs/hw/") + name + ".yaml"));
    const auto keys = skv::config::resolved_keys(hw);
    CHECK(keys.size() == skv::config::hw_schema().fields().size());
    const HwConfig back =
        skv::config::load_hw_config(dir.write(std::string(name) + ".yaml", to_yaml(keys)));
    CHECK(texts(skv::config::resolved_keys(back)) == texts(keys));
  }
  const ModelConfig model = skv::config::load_model_config(source("configs/models/llama3-8b.yaml"));
  const auto keys = skv::config::resolved_keys(model);
  const ModelConfig back = skv::config::load_model_config(dir.write("model.yaml", to_yaml(keys)));
  CHECK(texts(skv::config::resolved_keys(back)) == texts(keys));
}

TEST_CASE("schema: the resolved config hash covers timing keys and the schema version",
          "[config]") {
  const HwConfig hw = skv::config::load_hw_config(source("configs/hw/swiftkv-mha-u55c.yaml"));
  const ModelConfig model = skv::config::load_model_config(source("configs/models/tiny.yaml"));
  const std::string h = skv::config::resolved_config_hash(hw, model);
  CHECK(h.size() == 16);
  CHECK(h == skv::config::resolved_config_hash(hw, model));
  // Names and files are not timing.
  HwConfig renamed = hw;
  renamed.name = "other";
  renamed.source_file = "elsewhere.yaml";
  renamed.dram.name = "other-dram";
  ModelConfig renamed_model = model;
  renamed_model.name = "other";
  CHECK(skv::config::resolved_config_hash(renamed, renamed_model) == h);
  // Every timing key does, in the hardware, the DRAM and the model.
  HwConfig tiles = hw;
  tiles.attention.tile_tokens += 1;
  CHECK(skv::config::resolved_config_hash(tiles, model) != h);
  HwConfig dram = hw;
  dram.dram.timing.tRCD += 1;
  CHECK(skv::config::resolved_config_hash(dram, model) != h);
  HwConfig lpddr4 = skv::config::load_hw_config(source("configs/hw/swiftkv-mha-lpddr4.yaml"));
  CHECK(skv::config::resolved_config_hash(lpddr4, model) != h);
  ModelConfig longer = model;
  longer.max_context *= 2;
  CHECK(skv::config::resolved_config_hash(hw, longer) != h);
}

TEST_CASE("schema: the version covers keys, types, units, ranges and defaults, not descriptions",
          "[config]") {
  const std::string& v = skv::config::schema_version();
  CHECK(v.size() == 16);
  const auto keys = skv::config::hw_schema().keys();
  const auto sections = skv::config::hw_schema().sections();
  const std::string base = schema::schema_hash(keys, sections);
  auto changed = [&](auto edit) {
    auto k = keys;
    edit(k.at(2));  // processor_array.rows
    return schema::schema_hash(k, sections);
  };
  CHECK(changed([](schema::KeyInfo& k) { k.description = "reworded"; }) == base);
  CHECK(changed([](schema::KeyInfo& k) { k.max += 1; }) != base);
  CHECK(changed([](schema::KeyInfo& k) { k.unit = "rows"; }) != base);
  CHECK(changed([](schema::KeyInfo& k) { k.key = "row"; }) != base);
  CHECK(changed([](schema::KeyInfo& k) { k.type = schema::Type::Real; }) != base);
  CHECK(changed([](schema::KeyInfo& k) {
          k.default_kind = schema::Default::Fixed;
          k.default_text = "32";
        }) != base);
  CHECK(changed([](schema::KeyInfo& k) { k.affects_timing = false; }) != base);
  // The build id: 16 hex digits.
  const std::string id = skv::build_id();
  CHECK(id.size() == 16);
  for (const char c : id) CHECK(std::isxdigit(static_cast<unsigned char>(c)));
}

TEST_CASE("schema: a DRAM config built in code meets the same ranges as a file", "[config]") {
  skv::dram::DramConfig c =
      skv::config::load_hw_config(source("configs/hw/swiftkv-mha-u55c.yaml")).dram;
  CHECK(skv::dram::check_dram_config(c).empty());
  c.org.channels = 3;
  c.controller.queue_depth = 0;
  const auto problems = skv::dram::check_dram_config(c);
  REQUIRE(problems.size() >= 2);
  CHECK(problems[0].section == "organisation");
  CHECK(problems[0].key == "channels");
  CHECK(problems[0].reason == "3 is not a power of two (allowed: a power of two, 1 to 1024)");
  CHECK(problems[1].section == "controller");
  CHECK(problems[1].key == "queue_depth");
  CHECK(problems[1].reason == "0 is out of range (allowed: 1 to 4096)");
}
