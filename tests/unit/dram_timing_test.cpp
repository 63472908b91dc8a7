// Per-rule timing tests: the earliest legal cycle of a command after another, for every
// preset, through the TimingChecker the controller uses.

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "config/DramConfigLoader.h"
#include "models/dram/DramConfig.h"
#include "models/dram/TimingChecker.h"

using namespace skv::dram;

namespace {

const std::string kPresetDir = std::string(SKV_SOURCE_DIR) + "/configs/dram";
const char* const kPresets[] = {"hbm2-u55c", "lpddr4-3200", "lpddr5-6400", "ddr4-3200"};

// Every rule starts from banks activated long before T0, so only the rule under test binds.
constexpr std::uint64_t T0 = 10000;

struct Banks {
  std::uint32_t a;            // the bank of the first command
  std::uint32_t same_group;   // another bank of its group (== a when groups have one bank)
  std::uint32_t other_group;  // a bank of another group (== a without bank groups)
};

Banks banks_of(const TimingChecker& c, const DramConfig& cfg) {
  Banks b;
  b.a = c.bank_index(0, 0, 0);
  b.same_group = c.bank_index(0, 0, cfg.org.banks_per_group > 1 ? 1 : 0);
  b.other_group = c.bank_index(0, cfg.org.bank_groups > 1 ? 1 : 0, 0);
  return b;
}

// Opens `banks` at cycle 0 onwards (spaced by tRC so no ACT rule binds at T0).
void open_all(TimingChecker& c, const DramConfig& cfg, std::vector<std::uint32_t> banks) {
  std::sort(banks.begin(), banks.end());
  banks.erase(std::unique(banks.begin(), banks.end()), banks.end());
  std::uint64_t t = 0;
  for (std::uint32_t b : banks) {
    c.issue(Command::ACT, b, 7, t);
    t += cfg.timing.tRC + cfg.timing.tFAW;
  }
}

std::uint64_t max3(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  return std::max(a, std::max(b, c));
}

}  // namespace

