#include "models/dram/DramConfig.h"

#include <fmt/format.h>

#include "models/dram/AddressMapper.h"

namespace skv::dram {

namespace {

bool is_pow2(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

}  // namespace

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

std::vector<ConfigProblem> check_dram_config(const DramConfig& c) {
  std::vector<ConfigProblem> out;
  auto bad = [&out](const char* section, const char* key, std::string reason) {
    out.push_back(ConfigProblem{section, key, std::move(reason)});
  };
  const auto& o = c.org;
  const auto& t = c.timing;
  if (!(c.clock_mhz > 0)) bad("", "clock_mhz", "must be positive");
  // Power-of-two counts keep the address mapping a pure bit-field split.
  const std::pair<const char*, std::uint64_t> counts[] = {{"channels", o.channels},
                                                          {"ranks", o.ranks},
                                                          {"bank_groups", o.bank_groups},
                                                          {"banks_per_group", o.banks_per_group},
                                                          {"rows", o.rows},
                                                          {"columns", o.columns}};
  for (const auto& [key, v] : counts) {
    if (!is_pow2(v)) bad("organisation", key, fmt::format("{} is not a power of two", v));
  }
  if (o.ranks > 16) bad("organisation", "ranks", "at most 16 ranks per channel");
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
  if (!is_pow2(o.burst_length)) bad("organisation", "burst_length", "must be a power of two");
  if (o.columns % o.burst_length != 0) {
    bad("organisation", "columns",
        fmt::format("{} columns is not a whole number of bursts of {}", o.columns, o.burst_length));
  }
  if (t.tRC < t.tRAS + t.tRP) {
    bad("timing", "tRC", fmt::format("{} is less than tRAS + tRP = {}", t.tRC, t.tRAS + t.tRP));
  }
  if (t.tCCD_L < t.tCCD_S) bad("timing", "tCCD_L", "must not be less than tCCD_S");
  if (t.tRRD_L < t.tRRD_S) bad("timing", "tRRD_L", "must not be less than tRRD_S");
  if (t.tWTR_L < t.tWTR_S) bad("timing", "tWTR_L", "must not be less than tWTR_S");
  if (t.tCCD_S == 0) bad("timing", "tCCD_S", "must be at least 1");
  if (t.RL == 0) bad("timing", "RL", "must be at least 1");
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
  if (c.controller.queue_depth == 0 || c.controller.queue_depth > 4096) {
    bad("controller", "queue_depth", "must be in [1, 4096]");
  }
  const ControllerConfig& ctl = c.controller;
  if (ctl.write_policy == WritePolicy::Drain) {
    if (ctl.write_queue_depth == 0 || ctl.write_queue_depth > 4096) {
      bad("controller", "write_queue_depth", "must be in [1, 4096]");
    } else if (ctl.write_high_watermark == 0 || ctl.write_high_watermark > ctl.write_queue_depth) {
      bad("controller", "write_high_watermark",
          fmt::format("{} is not in [1, write_queue_depth {}]", ctl.write_high_watermark,
                      ctl.write_queue_depth));
    } else if (ctl.write_low_watermark >= ctl.write_high_watermark) {
      bad("controller", "write_low_watermark",
          fmt::format("{} is not below write_high_watermark {}", ctl.write_low_watermark,
                      ctl.write_high_watermark));
    }
  }
  if (ctl.frontend_latency_cycles > 1000) {
    bad("controller", "frontend_latency_cycles", "must be in [0, 1000]");
  }
  const std::string map_err = address_mapping_error(c.controller.address_mapping, o);
  if (!map_err.empty()) bad("controller", "address_mapping", map_err);
  const auto& b = c.command_bus;
  if (b.act_cycles == 0 || b.column_cycles == 0 || b.precharge_cycles == 0 ||
      b.refresh_cycles == 0) {
    bad("command_bus", "act_cycles", "every command takes at least one cycle");
  }
  return out;
}

}  // namespace skv::dram
