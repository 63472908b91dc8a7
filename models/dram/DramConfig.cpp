#include "models/dram/DramConfig.h"

#include <fmt/format.h>

#include "models/dram/AddressMapper.h"

namespace skv::dram {

std::string to_string(PagePolicy p) {
  switch (p) {
    case PagePolicy::Open:
      return "open";
    case PagePolicy::Closed:
      return "closed";
    case PagePolicy::OpenAdaptive:
      return "open_adaptive";
    case PagePolicy::ClosedAdaptive:
      return "closed_adaptive";
  }
  return "?";
}
std::string to_string(SchedulerKind s) { return s == SchedulerKind::FrFcfs ? "frfcfs" : "fcfs"; }
std::string to_string(RefreshMode r) {
  switch (r) {
    case RefreshMode::None:
      return "none";
    case RefreshMode::AllBank:
      return "all_bank";
    case RefreshMode::PerBank:
      return "per_bank";
  }
  return "?";
}

std::string to_string(WritePolicy w) { return w == WritePolicy::Drain ? "drain" : "shared"; }

const schema::Schema<DramConfig>& dram_schema() {
  using namespace schema;
  static const Schema<DramConfig> instance = [] {
    Schema<DramConfig> s;
    s.key("name", SKV_MEMBER(name), text(), "", required, Timing::No,
          "the preset's name, shown in reports (`dram.preset`)");
    s.key("clock_mhz", SKV_MEMBER(clock_mhz), real(1, 10000), "MHz", required, Timing::Yes,
          "command clock; the simulated period is `1e6 / clock_mhz` rounded to a whole "
          "picosecond");

    // Power-of-two counts keep the address mapping a pure bit-field split.
    s.section("organisation");
    s.key("channels", SKV_MEMBER(org.channels), power_of_two(1, 1024), "channels", required,
          Timing::Yes, "independent channels (HBM: pseudo-channels)");
    s.key("ranks", SKV_MEMBER(org.ranks), power_of_two(1, 16), "ranks", required, Timing::Yes,
          "ranks per channel");
    s.key("bank_groups", SKV_MEMBER(org.bank_groups), power_of_two(1, 64), "groups", required,
          Timing::Yes, "bank groups per rank");
    s.key("banks_per_group", SKV_MEMBER(org.banks_per_group), power_of_two(1, 64), "banks",
          required, Timing::Yes, "banks per bank group (at most 256 banks per channel)");
    s.key("rows", SKV_MEMBER(org.rows), power_of_two(1, std::uint64_t{1} << 24), "rows", required,
          Timing::Yes, "rows per bank");
    s.key("columns", SKV_MEMBER(org.columns), power_of_two(1, 1u << 16), "columns", required,
          Timing::Yes,
          "column addresses per row, each `bus_width_bits` wide; a whole number of bursts");
    s.key("bus_width_bits", SKV_MEMBER(org.bus_width_bits), integer(8, 1024), "bits", required,
          Timing::Yes, "data bus width of one channel, a multiple of 8");
    s.key("burst_length", SKV_MEMBER(org.burst_length), power_of_two(1, 64), "beats", required,
          Timing::Yes,
          "beats per burst; a burst is `bus_width_bits / 8 * burst_length` bytes and takes "
          "`burst_length / data_rate` cycles");
    s.key("data_rate", SKV_MEMBER(org.data_rate), integer(1, 16), "beats/cycle", fixed(2),
          Timing::Yes, "beats per command-clock cycle (DDR: 2; LPDDR5 with 4:1 WCK: 8)");

    s.section("timing");
    s.key("tRCD", SKV_MEMBER(timing.tRCD), integer(1, 1000), "tCK", required, Timing::Yes,
          "ACT to RD, same bank (HBM2: tRCDRD)");
    s.key("tRCDW", SKV_MEMBER(timing.tRCDW), integer(1, 1000), "tCK",
          derived("`tRCD`", [](const DramConfig& c) { return c.timing.tRCD; }), Timing::Yes,
          "ACT to WR, same bank (HBM2: tRCDWR)");
    s.key("tRP", SKV_MEMBER(timing.tRP), integer(1, 1000), "tCK", required, Timing::Yes,
          "PRE to ACT, same bank (LPDDR: tRPpb)");
    s.key("tRPab", SKV_MEMBER(timing.tRPab), integer(1, 1000), "tCK",
          derived("`tRP`", [](const DramConfig& c) { return c.timing.tRP; }), Timing::Yes,
          "PREA to ACT, same rank");
    s.key("tRAS", SKV_MEMBER(timing.tRAS), integer(1, 1000), "tCK", required, Timing::Yes,
          "ACT to PRE, same bank");
    s.key("tRC", SKV_MEMBER(timing.tRC), integer(1, 2000), "tCK", required, Timing::Yes,
          "ACT to ACT, same bank; at least `tRAS + tRP`");
    s.key("tRTP", SKV_MEMBER(timing.tRTP), integer(1, 1000), "tCK", required, Timing::Yes,
          "RD to PRE, same bank");
    s.key("tWR", SKV_MEMBER(timing.tWR), integer(1, 1000), "tCK", required, Timing::Yes,
          "end of write data to PRE, same bank");
    s.key("RL", SKV_MEMBER(timing.RL), integer(1, 1000), "tCK", required, Timing::Yes,
          "RD to the first data beat");
    s.key("WL", SKV_MEMBER(timing.WL), integer(0, 1000), "tCK", required, Timing::Yes,
          "WR to the first data beat");
    s.key("tCCD_S", SKV_MEMBER(timing.tCCD_S), integer(1, 1000), "tCK", required, Timing::Yes,
          "column to column, different bank group");
    s.key("tCCD_L", SKV_MEMBER(timing.tCCD_L), integer(1, 1000), "tCK", required, Timing::Yes,
          "column to column, same bank group; at least `tCCD_S`");
    s.key("tRRD_S", SKV_MEMBER(timing.tRRD_S), integer(1, 1000), "tCK", required, Timing::Yes,
          "ACT to ACT, different bank group");
    s.key("tRRD_L", SKV_MEMBER(timing.tRRD_L), integer(1, 1000), "tCK", required, Timing::Yes,
          "ACT to ACT, same bank group; at least `tRRD_S`");
    s.key("tFAW", SKV_MEMBER(timing.tFAW), integer(0, 2000), "tCK", required, Timing::Yes,
          "window holding at most four ACTs of a rank (0: no limit)");
    s.key("tWTR_S", SKV_MEMBER(timing.tWTR_S), integer(0, 1000), "tCK", required, Timing::Yes,
          "end of write data to RD, different bank group");
    s.key("tWTR_L", SKV_MEMBER(timing.tWTR_L), integer(0, 1000), "tCK", required, Timing::Yes,
          "end of write data to RD, same bank group; at least `tWTR_S`");
    s.key("tRTW", SKV_MEMBER(timing.tRTW), integer(1, 1000), "tCK", required, Timing::Yes,
          "RD to WR, same rank");
    s.key("tRTRS", SKV_MEMBER(timing.tRTRS), integer(0, 100), "tCK", fixed(1), Timing::Yes,
          "gap on the data bus when it passes from one rank to another");
    s.key("tREFI", SKV_MEMBER(timing.tREFI), integer(0, 1000000), "tCK", fixed(0), Timing::Yes,
          "all-bank refresh interval");
    s.key("tRFC", SKV_MEMBER(timing.tRFC), integer(0, 100000), "tCK", fixed(0), Timing::Yes,
          "all-bank refresh cycle time; less than `tREFI`");
    s.key("tREFIpb", SKV_MEMBER(timing.tREFIpb), integer(0, 1000000), "tCK",
          derived("`tREFI / (bank_groups * banks_per_group)`",
                  [](const DramConfig& c) {
                    return c.org.banks_per_rank() == 0 ? 0
                                                       : c.timing.tREFI / c.org.banks_per_rank();
                  }),
          Timing::Yes, "per-bank refresh interval");
    s.key("tRFCpb", SKV_MEMBER(timing.tRFCpb), integer(0, 100000), "tCK", fixed(0), Timing::Yes,
          "per-bank refresh cycle time; less than `tREFIpb` times the banks per rank");
    s.key("tPBR2PBR", SKV_MEMBER(timing.tPBR2PBR), integer(0, 10000), "tCK",
          derived("`tRRD_S`", [](const DramConfig& c) { return c.timing.tRRD_S; }), Timing::Yes,
          "REFPB to REFPB of another bank (HBM2: tRREFD)");
    s.key("tPBR2ACT", SKV_MEMBER(timing.tPBR2ACT), integer(0, 10000), "tCK",
          derived("`tRRD_S`", [](const DramConfig& c) { return c.timing.tRRD_S; }), Timing::Yes,
          "REFPB to ACT of another bank (HBM2: tRREFD)");

    s.section("command_bus", /*required=*/false);
    s.key("dual", SKV_MEMBER(command_bus.dual), boolean(), "", fixed(false), Timing::Yes,
          "separate row and column command buses (HBM), or one shared bus (DDR4, LPDDR4/5)");
    s.key("act_cycles", SKV_MEMBER(command_bus.act_cycles), integer(1, 16), "tCK", fixed(1),
          Timing::Yes, "cycles an ACT holds its command bus");
    s.key("column_cycles", SKV_MEMBER(command_bus.column_cycles), integer(1, 16), "tCK", fixed(1),
          Timing::Yes, "cycles a RD or WR holds its command bus");
    s.key("precharge_cycles", SKV_MEMBER(command_bus.precharge_cycles), integer(1, 16), "tCK",
          fixed(1), Timing::Yes, "cycles a PRE or PREA holds its command bus");
    s.key("refresh_cycles", SKV_MEMBER(command_bus.refresh_cycles), integer(1, 16), "tCK", fixed(1),
          Timing::Yes, "cycles a REF or REFPB holds its command bus");

    s.section("controller");
    s.key("scheduler", SKV_MEMBER(controller.scheduler),
          names<SchedulerKind>({{"frfcfs", SchedulerKind::FrFcfs}, {"fcfs", SchedulerKind::Fcfs}}),
          "", fixed(SchedulerKind::FrFcfs), Timing::Yes,
          "which queued burst goes next: first-ready first-come-first-served, or strictly in "
          "order");
    s.key("page_policy", SKV_MEMBER(controller.page_policy),
          names<PagePolicy>({{"open", PagePolicy::Open},
                             {"closed", PagePolicy::Closed},
                             {"open_adaptive", PagePolicy::OpenAdaptive},
                             {"closed_adaptive", PagePolicy::ClosedAdaptive}}),
          "", required, Timing::Yes, "when a row is closed after an access (docs/dram.md)");
    s.key("refresh", SKV_MEMBER(controller.refresh),
          names<RefreshMode>({{"all_bank", RefreshMode::AllBank},
                              {"per_bank", RefreshMode::PerBank},
                              {"none", RefreshMode::None}}),
          "",
          derived("`all_bank` if `tREFI` > 0, else `none`",
                  [](const DramConfig& c) {
                    return c.timing.tREFI > 0 ? RefreshMode::AllBank : RefreshMode::None;
                  }),
          Timing::Yes, "refresh mode");
    s.key("queue_depth", SKV_MEMBER(controller.queue_depth), integer(1, 4096), "bursts", required,
          Timing::Yes,
          "bursts the scheduler holds per channel: reads only under `write_policy: drain`, "
          "reads and writes under `shared`");
    s.key("write_policy", SKV_MEMBER(controller.write_policy),
          names<WritePolicy>({{"drain", WritePolicy::Drain}, {"shared", WritePolicy::Shared}}),
          "", fixed(WritePolicy::Drain), Timing::Yes,
          "`drain`: writes wait in a queue of their own and go in batches between the "
          "watermarks; `shared`: one queue, each bank's oldest hit whatever its direction");
    // Without the keys: a write queue as deep as the read queue, drained from 80% of it
    // down to 20% (rounded to whole bursts: 26 and 6 of 32).
    s.key("write_queue_depth", SKV_MEMBER(controller.write_queue_depth), integer(1, 4096),
          "bursts", derived("`queue_depth`", [](const DramConfig& c) {
            return c.controller.queue_depth;
          }),
          Timing::Yes, "the write queue's bursts per channel (`write_policy: drain`)");
    s.key("write_high_watermark", SKV_MEMBER(controller.write_high_watermark), integer(1, 4096),
          "bursts",
          derived("`ceil(0.8 * write_queue_depth)`",
                  [](const DramConfig& c) { return (c.controller.write_queue_depth * 4 + 4) / 5; }),
          Timing::Yes,
          "queued writes that start a drain (so does no read waiting); at most "
          "`write_queue_depth`");
    s.key("write_low_watermark", SKV_MEMBER(controller.write_low_watermark), integer(0, 4095),
          "bursts",
          derived("`floor(0.2 * write_queue_depth)`",
                  [](const DramConfig& c) { return c.controller.write_queue_depth / 5; }),
          Timing::Yes,
          "queued writes at which a drain ends (so does an empty write queue); below "
          "`write_high_watermark`");
    s.key("frontend_latency_cycles", SKV_MEMBER(controller.frontend_latency_cycles),
          integer(0, 1000), "tCK", fixed(1), Timing::Yes,
          "cycles from a burst's arrival to the first cycle the scheduler can act on it");
    s.key("address_mapping", SKV_MEMBER(controller.address_mapping), text(), "",
          fixed(std::string("RoRaBaCoBgCh")), Timing::Yes,
          "address fields from the most to the least significant bit (docs/dram.md)");

    // Energy only (docs/energy.md): a device's JEDEC currents on its main supply rail.
    s.section("power", /*required=*/false);
    s.key("devices_per_rank", SKV_MEMBER(power.devices_per_rank), integer(1, 64), "devices",
          fixed(1), Timing::No,
          "devices whose currents add up to one rank of one channel (a x64 DDR4 rank of x8 "
          "dies: 8)");
    s.key("vdd", SKV_MEMBER(power.vdd), real(0, 5), "V", fixed(0.0), Timing::No,
          "supply voltage of the currents below; 0: the preset states no currents");
    s.key("idd0", SKV_MEMBER(power.idd0), real(0, 10000), "mA", fixed(0.0), Timing::No,
          "IDD0: one bank activated and precharged every tRC");
    s.key("idd2n", SKV_MEMBER(power.idd2n), real(0, 10000), "mA", fixed(0.0), Timing::No,
          "IDD2N: precharged standby");
    s.key("idd3n", SKV_MEMBER(power.idd3n), real(0, 10000), "mA", fixed(0.0), Timing::No,
          "IDD3N: active standby (a bank open)");
    s.key("idd4r", SKV_MEMBER(power.idd4r), real(0, 10000), "mA", fixed(0.0), Timing::No,
          "IDD4R: burst reads");
    s.key("idd4w", SKV_MEMBER(power.idd4w), real(0, 10000), "mA", fixed(0.0), Timing::No,
          "IDD4W: burst writes");
    s.key("idd5b", SKV_MEMBER(power.idd5b), real(0, 10000), "mA", fixed(0.0), Timing::No,
          "IDD5B: all-bank refresh, during tRFC");
    return s;
  }();
  return instance;
}

std::vector<ConfigProblem> check_dram_config(const DramConfig& c) {
  std::vector<ConfigProblem> out;
  auto bad = [&out](const char* section, const char* key, std::string reason) {
    out.push_back(ConfigProblem{section, key, std::move(reason)});
  };
  // Each value within its key's range (as a file is checked when read).
  for (const auto& [key, reason] : dram_schema().check(c)) {
    out.push_back(ConfigProblem{key->section, key->key, reason});
  }
  const auto& o = c.org;
  const auto& t = c.timing;
  if (o.banks() > 256) {
    bad("organisation", "banks_per_group",
        fmt::format("{} banks per channel (allowed: at most 256)", o.banks()));
  }
  if (o.bus_width_bits % 8 != 0 || o.bus_width_bits == 0) {
    bad("organisation", "bus_width_bits", "must be a positive multiple of 8");
  }
  if (o.data_rate == 0 || o.burst_length % o.data_rate != 0) {
    bad("organisation", "burst_length",
        fmt::format("{} beats is not a whole number of clock cycles at {} beats per cycle",
                    o.burst_length, o.data_rate));
  }
  if (o.burst_length != 0 && o.columns % o.burst_length != 0) {
    bad("organisation", "columns",
        fmt::format("{} columns is not a whole number of bursts of {}", o.columns, o.burst_length));
  }
  if (t.tRC < t.tRAS + t.tRP) {
    bad("timing", "tRC", fmt::format("{} is less than tRAS + tRP = {}", t.tRC, t.tRAS + t.tRP));
  }
  if (t.tCCD_L < t.tCCD_S) bad("timing", "tCCD_L", "must not be less than tCCD_S");
  // Currents, when stated: each state above the background it is measured over.
  const DramPower& p = c.power;
  if (p.stated()) {
    if (p.idd2n <= 0) bad("power", "idd2n", "must be above 0 when vdd is set");
    if (p.idd3n < p.idd2n) bad("power", "idd3n", "must not be less than idd2n");
    if (p.idd0 < p.idd3n) bad("power", "idd0", "must not be less than idd3n");
    if (p.idd4r < p.idd3n) bad("power", "idd4r", "must not be less than idd3n");
    if (p.idd4w < p.idd3n) bad("power", "idd4w", "must not be less than idd3n");
    if (c.controller.refresh != RefreshMode::None && p.idd5b < p.idd3n) {
      bad("power", "idd5b", "must not be less than idd3n");
    }
  }
  if (t.tRRD_L < t.tRRD_S) bad("timing", "tRRD_L", "must not be less than tRRD_S");
  if (t.tWTR_L < t.tWTR_S) bad("timing", "tWTR_L", "must not be less than tWTR_S");
  switch (c.controller.refresh) {
    case RefreshMode::None:
      break;
    case RefreshMode::AllBank:
      if (t.tREFI == 0 || t.tRFC == 0) {
        bad("timing", "tREFI", "all-bank refresh needs tREFI and tRFC above 0");
      } else if (t.tRFC >= t.tREFI) {
        bad("timing", "tRFC", "must be less than tREFI");
      }
      break;
    case RefreshMode::PerBank:
      if (t.tREFIpb == 0 || t.tRFCpb == 0) {
        bad("timing", "tREFIpb", "per-bank refresh needs tREFIpb and tRFCpb above 0");
      } else if (o.banks_per_rank() > 64) {
        bad("controller", "refresh", "per-bank refresh supports at most 64 banks per rank");
      } else if (t.tRFCpb >= t.tREFIpb * o.banks_per_rank()) {
        bad("timing", "tRFCpb", "must be less than tREFIpb times the banks per rank");
      }
      break;
  }
  const ControllerConfig& ctl = c.controller;
  if (ctl.write_policy == WritePolicy::Drain) {
    if (ctl.write_high_watermark > ctl.write_queue_depth) {
      bad("controller", "write_high_watermark",
          fmt::format("{} is not in [1, write_queue_depth {}]", ctl.write_high_watermark,
                      ctl.write_queue_depth));
    } else if (ctl.write_low_watermark >= ctl.write_high_watermark) {
      bad("controller", "write_low_watermark",
          fmt::format("{} is not below write_high_watermark {}", ctl.write_low_watermark,
                      ctl.write_high_watermark));
    }
  }
  const std::string map_err = address_mapping_error(c.controller.address_mapping, o);
  if (!map_err.empty()) bad("controller", "address_mapping", map_err);
  return out;
}

}  // namespace skv::dram