TEST_CASE("timing rules: earliest legal cycle of each command after another, every preset",
          "[dram]") {
  for (const char* name : kPresets) {
    const DramConfig cfg = load_dram_preset(name, kPresetDir);
    const DramTiming& t = cfg.timing;
    const std::uint64_t bl = cfg.burst_cycles();
    const std::uint64_t act_bus = cfg.command_bus.dual ? 0 : cfg.command_bus.act_cycles;
    INFO(name);
    TimingChecker probe(cfg);
    const Banks B = banks_of(probe, cfg);
    const bool groups = cfg.org.bank_groups > 1;

    SECTION("ACT -> RD/WR same bank: tRCD / tRCDW; ACT -> PRE: tRAS") {
      TimingChecker c(cfg);
      c.issue(Command::ACT, B.a, 1, T0);
      CHECK(c.earliest(Command::RD, B.a) == T0 + t.tRCD);
      CHECK(c.earliest(Command::WR, B.a) == T0 + t.tRCDW);
      CHECK(c.earliest(Command::PRE, B.a) == T0 + t.tRAS);
    }
    SECTION("ACT -> ACT: same bank tRC, same group tRRD_L, other group tRRD_S") {
      TimingChecker c(cfg);
      c.issue(Command::ACT, B.a, 1, T0);
      c.issue(Command::PRE, B.a, 0, T0 + t.tRAS);
      // Same bank: after PRE, max(tRC, tRAS + tRP) = tRC (the loader enforces tRC >= both).
      CHECK(c.earliest(Command::ACT, B.a) == T0 + t.tRC);
      if (B.same_group != B.a) CHECK(c.earliest(Command::ACT, B.same_group) >= T0 + t.tRRD_L);
      TimingChecker d(cfg);
      d.issue(Command::ACT, B.a, 1, T0);
      if (B.same_group != B.a) {
        CHECK(d.earliest(Command::ACT, B.same_group) ==
              T0 + std::max<std::uint64_t>(t.tRRD_L, act_bus));
      }
      if (groups) {
        CHECK(d.earliest(Command::ACT, B.other_group) ==
              T0 + std::max<std::uint64_t>(t.tRRD_S, act_bus));
      }
    }
    SECTION("PRE -> ACT: tRP; PREA -> ACT: tRPab") {
      TimingChecker c(cfg);
      c.issue(Command::ACT, B.a, 1, 0);
      c.issue(Command::PRE, B.a, 0, T0);
      CHECK(c.earliest(Command::ACT, B.a) == T0 + t.tRP);
      TimingChecker d(cfg);
      d.issue(Command::ACT, B.a, 1, 0);
      d.issue(Command::PREA, B.a, 0, T0);
      CHECK(d.earliest(Command::ACT, B.a) == T0 + t.tRPab);
      CHECK_FALSE(d.is_open(B.a));
    }
    SECTION(
        "RD -> RD and WR -> WR: tCCD_L same group, tCCD_S other group, never overlapping data") {
      for (Command cmd : {Command::RD, Command::WR}) {
        TimingChecker c(cfg);
        open_all(c, cfg, {B.a, B.same_group, B.other_group});
        c.issue(cmd, B.a, 7, T0);
        CHECK(c.earliest(cmd, B.a) == T0 + std::max<std::uint64_t>(t.tCCD_L, bl));
        CHECK(c.earliest(cmd, B.same_group) == T0 + std::max<std::uint64_t>(t.tCCD_L, bl));
        if (groups) {
          CHECK(c.earliest(cmd, B.other_group) == T0 + std::max<std::uint64_t>(t.tCCD_S, bl));
        }
      }
    }
    SECTION("RD -> WR: tRTW (and the write's data after the read's)") {
      TimingChecker c(cfg);
      open_all(c, cfg, {B.a, B.other_group});
      c.issue(Command::RD, B.a, 7, T0);
      const std::uint64_t expect = std::max<std::uint64_t>(t.tRTW, t.RL + bl - t.WL);
      CHECK(c.earliest(Command::WR, B.a) == T0 + expect);
      CHECK(c.earliest(Command::WR, B.other_group) == T0 + expect);
    }
    SECTION("WR -> RD: end of write data + tWTR_L same group, + tWTR_S other group") {
      TimingChecker c(cfg);
      open_all(c, cfg, {B.a, B.other_group});
      c.issue(Command::WR, B.a, 7, T0);
      CHECK(c.earliest(Command::RD, B.a) == T0 + t.WL + bl + t.tWTR_L);
      if (groups) CHECK(c.earliest(Command::RD, B.other_group) == T0 + t.WL + bl + t.tWTR_S);
    }
    SECTION("RD -> PRE: tRTP; WR -> PRE: end of write data + tWR") {
      TimingChecker c(cfg);
      open_all(c, cfg, {B.a});
      c.issue(Command::RD, B.a, 7, T0);
      CHECK(c.earliest(Command::PRE, B.a) == T0 + t.tRTP);
      TimingChecker d(cfg);
      open_all(d, cfg, {B.a});
      d.issue(Command::WR, B.a, 7, T0);
      CHECK(d.earliest(Command::PRE, B.a) == T0 + t.WL + bl + t.tWR);
    }
    SECTION("RDA / WRA: the bank precharges itself, ACT tRP later") {
      TimingChecker c(cfg);
      open_all(c, cfg, {B.a});
      c.issue(Command::RDA, B.a, 7, T0);
      CHECK_FALSE(c.is_open(B.a));
      CHECK(c.earliest(Command::ACT, B.a) == T0 + t.tRTP + t.tRP);
      TimingChecker d(cfg);
      open_all(d, cfg, {B.a});
      d.issue(Command::WRA, B.a, 7, T0);
      CHECK(d.earliest(Command::ACT, B.a) == T0 + t.WL + bl + t.tWR + t.tRP);
      // An early RDA: the precharge waits for tRAS from the ACT.
      TimingChecker e(cfg);
      e.issue(Command::ACT, B.a, 7, T0);
      e.issue(Command::RDA, B.a, 7, T0 + t.tRCD);
      CHECK(e.earliest(Command::ACT, B.a) ==
            T0 + std::max<std::uint64_t>(t.tRAS, t.tRCD + t.tRTP) + t.tRP);
    }
    SECTION("tFAW: a fifth ACT waits for the first plus tFAW") {
      TimingChecker c(cfg);
      std::vector<std::uint64_t> at;
      std::uint64_t now = T0;
      for (std::uint32_t i = 0; i < 5; ++i) {
        const std::uint32_t b = i % cfg.org.banks();
        now = c.earliest(Command::ACT, b);
        if (i == 0) now = T0;
        if (i == 4) break;
        c.issue(Command::ACT, b, 1, now);
        at.push_back(now);
      }
      // Five banks exist in every preset; ACTs spaced by tRRD, the fifth by tFAW too.
      REQUIRE(cfg.org.banks() >= 5);
      CHECK(c.earliest(Command::ACT, 4) >= at[0] + t.tFAW);
      CHECK(c.earliest(Command::ACT, 4) ==
            max3(at[0] + t.tFAW, at[3] + std::max<std::uint64_t>(t.tRRD_S, act_bus),
                 at[3] + (cfg.org.banks_per_group > 4 ? t.tRRD_L : 0)));
    }
    SECTION("REF: banks precharged tRP before; ACT tRFC after") {
      if (cfg.timing.tRFC > 0) {
        TimingChecker c(cfg);
        c.issue(Command::ACT, B.a, 1, 0);
        c.issue(Command::PRE, B.a, 0, T0);
        CHECK(c.earliest(Command::REF, B.a) == T0 + t.tRP);
        c.issue(Command::REF, B.a, 0, T0 + t.tRP);
        CHECK(c.earliest(Command::ACT, B.other_group) == T0 + t.tRP + t.tRFC);
      }
    }
    SECTION("REFPB: its bank's ACT after tRFCpb, another's after tPBR2ACT, next REFPB tPBR2PBR") {
      if (cfg.timing.tRFCpb > 0) {
        TimingChecker c(cfg);
        c.issue(Command::REFPB, B.a, 0, T0);
        CHECK(c.earliest(Command::ACT, B.a) == T0 + t.tRFCpb);
        const std::uint32_t other = B.other_group != B.a ? B.other_group : B.same_group;
        CHECK(c.earliest(Command::ACT, other) ==
              T0 + std::max<std::uint64_t>(t.tPBR2ACT, cfg.command_bus.refresh_cycles));
        CHECK(c.earliest(Command::REFPB, other) ==
              T0 + std::max<std::uint64_t>(t.tPBR2PBR, cfg.command_bus.refresh_cycles));
      }
    }
    SECTION("command bus: one command at a time (two buses on HBM)") {
      TimingChecker c(cfg);
      open_all(c, cfg, {B.other_group != B.a ? B.other_group : B.same_group});
      const std::uint32_t open_bank = B.other_group != B.a ? B.other_group : B.same_group;
      c.issue(Command::ACT, B.a, 1, T0);
      // A read to the bank opened long ago needs only the command bus (on HBM's separate
      // column bus it could go on the ACT's own cycle).
      CHECK(std::max(c.earliest(Command::RD, open_bank), T0) == T0 + act_bus);
    }
  }
}

TEST_CASE("timing rules with the numbers: HBM2 (U55C preset)", "[dram]") {
  const DramConfig cfg = load_dram_preset("hbm2-u55c", kPresetDir);
  TimingChecker c(cfg);
  const std::uint32_t b0 = c.bank_index(0, 0, 0);
  const std::uint32_t g1 = c.bank_index(0, 1, 0);
  c.issue(Command::ACT, b0, 5, 0);
  CHECK(c.earliest(Command::ACT, g1) == 4);   // tRRD_S 4 (row bus free after 2)
  CHECK(c.earliest(Command::RD, b0) == 11);   // tRCD 11
  CHECK(c.earliest(Command::WR, b0) == 6);    // tRCDW 6
  CHECK(c.earliest(Command::PRE, b0) == 26);  // tRAS 26
  c.issue(Command::RD, b0, 5, 11);
  CHECK(c.earliest(Command::RD, b0) == 14);   // 11 + tCCD_L 3
  CHECK(c.earliest(Command::WR, b0) == 24);   // 11 + tRTW 13
  CHECK(c.earliest(Command::PRE, b0) == 26);  // max(tRAS 26, 11 + tRTP 5 = 16)
  c.issue(Command::ACT, g1, 9, 13);
  CHECK(c.earliest(Command::RD, g1) == 24);  // 13 + tRCD 11
  c.issue(Command::WR, g1, 9, 24);           // rank: RD at 11 + tRTW 13 = 24 allows it
  // RD to b0 (the other group): the write's data ends at 24 + WL 7 + burst 2 = 33, then
  // tWTR_S 4: 37. (b0's own group: 11 + tCCD_L 3 = 14; data bus: 33 - RL 16 = 17.)
  CHECK(c.earliest(Command::RD, b0) == 37);
  CHECK(c.earliest(Command::RD, g1) == 42);  // same group: 33 + tWTR_L 9
}

TEST_CASE("timing rules with the numbers: DDR4-3200", "[dram]") {
  const DramConfig cfg = load_dram_preset("ddr4-3200", kPresetDir);
  TimingChecker c(cfg);
  const std::uint32_t b0 = c.bank_index(0, 0, 0);
  const std::uint32_t b1 = c.bank_index(0, 0, 1);
  const std::uint32_t g1 = c.bank_index(0, 1, 0);
  c.issue(Command::ACT, b0, 5, 0);
  CHECK(c.earliest(Command::ACT, b1) == 8);  // tRRD_L 8
  CHECK(c.earliest(Command::ACT, g1) == 4);  // tRRD_S 4
  c.issue(Command::ACT, g1, 5, 4);
  c.issue(Command::ACT, b1, 5, 8);
  c.issue(Command::ACT, c.bank_index(0, 2, 0), 5, 12);
  // Fifth ACT: first at 0 + tFAW 34 (tRRD_S would allow 16).
  CHECK(c.earliest(Command::ACT, c.bank_index(0, 3, 0)) == 34);
  c.issue(Command::RD, b0, 5, 22);            // tRCD 22
  CHECK(c.earliest(Command::RD, g1) == 26);   // 22 + tCCD_S 4
  CHECK(c.earliest(Command::RD, b1) == 30);   // 22 + tCCD_L 8
  CHECK(c.earliest(Command::WR, g1) == 34);   // 22 + tRTW 12
  CHECK(c.earliest(Command::PRE, b0) == 52);  // max(tRAS 52, 22 + tRTP 12)
}

TEST_CASE("rank to rank: data-bus gaps by direction (DDR4-3200, two ranks)", "[dram]") {
  // JESD79-4 spaces column commands within a rank only; between ranks the gap follows from
  // who drives the data bus (TimingChecker.cpp, docs/dram.md). DDR4: RL 22, WL 16, burst 4,
  // tRTW 12, tRTRS 1 (the loader's default).
  DramConfig cfg = load_dram_preset("ddr4-3200", kPresetDir);
  cfg.org.ranks = 2;
  const std::uint64_t T = T0;
  auto probe = [&cfg](Command first, Command second) {
    TimingChecker c(cfg);
    const std::uint32_t r0 = c.bank_index(0, 0, 0);
    const std::uint32_t r1 = c.bank_index(1, 0, 0);
    c.issue(Command::ACT, r0, 7, 0);
    c.issue(Command::ACT, r1, 7, 100);
    c.issue(first, r0, 7, T0);
    return c.earliest(second, r1);
  };
  // RD -> RD: data ends T + 22 + 4; the other rank's data from there + tRTRS 1, so its RD
  // at T + 27 - 22 = T + 5 (one cycle more than tCCD_S 4 within a rank).
  CHECK(probe(Command::RD, Command::RD) == T + 5);
  // WR -> WR: one driver, no gap: data ends T + 16 + 4 = T + 20, the next write's data may
  // start there: WR at T + 20 - 16 = T + 4 (the rank's own tCCD does not reach across).
  CHECK(probe(Command::WR, Command::WR) == T + 4);
  // RD -> WR: the bus turns from a device to the controller: the same rank's read-to-write
  // gap, tRTW 12 - (RL 22 + 4 - WL 16) = 2 cycles (more than tRTRS 1): data from T + 28,
  // WR at T + 28 - 16 = T + 12 (= tRTW, as within a rank).
  CHECK(probe(Command::RD, Command::WR) == T + 12);
  // WR -> RD: data ends T + 20, + tRTRS 1 = T + 21 for the read's data: RD at T + 21 - 22,
  // so only the command bus holds it: T + 1 (tWTR binds only the written rank: T + 24 there).
  CHECK(probe(Command::WR, Command::RD) == T + 1);
  TimingChecker same(cfg);
  const std::uint32_t b = same.bank_index(0, 1, 0);
  same.issue(Command::ACT, b, 7, 0);
  same.issue(Command::ACT, same.bank_index(0, 0, 0), 7, 100);
  same.issue(Command::WR, same.bank_index(0, 0, 0), 7, T0);
  CHECK(same.earliest(Command::RD, b) == T + 16 + 4 + 4);  // WL + burst + tWTR_S
  CHECK(same.rank_gap(false, false) == 1);
  CHECK(same.rank_gap(false, true) == 2);
  CHECK(same.rank_gap(true, false) == 1);
  CHECK(same.rank_gap(true, true) == 0);
}
